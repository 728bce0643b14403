import { ReleaseRequest } from '../render/release-request';
import { HelmValues, ISTIO_NAMESPACE, ResolvedGateway, ResolvedMeshSettings } from '../settings';
import { mergeValues } from '../values';
import { VendoredCharts } from '../vendoring/vendor';
import { chartSource, ChartSource } from './chart-source';

// What helm must render for each stage, computed from the settings alone. Kept apart from
// the stage charts (and from cdk8s): synth starts rendering before it loads cdk8s.

/** The `base` release: Istio's CRDs and the default validating webhook. */
export function istioBaseRelease(settings: ResolvedMeshSettings, chart: ChartSource): ReleaseRequest {
  const values: HelmValues = {
    defaultRevision: settings.revision || 'default',
    // Rendered for `kubectl apply`/GitOps: start with Fail so istiod never flips it (drift).
    base: { validationFailurePolicy: 'Fail' },
  };
  return { ...chart, releaseName: 'istio-base', namespace: ISTIO_NAMESPACE, values: mergeValues(values, settings.values.base), kubeVersion: settings.kubeVersion };
}

/** The `istiod` release: the control plane, with scheduling and images passed as the chart's own values. */
export function istiodRelease(settings: ResolvedMeshSettings, chart: ChartSource): ReleaseRequest {
  const { hub, tag } = settings.images;
  const image = { ...(hub ? { hub } : {}), ...(tag ? { tag } : {}) };
  const values: HelmValues = {
    revision: settings.revision,
    nodeSelector: settings.istiodScheduling.nodeSelector,
    tolerations: settings.istiodScheduling.tolerations,
    ...image,
    // global.hub/tag also pick the proxy image that injection puts into pods and gateways.
    global: { istioNamespace: ISTIO_NAMESPACE, ...image },
    base: { validationFailurePolicy: 'Fail' },
  };
  return {
    ...chart,
    releaseName: settings.revision ? `istiod-${settings.revision}` : 'istiod',
    namespace: ISTIO_NAMESPACE,
    values: mergeValues(values, settings.values.istiod),
    kubeVersion: settings.kubeVersion,
  };
}

/** The chart values for one gateway. */
export function gatewayValues(gateway: ResolvedGateway, revision: string): HelmValues {
  const values: HelmValues = {
    revision,
    service: { type: gateway.serviceType },
    nodeSelector: gateway.scheduling.nodeSelector,
    tolerations: gateway.scheduling.tolerations,
    ...(gateway.replicas !== undefined ? { replicaCount: gateway.replicas, autoscaling: { enabled: false } } : {}),
  };
  return mergeValues(values, gateway.values);
}

/** One `gateway` release per gateway, named after it, in its namespace. */
export function gatewayReleases(settings: ResolvedMeshSettings, chart: ChartSource): ReleaseRequest[] {
  return settings.gateways.map(g => ({
    ...chart,
    releaseName: g.name,
    namespace: g.namespace,
    values: gatewayValues(g, settings.revision),
    kubeVersion: settings.kubeVersion,
  }));
}

/** Every Helm release of a mesh, by stage. */
export interface MeshReleases<T> {
  /** The `base` release. */
  readonly base: T;
  /** The `istiod` release. */
  readonly istiod: T;
  /** One `gateway` release per gateway, in the settings' order. */
  readonly gateways: readonly T[];
}

/** What helm must render for a mesh: pure, so it can run (and be cached) before any construct. */
export function meshReleaseRequests(settings: ResolvedMeshSettings, charts: VendoredCharts): MeshReleases<ReleaseRequest> {
  return {
    base: istioBaseRelease(settings, chartSource(charts, 'base')),
    istiod: istiodRelease(settings, chartSource(charts, 'istiod')),
    gateways: gatewayReleases(settings, chartSource(charts, 'gateway')),
  };
}

