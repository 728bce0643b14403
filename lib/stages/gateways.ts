import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { RenderedRelease } from '../render/engine';
import { HelmRelease } from '../render/helm-release';
import { ReleaseRequest } from '../render/release-request';
import { applyScheduling } from '../scheduling';
import { HelmValues, ResolvedGateway, ResolvedMeshSettings } from '../settings';
import { mergeValues } from '../values';
import { ChartSource } from './chart-source';

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

/** Props of the gateways stage. */
export interface GatewaysChartProps {
  /** The gateways, with their scheduling. */
  readonly gateways: readonly ResolvedGateway[];
  /** Their rendered releases, in the same order (gatewayReleases). */
  readonly releases: readonly RenderedRelease[];
}

/** Stage 4: ingress and egress gateways (Istio's `gateway` chart, once per gateway). */
export class GatewaysChart extends Chart {
  /** One Helm release per gateway. */
  readonly releases: readonly HelmRelease[];

  constructor(scope: Construct, id: string, props: GatewaysChartProps) {
    super(scope, id);
    this.releases = props.gateways.map((g, i) => {
      const release = new HelmRelease(this, g.name, { release: props.releases[i] });
      applyScheduling(release.apiObjects, g.scheduling);
      return release;
    });
  }
}
