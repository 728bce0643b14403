import { Manifest, objectKey, objectRef } from '../../manifests';

/** One object as the upgrade sections see it: on one side, on the other, or on both. */
export interface ObjectPair {
  /** How the sections name it: `kind/namespace/name`. */
  readonly ref: string;
  /** The object before, when the old side has it. */
  readonly before?: Manifest;
  /** The object after, when the new side has it. */
  readonly after?: Manifest;
}

/**
 * The objects that `wanted` selects on either side, paired by identity (objectKey:
 * group, kind, namespace, name), in the new side's order, then the removed ones in the
 * old side's order. A second object with the same identity on one side (an invalid set)
 * is left out here: the object report shows it.
 */
export function pairObjects(before: readonly Manifest[], after: readonly Manifest[], wanted: (m: Manifest) => boolean): ObjectPair[] {
  const old = firstByKey(before.filter(wanted));
  const now = firstByKey(after.filter(wanted));
  const pairs: ObjectPair[] = [];
  for (const [key, b] of now) {
    const a = old.get(key);
    pairs.push({ ref: objectRef(b), ...(a ? { before: a } : {}), after: b });
  }
  for (const [key, a] of old) {
    if (!now.has(key)) pairs.push({ ref: objectRef(a), before: a });
  }
  return pairs;
}

function firstByKey(manifests: readonly Manifest[]): Map<string, Manifest> {
  const map = new Map<string, Manifest>();
  for (const m of manifests) {
    const key = objectKey(m);
    if (!map.has(key)) map.set(key, m);
  }
  return map;
}

/** A plain object (not an array, not null). */
export function isRecord(v: unknown): v is { readonly [key: string]: unknown } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The strings of a list (other items left out); [] for anything that is not a list. */
export function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}
