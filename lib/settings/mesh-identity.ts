import { DNS_LABEL, RFC1123_RULE } from './names';
import { asList, asMap, Problems } from './problems';
import { CertManagerTrust, ExternalSecretTrust, MeshIdentity, MeshSettings, RemoteSecretsSource, ResolvedTrust, TrustSource } from './types';

/** Mesh ids, cluster names and networks become labels and SPIFFE-adjacent names: label values. */
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** Names of issuers and stores (Kubernetes object names). */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A Go duration, as cert-manager and External Secrets parse them (`8760h`, `1h30m`). */
const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;
/** What a proxy can dial: a DNS name or an IPv4/IPv6 address. */
const HOST = /^(([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]*[a-z0-9])?|\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:]*)$/;

/** Defaults of the trust and remote-secret sources. */
export const TRUST_DEFAULTS = { duration: '8760h', renewBefore: '720h', refreshInterval: '1h' } as const;

function checkName(p: Problems, field: string, value: unknown): void {
  if (typeof value !== 'string' || value.length > 253 || !DNS_SUBDOMAIN.test(value)) p.add(field, value, 'is not a valid object name (a DNS subdomain: lowercase letters, digits, \'-\' and \'.\')');
}

function checkDuration(p: Problems, field: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'string' || !GO_DURATION.test(value))) p.add(field, value, 'is not a duration (a Go duration such as 8760h or 1h30m)');
}

function checkKey(p: Problems, field: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'string' || value === '' || /\s/.test(value))) p.add(field, value, 'must be a store key without spaces');
}

function checkTrust(p: Problems, trust: unknown): void {
  const t = asMap(trust as object) as { certManager?: CertManagerTrust; externalSecret?: ExternalSecretTrust };
  if (t.certManager) {
    const c = asMap(t.certManager);
    checkName(p, 'mesh.trust.certManager.issuer.name', asMap(c.issuer).name);
    checkDuration(p, 'mesh.trust.certManager.duration', c.duration);
    checkDuration(p, 'mesh.trust.certManager.renewBefore', c.renewBefore);
  }
  if (t.externalSecret) {
    const e = asMap(t.externalSecret);
    checkName(p, 'mesh.trust.externalSecret.store.name', asMap(e.store).name);
    checkKey(p, 'mesh.trust.externalSecret.key', e.key);
    checkKey(p, 'mesh.trust.externalSecret.rootKey', e.rootKey);
    checkDuration(p, 'mesh.trust.externalSecret.refreshInterval', e.refreshInterval);
  }
}

function checkRemoteSecrets(p: Problems, source: RemoteSecretsSource | undefined): void {
  if (source === undefined) return;
  const r = asMap(source);
  checkName(p, 'mesh.remoteSecrets.store.name', asMap(r.store).name);
  checkKey(p, 'mesh.remoteSecrets.keyPrefix', r.keyPrefix);
  checkKey(p, 'mesh.remoteSecrets.property', r.property);
  checkDuration(p, 'mesh.remoteSecrets.refreshInterval', r.refreshInterval);
}

/** Checks one cluster's `mesh` and its east-west gateways; `cluster` is its name in a fleet. */
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

  checkTrust(p, mesh.trust);
  checkRemoteSecrets(p, mesh.remoteSecrets);
  if (mesh.primary !== undefined) {
    // A remote cluster (primary-remote): what only a cluster with istiod has is refused.
    if (cluster === undefined) p.add('mesh.primary', mesh.primary, 'names a cluster of main.ts\'s `clusters`: a remote cluster is rendered in a fleet, beside its primary');
    else if (mesh.primary === cluster) p.add('mesh.primary', mesh.primary, 'is this cluster itself: a remote names the cluster whose istiod serves it');
    if (mesh.pilotAddress === undefined) p.addShape('mesh.pilotAddress', 'is required with mesh.primary: the stable DNS name or IP address of the primary\'s east-west gateway, where this cluster\'s proxies reach istiod');
    else if (typeof mesh.pilotAddress !== 'string' || !HOST.test(mesh.pilotAddress)) p.add('mesh.pilotAddress', mesh.pilotAddress, 'must be a DNS name or an IP address');
    if (mesh.trust !== undefined) p.add('mesh.trust', mesh.trust, 'is for clusters with istiod: a remote cluster\'s workloads are signed by its primary\'s istiod');
    if (mesh.remoteSecrets !== undefined) p.add('mesh.remoteSecrets', mesh.remoteSecrets, 'is for clusters with istiod: the primary watches its remotes, not the other way round');
    if (input.revisions !== undefined) p.add('revisions', '…', 'are not rendered for a remote cluster: it has no istiod, only the remote profile of the single-revision form');
    if (ambient) p.add('mode', input.mode ?? 'sidecar', 'with ambient namespaces is not supported on a remote cluster yet (primary-remote is rendered for sidecars)');
  } else if (mesh.pilotAddress !== undefined) {
    p.add('mesh.pilotAddress', mesh.pilotAddress, 'is only for a remote cluster (with mesh.primary): a primary runs istiod itself');
  }
  if (cluster === undefined && mesh.remoteSecrets !== undefined) {
    p.add('mesh.remoteSecrets', mesh.remoteSecrets, 'needs other clusters to watch: list the mesh\'s clusters in main.ts\'s `clusters`');
  }
}

/** A cluster's trust source with defaults, before the fleet is known (which may still refuse 'self-signed'). */
export function resolveTrust(input: MeshSettings): ResolvedTrust {
  if (input.mesh?.primary !== undefined) return { source: 'primary' };
  const trust: TrustSource = input.mesh?.trust ?? 'self-signed';
  if (trust === 'self-signed' || trust === 'manual') return { source: trust };
  if ('certManager' in trust) {
    const c = trust.certManager;
    return {
      source: 'cert-manager',
      issuer: { kind: c.issuer.kind, name: c.issuer.name },
      duration: c.duration ?? TRUST_DEFAULTS.duration,
      renewBefore: c.renewBefore ?? TRUST_DEFAULTS.renewBefore,
    };
  }
  const e = trust.externalSecret;
  return {
    source: 'external-secret',
    store: { kind: e.store.kind, name: e.store.name },
    key: e.key,
    rootKey: e.rootKey ?? e.key,
    refreshInterval: e.refreshInterval ?? TRUST_DEFAULTS.refreshInterval,
  };
}
