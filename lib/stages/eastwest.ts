import { Construct } from 'constructs';
import { Gateway, GatewaySpecServersTlsMode } from '../../imports/networking.istio.io';
import { RenderedRelease } from '../render/engine';
import { gatewayPodSelector } from '../render/gateway-endpoints';

/** Port east-west gateways take mTLS traffic of other networks on (Istio's multi-network install). */
export const CROSS_NETWORK_PORT = 15443;

/** Props of CrossNetworkGateway. */
export interface CrossNetworkGatewayProps {
  /** The east-west gateway's rendered release: its namespace and pod selector are read from it. */
  readonly release: RenderedRelease;
}

/**
 * "Expose services" of Istio's multi-network install: the east-west gateway passes the
 * mesh's mTLS traffic for `*.local` services through on 15443 (AUTO_PASSTHROUGH: routed
 * by SNI, never decrypted), so workloads of other networks reach this cluster's.
 */
export class CrossNetworkGateway extends Construct {
  constructor(scope: Construct, id: string, props: CrossNetworkGatewayProps) {
    super(scope, id);
    const { release } = props;
    const selector = gatewayPodSelector(release);
    if (!selector) {
      this.node.addValidation({ validate: () => [`eastwest gateway ${release.request.releaseName} rendered no Deployment with a selector (check its values)`] });
      return;
    }
    new Gateway(this, 'gateway', {
      metadata: { name: `${release.request.releaseName}-cross-network`, namespace: release.request.namespace },
      spec: {
        selector,
        servers: [{
          port: { number: CROSS_NETWORK_PORT, name: 'tls', protocol: 'TLS' },
          tls: { mode: GatewaySpecServersTlsMode.AUTO_UNDERSCORE_PASSTHROUGH },
          hosts: ['*.local'],
        }],
      },
    });
  }
}
