import { ApiObject, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ResolvedAppNamespace } from '../settings';
import { WAYPOINT_NAME } from '../settings/dataplane';

/** Props of the apps stage. */
export interface AppsChartProps {
  /** Application namespaces, with their injection label (`istio-injection=enabled` or `istio.io/rev`). */
  readonly namespaces: readonly ResolvedAppNamespace[];
}

/**
 * Application namespaces labelled for sidecar injection or ambient mode, and their
 * waypoints. Last of Istio's stages, so the injector (istiod), ztunnel and the Gateway
 * API CRDs exist before any namespace asks for them.
 */
export class AppsChart extends Chart {
  constructor(scope: Construct, id: string, props: AppsChartProps) {
    super(scope, id);
    for (const ns of props.namespaces) {
      new kplus.Namespace(this, ns.name, {
        metadata: { name: ns.name, labels: { ...ns.labels } },
      });
      if (ns.waypoint) {
        // What `istioctl waypoint generate` writes: the namespace's L7 proxy for its services.
        new ApiObject(this, `${ns.name}-waypoint`, {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'Gateway',
          metadata: { name: WAYPOINT_NAME, namespace: ns.name, labels: { 'istio.io/waypoint-for': 'service' } },
          spec: { gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] },
        });
      }
    }
  }
}
