import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { IncludedObjects } from '../render/included-objects';

/** Props of the gateway-api stage. */
export interface GatewayApiChartProps {
  /** The Gateway API CRDs (standard channel) of the Istio release in use, parsed. */
  readonly documents: readonly object[];
}

/**
 * The Kubernetes Gateway API CRDs Istio was built with, pinned by sha256 in the lock:
 * with the Istio CRDs, before anything that needs them (waypoints, Gateway objects).
 */
export class GatewayApiChart extends Chart {
  constructor(scope: Construct, id: string, props: GatewayApiChartProps) {
    super(scope, id);
    new IncludedObjects(this, 'standard-install', { documents: props.documents });
  }
}
