import { Construct } from 'constructs';
import { DestinationRule, Gateway, GatewaySpecServersTlsMode, ServiceEntry, ServiceEntrySpecLocation, ServiceEntrySpecResolution, VirtualService } from '../../imports/networking.istio.io';
import { EGRESS_GATEWAY_TLS_PORT, EgressGatewayEndpoint } from '../render/gateway-endpoints';
import { ISTIO_NAMESPACE, ResolvedEgress } from '../settings';
import { egressName } from '../settings/egress-names';

export { egressName };

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
