import { parseApiVersion } from './api-version';
import { Manifest } from './read';

/**
 * What makes two manifests "the same object": group, kind, namespace and name.
 *
 * The version is left out on purpose: an upgrade that moves a kind from v1beta1 to v1
 * updates the same object in the cluster, so it must show as a change, not as a
 * removal plus an addition.
 */
export function objectKey(m: Pick<Manifest, 'apiVersion' | 'kind' | 'namespace' | 'name'>): string {
  return [parseApiVersion(m.apiVersion).group, m.kind, m.namespace, m.name].join('|');
}

/** A CustomResourceDefinition (of the apiextensions group, not a look-alike kind of another group). */
export function isCrd(m: Pick<Manifest, 'apiVersion' | 'kind'>): boolean {
  return m.kind === 'CustomResourceDefinition' && parseApiVersion(m.apiVersion).group === 'apiextensions.k8s.io';
}
