import { dataplaneLabels, INGRESS_USE_WAYPOINT_LABEL } from './dataplane';
import { resolveEgress } from './egress';
import { resolveTrust } from './trust';
import { resolveDelivery } from './delivery';
import { DEFAULT_TRUST_DOMAIN } from './defaults';
import { MeshSettings, ResolvedMeshSettings, Scheduling } from './types';
import { validateSettings } from './validate';

/** The injection label of a namespace injected by `label` (a revision or tag; '' for the default). */
function injectionLabels(label: string): { readonly [key: string]: string } {
  return label ? { 'istio.io/rev': label } : { 'istio-injection': 'enabled' };
}

/**
 * Validates settings against the locked Istio versions (validate.ts) and fills in
 * defaults: what the rest of the pipeline reads. Throws one UserError listing every
 * problem; nothing is rendered before this passes.
 */
export function resolveSettings(settings: MeshSettings, locked: string | readonly string[], cluster?: string): ResolvedMeshSettings {
  const { input, plan, dataplane: dp, kubeVersion, gateways } = validateSettings(settings, locked, cluster);
  const meshScheduling = input.scheduling ?? {};
  const forComponent = (override: Scheduling | undefined): Required<Scheduling> => ({
    nodeSelector: override?.nodeSelector ?? meshScheduling.nodeSelector ?? {},
    tolerations: override?.tolerations ?? meshScheduling.tolerations ?? [],
  });
  const gatewayScheduling = forComponent(input.componentScheduling?.gateways);
  const resolvedGateways = gateways.map(g => {
    const target = plan.target(g.revision)!;
    return {
      ...g,
      serviceType: g.serviceType ?? (g.kind === 'egress' ? 'ClusterIP' : 'LoadBalancer'),
      scheduling: gatewayScheduling,
      revision: target.label,
      istioVersion: target.istioVersion,
      ...(g.kind === 'eastwest' && input.mesh?.network ? { network: input.mesh.network } : {}),
    };
  });
  return {
    istioVersion: plan.istioVersions[plan.istioVersions.length - 1],
    istioVersions: plan.istioVersions,
    kubeVersion: kubeVersion.replace(/^v/, ''),
    revisions: plan.revisions,
    defaultRevision: plan.defaultRevision,
    istiodScheduling: forComponent(input.componentScheduling?.istiod),
    mode: dp.mode,
    mtls: input.mtls ?? 'STRICT',
    authorization: input.authorization ?? 'namespace-isolation',
    authorizationDryRun: input.authorizationDryRun ?? false,
    trustDomain: input.trustDomain ?? DEFAULT_TRUST_DOMAIN,
    externalNamespaces: [...(input.externalNamespaces ?? [])],
    platform: dp.platform,
    gatewayApi: dp.gatewayApi,
    nodeAgents: dp.nodeAgents,
    egress: resolveEgress(input, resolvedGateways),
    // A remote's primary and a primary's remotes and remote secrets need the whole fleet:
    // the project fills them in (lib/project/fleet.ts).
    ...(input.mesh ? { mesh: { id: input.mesh.id, clusterName: input.mesh.clusterName ?? cluster!, ...(input.mesh.network ? { network: input.mesh.network } : {}), remotes: [], watchedBy: [] } } : {}),
    trust: resolveTrust(input),
    remoteSecrets: [],
    gateways: resolvedGateways,
    appNamespaces: (input.appNamespaces ?? []).map(ns => {
      const dataplane = ns.dataplane ?? dp.mode;
      const waypoint = ns.waypoint === true;
      const managed = dataplane === 'sidecar' ? injectionLabels(plan.target(ns.revision)!.label) : dataplaneLabels(dataplane, waypoint, {});
      // An ingress gateway the namespace admits goes through its waypoint, where every allow is enforced.
      const ingressViaWaypoint: { [label: string]: string } = dataplane === 'ambient' && waypoint && (ns.allow ?? []).some(a => (a.from?.gateways ?? []).length > 0) ? { [INGRESS_USE_WAYPOINT_LABEL]: 'true' } : {};
      const mtls = ns.mtls !== undefined && ns.mtls !== (input.mtls ?? 'STRICT') ? ns.mtls : undefined;
      return { name: ns.name, labels: { ...ns.labels, ...managed, ...ingressViaWaypoint }, waypoint, ...(mtls ? { mtls } : {}), dataplane, allow: ns.allow ?? [] };
    }),
    values: input.values ?? {},
    debug: { privilegedProxies: input.debug?.privilegedProxies ?? false },
    // Argo CD applies a cluster's folder as one Application: the waves are its order.
    argoCdSyncWaves: input.argoCdSyncWaves ?? input.delivery?.tool === 'argocd',
    ...(input.delivery ? { delivery: resolveDelivery(input.delivery) } : {}),
  };
}
