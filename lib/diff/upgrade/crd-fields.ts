import { isCrd, Manifest } from '../../manifests';
import { sameValue } from '../fields';
import { flowValue } from '../flow';
import { isRecord, pairObjects } from './pairs';

/** One field of a CRD version's schema that was added, removed, or whose own schema changed. */
export interface SchemaFieldChange {
  /**
   * Path of the field in the custom resource, e.g. `spec.trafficPolicy.tls.insecureSkipVerify`:
   * `properties` are `.name`, `items` are `[]`, `additionalProperties` (map values) are
   * `.*`; '' is the schema's root.
   */
  readonly path: string;
  readonly kind: 'added' | 'removed' | 'changed';
  /** For an added or removed field: its type, e.g. `string`, `[]string`, `map[string]string`, `object`. */
  readonly type?: string;
  /** For an added or removed field: how many named fields below it came or went with it (not listed). */
  readonly nested?: number;
  /** For a changed field: what changed in its own schema, e.g. `type: "string" → "integer"`. */
  readonly details?: readonly string[];
}

/** What happened to one version of a CRD. */
export interface CrdVersionChange {
  /** The version's name, e.g. `v1alpha3`. */
  readonly version: string;
  /** added or removed (the whole version), or changed (flags or schema). */
  readonly status: 'added' | 'removed' | 'changed';
  /** served, storage, deprecated, deprecationWarning changes, e.g. `storage: true → false`. */
  readonly flags: readonly string[];
  /** Schema fields added, removed or changed, in schema order (added ones as in the new schema). */
  readonly fields: readonly SchemaFieldChange[];
  /** An earlier version of the same CRD with exactly these field changes: renderers say so instead of repeating them. */
  readonly sameFieldsAs?: string;
}

/** The versions of one CRD (present on both sides) that changed. */
export interface CrdChange {
  /** metadata.name, e.g. `virtualservices.networking.istio.io`. */
  readonly name: string;
  readonly versions: readonly CrdVersionChange[];
}

/** The keys of a schema node that are its structure (walked) or prose (ignored), not its own constraints. */
const NOT_OWN = new Set(['description', 'properties']);

/** The version flags a reviewer must see change: they decide what the API server serves and stores. */
const VERSION_FLAGS = ['served', 'storage', 'deprecated', 'deprecationWarning'] as const;

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `parent.key`, `parent["odd key"]`, or `parent.*` for map values. */
function childPath(parent: string, key: string): string {
  if (key !== '*' && !PLAIN_KEY.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent ? `${parent}.${key}` : key;
}

/** A value with every `description` removed, at any depth: descriptions change at every release and say nothing to review. */
function withoutDescriptions(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutDescriptions);
  if (!isRecord(v)) return v;
  const out: { [key: string]: unknown } = {};
  for (const [k, x] of Object.entries(v)) if (k !== 'description') out[k] = withoutDescriptions(x);
  return out;
}

/** One field of a schema: where it hangs and its own constraints (type, enum, format, validations …). */
interface SchemaField {
  readonly parent?: string;
  /** The schema node itself. */
  readonly node: { readonly [key: string]: unknown };
  readonly own: { readonly [key: string]: unknown };
}

/**
 * A field's type in a short, Go-like form: `string`, `boolean`, `[]string`,
 * `map[string]string`, `object`, `int-or-string`; undefined when the schema does not say.
 */
export function typeText(node: unknown): string | undefined {
  if (!isRecord(node)) return undefined;
  if (node['x-kubernetes-int-or-string'] === true) return 'int-or-string';
  if (node.type === 'array') return `[]${typeText(node.items) ?? ''}`;
  if (node.type === 'object' && isRecord(node.additionalProperties) && !isRecord(node.properties)) {
    return `map[string]${typeText(node.additionalProperties) ?? ''}`;
  }
  if (typeof node.type === 'string') return node.type;
  return node['x-kubernetes-preserve-unknown-fields'] === true ? 'any' : undefined;
}

/** True for the path of a named field, not of a list's items (`[]`) or a map's values (`.*`). */
function isNamed(path: string): boolean {
  return !path.endsWith('[]') && !path.endsWith('.*') && path !== '*';
}

/**
 * Every field of an openAPIV3Schema, by path, in document order: walks `properties`,
 * `items` and `additionalProperties` (the structure of a structural schema; `allOf`,
 * `anyOf`, `oneOf` and `not` may only repeat it, so they count as constraints).
 */
export function schemaFields(schema: unknown): Map<string, SchemaField> {
  const out = new Map<string, SchemaField>();
  const visit = (node: unknown, path: string, parent: string | undefined) => {
    if (!isRecord(node) || out.has(path)) return;
    const own: { [key: string]: unknown } = {};
    for (const [k, v] of Object.entries(node)) {
      if (NOT_OWN.has(k) || ((k === 'items' || k === 'additionalProperties') && isRecord(v))) continue;
      own[k] = withoutDescriptions(v);
    }
    out.set(path, { ...(parent === undefined ? {} : { parent }), node, own });
    if (isRecord(node.properties)) {
      for (const [key, child] of Object.entries(node.properties)) visit(child, childPath(path, key), path);
    }
    if (isRecord(node.items)) visit(node.items, `${path}[]`, path);
    if (isRecord(node.additionalProperties)) visit(node.additionalProperties, childPath(path, '*'), path);
  };
  visit(schema, '', undefined);
  return out;
}

function shown(v: unknown): string {
  return v === undefined ? '(unset)' : flowValue(v, 60);
}

/** `enum: added "A", "B"; removed "C"` for lists, `type: "string" → "integer"` for anything else. */
function keywordChange(key: string, a: unknown, b: unknown): string {
  if (Array.isArray(a) && Array.isArray(b)) {
    const added = b.filter(x => !a.some(y => sameValue(x, y)));
    const removed = a.filter(x => !b.some(y => sameValue(x, y)));
    const parts = [
      ...(added.length ? [`added ${added.map(x => flowValue(x, 80)).join(', ')}`] : []),
      ...(removed.length ? [`removed ${removed.map(x => flowValue(x, 80)).join(', ')}`] : []),
    ];
    if (parts.length) return `${key}: ${parts.join('; ')}`;
    return `${key}: (reordered)`;
  }
  return `${key}: ${shown(a)} → ${shown(b)}`;
}

/**
 * The fields added to, removed from and changed in a schema. A field added with fields
 * below it is one entry (its `nested` count says how many came with it), and so is a
 * removed one; a field's description is ignored.
 */
export function schemaChanges(before: unknown, after: unknown): SchemaFieldChange[] {
  const old = schemaFields(before);
  const now = schemaFields(after);
  const out: SchemaFieldChange[] = [];
  const collapse = (mine: Map<string, SchemaField>, other: Map<string, SchemaField>, kind: 'added' | 'removed') => {
    const roots = new Map<string, number>();
    const rootOf = new Map<string, string>();
    for (const [path, field] of mine) {
      if (other.has(path)) continue;
      const root = field.parent !== undefined ? rootOf.get(field.parent) : undefined;
      if (root !== undefined) {
        rootOf.set(path, root);
        if (isNamed(path)) roots.set(root, roots.get(root)! + 1);
      } else {
        rootOf.set(path, path);
        roots.set(path, 0);
      }
    }
    return [...roots].map(([path, nested]): SchemaFieldChange => {
      const type = typeText(mine.get(path)!.node);
      return { path, kind, ...(type ? { type } : {}), ...(nested ? { nested } : {}) };
    });
  };
  for (const [path, field] of old) {
    const next = now.get(path);
    if (!next) continue;
    const keys = [...new Set([...Object.keys(field.own), ...Object.keys(next.own)])];
    const details = keys.filter(k => !sameValue(field.own[k], next.own[k])).map(k => keywordChange(k, field.own[k], next.own[k]));
    if (details.length) out.push({ path, kind: 'changed', details });
  }
  return [...collapse(now, old, 'added'), ...collapse(old, now, 'removed'), ...out];
}

function versionsOf(crd: Manifest): Map<string, { readonly [key: string]: unknown }> {
  const versions = new Map<string, { readonly [key: string]: unknown }>();
  const list: unknown = crd.object.spec?.versions;
  if (Array.isArray(list)) {
    for (const v of list) if (isRecord(v) && typeof v.name === 'string' && !versions.has(v.name)) versions.set(v.name, v);
  }
  return versions;
}

function schemaOf(version: { readonly [key: string]: unknown }): unknown {
  return isRecord(version.schema) ? version.schema.openAPIV3Schema : undefined;
}

function versionChange(name: string, a: { readonly [key: string]: unknown }, b: { readonly [key: string]: unknown }): CrdVersionChange | undefined {
  const flags = VERSION_FLAGS.filter(f => !sameValue(a[f], b[f])).map(f => `${f}: ${shown(a[f])} → ${shown(b[f])}`);
  const fields = schemaChanges(schemaOf(a), schemaOf(b));
  return flags.length || fields.length ? { version: name, status: 'changed', flags, fields } : undefined;
}

/** Versions whose field changes repeat an earlier version's say so (Istio serves one schema under several versions). */
function markRepeats(versions: CrdVersionChange[]): CrdVersionChange[] {
  return versions.map((v, i) => {
    if (!v.fields.length) return v;
    const same = versions.slice(0, i).find(w => w.fields.length && !w.sameFieldsAs && sameValue(w.fields, v.fields));
    return same ? { ...v, sameFieldsAs: same.version } : v;
  });
}

/**
 * Per CRD present on both sides, the versions added, removed, or changed in their
 * flags or in their schema's fields. CRDs added or removed whole are left to the
 * objects section.
 */
export function crdChanges(before: readonly Manifest[], after: readonly Manifest[]): CrdChange[] {
  const out: CrdChange[] = [];
  for (const pair of pairObjects(before, after, isCrd)) {
    if (!pair.before || !pair.after) continue;
    const old = versionsOf(pair.before);
    const now = versionsOf(pair.after);
    const versions: CrdVersionChange[] = [];
    for (const [name, b] of now) {
      const a = old.get(name);
      const change = a ? versionChange(name, a, b) : { version: name, status: 'added' as const, flags: [], fields: [] };
      if (change) versions.push(change);
    }
    for (const name of old.keys()) {
      if (!now.has(name)) versions.push({ version: name, status: 'removed', flags: [], fields: [] });
    }
    if (versions.length) out.push({ name: pair.after.name, versions: markRepeats(versions) });
  }
  return out;
}

/** Versions of one CRD that share the same field changes, with those changes. */
export interface FieldGroup {
  /** The versions, in CRD order: `v1`, `v1beta1`, `v1alpha3` for most Istio CRDs. */
  readonly versions: readonly string[];
  readonly fields: readonly SchemaFieldChange[];
}

/** A CRD's field changes once per distinct set of changes, naming every version that has it. */
export function fieldGroups(crd: CrdChange): FieldGroup[] {
  const groups = new Map<string, { versions: string[]; fields: readonly SchemaFieldChange[] }>();
  for (const v of crd.versions) {
    if (!v.fields.length) continue;
    const head = v.sameFieldsAs ?? v.version;
    const group = groups.get(head) ?? { versions: [], fields: v.fields };
    group.versions.push(v.version);
    groups.set(head, group);
  }
  return [...groups.values()];
}

/** A field path as shown: the schema's root is `(root)`. */
export function shownPath(path: string): string {
  return path || '(root)';
}
