import { asList, asMap, Problems } from './problems';
import { EgressSettings, MeshSettings, ResolvedEgress, ResolvedGateway } from './types';

/** A DNS name of at least two labels (RFC 1123), as an external host is; no wildcard. */
const EXTERNAL_HOST = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;

/** Cluster-internal names: routing them through the egress gateway would hijack a Service. */
const CLUSTER_SUFFIXES = ['.svc', '.svc.cluster.local', '.cluster.local', '.local'];

/** Checks `egress`; problems are collected, not thrown. */
export function checkEgress(p: Problems, input: MeshSettings, gateways: readonly { name?: unknown; kind?: unknown }[]): void {
  const egress = asMap(input.egress) as Partial<EgressSettings>;
  const seen = new Set<string>();
  asList(egress.hosts).forEach((h, i) => {
    const { host, port } = asMap(h);
    if (typeof host === 'string') {
      if (!EXTERNAL_HOST.test(host)) {
        p.add(`egress.hosts[${i}].host`, host, 'must be a lower-case DNS name such as api.example.com (no wildcard, no port)');
      } else if (CLUSTER_SUFFIXES.some(s => host.endsWith(s))) {
        p.add(`egress.hosts[${i}].host`, host, 'is a cluster-internal name; egress hosts are external');
      }
    }
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      p.add(`egress.hosts[${i}].port`, port, 'must be a port number from 1 to 65535');
    }
    const key = `${String(host)}:${String(port ?? 443)}`;
    if (seen.has(key)) p.add(`egress.hosts[${i}]`, h, 'is listed twice');
    seen.add(key);
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
