import { Construct } from 'constructs';
import { Gateway, GatewaySpecServersTlsMode, VirtualService } from '../../imports/networking.istio.io';
import { RenderedRelease } from '../render/engine';
import { gatewayPodSelector } from '../render/gateway-endpoints';

/** Port east-west gateways take mTLS traffic of other networks on (Istio's multi-network install). */
export const CROSS_NETWORK_PORT = 15443;

/**
 * The pod labels of an east-west gateway's rendered Deployment, for an Istio Gateway to
 * select; none is a validation error of `scope` (synth reports it with its path).
 */
function eastwestSelector(scope: Construct, release: RenderedRelease): { readonly [label: string]: string } | undefined {
  const selector = gatewayPodSelector(release);
  if (!selector) scope.node.addValidation({ validate: () => [`eastwest gateway ${release.request.releaseName} rendered no Deployment with a selector (check its values)`] });
  return selector;
}

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
    const selector = eastwestSelector(this, release);
    if (!selector) return;
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

/** Ports of istiod a remote cluster's proxies and API server reach through the east-west gateway. */
const ISTIOD_XDS_PORT = 15012;
const ISTIOD_WEBHOOK_PORT = 15017;

/** Props of ExposedIstiod. */
export interface ExposedIstiodProps {
  /** The east-west gateway's rendered release: its namespace and pod selector are read from it. */
  readonly release: RenderedRelease;
  /** The Service of the istiod that serves the remotes (the default revision's). */
  readonly istiodService: string;
}

/**
 * "Expose the control plane" of Istio's primary-remote install (samples/multicluster/
 * expose-istiod.yaml): the east-west gateway passes TLS on 15012 (xDS and the CA) and
 * 15017 (the injection and validation webhooks, istiod's 443) through to istiod, so the
 * remote clusters' proxies and API servers reach it at their `pilotAddress`.
 */
export class ExposedIstiod extends Construct {
  constructor(scope: Construct, id: string, props: ExposedIstiodProps) {
    super(scope, id);
    const { release } = props;
    const selector = eastwestSelector(this, release);
    if (!selector) return;
    const namespace = release.request.namespace;
    const gatewayName = 'istiod-gateway';
    new Gateway(this, 'gateway', {
      metadata: { name: gatewayName, namespace },
      spec: {
        selector,
        servers: [
          { port: { name: 'tls-istiod', number: ISTIOD_XDS_PORT, protocol: 'tls' }, tls: { mode: GatewaySpecServersTlsMode.PASSTHROUGH }, hosts: ['*'] },
          { port: { name: 'tls-istiodwebhook', number: ISTIOD_WEBHOOK_PORT, protocol: 'tls' }, tls: { mode: GatewaySpecServersTlsMode.PASSTHROUGH }, hosts: ['*'] },
        ],
      },
    });
    const host = `${props.istiodService}.istio-system.svc.cluster.local`;
    new VirtualService(this, 'routes', {
      metadata: { name: 'istiod-vs', namespace },
      spec: {
        hosts: ['*'],
        gateways: [gatewayName],
        tls: [
          { match: [{ port: ISTIOD_XDS_PORT, sniHosts: ['*'] }], route: [{ destination: { host, port: { number: ISTIOD_XDS_PORT } } }] },
          { match: [{ port: ISTIOD_WEBHOOK_PORT, sniHosts: ['*'] }], route: [{ destination: { host, port: { number: 443 } } }] },
        ],
      },
    });
  }
}
