import { Construct } from 'constructs';
import { DestinationRule, Gateway, GatewaySpecServersTlsMode, ServiceEntry, ServiceEntrySpecLocation, ServiceEntrySpecResolution, VirtualService } from '../../imports/networking.istio.io';
import { RenderedRelease } from '../render/engine';
import { gatewayPodSelector } from './gateway-pods';
import { ISTIO_NAMESPACE, ResolvedEgress } from '../settings';
import { UserError } from '../user-error';
import { egressName } from '../settings/egress-names';

export { egressName };

/** The port egress gateways take TLS on: every host shares it, told apart by SNI. */
export const EGRESS_GATEWAY_TLS_PORT = 443;

/** Where the mesh reaches an egress gateway, read from its rendered release. */
export interface EgressGatewayEndpoint {
  /** Its namespace. */
  readonly namespace: string;
  /** The pod labels its Deployment selects (a Gateway resource's selector). */
  readonly selector: { readonly [label: string]: string };
  /** Its Service's cluster name, `<name>.<namespace>.svc.cluster.local`. */
  readonly serviceHost: string;
}

/**
 * The egress gateway's pod selector and Service, as its chart rendered them (the chart's
 * values may change both, so they are read, not assumed).
 */
export function egressGatewayEndpoint(release: RenderedRelease): EgressGatewayEndpoint {
  const docs = release.documents as any[];
  const name = release.request.releaseName;
  const service = docs.find(d => d?.kind === 'Service');
  const selector = gatewayPodSelector(release);
  if (!selector || !service) {
    throw new UserError(`egress: gateway ${name} rendered no Deployment with a selector, or no Service; egress hosts need both (check values.gateways)`);
  }
  if (!(service.spec?.ports ?? []).some((p: any) => p?.port === EGRESS_GATEWAY_TLS_PORT)) {
    throw new UserError(`egress: the Service of gateway ${name} has no port ${EGRESS_GATEWAY_TLS_PORT}, which egress hosts are routed to; keep it in the gateway's service.ports values`);
  }
  const namespace = release.request.namespace;
  return { namespace, selector, serviceHost: `${service.metadata.name}.${namespace}.svc.cluster.local` };
}

/** Props of EgressRoutes. */
export interface EgressRoutesProps {
  /** The hosts (and the policy, which istiod's mesh config carries). */
  readonly egress: ResolvedEgress;
  /**
   * The egress gateway to route the hosts through.
   * @default - none: each host gets a ServiceEntry only
   */
  readonly gateway?: EgressGatewayEndpoint;
}


/**
 * Controlled egress as Istio's egress-gateway task does it for TLS traffic: a
 * ServiceEntry makes each host known to the mesh (so REGISTRY_ONLY lets it through), and
 * with an egress gateway, a VirtualService sends the host's TLS from every sidecar to
 * the gateway, and from the gateway out (matched by SNI, passed through, never
 * decrypted); a Gateway opens the gateway's port for it and a DestinationRule names the
 * route to the gateway per host. Objects live in the gateway's namespace (without a
 * gateway, in istio-system), visible to the whole mesh.
 */
export class EgressRoutes extends Construct {
  constructor(scope: Construct, id: string, props: EgressRoutesProps) {
    super(scope, id);
    const { egress, gateway } = props;
    const namespace = gateway?.namespace ?? ISTIO_NAMESPACE;
    for (const { host, port } of egress.hosts) {
      const name = egressName(host, port);
      new ServiceEntry(this, `${name}-entry`, {
        metadata: { name, namespace },
        spec: {
          hosts: [host],
          location: ServiceEntrySpecLocation.MESH_UNDERSCORE_EXTERNAL,
          ports: [{ number: port, name: `tls-${port}`, protocol: 'TLS' }],
          resolution: ServiceEntrySpecResolution.DNS,
        },
      });
      if (!gateway) continue;
      const gatewayRef = `${namespace}/${name}`;
      new Gateway(this, `${name}-gateway`, {
        metadata: { name, namespace },
        spec: {
          selector: { ...gateway.selector },
          servers: [{
            port: { number: EGRESS_GATEWAY_TLS_PORT, name: 'tls', protocol: 'TLS' },
            hosts: [host],
            tls: { mode: GatewaySpecServersTlsMode.PASSTHROUGH },
          }],
        },
      });
      new VirtualService(this, `${name}-route`, {
        metadata: { name, namespace },
        spec: {
          hosts: [host],
          gateways: ['mesh', gatewayRef],
          tls: [
            {
              match: [{ gateways: ['mesh'], port, sniHosts: [host] }],
              route: [{ destination: { host: gateway.serviceHost, subset: name, port: { number: EGRESS_GATEWAY_TLS_PORT } } }],
            },
            {
              match: [{ gateways: [gatewayRef], port: EGRESS_GATEWAY_TLS_PORT, sniHosts: [host] }],
              route: [{ destination: { host, port: { number: port } }, weight: 100 }],
            },
          ],
        },
      });
    }
    if (gateway && egress.hosts.length) {
      // One DestinationRule for the gateway's Service: Istio applies only one per host.
      new DestinationRule(this, 'gateway-subsets', {
        metadata: { name: `egress-${gateway.serviceHost.split('.')[0]}`, namespace },
        spec: {
          host: gateway.serviceHost,
          subsets: egress.hosts.map(({ host, port }) => ({ name: egressName(host, port) })),
        },
      });
    }
  }
}
