import { Manifest, parseApiVersion } from '../../manifests';
import { compareStrings } from '../compare';
import { isRecord, pairObjects, strings } from './pairs';

/** What one ClusterRole or Role grants more or less. */
export interface RoleChange {
  /** `ClusterRole/-/name`, `Role/namespace/name`. */
  readonly ref: string;
  /** Set when the whole role is new or gone; its rules are then all added or removed. */
  readonly status?: 'added' | 'removed';
  /** Permissions granted only now, as readable lines (`get, list, watch on networking.istio.io/[gateways, sidecars]`). */
  readonly added: readonly string[];
  /** Permissions granted only before, likewise. */
  readonly removed: readonly string[];
}

const ROLE_KINDS = new Set(['ClusterRole', 'Role']);

function isRole(m: Manifest): boolean {
  return ROLE_KINDS.has(m.kind) && parseApiVersion(m.apiVersion).group === 'rbac.authorization.k8s.io';
}

/** One permission: a verb on a resource (group, resource, optional names) or on a non-resource URL. */
interface Permission {
  readonly verb: string;
  /** What the verb applies to, as shown: `networking.istio.io/`, `core/`, or a URL; the resource follows. */
  readonly group?: string;
  readonly resource: string;
  /** resourceNames, joined; '' for every name. */
  readonly names: string;
}

function permissionKey(p: Permission): string {
  return JSON.stringify([p.verb, p.group ?? null, p.resource, p.names]);
}

/**
 * A role's rules as single permissions (each verb × group × resource, or verb × URL), so
 * that rules merged, split or reordered between versions compare equal, and only what
 * is really granted more or less shows.
 */
function permissions(role: Manifest | undefined): Map<string, Permission> {
  const out = new Map<string, Permission>();
  const rules: unknown = role?.object.rules;
  if (!Array.isArray(rules)) return out;
  for (const rule of rules) {
    if (!isRecord(rule)) continue;
    const verbs = strings(rule.verbs);
    const names = strings(rule.resourceNames).join(', ');
    const targets: { group?: string; resource: string }[] = [
      ...strings(rule.nonResourceURLs).map(url => ({ resource: url })),
      ...strings(rule.apiGroups).flatMap(group => strings(rule.resources).map(resource => ({ group, resource }))),
    ];
    for (const verb of verbs) {
      for (const t of targets) {
        const p: Permission = { verb, ...t, names };
        out.set(permissionKey(p), p);
      }
    }
  }
  return out;
}

/** The usual order of verbs (as roles list them), others after these in name order. */
const VERB_ORDER = ['*', 'get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];

function compareVerbs(a: string, b: string): number {
  const ia = VERB_ORDER.indexOf(a);
  const ib = VERB_ORDER.indexOf(b);
  if (ia >= 0 || ib >= 0) return (ia < 0 ? VERB_ORDER.length : ia) - (ib < 0 ? VERB_ORDER.length : ib);
  return compareStrings(a, b);
}

/**
 * Permissions as lines, `verbs on group/resources`: the verbs of each resource are
 * gathered, then resources of one group with the same verbs share a line
 * (`get, list, watch on networking.istio.io/[gateways, sidecars]`). The core group reads
 * `core/`, resourceNames follow as `(names: …)`, non-resource URLs stand alone.
 */
function permissionLines(perms: readonly Permission[]): string[] {
  // Resource (with its group and names) → its verbs.
  const verbsOf = new Map<string, { group?: string; resource: string; names: string; verbs: string[] }>();
  for (const p of perms) {
    const key = JSON.stringify([p.group ?? null, p.resource, p.names]);
    const entry = verbsOf.get(key) ?? { ...(p.group === undefined ? {} : { group: p.group }), resource: p.resource, names: p.names, verbs: [] };
    entry.verbs.push(p.verb);
    verbsOf.set(key, entry);
  }
  // Same verbs, same group, same names → one line.
  const lines = new Map<string, { verbs: string; group?: string; names: string; resources: string[] }>();
  for (const e of verbsOf.values()) {
    const verbs = [...new Set(e.verbs)].sort(compareVerbs).join(', ');
    const key = JSON.stringify([verbs, e.group ?? null, e.names]);
    const line = lines.get(key) ?? { verbs, ...(e.group === undefined ? {} : { group: e.group }), names: e.names, resources: [] };
    line.resources.push(e.resource);
    lines.set(key, line);
  }
  return [...lines.values()].map(l => {
    const resources = l.resources.length === 1 ? l.resources[0] : `[${l.resources.join(', ')}]`;
    const target = l.group === undefined ? resources : `${l.group === '' ? 'core' : l.group}/${resources}`;
    return `${l.verbs} on ${target}${l.names ? ` (names: ${l.names})` : ''}`;
  });
}

/**
 * Per ClusterRole and Role that grants something more or less than before (or is new or
 * gone), the permissions added and removed, as readable lines. Aggregated ClusterRoles'
 * `aggregationRule` is left to the object report.
 */
export function rbacChanges(before: readonly Manifest[], after: readonly Manifest[]): RoleChange[] {
  const out: RoleChange[] = [];
  for (const pair of pairObjects(before, after, isRole)) {
    const old = permissions(pair.before);
    const now = permissions(pair.after);
    const added = [...now].filter(([k]) => !old.has(k)).map(([, p]) => p);
    const removed = [...old].filter(([k]) => !now.has(k)).map(([, p]) => p);
    const status = !pair.before ? 'added' : !pair.after ? 'removed' : undefined;
    if (status || added.length || removed.length) {
      out.push({ ref: pair.ref, ...(status ? { status } : {}), added: permissionLines(added), removed: permissionLines(removed) });
    }
  }
  return out;
}
