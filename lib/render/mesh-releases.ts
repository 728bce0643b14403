import { ReleaseRequest } from './release-request';
import { HelmValues, ISTIO_NAMESPACE, ResolvedGateway, ResolvedMeshSettings, ResolvedRevision } from '../settings';
import { mergeValues } from '../settings/merge-values';
import { BASE_OWNED_VALUES, CNI_OWNED_VALUES, GATEWAY_OWNED_VALUES, ISTIOD_OWNED_VALUES, ownedValues, ZTUNNEL_OWNED_VALUES } from '../settings/owned-values';
import { VendoredReleases } from '../vendoring/vendored';
import { chartSource, ChartSource } from './chart-source';

// What helm must render for each stage, computed from the settings alone. Kept apart from
// the stage charts (and from cdk8s): synth starts rendering before it loads cdk8s.

function chartOf(charts: VendoredReleases, version: string, chart: 'base' | 'istiod' | 'gateway' | 'cni' | 'ztunnel'): ChartSource {
  const vendored = charts.get(version);
  if (!vendored) throw new Error(`no vendored charts for Istio ${version}`);
  return chartSource(vendored, chart);
}

/**
 * The `base` release: Istio's CRDs and the default validating webhook, from the newest
 * version in use (CRDs are compatible backwards, not forwards), rendered once.
 */
export function istioBaseRelease(settings: ResolvedMeshSettings, chart: ChartSource): ReleaseRequest {
  const values = mergeValues(ownedValues(BASE_OWNED_VALUES, settings), {
    // Rendered for `kubectl apply`/GitOps: start with Fail so istiod never flips it (drift).
    base: { validationFailurePolicy: 'Fail' },
  });
  return { ...chart, releaseName: 'istio-base', namespace: ISTIO_NAMESPACE, values: mergeValues(values, settings.values.base), kubeVersion: settings.kubeVersion };
}

/**
 * One `istiod` release per revision: the control plane, with scheduling and images
 * passed as the chart's own values, and the revision tags that point at it (their
 * webhooks and Services are rendered by the revision they select).
 */
export function istiodRelease(settings: ResolvedMeshSettings, revision: ResolvedRevision, chart: ChartSource): ReleaseRequest {
  const { hub, tag } = revision.images;
  const image = { ...(hub ? { hub } : {}), ...(tag ? { tag } : {}) };
  const values = mergeValues(ownedValues(ISTIOD_OWNED_VALUES, { settings, revision }), {
    nodeSelector: settings.istiodScheduling.nodeSelector,
    tolerations: settings.istiodScheduling.tolerations,
    ...image,
    // global.hub/tag also pick the proxy image that injection puts into pods and gateways.
    global: { ...image },
    base: { validationFailurePolicy: 'Fail' },
  });
  return {
    ...chart,
    releaseName: revision.name ? `istiod-${revision.name}` : 'istiod',
    namespace: ISTIO_NAMESPACE,
    values: mergeValues(values, revision.values),
    kubeVersion: settings.kubeVersion,
  };
}

/** Scheduling values for a node agent: only what componentScheduling.nodeAgents sets (the charts tolerate every taint). */
function nodeAgentScheduling(settings: ResolvedMeshSettings): HelmValues {
  const { nodeSelector, tolerations } = settings.nodeAgents.scheduling;
  return {
    ...(Object.keys(nodeSelector).length ? { nodeSelector } : {}),
    ...(tolerations.length ? { tolerations } : {}),
  };
}

/**
 * The `cni` release (`istio-cni`): the node agent that sets up pods' traffic redirection
 * (sidecar mode without istio-init, and ambient's redirection to ztunnel). Not
 * revisioned: one per cluster, of the Istio version of the revision it follows.
 */
export function cniRelease(settings: ResolvedMeshSettings, chart: ChartSource): ReleaseRequest {
  const values = mergeValues(ownedValues(CNI_OWNED_VALUES, settings), {
    // GKE keeps CNI binaries in /home/kubernetes/bin; the chart finds that out only from a
    // "-gke" kube version, which an offline render for a plain version cannot have.
    // (Under cni:, where the gke platform profile sets it to "", which a top-level value cannot undo.)
    ...(settings.platform === 'gke' ? { cni: { cniBinDir: '/home/kubernetes/bin' } } : {}),
    ...nodeAgentScheduling(settings),
  });
  return { ...chart, releaseName: 'istio-cni', namespace: settings.nodeAgents.namespace, values: mergeValues(values, settings.values.cni), kubeVersion: settings.kubeVersion };
}

/** The `ztunnel` release: ambient mode's per-node proxy, talking to the istiod of the revision it follows. */
export function ztunnelRelease(settings: ResolvedMeshSettings, chart: ChartSource): ReleaseRequest {
  const values = mergeValues(ownedValues(ZTUNNEL_OWNED_VALUES, settings), nodeAgentScheduling(settings));
  return { ...chart, releaseName: 'ztunnel', namespace: settings.nodeAgents.namespace, values: mergeValues(values, settings.values.ztunnel), kubeVersion: settings.kubeVersion };
}

/** The chart values for one gateway. */
export function gatewayValues(gateway: ResolvedGateway): HelmValues {
  const values = mergeValues(ownedValues(GATEWAY_OWNED_VALUES, gateway), {
    nodeSelector: gateway.scheduling.nodeSelector,
    tolerations: gateway.scheduling.tolerations,
    // A fixed count: the chart's autoscaler would change it.
    ...(gateway.replicas !== undefined ? { autoscaling: { enabled: false } } : {}),
  });
  return mergeValues(values, gateway.values);
}

/**
 * One `gateway` release per gateway, named after it, in its namespace, from the gateway
 * chart of the Istio version of the revision that injects it: a gateway never runs
 * ahead of its control plane (Istio's data plane may not be newer than its control plane).
 */
export function gatewayReleases(settings: ResolvedMeshSettings, charts: VendoredReleases): ReleaseRequest[] {
  return settings.gateways.map(g => ({
    ...chartOf(charts, g.istioVersion, 'gateway'),
    releaseName: g.name,
    namespace: g.namespace,
    values: gatewayValues(g),
    kubeVersion: settings.kubeVersion,
  }));
}

/** Every Helm release of a mesh, by stage. */
export interface MeshReleases<T> {
  /** The `base` release. */
  readonly base: T;
  /** One `istiod` release per revision, in the settings' order. */
  readonly istiods: readonly T[];
  /** The `istio-cni` release, when istio-cni runs. */
  readonly cni?: T;
  /** The `ztunnel` release, in ambient mode. */
  readonly ztunnel?: T;
  /** One `gateway` release per gateway, in the settings' order. */
  readonly gateways: readonly T[];
}

/** What helm must render for a mesh: pure, so it can run (and be cached) before any construct. */
export function meshReleaseRequests(settings: ResolvedMeshSettings, charts: VendoredReleases): MeshReleases<ReleaseRequest> {
  return {
    base: istioBaseRelease(settings, chartOf(charts, settings.istioVersion, 'base')),
    istiods: settings.revisions.map(r => istiodRelease(settings, r, chartOf(charts, r.istioVersion, 'istiod'))),
    ...(settings.nodeAgents.cni ? { cni: cniRelease(settings, chartOf(charts, settings.nodeAgents.istioVersion, 'cni')) } : {}),
    ...(settings.nodeAgents.ztunnel ? { ztunnel: ztunnelRelease(settings, chartOf(charts, settings.nodeAgents.istioVersion, 'ztunnel')) } : {}),
    gateways: gatewayReleases(settings, charts),
  };
}
