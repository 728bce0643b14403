import type { CelInput } from '@bufbuild/cel';
import { durationFromMs, timestampFromMs } from '@bufbuild/protobuf/wkt';
import { parseKubernetesDateTime, parseKubernetesDuration } from '../schema/formats';
import { additionalPropertiesOf, isJsonObject, JsonValue, SchemaNode } from '../schema/structural';
import { escapePropertyName } from './escaping';

/**
 * A custom resource's value as CEL sees it, typed by its schema as the API server types it
 * (apiserver/pkg/cel/common: SchemaDeclType and UnstructuredToVal):
 * - `integer` is CEL int (a bigint here), `number` is double, even for a whole number;
 * - a string with format byte is bytes, date/date-time a timestamp, duration a duration;
 * - an object with properties holds only its declared properties, under their escaped
 *   names; a map (additionalProperties) keeps its keys as they are;
 * - at the root (and in an embedded resource), `metadata` holds only name and generateName;
 * - a property that is null is absent, as the server finds it (has() is false);
 * - what the schema leaves open (x-kubernetes-preserve-unknown-fields, int-or-string) is
 *   typed by its value: whole numbers are ints, as Go's JSON decoding makes them.
 * Set and map lists compare as plain lists (the server compares them ignoring order).
 */
export class CelValues {
  // Keyed by schema node and value node: rules at several depths convert each subtree
  // once, and a value reached under two schemas (a YAML alias) is typed by each.
  private readonly converted = new WeakMap<object, WeakMap<object, CelInput>>();
  private readonly untyped = {};

  /** The value at a node carrying `schema`; `isResource` for the root and embedded resources. */
  of(schema: SchemaNode | undefined, value: JsonValue, isResource = false): CelInput {
    if (value === null || typeof value !== 'object') return scalar(schema, value);
    const bySchema = this.converted.get(schema ?? this.untyped) ?? new WeakMap<object, CelInput>();
    this.converted.set(schema ?? this.untyped, bySchema);
    const cached = bySchema.get(value);
    if (cached !== undefined) return cached;
    const out = Array.isArray(value) ? value.map(v => this.of(schema?.items, v)) : this.object(schema, value as { readonly [key: string]: JsonValue }, isResource);
    bySchema.set(value, out);
    return out;
  }

  private object(schema: SchemaNode | undefined, value: { readonly [key: string]: JsonValue }, isResource: boolean): CelInput {
    const out = new Map<string, CelInput>();
    const embedded = isResource || schema?.['x-kubernetes-embedded-resource'] === true;
    const values = schema ? additionalPropertiesOf(schema) : undefined;
    const typed = schema !== undefined && (schema.properties !== undefined || values !== undefined);
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined || (v === null && !values)) continue;
      if (embedded && k === 'metadata') {
        out.set(k, resourceMetadata(v));
      } else if (embedded && (k === 'apiVersion' || k === 'kind')) {
        out.set(k, this.of(undefined, v));
      } else if (values) {
        out.set(k, this.of(values, v));
      } else if (typed) {
        const prop = schema!.properties![k];
        const name = escapePropertyName(k);
        if (prop && name !== undefined) out.set(name, this.of(prop, v));
        else if (!prop && schema!['x-kubernetes-preserve-unknown-fields'] && name !== undefined) out.set(name, this.of(undefined, v));
      } else {
        // Open (preserve-unknown-fields) or untyped: every field, by its value.
        out.set(k, this.of(undefined, v));
      }
    }
    return out;
  }
}

/** metadata as rules see it: name and generateName, the only fields the server exposes there. */
function resourceMetadata(v: JsonValue): CelInput {
  const out = new Map<string, CelInput>();
  if (isJsonObject(v)) for (const k of ['name', 'generateName']) if (typeof v[k] === 'string') out.set(k, v[k] as string);
  return out;
}

function scalar(schema: SchemaNode | undefined, value: JsonValue): CelInput {
  if (value === null) return null;
  if (typeof value === 'number') {
    if (schema?.type === 'number') return value;
    return Number.isInteger(value) ? BigInt(value) : value;
  }
  if (typeof value === 'string' && schema?.type === 'string') {
    switch (schema.format) {
      case 'byte': return Uint8Array.from(Buffer.from(value, 'base64'));
      case 'date':
      case 'date-time': {
        const ms = schema.format === 'date' ? parseKubernetesDateTime(`${value}T00:00:00Z`) : parseKubernetesDateTime(value);
        return ms === undefined ? value : timestampFromMs(ms);
      }
      case 'duration': {
        const ms = parseKubernetesDuration(value);
        return ms === undefined ? value : durationFromMs(ms);
      }
    }
  }
  return value as CelInput;
}
