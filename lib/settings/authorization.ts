import { DNS_LABEL } from './names';
import { asList, asMap, Problems } from './problems';
import { AllowFrom, AllowTo, AuthorizationAllow, GatewaySettings, MeshSettings } from './types';
import { ISTIO_NAMESPACE } from './defaults';

/** Methods Istio's AuthorizationPolicy matches (HTTP's, as sent). */
const HTTP_METHOD = /^[A-Z]+$/;
/** A path as Istio matches it: exact, or with one `*` as prefix or suffix. */
const HTTP_PATH = /^(\*|\/[^\s*]*\*?|\*[^\s*]*)$/;
/** A trust domain: a DNS name (SPIFFE's trust domain). */
const TRUST_DOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Whether an allow names L7 attributes (methods, paths): a sidecar or a waypoint enforces them, ztunnel cannot. */
export function isL7(allow: AuthorizationAllow): boolean {
  return (allow.to?.methods?.length ?? 0) > 0 || (allow.to?.paths?.length ?? 0) > 0;
}

function checkFrom(p: Problems, field: string, from: AllowFrom, known: ReadonlySet<string>, gateways: readonly GatewaySettings[]): void {
  const f = asMap(from);
  const namespaces = asList(f.namespaces);
  const accounts = asList(f.serviceAccounts);
  const gatewayNames = asList(f.gateways);
  if (!namespaces.length && !accounts.length && !gatewayNames.length) p.add(field, from, 'names no caller: give namespaces, serviceAccounts or gateways');
  namespaces.forEach((ns, i) => {
    if (typeof ns !== 'string' || !DNS_LABEL.test(ns)) p.add(`${field}.namespaces[${i}]`, ns, 'is not a namespace name');
    else if (!known.has(ns)) p.add(`${field}.namespaces[${i}]`, ns, `is not a namespace of this mesh (app namespaces, gateway namespaces, ${ISTIO_NAMESPACE}, externalNamespaces): only workloads of the mesh have an identity a policy can name; add it to appNamespaces, or to externalNamespaces if its workloads are in the mesh but not rendered here`);
  });
  accounts.forEach((sa, i) => {
    const [ns, name, extra] = typeof sa === 'string' ? sa.split('/') : [];
    if (extra !== undefined || !ns || !name || !DNS_LABEL.test(ns) || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) {
      p.add(`${field}.serviceAccounts[${i}]`, sa, 'must be namespace/name (a service account)');
    } else if (!known.has(ns)) {
      p.add(`${field}.serviceAccounts[${i}]`, sa, `is in ${ns}, not a namespace of this mesh: add ${ns} to appNamespaces, or to externalNamespaces if its workloads are in the mesh but not rendered here`);
    }
  });
  gatewayNames.forEach((g, i) => {
    const gateway = gateways.find(x => x.name === g);
    if (!gateway) p.add(`${field}.gateways[${i}]`, g, `is not a gateway of the settings (${gateways.map(x => x.name).join(', ') || 'none'})`);
    else if (gateway.kind !== 'ingress') p.add(`${field}.gateways[${i}]`, g, `is an ${gateway.kind} gateway: only an ingress gateway routes callers in (an east-west gateway passes the caller's own identity through)`);
  });
}

function checkTo(p: Problems, field: string, to: AllowTo | undefined): void {
  const t = asMap(to);
  asList(t.ports).forEach((port, i) => {
    if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) p.add(`${field}.ports[${i}]`, port, 'is not a port (1 to 65535)');
  });
  asList(t.methods).forEach((m, i) => {
    if (typeof m !== 'string' || !HTTP_METHOD.test(m)) p.add(`${field}.methods[${i}]`, m, 'is not an HTTP method (GET, POST, …, in capitals)');
  });
  asList(t.paths).forEach((path, i) => {
    if (typeof path !== 'string' || !HTTP_PATH.test(path)) p.add(`${field}.paths[${i}]`, path, 'is not a path Istio matches (/exact, /prefix*, *suffix or *)');
  });
}

/**
 * Checks `authorization`, `trustDomain`, `externalNamespaces` and each app namespace's `allow`: callers that the
 * mesh can identify, ports, methods and paths as Istio matches them, and L7 only where it
 * is enforced (an ambient namespace without a waypoint has only ztunnel, which sees L4).
 */
export function checkAuthorization(p: Problems, input: MeshSettings, gateways: readonly GatewaySettings[], ambientOf: (ns: { dataplane?: unknown }) => boolean): void {
  if (input.trustDomain !== undefined && (typeof input.trustDomain !== 'string' || !TRUST_DOMAIN.test(input.trustDomain))) {
    p.add('trustDomain', input.trustDomain, 'is not a trust domain (a DNS name such as cluster.local)');
  }
  const mode = input.authorization ?? 'namespace-isolation';
  const namespaces = asList(input.appNamespaces).map(ns => asMap(ns));
  // A dry run in ambient namespaces is safe: istiod gives ztunnel no dry-run policy (Istio ≥ 1.25,
  // istio/istio#55414), and a waypoint, an Envoy, logs it as a sidecar does.
  if (input.authorizationDryRun === true && mode === 'open') p.add('authorizationDryRun', true, 'has nothing to dry-run with authorization: \'open\': set the mode to try');
  const rendered = new Set<string>([ISTIO_NAMESPACE, ...gateways.map(g => String(asMap(g).namespace)), ...namespaces.map(ns => String(ns.name))]);
  const external = new Set<string>();
  asList(input.externalNamespaces).forEach((ns, i) => {
    const field = `externalNamespaces[${i}]`;
    if (typeof ns !== 'string' || !DNS_LABEL.test(ns)) p.add(field, ns, 'is not a namespace name');
    else if (rendered.has(ns)) p.add(field, ns, 'is a namespace this project renders (an app, gateway or Istio namespace): remove it from externalNamespaces');
    else if (external.has(ns)) p.add(field, ns, 'is listed twice');
    else external.add(ns);
  });
  const known = new Set<string>([...rendered, ...external]);
  namespaces.forEach((ns, i) => {
    const allows = asList(ns.allow);
    if (allows.length && mode === 'open') {
      p.add(`appNamespaces[${i}].allow`, '…', 'has no effect with authorization: \'open\' (everything is allowed): set authorization to \'namespace-isolation\' or \'deny-by-default\'');
      return;
    }
    allows.forEach((allow, j) => {
      const a = asMap(allow) as Partial<AuthorizationAllow>;
      const field = `appNamespaces[${i}].allow[${j}]`;
      if (a.from === undefined) return;
      checkFrom(p, `${field}.from`, a.from, known, gateways);
      checkTo(p, `${field}.to`, a.to);
      if (isL7(a as AuthorizationAllow) && ambientOf(ns) && ns.waypoint !== true) {
        p.add(`${field}.to`, a.to, `names HTTP methods or paths, which only a waypoint enforces in an ambient namespace (ztunnel sees connections, not requests): set waypoint: true on ${String(ns.name)}, or allow by port only`);
      }
    });
  });
}
