import { Manifest, parseApiVersion } from '../manifests';
import { formatLabels, Labels, labelsOf } from './label-selectors';
import { podTemplateOf } from './pod-templates';
import { violation, Violation } from './violation';

/** The pod labels of gateway workloads: pods the injector turns into gateways (`inject.istio.io/templates: gateway`). */
function gatewayPods(manifests: readonly Manifest[]): { readonly m: Manifest; readonly labels: Labels }[] {
  const out: { m: Manifest; labels: Labels }[] = [];
  for (const m of manifests) {
    if (m.kind !== 'Deployment') continue;
    const template = podTemplateOf(m);
    const templates = String(template?.metadata.annotations?.['inject.istio.io/templates'] ?? '');
    if (template && templates.split(',').includes('gateway')) out.push({ m, labels: labelsOf(template.metadata.labels) });
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
      out.push(violation(m, 'gateway-selector', 'has no spec.selector: it would bind to no gateway deliberately chosen'));
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

/**
 * Every host the mesh routes through an egress gateway has a ServiceEntry: without one,
 * a REGISTRY_ONLY mesh refuses the host before the route is ever used, and the gateway
 * cannot resolve it. A route "goes through a gateway" when, from the mesh (sidecars),
 * it sends to a Service whose selector matches the pods of a gateway Deployment.
 */
export function checkEgressServiceEntries(manifests: readonly Manifest[]): Violation[] {
  const pods = gatewayPods(manifests);
  const gatewayServices = new Set<string>();
  for (const s of manifests) {
    if (s.kind !== 'Service' || s.apiVersion !== 'v1') continue;
    const selector = labelsOf(s.object.spec?.selector);
    if (Object.keys(selector).length && pods.some(p => p.m.namespace === s.namespace && selects(selector, p.labels))) gatewayServices.add(`${s.namespace}/${s.name}`);
  }
  const entered = new Set<string>();
  for (const m of manifests.filter(x => isIstio(x, 'ServiceEntry'))) {
    for (const h of Array.isArray(m.object.spec?.hosts) ? m.object.spec.hosts : []) entered.add(String(h));
  }
  const out: Violation[] = [];
  for (const vs of manifests.filter(x => isIstio(x, 'VirtualService'))) {
    const viaGateway = routesOf(vs).some(r => r.gateways.includes('mesh') && r.destinations.some(d => {
      const service = serviceOf(d, vs.namespace);
      return service !== undefined && gatewayServices.has(service);
    }));
    if (!viaGateway) continue;
    for (const host of Array.isArray(vs.object.spec?.hosts) ? vs.object.spec.hosts.map(String) : []) {
      if (!entered.has(host)) out.push(violation(vs, 'egress-service-entry', `routes ${host} through a gateway Service, but no ServiceEntry in this folder declares ${host}`));
    }
  }
  return out;
}
