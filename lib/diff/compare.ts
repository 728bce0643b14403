import { isCrd, Manifest, objectKey, objectRef } from '../manifests';
import { diffFields, FieldChange } from './fields';
import { qualifiedRef } from './identity';

/** What happened to one object between two manifest sets. */
export type ObjectChangeKind = 'added' | 'removed' | 'changed' | 'moved';

/** One object that differs between two manifest sets. */
export interface ObjectDiff {
  /** Identity: API group, kind, namespace and name (see objectKey). */
  readonly key: string;
  /** How the report names it: `kind/namespace/name`, qualified with the group if two objects would share that. */
  readonly ref: string;
  /** added, removed, changed (fields differ, maybe moved too) or moved (same fields, other file). */
  readonly kind: ObjectChangeKind;
  /** The file it is in now, or was in when removed. */
  readonly file: string;
  /** Its position in that file, from 0. */
  readonly index: number;
  /** The file it was in before, when it moved to another file (its apply order changed). */
  readonly movedFrom?: string;
  /** The changed field paths, for changed objects; empty otherwise. */
  readonly fields: readonly FieldChange[];
}

/**
 * More changes than this below one CRD version's schema become one summary line:
 * an upgrade rewrites hundreds of schema descriptions, which tells a reviewer nothing
 * beyond "the schema changed", while a few paths (a new field) are worth reading.
 */
const SCHEMA_DETAIL_LIMIT = 5;

const CRD_SCHEMA = /^spec\.versions\[[^\]]*\]\.schema(?=$|[.[])/;

function summariseCrdSchemas(fields: FieldChange[]): FieldChange[] {
  const counts = new Map<string, number>();
  for (const f of fields) {
    const schema = CRD_SCHEMA.exec(f.path)?.[0];
    if (schema) counts.set(schema, (counts.get(schema) ?? 0) + 1);
  }
  const out: FieldChange[] = [];
  const emitted = new Set<string>();
  for (const f of fields) {
    const schema = CRD_SCHEMA.exec(f.path)?.[0];
    const count = schema ? counts.get(schema) ?? 0 : 0;
    if (!schema || count <= SCHEMA_DETAIL_LIMIT) {
      out.push(f);
    } else if (!emitted.has(schema)) {
      emitted.add(schema);
      out.push({ path: schema, kind: 'changed', summarises: count });
    }
  }
  return out;
}

/**
 * Identity → manifest. A second object with the same identity in one set (an invalid
 * set, since it would overwrite the first on apply) gets `#2`, `#3` … so it still shows.
 */
function byKey(manifests: readonly Manifest[]): Map<string, Manifest> {
  const map = new Map<string, Manifest>();
  for (const m of manifests) {
    // In a fleet's output the same object exists once per cluster folder: the folder is part of its identity.
    const folder = m.file.includes('/') ? `${m.file.slice(0, m.file.lastIndexOf('/'))}\0` : '';
    const base = `${folder}${objectKey(m)}`;
    let key = base;
    for (let n = 2; map.has(key); n++) key = `${base}#${n}`;
    map.set(key, m);
  }
  return map;
}

/**
 * The objects that differ between two manifest sets, matched by identity (API group,
 * kind, namespace, name), ordered by file, then position, then identity.
 * Objects whose content and file are equal are left out.
 */
export function diffManifests(before: readonly Manifest[], after: readonly Manifest[]): ObjectDiff[] {
  const old = byKey(before);
  const now = byKey(after);
  const refCount = new Map<string, number>();
  for (const m of new Map([...old, ...now]).values()) {
    refCount.set(objectRef(m), (refCount.get(objectRef(m)) ?? 0) + 1);
  }
  const refOf = (m: Manifest) => ((refCount.get(objectRef(m)) ?? 0) > 1 ? qualifiedRef(m) : objectRef(m));

  const out: ObjectDiff[] = [];
  for (const [key, a] of old) {
    const b = now.get(key);
    if (!b) {
      out.push({ key, ref: refOf(a), kind: 'removed', file: a.file, index: a.index, fields: [] });
      continue;
    }
    let fields = diffFields(a.object, b.object);
    if (isCrd(b)) fields = summariseCrdSchemas(fields);
    const moved = a.file !== b.file;
    if (!fields.length && !moved) continue;
    out.push({
      key,
      ref: refOf(b),
      kind: fields.length ? 'changed' : 'moved',
      file: b.file,
      index: b.index,
      ...(moved ? { movedFrom: a.file } : {}),
      fields,
    });
  }
  for (const [key, b] of now) {
    if (!old.has(key)) out.push({ key, ref: refOf(b), kind: 'added', file: b.file, index: b.index, fields: [] });
  }
  return out.sort((x, y) => compareStrings(x.file, y.file) || x.index - y.index || compareStrings(x.key, y.key));
}

/** Code-unit order, so the result does not depend on the machine's locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
