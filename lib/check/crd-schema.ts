import { createHash } from 'crypto';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { groupKind, isCrd, Manifest } from '../manifests';
import { formatSchemaErrors } from './schema-errors';

/** An OpenAPI v3 schema node as found in a CRD; only the keywords rewritten here are typed. */
interface SchemaNode {
  readonly [keyword: string]: unknown;
  readonly type?: string | readonly string[];
  readonly properties?: { readonly [name: string]: SchemaNode };
  readonly items?: SchemaNode;
  readonly additionalProperties?: SchemaNode | boolean;
  readonly anyOf?: readonly SchemaNode[];
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean;
  readonly 'x-kubernetes-int-or-string'?: boolean;
  readonly 'x-kubernetes-embedded-resource'?: boolean;
}

/** One version of a CustomResourceDefinition. */
interface CrdVersion {
  /** Whether the API server serves this version. */
  readonly served: boolean;
  /** spec.versions[].schema.openAPIV3Schema. */
  readonly schema?: SchemaNode;
}

/** A CustomResourceDefinition found in the checked folder. */
export interface Crd {
  /** The CRD object itself (its file orders it against its custom resources). */
  readonly manifest: Manifest;
  /** spec.group. */
  readonly group: string;
  /** spec.names.kind. */
  readonly kind: string;
  /** spec.scope. */
  readonly scope: 'Namespaced' | 'Cluster';
  /** spec.versions by name. */
  readonly versions: ReadonlyMap<string, CrdVersion>;
}

/** Whether a manifest is a CustomResourceDefinition. */

/** The CRDs of a folder, by the group and kind they define. */
export class CrdIndex {
  private readonly byGroupKind = new Map<string, Crd>();
  private readonly groups = new Set<string>();

  constructor(manifests: readonly Manifest[]) {
    for (const m of manifests.filter(isCrd)) {
      const spec = (m.object.spec ?? {}) as { group?: string; names?: { kind?: string }; scope?: string; versions?: { name?: string; served?: boolean; schema?: { openAPIV3Schema?: SchemaNode } }[] };
      const group = String(spec.group ?? '');
      const kind = String(spec.names?.kind ?? '');
      const key = groupKind(group, kind);
      // A second CRD for the same kind is reported by the uniqueness rule (same name) or is invalid; the first wins.
      if (this.byGroupKind.has(key)) continue;
      this.groups.add(group);
      this.byGroupKind.set(key, {
        manifest: m,
        group,
        kind,
        scope: spec.scope === 'Cluster' ? 'Cluster' : 'Namespaced',
        versions: new Map((spec.versions ?? []).map(v => [String(v.name), { served: v.served === true, schema: v.schema?.openAPIV3Schema }])),
      });
    }
  }

  /** Whether some CRD in the folder defines kinds in this API group. */
  servesGroup(group: string): boolean {
    return this.groups.has(group);
  }

  /** The CRD that defines group/kind, if the folder has it. */
  find(group: string, kind: string): Crd | undefined {
    return this.byGroupKind.get(groupKind(group, kind));
  }
}

/** The properties the API server accepts at the root of every object (and of embedded resources), declared or not. */
const OBJECT_ROOT_PROPERTIES: { readonly [name: string]: SchemaNode } = {
  apiVersion: { type: 'string' },
  kind: { type: 'string' },
  metadata: { type: 'object' },
};

/**
 * Rewrites a structural CRD schema into one ajv enforces as the API server would:
 * - fields a schema does not declare are errors (the server prunes them, and kubectl's
 *   default strict field validation rejects them), unless x-kubernetes-preserve-unknown-fields;
 * - x-kubernetes-int-or-string without its usual anyOf accepts an integer or a string;
 * - apiVersion, kind and metadata are always allowed at an object's root.
 * x-kubernetes-validations (CEL rules) are not evaluated: no CEL interpreter here.
 * Only the structural path (properties, items, additionalProperties) is rewritten: the
 * branches of anyOf/oneOf/allOf/not may only add value checks in a structural schema.
 */
function toAjvSchema(node: SchemaNode, isRoot: boolean): SchemaNode {
  const out: { [keyword: string]: unknown } = { ...node };
  let properties = node.properties;
  if (isRoot || node['x-kubernetes-embedded-resource']) properties = { ...OBJECT_ROOT_PROPERTIES, ...properties };
  if (properties) {
    out.properties = Object.fromEntries(Object.entries(properties).map(([name, child]) => [name, toAjvSchema(child, false)]));
    if (node.additionalProperties === undefined && !node['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  }
  if (node.items) out.items = toAjvSchema(node.items, false);
  if (typeof node.additionalProperties === 'object') out.additionalProperties = toAjvSchema(node.additionalProperties, false);
  if (node['x-kubernetes-int-or-string'] && node.type === undefined && node.anyOf === undefined) out.type = ['integer', 'string'];
  return out;
}

let ajv: Ajv | undefined;
// Keyed by the schema's content: compiling a large CRD schema (the Gateway API's) costs
// hundreds of milliseconds, and the same schema read again (another folder, another
// check in the same process) is the same validator.
const compiled = new Map<string, ValidateFunction>();

/** One ajv for every CRD, created on first use so a folder without custom resources pays nothing. */
function getAjv(): Ajv {
  if (!ajv) {
    // strict: false lets the x-kubernetes-* keywords through as annotations; logger: false
    // because the API server, too, ignores formats it does not know.
    ajv = new Ajv({ strict: false, allErrors: true, logger: false });
    // The OpenAPI formats Istio's CRDs use (int32, double, byte, date-time) and the common ones.
    addFormats(ajv);
  }
  return ajv;
}

/** Schema errors of a custom resource against its CRD; the CRD must serve the object's version. */
export function validateCustomResource(crd: Crd, version: string, object: object): string[] {
  const served = crd.versions.get(version);
  if (!served?.served) {
    const servedNames = [...crd.versions].filter(([, v]) => v.served).map(([name]) => name);
    return [`version ${version} is not served by CustomResourceDefinition ${crd.manifest.name} (served: ${servedNames.join(', ') || 'none'})`];
  }
  if (!served.schema) return [];
  const key = createHash('sha256').update(JSON.stringify(served.schema)).digest('hex');
  let validate = compiled.get(key);
  if (!validate) {
    validate = getAjv().compile(toAjvSchema(served.schema, true));
    compiled.set(key, validate);
  }
  return validate(object) ? [] : formatSchemaErrors(validate.errors ?? []);
}
