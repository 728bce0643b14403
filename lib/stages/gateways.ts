import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { RenderedRelease } from '../render/engine';
import { HelmRelease } from '../render/helm-release';
import { applyScheduling } from './scheduling';
import { ResolvedGateway } from '../settings';

/** Props of the gateways stage. */
export interface GatewaysChartProps {
  /** The gateways, with their scheduling. */
  readonly gateways: readonly ResolvedGateway[];
  /** Their rendered releases, in the same order (gatewayReleases). */
  readonly releases: readonly RenderedRelease[];
}

/** The gateways stage: ingress and egress gateways (Istio's `gateway` chart, once per gateway). */
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
