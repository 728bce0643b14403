import { ISTIO_NAMESPACE } from './defaults';
import { HelmValues, ResolvedGateway, ResolvedMeshSettings, ResolvedRevision } from './types';

/**
 * A chart value that a typed setting owns: the release builders set it from the settings
 * (`value`), and validation refuses it in `values`, naming the setting to use instead. An
 * entry without `value` is refused only: another spelling the chart also reads (its
 * `global.` twin), which would contradict the setting.
 */
export interface OwnedValue<C> {
  /** The value's path in the chart's values. */
  readonly path: readonly string[];
  /** The setting that owns it, as a refusal names it. */
  readonly setting: string;
  /** What the settings put there; undefined leaves it unset. @default - refused, never set */
  readonly value?: (context: C) => unknown;
}

/** What the istiod release of one revision is built from. */
export interface IstiodContext {
  readonly settings: ResolvedMeshSettings;
  readonly revision: ResolvedRevision;
}

const platform = (s: ResolvedMeshSettings) => s.platform;
const ambientProfile = (s: ResolvedMeshSettings) => (s.mode === 'ambient' ? 'ambient' : undefined);
// Primary-remote (Istio's "Install Primary-Remote", Helm tab): a remote cluster installs
// base and istiod with the remote profile; its primary sets global.externalIstiod on both.
const remote = (s: ResolvedMeshSettings) => s.mesh?.primary;
const remoteProfile = (s: ResolvedMeshSettings) => (remote(s) ? 'remote' : undefined);
const servesRemotes = (s: ResolvedMeshSettings) => (s.mesh?.remotes.length ? true : undefined);
/** Where the primary's istiod serves this remote cluster's injection: its cluster and network. */
const injectionPath = (s: ResolvedMeshSettings) => {
  const mesh = s.mesh;
  return mesh?.primary ? `/inject/cluster/${mesh.clusterName}${mesh.network ? `/net/${mesh.network}` : ''}` : undefined;
};

/** The values of the `base` chart that settings own. */
export const BASE_OWNED_VALUES: readonly OwnedValue<ResolvedMeshSettings>[] = [
  // The revision that validates Istio resources: the default tag's (or the single revision).
  { path: ['defaultRevision'], setting: 'revision', value: s => s.defaultRevision },
  { path: ['profile'], setting: 'mesh.primary', value: remoteProfile },
  { path: ['global', 'externalIstiod'], setting: 'mesh.primary (of the clusters it serves)', value: servesRemotes },
];

/** The values of the `istiod` chart that settings own. */
export const ISTIOD_OWNED_VALUES: readonly OwnedValue<IstiodContext>[] = [
  { path: ['revision'], setting: 'revision', value: c => c.revision.name },
  { path: ['revisionTags'], setting: 'tags', value: c => (c.revision.tags.length ? c.revision.tags : undefined) },
  // Ambient: istiod's ambient profile (ztunnel configuration, waypoints); a remote cluster: the remote profile.
  { path: ['profile'], setting: 'mode and mesh.primary', value: c => remoteProfile(c.settings) ?? ambientProfile(c.settings) },
  { path: ['global', 'profile'], setting: 'mode and mesh.primary' },
  { path: ['istiodRemote', 'injectionPath'], setting: 'mesh.primary, mesh.clusterName and mesh.network', value: c => injectionPath(c.settings) },
  { path: ['istiodRemote', 'injectionURL'], setting: 'mesh.primary and mesh.pilotAddress' },
  { path: ['global', 'configCluster'], setting: 'mesh.primary', value: c => (remote(c.settings) ? true : undefined) },
  { path: ['global', 'remotePilotAddress'], setting: 'mesh.pilotAddress', value: c => remote(c.settings)?.pilotAddress },
  { path: ['global', 'externalIstiod'], setting: 'mesh.primary (of the clusters it serves)', value: c => servesRemotes(c.settings) },
  { path: ['platform'], setting: 'platform' },
  { path: ['global', 'platform'], setting: 'platform', value: c => platform(c.settings) },
  // With istio-cni, injection leaves out the privileged istio-init container (sidecar pods of an ambient mesh too).
  { path: ['cni', 'enabled'], setting: 'cni', value: c => (c.settings.nodeAgents.cni ? true : undefined) },
  { path: ['global', 'istioNamespace'], setting: 'nothing: Istio runs in istio-system', value: () => ISTIO_NAMESPACE },
  // Explicit even for Istio's default, as the authorization policies' principals name it.
  { path: ['meshConfig', 'trustDomain'], setting: 'trustDomain', value: c => c.settings.trustDomain },
  // Explicit even for Istio's default (ALLOW_ANY), so dist/ shows the policy in force.
  { path: ['meshConfig', 'outboundTrafficPolicy'], setting: 'egress.outboundTrafficPolicy', value: c => ({ mode: c.settings.egress.outboundTrafficPolicy }) },
  // The injector's setting for every proxy it injects (sidecars and gateways).
  { path: ['global', 'proxy', 'privileged'], setting: 'debug.privilegedProxies', value: c => (c.settings.debug.privilegedProxies ? true : undefined) },
  // Multi-cluster: the mesh, this cluster's name in it, and its network.
  // (Not on a remote cluster, as Istio's primary-remote docs install it: its primary's istiod injects its pods.)
  { path: ['global', 'meshID'], setting: 'mesh.id', value: c => (remote(c.settings) ? undefined : c.settings.mesh?.id) },
  { path: ['global', 'multiCluster', 'clusterName'], setting: 'mesh.clusterName', value: c => c.settings.mesh?.clusterName },
  { path: ['global', 'network'], setting: 'mesh.network', value: c => c.settings.mesh?.network },
];

/** The values of the `gateway` chart that settings own. */
export const GATEWAY_OWNED_VALUES: readonly OwnedValue<ResolvedGateway>[] = [
  { path: ['name'], setting: 'the gateway\'s name' },
  // The chart's network gateway: ports 15021, 15443, 15012 and 15017, and the network label.
  { path: ['networkGateway'], setting: 'kind: \'eastwest\' and mesh.network', value: g => (g.kind === 'eastwest' ? g.network : undefined) },
  { path: ['revision'], setting: 'revision', value: g => g.revision },
  { path: ['labels', 'istio.io/rev'], setting: 'revision' },
  { path: ['service', 'type'], setting: 'serviceType', value: g => g.serviceType },
  { path: ['replicaCount'], setting: 'replicas', value: g => g.replicas },
];

/** The values of the `cni` chart that settings own. */
export const CNI_OWNED_VALUES: readonly OwnedValue<ResolvedMeshSettings>[] = [
  { path: ['profile'], setting: 'mode', value: ambientProfile },
  { path: ['global', 'profile'], setting: 'mode' },
  { path: ['ambient', 'enabled'], setting: 'mode' },
  { path: ['platform'], setting: 'platform' },
  { path: ['global', 'platform'], setting: 'platform', value: platform },
];

/** The values of the `ztunnel` chart that settings own. */
export const ZTUNNEL_OWNED_VALUES: readonly OwnedValue<ResolvedMeshSettings>[] = [
  { path: ['revision'], setting: 'the oldest revision (ztunnel follows it)', value: s => s.nodeAgents.revision },
  { path: ['profile'], setting: 'mode' },
  { path: ['global', 'profile'], setting: 'mode' },
  { path: ['platform'], setting: 'platform' },
  { path: ['global', 'platform'], setting: 'platform', value: platform },
  // istiod's CA checks ztunnel's cluster against its own: the same name as istiod's.
  { path: ['multiCluster', 'clusterName'], setting: 'mesh.clusterName', value: s => s.mesh?.clusterName },
];

/** Every chart's owned values, by the name validation gives the chart. */
export const OWNED_VALUES = {
  base: BASE_OWNED_VALUES,
  istiod: ISTIOD_OWNED_VALUES,
  gateway: GATEWAY_OWNED_VALUES,
  cni: CNI_OWNED_VALUES,
  ztunnel: ZTUNNEL_OWNED_VALUES,
} as const;

/** The owned values a release gets from the settings, as a values tree. */
export function ownedValues<C>(table: readonly OwnedValue<C>[], context: C): HelmValues {
  const out: { [key: string]: unknown } = {};
  for (const { path, value } of table) {
    const v = value?.(context);
    if (v === undefined) continue;
    let node = out;
    for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as { [key: string]: unknown };
    node[path[path.length - 1]] = v;
  }
  return out;
}
