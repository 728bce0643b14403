import { Manifest, parseApiVersion } from '../../manifests';
import { compareStrings } from '../compare';
import { pairObjects } from './pairs';

/** The objects of one kind that only one side has. */
export interface KindChanges {
  /** The kind, with its API group when another group has a kind of that name (`Gateway.networking.istio.io`). */
  readonly kind: string;
  /** Objects only the new side has: `namespace/name`, or `name` when cluster-scoped; in manifest order. */
  readonly added: readonly string[];
  /** Objects only the old side has, likewise. */
  readonly removed: readonly string[];
}

function objectName(m: Manifest): string {
  return m.namespace ? `${m.namespace}/${m.name}` : m.name;
}

/** Objects added and removed, per kind, kinds in name order. */
export function objectChangesByKind(before: readonly Manifest[], after: readonly Manifest[]): KindChanges[] {
  const changed = pairObjects(before, after, () => true).filter(p => !p.before || !p.after);
  const groupsOfKind = new Map<string, Set<string>>();
  for (const p of changed) {
    const m = (p.after ?? p.before)!;
    const groups = groupsOfKind.get(m.kind) ?? new Set<string>();
    groups.add(parseApiVersion(m.apiVersion).group);
    groupsOfKind.set(m.kind, groups);
  }
  const kinds = new Map<string, { added: string[]; removed: string[] }>();
  for (const p of changed) {
    const m = (p.after ?? p.before)!;
    const group = parseApiVersion(m.apiVersion).group;
    const kind = groupsOfKind.get(m.kind)!.size > 1 && group ? `${m.kind}.${group}` : m.kind;
    const entry = kinds.get(kind) ?? { added: [], removed: [] };
    (p.after ? entry.added : entry.removed).push(objectName(m));
    kinds.set(kind, entry);
  }
  return [...kinds].sort(([a], [b]) => compareStrings(a, b)).map(([kind, e]) => ({ kind, ...e }));
}
