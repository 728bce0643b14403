import { parseApiVersion } from './api-version';
import { podTemplateOf, usesGatewayTemplate } from './pod-templates';
import { Manifest } from './read';
import { loadYaml11 } from './yaml11';

// What Istio's authorization reads from a folder of manifests, shared by check's authz-*
// rules (lib/check/authorization.ts) and the reachability matrix (reachability.ts) that
// `npm run check -- --authz` prints and `npm run diff` compares. From the manifests alone:
// nothing here knows the settings or the generator (docs/design.md, decision 9).

/** A label map as strings. */
export type LabelMap = { readonly [key: string]: string };

/** Istio's default trust domain, when the folder's mesh config names none. */
export const DEFAULT_TRUST_DOMAIN = 'cluster.local';
/** Istio's default root namespace (istiod's), when the mesh config names none. */
export const DEFAULT_ROOT_NAMESPACE = 'istio-system';
/** Namespaces every cluster has. */
export const BUILTIN_NAMESPACES: readonly string[] = ['default', 'kube-system'];
/** The annotation that makes a policy dry run: logged, not enforced. */
export const DRY_RUN_ANNOTATION = 'istio.io/dry-run';
/** The label (on a Namespace or Service) that makes Istio's gateways send an ambient namespace's traffic through its waypoint. */
export const INGRESS_USE_WAYPOINT_LABEL = 'istio.io/ingress-use-waypoint';
/** The pod labels that name the Gateway API Gateway istiod deployed the pods for. */
export const GATEWAY_NAME_LABELS: readonly string[] = ['gateway.networking.k8s.io/gateway-name', 'istio.io/gateway-name'];

const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
/** The gateway class of Istio's waypoints. */
export const WAYPOINT_CLASS = 'istio-waypoint';

function mapping(v: unknown): { readonly [key: string]: unknown } | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v as { readonly [key: string]: unknown } : undefined;
}

/** A list as strings; anything that is not a list is none. */
export function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

/** A manifest's label map as strings; anything that is not a mapping is none. */
export function labelMap(v: unknown): LabelMap {
  const m = mapping(v);
  if (!m) return {};
  const out: { [key: string]: string } = {};
  for (const [k, x] of Object.entries(m)) if (x !== undefined && x !== null) out[k] = String(x);
  return out;
}

/** Whether every label of `selector` is in `labels` with the same value (matchLabels). */
export function selectsLabels(selector: LabelMap, labels: LabelMap): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** `a=1,b=2`, sorted by key. */
export function labelsText(labels: LabelMap): string {
  const entries = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(',') : '(none)';
}

const isKind = (m: Manifest, group: string, kind: string) => m.kind === kind && parseApiVersion(m.apiVersion).group === group;

/** What the mesh config of a folder says about identities: trust domain, its aliases, the root namespace. */
export interface MeshIdentityFacts {
  /** meshConfig.trustDomain (cluster.local when no mesh config names one). */
  readonly trustDomain: string;
  /** Every trust domain a policy may name: the trust domain(s) of every mesh config in the folder and their aliases. */
  readonly trustDomains: readonly string[];
  /** meshConfig.rootNamespace: policies there apply mesh-wide. */
  readonly rootNamespace: string;
  /** Where the trust domain was read, for messages: `ConfigMap istio-system/istio` or `Istio's default`. */
  readonly source: string;
}

/**
 * The mesh config of the folder: each ConfigMap with a `mesh` key (istiod's `istio`, or
 * `istio-<revision>` of a canary revision), its `trustDomain`, `trustDomainAliases` and
 * `rootNamespace`; Istio's defaults when there is none.
 */
export function meshIdentityFacts(manifests: readonly Manifest[]): MeshIdentityFacts {
  const parse = (text: unknown): { readonly [key: string]: unknown } | undefined => {
    if (typeof text !== 'string') return undefined;
    try {
      return mapping(loadYaml11(text)[0]) ?? {};
    } catch {
      return undefined;
    }
  };
  const found = (name: (n: string) => boolean, config: (m: Manifest) => { readonly [key: string]: unknown } | undefined) => manifests
    .filter(m => m.kind === 'ConfigMap' && m.apiVersion === 'v1' && name(m.name))
    .flatMap(m => {
      const c = config(m);
      return c ? [{ m, config: c }] : [];
    });
  // The mesh config istiod reads; a remote cluster's folder has none, but istiod's values (`values`, `values-<revision>`) say the same.
  const meshConfigs = found(n => n === 'istio' || n.startsWith('istio-'), m => parse(mapping(m.object.data)?.mesh));
  const configs = meshConfigs.length ? meshConfigs
    : found(n => n === 'values' || n.startsWith('values-'), m => mapping(parse(mapping(m.object.data)?.['merged-values'])?.meshConfig));
  const domains = configs.map(c => (typeof c.config.trustDomain === 'string' && c.config.trustDomain ? c.config.trustDomain : DEFAULT_TRUST_DOMAIN));
  const aliases = configs.flatMap(c => stringList(c.config.trustDomainAliases));
  const first = configs[0];
  const root = first && typeof first.config.rootNamespace === 'string' && first.config.rootNamespace ? first.config.rootNamespace : first?.m.namespace || DEFAULT_ROOT_NAMESPACE;
  return {
    trustDomain: domains[0] ?? DEFAULT_TRUST_DOMAIN,
    trustDomains: [...new Set([...(domains.length ? domains : [DEFAULT_TRUST_DOMAIN]), ...aliases])],
    rootNamespace: root,
    source: first ? `ConfigMap ${first.m.namespace}/${first.m.name}${meshConfigs.length ? '' : ", istiod's meshConfig"}` : "Istio's default: no mesh config in this folder",
  };
}

/** An app namespace: a Namespace labelled for sidecar injection or ambient. */
export interface AppNamespaceFacts {
  /** Namespace name. */
  readonly name: string;
  /** The Namespace object. */
  readonly manifest: Manifest;
  /** Labelled istio.io/dataplane-mode=ambient: ztunnel enforces its selector-less policies. */
  readonly ambient: boolean;
  /** The waypoint it uses (istio.io/use-waypoint, in istio.io/use-waypoint-namespace or its own). */
  readonly waypoint?: { readonly namespace: string; readonly name: string };
  /**
   * Labelled istio.io/ingress-use-waypoint=true: gateways send its traffic through its
   * waypoint. Without it a gateway goes straight to ztunnel, past the waypoint's policies.
   */
  readonly ingressUseWaypoint: boolean;
}

/** The app namespaces of a folder: Namespaces labelled istio-injection=enabled, istio.io/rev or istio.io/dataplane-mode=ambient. */
export function appNamespacesOf(manifests: readonly Manifest[]): AppNamespaceFacts[] {
  const out: AppNamespaceFacts[] = [];
  for (const m of manifests) {
    if (m.kind !== 'Namespace' || m.apiVersion !== 'v1') continue;
    const labels = labelMap(m.object.metadata?.labels);
    const ambient = labels['istio.io/dataplane-mode'] === 'ambient';
    if (!(labels['istio-injection'] === 'enabled' || 'istio.io/rev' in labels || ambient)) continue;
    const use = labels['istio.io/use-waypoint'];
    const waypoint = use && use !== 'none' ? { namespace: labels['istio.io/use-waypoint-namespace'] || m.name, name: use } : undefined;
    const ingressUseWaypoint = labels[INGRESS_USE_WAYPOINT_LABEL] === 'true';
    out.push({ name: m.name, manifest: m, ambient, ...(waypoint ? { waypoint } : {}), ingressUseWaypoint });
  }
  return out;
}

/** Every namespace of the folder: its Namespace objects and those every cluster has. */
export function namespacesOf(manifests: readonly Manifest[]): Set<string> {
  return new Set([...BUILTIN_NAMESPACES, ...manifests.filter(m => m.kind === 'Namespace' && m.apiVersion === 'v1').map(m => m.name)]);
}

/** A Gateway API Gateway of the folder. */
export interface GatewayApiGateway {
  readonly namespace: string;
  readonly name: string;
  readonly className: string;
}

/** The Gateway API Gateways of the folder (waypoints among them). */
export function gatewayApiGateways(manifests: readonly Manifest[]): GatewayApiGateway[] {
  return manifests.filter(m => isKind(m, GATEWAY_API_GROUP, 'Gateway'))
    .map(m => ({ namespace: m.namespace, name: m.name, className: String(m.object.spec?.gatewayClassName ?? '') }));
}

/** A workload of the folder: a pod template, its labels and the service account its pods run as. */
export interface WorkloadFacts {
  readonly manifest: Manifest;
  readonly namespace: string;
  readonly name: string;
  /** The pods' labels. */
  readonly labels: LabelMap;
  /** spec.serviceAccountName (default: `default`). */
  readonly serviceAccount: string;
  /** A gateway: its pods use the gateway injection template, or an Istio Gateway selects them. */
  readonly gateway: boolean;
}

/** Every workload with a pod template in the folder. */
export function workloadsOf(manifests: readonly Manifest[]): WorkloadFacts[] {
  const istioGatewaySelectors = manifests.filter(m => isKind(m, 'networking.istio.io', 'Gateway'))
    .map(m => labelMap(m.object.spec?.selector)).filter(s => Object.keys(s).length > 0);
  const out: WorkloadFacts[] = [];
  for (const m of manifests) {
    const template = podTemplateOf(m);
    if (!template) continue;
    const labels = labelMap(template.metadata.labels);
    const spec = template.spec as { serviceAccountName?: unknown; serviceAccount?: unknown };
    const serviceAccount = String(spec.serviceAccountName ?? spec.serviceAccount ?? 'default');
    const gateway = m.kind === 'Deployment' && (usesGatewayTemplate(template.metadata) || istioGatewaySelectors.some(s => selectsLabels(s, labels)));
    out.push({ manifest: m, namespace: m.namespace, name: m.name, labels, serviceAccount, gateway });
  }
  return out;
}

/** A workload identity: `<trust domain>/ns/<namespace>/sa/<service account>`. */
export interface Identity {
  readonly trustDomain: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

/** An exact principal as parsed (a `spiffe://` prefix allowed); undefined for anything else (wildcards included). */
export function parsePrincipal(principal: string): Identity | undefined {
  const m = /^(?:spiffe:\/\/)?([^/*]+)\/ns\/([^/*]+)\/sa\/([^/*]+)$/.exec(principal);
  return m ? { trustDomain: m[1], namespace: m[2], serviceAccount: m[3] } : undefined;
}

/**
 * What the identities of a folder are called in messages and the matrix: a gateway by its
 * name, a waypoint as `waypoint <namespace>/<name>`, any other service account as
 * `<namespace>/<account>`.
 */
export class IdentityNames {
  private readonly gateways = new Map<string, string>();
  private readonly waypoints = new Set<string>();
  private readonly gatewayNames: Map<string, number>;

  constructor(manifests: readonly Manifest[], readonly trustDomains: readonly string[]) {
    const gateways = workloadsOf(manifests).filter(w => w.gateway);
    this.gatewayNames = new Map<string, number>();
    for (const g of gateways) this.gatewayNames.set(g.name, (this.gatewayNames.get(g.name) ?? 0) + 1);
    for (const g of gateways) {
      // Its pods' account, or (as the gateway chart names it) the Deployment's own name.
      const name = this.gatewayNames.get(g.name)! > 1 ? `${g.namespace}/${g.name}` : g.name;
      for (const sa of [g.serviceAccount, g.name]) if (!this.gateways.has(`${g.namespace}/${sa}`)) this.gateways.set(`${g.namespace}/${sa}`, name);
    }
    for (const g of gatewayApiGateways(manifests)) if (g.className === WAYPOINT_CLASS) this.waypoints.add(`${g.namespace}/${g.name}`);
  }

  /** The gateway whose pods run as `namespace/account`, if any. */
  gatewayOf(namespace: string, serviceAccount: string): string | undefined {
    return this.gateways.get(`${namespace}/${serviceAccount}`);
  }

  /** How a service account of the mesh is called: `gateway <name>`, `waypoint <ns>/<name>`, or `<ns>/<account>`. */
  account(namespace: string, serviceAccount: string): string {
    const gateway = this.gatewayOf(namespace, serviceAccount);
    if (gateway) return `gateway ${gateway}`;
    if (this.waypoints.has(`${namespace}/${serviceAccount}`)) return `waypoint ${namespace}/${serviceAccount}`;
    return `${namespace}/${serviceAccount}`;
  }

  /** How a principal of a rule is called: as an account of the mesh when it is one, else as written. */
  principal(principal: string): string {
    if (principal === '*') return 'any identity';
    const id = parsePrincipal(principal);
    if (id && this.trustDomains.includes(id.trustDomain)) return this.account(id.namespace, id.serviceAccount);
    return principal.includes('*') ? `principals ${principal}` : principal;
  }
}

/** One targetRef(s) entry. */
export interface TargetRef {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

/** An AuthorizationPolicy as authorization reads it. */
export interface PolicyFacts {
  readonly manifest: Manifest;
  readonly namespace: string;
  readonly name: string;
  /** spec.action (ALLOW when unset). */
  readonly action: string;
  /** spec.provider.name of a CUSTOM policy. */
  readonly provider?: string;
  /** spec.selector.matchLabels, when it names labels (an empty selector selects every workload, as none). */
  readonly selector?: LabelMap;
  /** spec.targetRef and spec.targetRefs. */
  readonly targetRefs: readonly TargetRef[];
  /** spec.rules (undefined when unset: an ALLOW policy then matches nothing). */
  readonly rules: readonly unknown[];
  /** Annotated istio.io/dry-run: "true": logged, never enforced. */
  readonly dryRun: boolean;
}

/** `AuthorizationPolicy` of security.istio.io. */
export function isAuthorizationPolicy(m: Manifest): boolean {
  return isKind(m, 'security.istio.io', 'AuthorizationPolicy');
}

/** The AuthorizationPolicies of the folder, in file order. */
export function policiesOf(manifests: readonly Manifest[]): PolicyFacts[] {
  return manifests.filter(isAuthorizationPolicy).map(m => {
    const spec = mapping(m.object.spec) ?? {};
    const selector = labelMap(mapping(spec.selector)?.matchLabels);
    const refs = [...(spec.targetRef !== undefined ? [spec.targetRef] : []), ...(Array.isArray(spec.targetRefs) ? spec.targetRefs : [])]
      .map(r => mapping(r) ?? {})
      .map(r => ({ group: String(r.group ?? ''), kind: String(r.kind ?? ''), name: String(r.name ?? ''), ...(typeof r.namespace === 'string' && r.namespace ? { namespace: r.namespace } : {}) }));
    const provider = mapping(spec.provider)?.name;
    return {
      manifest: m,
      namespace: m.namespace,
      name: m.name,
      action: typeof spec.action === 'string' ? spec.action : 'ALLOW',
      ...(typeof provider === 'string' ? { provider } : {}),
      ...(Object.keys(selector).length ? { selector } : {}),
      targetRefs: refs,
      rules: Array.isArray(spec.rules) ? spec.rules : [],
      dryRun: String(labelMap(m.object.metadata?.annotations)[DRY_RUN_ANNOTATION]).toLowerCase() === 'true',
    };
  });
}

/** Whether a policy applies to every workload of its namespace (mesh-wide in the root namespace): no selector, no targetRef. */
export function isNamespaceWide(p: PolicyFacts): boolean {
  return !p.selector && p.targetRefs.length === 0;
}

/** Whether a targetRef names a Gateway API Gateway. */
export function refersToGateway(ref: TargetRef): boolean {
  return ref.kind === 'Gateway' && ref.group === GATEWAY_API_GROUP;
}

/** The `when` keys ztunnel evaluates (Istio's "Allowed policy attributes" of ambient L4 policy). */
const L4_WHEN_KEYS: ReadonlySet<string> = new Set(['source.ip', 'source.namespace', 'source.principal', 'destination.ip', 'destination.port']);
/** Source fields only a proxy that reads requests evaluates. */
const HTTP_SOURCE_FIELDS: readonly string[] = ['requestPrincipals', 'notRequestPrincipals', 'remoteIpBlocks', 'notRemoteIpBlocks'];
/** Operation fields only a proxy that reads requests evaluates. */
const HTTP_OPERATION_FIELDS: readonly string[] = ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'];

const present = (v: unknown) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);

/**
 * The L7 (HTTP) attributes a rule uses, as paths below the rule (`to[0].operation.methods`,
 * `when[1].key request.headers[x-user]`): the attributes Istio's ambient docs do not list
 * as L4 (principals, namespaces, ipBlocks, ports, and the `when` keys source.ip,
 * source.namespace, source.principal, destination.ip, destination.port, with their
 * negations). Service accounts and trust domains are the peer's identity, as principals.
 */
export function httpAttributesOf(rule: unknown): string[] {
  const r = mapping(rule);
  if (!r) return [];
  const out: string[] = [];
  (Array.isArray(r.from) ? r.from : []).forEach((f, i) => {
    const source = mapping(mapping(f)?.source) ?? {};
    for (const field of HTTP_SOURCE_FIELDS) if (present(source[field])) out.push(`from[${i}].source.${field}`);
  });
  (Array.isArray(r.to) ? r.to : []).forEach((t, i) => {
    const operation = mapping(mapping(t)?.operation) ?? {};
    for (const field of HTTP_OPERATION_FIELDS) if (present(operation[field])) out.push(`to[${i}].operation.${field}`);
  });
  (Array.isArray(r.when) ? r.when : []).forEach((w, i) => {
    const key = String(mapping(w)?.key ?? '');
    if (!L4_WHEN_KEYS.has(key)) out.push(`when[${i}].key ${key}`);
  });
  return out;
}

/** A rule without its L7 attributes: what ztunnel enforces of a DENY rule (more than it says). */
export function withoutHttpAttributes(rule: unknown): unknown {
  const r = mapping(rule);
  if (!r) return rule;
  const strip = (o: unknown, fields: readonly string[]) => {
    const m = mapping(o);
    return m ? Object.fromEntries(Object.entries(m).filter(([k]) => !fields.includes(k))) : o;
  };
  const out: { [key: string]: unknown } = { ...r };
  if (Array.isArray(r.from)) out.from = r.from.map(f => ({ ...mapping(f), source: strip(mapping(f)?.source, HTTP_SOURCE_FIELDS) }));
  if (Array.isArray(r.to)) out.to = r.to.map(t => ({ ...mapping(t), operation: strip(mapping(t)?.operation, HTTP_OPERATION_FIELDS) }));
  if (Array.isArray(r.when)) out.when = r.when.filter(w => L4_WHEN_KEYS.has(String(mapping(w)?.key ?? '')));
  return out;
}
