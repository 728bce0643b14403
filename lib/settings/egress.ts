import { egressName } from './egress-names';
import { asList, asMap, Problems } from './problems';
import { EgressSettings, MeshSettings, ResolvedEgress, ResolvedGateway } from './types';

/** A DNS name of at least two labels (RFC 1123), as an external host is; no wildcard. */
const EXTERNAL_HOST = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;

/** Cluster-internal names: routing them through the egress gateway would hijack a Service. */
const CLUSTER_SUFFIXES = ['.svc', '.svc.cluster.local', '.cluster.local', '.local'];

/** Ports of Istio's own proxies (15000–15090): a route on one would capture the proxy's traffic. */
const PROXY_PORTS = [15000, 15090] as const;

/** Checks `egress`; problems are collected, not thrown. `namespaces`: the namespaces the mesh knows (a `svc.<namespace>` host is a Service). */
export function checkEgress(p: Problems, input: MeshSettings, gateways: readonly { name?: unknown; kind?: unknown }[], namespaces: readonly unknown[]): void {
  const egress = asMap(input.egress) as Partial<EgressSettings>;
  const known = new Set(['default', 'kube-system', ...namespaces.filter((n): n is string => typeof n === 'string')]);
  const hostAt = new Map<string, number>();
  const nameAt = new Map<string, number>();
  asList(egress.hosts).forEach((h, i) => {
    const { host, port } = asMap(h);
    const field = `egress.hosts[${i}]`;
    if (typeof host === 'string') {
      const labels = host.split('.');
      if (!EXTERNAL_HOST.test(host)) {
        p.add(`${field}.host`, host, 'must be a lower-case DNS name such as api.example.com (no wildcard, no port)');
      } else if (/^\d+$/.test(labels[labels.length - 1])) {
        p.add(`${field}.host`, host, 'is an IP address: TLS egress is matched by SNI, which carries a name');
      } else if (CLUSTER_SUFFIXES.some(s => host.endsWith(s)) || (labels.length === 2 && known.has(labels[1]))) {
        p.add(`${field}.host`, host, 'is a cluster-internal name (a Service); egress hosts are external');
      }
    }
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      p.add(`${field}.port`, port, 'must be a port number from 1 to 65535');
    } else if (typeof port === 'number' && port >= PROXY_PORTS[0] && port <= PROXY_PORTS[1]) {
      p.add(`${field}.port`, port, `is one of Istio's proxy ports (${PROXY_PORTS[0]}–${PROXY_PORTS[1]})`);
    }
    if (typeof host !== 'string') return;
    // The gateway tells hosts apart by SNI alone, which carries no port: one port per host.
    const first = hostAt.get(host);
    if (first !== undefined) p.add(field, h, `lists ${host} again (first at egress.hosts[${first}]): one port per host, since the egress gateway matches TLS by name only`);
    else hostAt.set(host, i);
    const name = egressName(host, typeof port === 'number' ? port : 443);
    const clash = nameAt.get(name);
    if (clash !== undefined && first === undefined) p.add(`${field}.host`, host, `gives the same object name (${name}) as egress.hosts[${clash}]; list one of them with another spelling or port`);
    else nameAt.set(name, i);
  });
  const egressGateways = gateways.filter(g => g.kind === 'egress').map(g => g.name);
  if (egress.gateway !== undefined && !egressGateways.includes(egress.gateway)) {
    p.add('egress.gateway', egress.gateway, `is not an egress gateway of this mesh (${egressGateways.length ? `egress gateways: ${egressGateways.join(', ')}` : 'it has none: add one to gateways'})`);
  } else if (egress.gateway === undefined && egressGateways.length > 1 && asList(egress.hosts).length > 0) {
    p.addShape('egress.gateway', `is required when the mesh has several egress gateways: name the one the hosts go through (${egressGateways.join(', ')})`);
  }
}

/** `egress` with defaults, once checkEgress found no problem. */
export function resolveEgress(input: MeshSettings, gateways: readonly ResolvedGateway[]): ResolvedEgress {
  const egress = input.egress ?? {};
  const candidates = gateways.filter(g => g.kind === 'egress' && (egress.gateway === undefined || g.name === egress.gateway));
  return {
    outboundTrafficPolicy: egress.outboundTrafficPolicy ?? 'ALLOW_ANY',
    hosts: (egress.hosts ?? []).map(h => ({ host: h.host, port: h.port ?? 443 })),
    ...(candidates.length === 1 ? { gateway: candidates[0] } : {}),
  };
}
