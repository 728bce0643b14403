import { Manifest, objectRef } from '../manifests';

/** The API group of an apiVersion: `apps/v1` → `apps`, `v1` → '' (the core group). */
export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * What makes two manifests "the same object": group, kind, namespace and name.
 *
 * The version is left out on purpose: an upgrade that moves a kind from v1beta1 to v1
 * updates the same object in the cluster, so it must show as a change, not as a
 * removal plus an addition.
 */
export function objectKey(m: Pick<Manifest, 'apiVersion' | 'kind' | 'namespace' | 'name'>): string {
  return [apiGroup(m.apiVersion), m.kind, m.namespace, m.name].join('|');
}

/** objectRef, with the group added to the kind (`Gateway.networking.istio.io/…`). */
export function qualifiedRef(m: Pick<Manifest, 'apiVersion' | 'kind' | 'namespace' | 'name'>): string {
  const group = apiGroup(m.apiVersion);
  return objectRef({ ...m, kind: group ? `${m.kind}.${group}` : m.kind });
}
