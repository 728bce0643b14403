import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { PeerAuthentication, PeerAuthenticationSpecMtlsMode } from '../../imports/security.istio.io';
import { ISTIO_NAMESPACE, MtlsMode, ResolvedAppNamespace, ResolvedEgress } from '../settings';
import { EgressGatewayEndpoint } from '../render/gateway-endpoints';
import { EgressRoutes } from './egress';

/** Props of the policy stage. */
export interface PolicyChartProps {
  /** Mesh-wide mTLS. */
  readonly mtls: MtlsMode;
  /** App namespaces; those with their own mtls get a namespace-level PeerAuthentication. */
  readonly namespaces: readonly ResolvedAppNamespace[];
  /** Outbound traffic: the external hosts. @default - none */
  readonly egress?: ResolvedEgress;
  /** The egress gateway the hosts are routed through. @default - none: ServiceEntries only */
  readonly egressGateway?: EgressGatewayEndpoint;
}

/**
 * Istio resources the mesh's security rests on, typed through imports/: mesh-wide mTLS (a
 * PeerAuthentication `default` in istio-system, STRICT unless the settings say
 * otherwise), namespace-level exceptions, and controlled egress (EgressRoutes). After istiod (its validating webhook must
 * answer) and after the app namespaces they live in; in a file of their own, later
 * than their CRDs, so a second `kubectl apply` finds the kinds served.
 */
export class PolicyChart extends Chart {
  constructor(scope: Construct, id: string, props: PolicyChartProps) {
    super(scope, id);
    new PeerAuthentication(this, 'mesh-mtls', {
      metadata: { name: 'default', namespace: ISTIO_NAMESPACE },
      spec: { mtls: { mode: PeerAuthenticationSpecMtlsMode[props.mtls] } },
    });
    for (const ns of props.namespaces) {
      if (!ns.mtls) continue;
      new PeerAuthentication(this, `${ns.name}-mtls`, {
        metadata: { name: 'default', namespace: ns.name },
        spec: { mtls: { mode: PeerAuthenticationSpecMtlsMode[ns.mtls] } },
      });
    }
    if (props.egress?.hosts.length) new EgressRoutes(this, 'egress', { egress: props.egress, gateway: props.egressGateway });
  }
}
