import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { HelmValues, ResolvedGateway } from '../settings';
import { mergeValues } from '../values';
import { IstioRelease, RenderContext } from './release';

/** Props of the gateways stage. */
export interface GatewaysChartProps {
  /** Unpacked `gateway` chart. */
  readonly chartDir: string;
  /** Control-plane revision the gateways belong to ('' for the default revision). */
  readonly revision: string;
  /** The gateways, one release each. */
  readonly gateways: readonly ResolvedGateway[];
  /** How to run helm. */
  readonly context: RenderContext;
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

/** Stage 4: ingress and egress gateways (Istio's `gateway` chart, once per gateway). */
export class GatewaysChart extends Chart {
  /** One Helm release per gateway. */
  readonly releases: readonly IstioRelease[];

  constructor(scope: Construct, id: string, props: GatewaysChartProps) {
    super(scope, id);
    this.releases = props.gateways.map(g => new IstioRelease(this, g.name, {
      chartDir: props.chartDir,
      releaseName: g.name,
      namespace: g.namespace,
      values: gatewayValues(g, props.revision),
      context: props.context,
    }));
  }
}
