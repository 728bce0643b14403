import { Manifest, parseApiVersion } from '../manifests';
import { formatLabels, Labels, labelsOf } from './label-selectors';
import { podTemplateOf, usesGatewayTemplate } from '../manifests/pod-templates';
import { violation, Violation } from './violation';

/** The pod labels of gateway workloads: pods the injector turns into gateways (`inject.istio.io/templates: gateway`). */
function gatewayPods(manifests: readonly Manifest[]): { readonly m: Manifest; readonly labels: Labels }[] {
  const out: { m: Manifest; labels: Labels }[] = [];
  for (const m of manifests) {
    if (m.kind !== 'Deployment') continue;
    const template = podTemplateOf(m);
    if (template && usesGatewayTemplate(template.metadata)) out.push({ m, labels: labelsOf(template.metadata.labels) });
  }
  return out;
}

const isIstio = (m: Manifest, kind: string) => m.kind === kind && parseApiVersion(m.apiVersion).group === 'networking.istio.io';

const selects = (selector: Labels, labels: Labels) => Object.entries(selector).every(([k, v]) => labels[k] === v);

/**
 * Every Istio Gateway selects the pods of a gateway Deployment in this folder: a selector
 * that matches none (a renamed gateway, a label the chart does not set) opens no port
 * anywhere, and nothing says so in a cluster.
 */
export function checkGatewaySelectors(manifests: readonly Manifest[]): Violation[] {
  const pods = gatewayPods(manifests);
  const out: Violation[] = [];
  for (const m of manifests.filter(x => isIstio(x, 'Gateway'))) {
    const selector = labelsOf(m.object.spec?.selector);
    if (Object.keys(selector).length === 0) {
      out.push(violation(m, 'gateway-selector', 'has no spec.selector: it would bind to every gateway pod of the mesh; select the gateway\'s pods'));
    } else if (!pods.some(p => selects(selector, p.labels))) {
      out.push(violation(m, 'gateway-selector', `selector ${formatLabels(selector)} matches the pods of no gateway Deployment in this folder`));
    }
  }
  return out;
}

/** The `namespace/name` of the Service a destination host names, as Istio resolves short names (in the route's namespace). */
function serviceOf(host: string, namespace: string): string | undefined {
  const parts = host.split('.');
  if (parts.length === 1) return `${namespace}/${host}`;
  if (parts.length === 2 || (parts.length >= 3 && parts[2] === 'svc')) return `${parts[1]}/${parts[0]}`;
  return undefined;
}

/** Destination hosts of every route of a VirtualService (http, tls, tcp), with the gateways each route applies to. */
function routesOf(vs: Manifest): { readonly gateways: readonly string[]; readonly destinations: readonly string[] }[] {
  const spec = vs.object.spec ?? {};
  const vsGateways: string[] = Array.isArray(spec.gateways) && spec.gateways.length ? spec.gateways.map(String) : ['mesh'];
  const out: { gateways: string[]; destinations: string[] }[] = [];
  for (const kind of ['http', 'tls', 'tcp']) {
    for (const rule of Array.isArray(spec[kind]) ? spec[kind] : []) {
      const matchGateways = (Array.isArray(rule?.match) ? rule.match : []).flatMap((m: any) => (Array.isArray(m?.gateways) ? m.gateways.map(String) : []));
      const destinations = (Array.isArray(rule?.route) ? rule.route : []).map((r: any) => r?.destination?.host).filter((h: unknown): h is string => typeof h === 'string');
      out.push({ gateways: matchGateways.length ? matchGateways : vsGateways, destinations });
    }
  }
  return out;
}

/** Whether a ServiceEntry host (possibly a wildcard, `*.example.com` or `*`) covers a host. */
function covers(entry: string, host: string): boolean {
  if (entry === '*') return true;
  return entry.startsWith('*.') ? host.endsWith(entry.slice(1)) : entry === host;
}

/**
 * Every external host the mesh routes through an egress gateway has a ServiceEntry:
 * without one, a REGISTRY_ONLY mesh refuses the host before the route is ever used, and
 * the gateway cannot resolve it. A route "goes through an egress gateway" when, from the
 * mesh (sidecars), it sends to a Service whose selector matches the pods of one of the
 * settings' egress gateways (ingress gateways are routed to for internal clients too).
 */
export function checkEgressServiceEntries(manifests: readonly Manifest[], egressGateways: readonly { readonly name: string; readonly namespace: string }[]): Violation[] {
  const pods = gatewayPods(manifests).filter(p => egressGateways.some(g => g.name === p.m.name && g.namespace === p.m.namespace));
  const services = new Set(manifests.filter(s => s.kind === 'Service' && s.apiVersion === 'v1').map(s => `${s.namespace}/${s.name}`));
  const gatewayServices = new Set<string>();
  for (const s of manifests) {
    if (s.kind !== 'Service' || s.apiVersion !== 'v1') continue;
    const selector = labelsOf(s.object.spec?.selector);
    if (Object.keys(selector).length && pods.some(p => p.m.namespace === s.namespace && selects(selector, p.labels))) gatewayServices.add(`${s.namespace}/${s.name}`);
  }
  const entered: string[] = [];
  for (const m of manifests.filter(x => isIstio(x, 'ServiceEntry'))) {
    for (const h of Array.isArray(m.object.spec?.hosts) ? m.object.spec.hosts : []) entered.push(String(h));
  }
  const out: Violation[] = [];
  for (const vs of manifests.filter(x => isIstio(x, 'VirtualService'))) {
    const viaGateway = routesOf(vs).some(r => r.gateways.includes('mesh') && r.destinations.some(d => {
      const service = serviceOf(d, vs.namespace);
      return service !== undefined && gatewayServices.has(service);
    }));
    if (!viaGateway) continue;
    for (const host of Array.isArray(vs.object.spec?.hosts) ? vs.object.spec.hosts.map(String) : []) {
      const service = serviceOf(host, vs.namespace);
      if (service !== undefined && services.has(service)) continue;
      if (!entered.some(e => covers(e, host))) out.push(violation(vs, 'egress-service-entry', `routes ${host} through an egress gateway, but no ServiceEntry in this folder declares ${host}`));
    }
  }
  return out;
}

/**
 * Every subset a route sends to is defined by a DestinationRule for that host: Envoy has
 * no cluster for an undefined subset, and the route fails with 503s at run time.
 */
export function checkDestinationSubsets(manifests: readonly Manifest[]): Violation[] {
  const key = (host: string, namespace: string) => serviceOf(host, namespace) ?? host;
  const defined = new Set<string>();
  for (const dr of manifests.filter(x => isIstio(x, 'DestinationRule'))) {
    const host = dr.object.spec?.host;
    if (typeof host !== 'string') continue;
    for (const s of Array.isArray(dr.object.spec?.subsets) ? dr.object.spec.subsets : []) defined.add(`${key(host, dr.namespace)}#${String(s?.name)}`);
  }
  const out: Violation[] = [];
  for (const vs of manifests.filter(x => isIstio(x, 'VirtualService'))) {
    const spec = vs.object.spec ?? {};
    for (const kind of ['http', 'tls', 'tcp']) {
      for (const rule of Array.isArray(spec[kind]) ? spec[kind] : []) {
        for (const r of Array.isArray(rule?.route) ? rule.route : []) {
          const d = r?.destination;
          if (typeof d?.host !== 'string' || d.subset === undefined) continue;
          if (!defined.has(`${key(d.host, vs.namespace)}#${String(d.subset)}`)) {
            out.push(violation(vs, 'destination-subset', `routes to subset ${String(d.subset)} of ${d.host}, which no DestinationRule in this folder defines`));
          }
        }
      }
    }
  }
  return out;
}
