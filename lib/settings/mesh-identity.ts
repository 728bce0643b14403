import { DNS_LABEL, RFC1123_RULE } from './names';
import { asList, asMap, Problems } from './problems';
import { MeshIdentity, MeshSettings } from './types';

/** Mesh ids, cluster names and networks become labels and SPIFFE-adjacent names: label values. */
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** Checks one cluster's `mesh` identity and its east-west gateways; `cluster` is its name in a fleet. */
export function checkMeshIdentity(p: Problems, input: MeshSettings, cluster: string | undefined): void {
  const mesh = asMap(input.mesh) as Partial<MeshIdentity>;
  const eastwest = asList(input.gateways).map((g, i) => [asMap(g), i] as const).filter(([g]) => g.kind === 'eastwest');
  if (input.mesh === undefined) {
    for (const [, i] of eastwest) p.add(`gateways[${i}].kind`, 'eastwest', 'needs mesh.network (and mesh.id): an east-west gateway connects this cluster\'s network to the mesh\'s others');
    return;
  }
  for (const key of ['id', 'clusterName', 'network'] as const) {
    const v = mesh[key];
    if (v !== undefined && (typeof v !== 'string' || !LABEL_VALUE.test(v))) p.add(`mesh.${key}`, v, 'must be a label value (letters, digits, \'-\', \'_\' or \'.\', at most 63 characters)');
  }
  if (mesh.clusterName === undefined && cluster === undefined) {
    p.addShape('mesh.clusterName', 'is required with `settings` (in `clusters` it defaults to the cluster\'s name)');
  }
  if (cluster !== undefined && !DNS_LABEL.test(cluster)) p.add('cluster', cluster, `is not a valid cluster name (${RFC1123_RULE})`);
  if (mesh.network === undefined) {
    for (const [, i] of eastwest) p.add(`gateways[${i}].kind`, 'eastwest', 'needs mesh.network: the network the gateway connects');
  }
  // Ambient's multi-network (istiod's AMBIENT_ENABLE_MULTI_NETWORK, a Gateway API east-west
  // gateway) is not rendered: refused rather than rendered as the sidecar kind, which would not work.
  const ambient = input.mode === 'ambient' || asList(input.appNamespaces).some(ns => asMap(ns).dataplane === 'ambient');
  if (ambient && mesh.network !== undefined) p.add('mesh.network', mesh.network, 'is not supported with ambient namespaces yet: ambient multi-network needs a Gateway API east-west gateway this project does not render');
  if (ambient) for (const [, i] of eastwest) p.add(`gateways[${i}].kind`, 'eastwest', 'is the sidecar mode\'s network gateway; ambient namespaces need ambient\'s own, not rendered yet');

  if (cluster === undefined && mesh.remoteSecrets !== undefined) {
    p.add('mesh.remoteSecrets', mesh.remoteSecrets, 'needs other clusters to watch: list the mesh\'s clusters in main.ts\'s `clusters`');
  }
}
