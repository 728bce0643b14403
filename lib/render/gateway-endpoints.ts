import { UserError } from '../user-error';
import { RenderedRelease } from './engine';

/**
 * The pod labels a gateway release's Deployment selects, as its chart rendered them
 * (values may change them, so they are read, not assumed): the selector of an Istio
 * Gateway resource bound to those pods. Undefined when the release has no such Deployment.
 */
export function gatewayPodSelector(release: RenderedRelease): { readonly [label: string]: string } | undefined {
  const deployment = (release.documents as any[]).find(d => d?.kind === 'Deployment');
  const selector = deployment?.spec?.selector?.matchLabels;
  return selector ? { ...selector } : undefined;
}

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
