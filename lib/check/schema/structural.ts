/**
 * A structural OpenAPI v3 schema node, as a CustomResourceDefinition version carries one
 * (spec.versions[].schema.openAPIV3Schema). Only the keywords this folder reads are typed.
 */
export interface SchemaNode {
  readonly [keyword: string]: unknown;
  readonly type?: string;
  readonly format?: string;
  readonly properties?: { readonly [name: string]: SchemaNode };
  readonly items?: SchemaNode;
  readonly additionalProperties?: SchemaNode | boolean;
  readonly required?: readonly string[];
  readonly anyOf?: readonly SchemaNode[];
  readonly default?: unknown;
  readonly nullable?: boolean;
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean;
  readonly 'x-kubernetes-int-or-string'?: boolean;
  readonly 'x-kubernetes-embedded-resource'?: boolean;
  readonly 'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  readonly 'x-kubernetes-list-map-keys'?: readonly string[];
  readonly 'x-kubernetes-validations'?: readonly ValidationRule[];
}

/** One x-kubernetes-validations entry. */
export interface ValidationRule {
  /** The CEL expression; true means valid. */
  readonly rule: string;
  /** Shown when the rule is false. @default `failed rule: <rule>` */
  readonly message?: string;
  /** A CEL expression for the message. @default - none */
  readonly messageExpression?: string;
  /** The field the error is reported at, relative to the node (`.spec.x`, `['a.b']`). @default - the node */
  readonly fieldPath?: string;
  /** FieldValueInvalid (default), FieldValueForbidden, FieldValueRequired or FieldValueDuplicate. */
  readonly reason?: string;
  /** Evaluate a transition rule on create too, with oldSelf absent. @default false */
  readonly optionalOldSelf?: boolean;
}

/** A JSON value as parsed from YAML. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A mapping (not a list, not null). */
export function isJsonObject(v: unknown): v is { readonly [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The schema of a map's values, when additionalProperties is a schema. */
export function additionalPropertiesOf(node: SchemaNode): SchemaNode | undefined {
  return typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined;
}
