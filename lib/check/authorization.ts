import { Manifest, parseApiVersion } from '../manifests';
import {
  AppNamespaceFacts, appNamespacesOf, GATEWAY_NAME_LABELS, gatewayApiGateways, httpAttributesOf, IdentityNames, INGRESS_USE_WAYPOINT_LABEL,
  labelsText, meshIdentityFacts, MeshIdentityFacts, namespacesOf, parsePrincipal, PolicyFacts, policiesOf, refersToGateway, selectsLabels,
  stringList, workloadsOf,
} from '../manifests/authorization';
import { admits, reachability } from '../manifests/reachability';
import type { AuthorizationMode } from '../settings';
import { violation, Violation } from './violation';

// Zero trust past mTLS, proven from the folder (docs/reference/check.md, "Authorization"):
// every app namespace is covered by an explicit decision, every caller a rule names exists
// in this mesh, no policy selects nothing, and ztunnel is given nothing it cannot enforce.

/** What the authorization rules compare the folder with: the settings' mode (when the settings give one). */
export interface AuthorizationExpectations {
  /** `open`: no decision is required. Unset (hand-made expectations): neither coverage nor breadth is required. */
  readonly authorization?: AuthorizationMode;
  /** Namespaces of the mesh the folder does not render, which rules may name (the settings' externalNamespaces). @default [] */
  readonly externalNamespaces?: readonly string[];
  /**
   * The settings render every policy in dry run (`istio.io/dry-run: "true"`, to migrate from
   * open): a dry-run policy then counts as the decision that is enforced once the annotation
   * is removed. Otherwise a dry run decides nothing. @default false
   */
  readonly authorizationDryRun?: boolean;
}

/** Istio's own gateway classes: istiod creates them, nothing renders them. */
const ISTIO_GATEWAY_CLASSES: ReadonlySet<string> = new Set(['istio', 'istio-waypoint', 'istio-remote', 'istio-east-west']);

/** What the rules know of the folder. */
interface Folder {
  readonly mesh: MeshIdentityFacts;
  readonly apps: ReadonlyMap<string, AppNamespaceFacts>;
  readonly namespaces: ReadonlySet<string>;
  /** Namespaces whose workloads (and service accounts) are not rendered here: app namespaces and declared external ones. */
  readonly unrendered: ReadonlySet<string>;
  /** `namespace/name` of every service account a pod of this mesh may run as. */
  readonly accounts: ReadonlySet<string>;
  readonly policies: readonly PolicyFacts[];
}

function folderOf(manifests: readonly Manifest[], external: readonly string[] = []): Folder {
  const namespaces = new Set([...namespacesOf(manifests), ...external]);
  const accounts = new Set<string>();
  for (const m of manifests) if (m.kind === 'ServiceAccount' && m.apiVersion === 'v1') accounts.add(`${m.namespace}/${m.name}`);
  // Kubernetes gives every namespace a `default` account; istiod makes the accounts of the gateways it deploys.
  for (const ns of namespaces) accounts.add(`${ns}/default`);
  for (const g of gatewayApiGateways(manifests)) {
    accounts.add(`${g.namespace}/${g.name}`);
    if (g.className) accounts.add(`${g.namespace}/${g.name}-${g.className}`);
  }
  const apps = new Map(appNamespacesOf(manifests).map(a => [a.name, a]));
  return {
    mesh: meshIdentityFacts(manifests),
    apps,
    namespaces,
    unrendered: new Set([...apps.keys(), ...external]),
    accounts,
    policies: policiesOf(manifests),
  };
}

/** Whether the settings ask for authorization (not 'open'): then every app namespace needs a decision, and a wildcard that admits every namespace defeats it. */
const isolating = (expected: AuthorizationExpectations) => expected.authorization !== undefined && expected.authorization !== 'open';

/** Whether a rule matches every request: no from, to or when (`{}`). */
function matchesEverything(rule: unknown): boolean {
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) return false;
  const r = rule as { [key: string]: unknown };
  return ['from', 'to', 'when'].every(k => r[k] === undefined || r[k] === null || (Array.isArray(r[k]) && (r[k] as unknown[]).length === 0));
}

/**
 * Why a policy is no decision for every workload of its namespace (mesh-wide in the root
 * namespace), or undefined when it is one: namespace-wide (no selector, no targetRefs),
 * enforced (not dry run, unless `dryRunCounts`), and ALLOW (what it does not match is
 * denied) or DENY with a rule that matches everything.
 */
function notADecision(p: PolicyFacts, dryRunCounts: boolean): string | undefined {
  if (p.selector) return 'has a selector';
  if (p.targetRefs.length) return 'has targetRefs (a waypoint\'s)';
  if (p.action !== 'ALLOW' && p.action !== 'DENY') return `is ${p.action}`;
  if (p.dryRun && !dryRunCounts) return 'is in dry run';
  if (p.action === 'DENY' && !p.rules.some(matchesEverything)) return 'denies only what its rules match';
  return undefined;
}

/**
 * authz-coverage: with authorization other than 'open', every app namespace is covered by
 * an explicit decision: a policy of its own, or a mesh-wide one in the root namespace,
 * that applies to every workload (no selector, no targetRefs), is enforced (not dry run;
 * with authorizationDryRun, which renders every policy in dry run, the decision to come
 * counts) and decides for every caller: ALLOW (any rules; Istio's allow-nothing has none),
 * or DENY with a rule `{}`. Without one, every workload of the mesh may call it.
 */
function checkAuthorizationCoverage(f: Folder, expected: AuthorizationExpectations): Violation[] {
  if (!isolating(expected)) return [];
  const root = f.mesh.rootNamespace;
  const dryRunCounts = expected.authorizationDryRun === true;
  const decides = (p: PolicyFacts) => notADecision(p, dryRunCounts) === undefined;
  if (f.policies.some(p => p.namespace === root && decides(p))) return [];
  const what = `a policy without selector and targetRefs${dryRunCounts ? '' : ', not in dry run'}: an ALLOW policy, Istio's allow-nothing being one without rules, or a DENY policy with a rule {} that matches everything`;
  return [...f.apps.values()].flatMap(a => {
    const own = f.policies.filter(p => p.namespace === a.name);
    if (own.some(decides)) return [];
    const notCounted = own.map(p => `${a.name}/${p.name} ${notADecision(p, dryRunCounts)}`);
    return [violation(a.manifest, 'authz-coverage',
      `app namespace ${a.name} has no decision of its own, and ${root} has no mesh-wide decision (${what})${notCounted.length ? `; not counted: ${notCounted.join(', ')}` : ''}: every workload of the mesh may call it, though authorization is '${expected.authorization}'; add an ALLOW policy without selector to ${a.name}, or Istio's allow-nothing to ${root}`)];
  });
}

/** One value of a rule that names callers, with where it is. */
interface Named {
  /** What it names. */
  readonly kind: 'principal' | 'account' | 'namespace';
  readonly path: string;
  readonly value: string;
  /** A positive match (principals, namespaces): a wildcard there admits callers; in a negation it excludes them. */
  readonly positive: boolean;
}

const SOURCE_FIELDS = [
  ['principals', 'principal', true], ['notPrincipals', 'principal', false], ['serviceAccounts', 'account', true],
  ['notServiceAccounts', 'account', false], ['namespaces', 'namespace', true], ['notNamespaces', 'namespace', false],
] as const;

/** The principals, service accounts and namespaces a policy's rules name (sources and `when` conditions), in document order. */
function namedCallers(p: PolicyFacts): Named[] {
  const out: Named[] = [];
  p.rules.forEach((rule, i) => {
    const r = (typeof rule === 'object' && rule !== null ? rule : {}) as { from?: unknown; when?: unknown };
    (Array.isArray(r.from) ? r.from : []).forEach((from: any, j: number) => {
      const source = typeof from?.source === 'object' && from.source !== null ? from.source : {};
      for (const [field, kind, positive] of SOURCE_FIELDS) {
        stringList(source[field]).forEach((value, k) => out.push({ kind, path: `rules[${i}].from[${j}].source.${field}[${k}]`, value, positive }));
      }
    });
    (Array.isArray(r.when) ? r.when : []).forEach((w: any, j: number) => {
      const kind = w?.key === 'source.principal' ? 'principal' : w?.key === 'source.namespace' ? 'namespace' : undefined;
      if (!kind) return;
      stringList(w.values).forEach((value, k) => out.push({ kind, path: `rules[${i}].when[${j}].values[${k}]`, value, positive: true }));
      stringList(w.notValues).forEach((value, k) => out.push({ kind, path: `rules[${i}].when[${j}].notValues[${k}]`, value, positive: false }));
    });
  });
  return out;
}

/** Why a namespace and service account a rule names do not exist here, or undefined. */
function accountProblem(f: Folder, namespace: string, account: string | undefined): string | undefined {
  if (!f.namespaces.has(namespace)) return `names namespace ${namespace}, which is not a namespace of this folder (a Namespace object, default or kube-system) nor declared external (externalNamespaces): no workload of this mesh runs there`;
  // An app namespace's workloads (and their accounts) are deployed by their teams, an external one's elsewhere: not rendered here.
  if (account === undefined || f.unrendered.has(namespace) || f.accounts.has(`${namespace}/${account}`)) return undefined;
  const there = [...f.accounts].filter(a => a.startsWith(`${namespace}/`)).map(a => a.slice(namespace.length + 1));
  return `names service account ${account}, which is not in namespace ${namespace} (no ServiceAccount of this folder; it has ${there.join(', ')})`;
}

/** What a principal (or a pattern of one) names. */
type PrincipalPattern =
  /** One namespace (and account, unless the pattern leaves it open). */
  | { readonly kind: 'namespace'; readonly trustDomain?: string; readonly namespace: string; readonly account?: string }
  /** The namespaces that start with `prefix` and end with `suffix`. */
  | { readonly kind: 'namespaces'; readonly trustDomain?: string; readonly prefix: string; readonly suffix: string }
  /** Identities of every namespace. */
  | { readonly kind: 'any' };

/**
 * What a principal names. Istio matches a principal exactly, by prefix (`x*`), by suffix
 * (`*x`) or by presence (`*`): a prefix that ends inside the account, or a suffix that
 * starts inside the trust domain, pins the namespace; one that ends or starts inside the
 * namespace names the namespaces that match; `*`, `cluster.local/*` or a suffix such as
 * `/sa/default` leaves it open. Undefined: not a principal at all.
 */
function principalPattern(value: string): PrincipalPattern | undefined {
  if (value === '*') return { kind: 'any' };
  if (value.endsWith('*') && !value.slice(0, -1).includes('*')) {
    const given = value.slice(0, -1);
    const pinned = /^([^/]+)\/ns\/([^/]+)\/(sa\/.*)?$/.exec(given);
    if (pinned) return { kind: 'namespace', trustDomain: pinned[1], namespace: pinned[2] };
    const partial = /^([^/]+)\/ns\/([^/]+)$/.exec(given);
    return partial ? { kind: 'namespaces', trustDomain: partial[1], prefix: partial[2], suffix: '' } : { kind: 'any' };
  }
  if (value.startsWith('*') && !value.slice(1).includes('*')) {
    const given = value.slice(1);
    const pinned = /^[^/]*\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(given);
    if (pinned) return { kind: 'namespace', namespace: pinned[1], account: pinned[2] };
    const partial = /^([^/]+)\/sa\/([^/]+)$/.exec(given);
    return partial ? { kind: 'namespaces', prefix: '', suffix: partial[1] } : { kind: 'any' };
  }
  const id = parsePrincipal(value);
  return id ? { kind: 'namespace', trustDomain: id.trustDomain, namespace: id.namespace, account: id.serviceAccount } : undefined;
}

/**
 * authz-principal: every principal a rule names has the mesh's trust domain, a namespace of
 * the folder (or one the settings declare external) and a service account of the folder in
 * it (unless an app or external namespace's, whose workloads are not rendered here); every
 * service account and namespace exists. A `*` (or
 * a pattern) that admits callers of every namespace, in an ALLOW policy that applies to an
 * app namespace (its own, or the root namespace's), is too broad while the settings ask
 * for isolation: it makes namespace isolation meaningless there.
 */
function checkAuthorizationPrincipals(f: Folder, expected: AuthorizationExpectations): Violation[] {
  const out: Violation[] = [];
  const broadMatters = (p: PolicyFacts) => isolating(expected) && p.action === 'ALLOW' && (f.apps.has(p.namespace) || p.namespace === f.mesh.rootNamespace);
  const tooBroad = (p: PolicyFacts, n: Named) => violation(p.manifest, 'authz-principal',
    `${n.path}: ${JSON.stringify(n.value)} admits callers of every namespace, which makes namespace isolation meaningless (authorization is '${expected.authorization}'): name the namespaces or service accounts`);
  for (const p of f.policies) {
    for (const n of namedCallers(p)) {
      const problem = n.kind === 'principal' ? principalProblem(f, n) : n.kind === 'account' ? accountValueProblem(f, p, n) : namespaceProblem(f, n);
      if (problem === 'broad') {
        if (n.positive && broadMatters(p)) out.push(tooBroad(p, n));
      } else if (problem) {
        out.push(violation(p.manifest, 'authz-principal', `${n.path}: ${problem}`));
      }
    }
  }
  return out;
}

/** Why a principal names no identity of this mesh, 'broad' when it admits every namespace, or undefined. */
function principalProblem(f: Folder, n: Named): string | undefined {
  const pattern = principalPattern(n.value);
  if (pattern?.kind === 'any') return 'broad';
  if (pattern === undefined) return `${JSON.stringify(n.value)} is not a principal (<trust domain>/ns/<namespace>/sa/<service account>, or * and a prefix or suffix)`;
  const domains = f.mesh.trustDomains;
  if (pattern.trustDomain !== undefined && !domains.includes(pattern.trustDomain)) {
    const aliases = domains.filter(d => d !== f.mesh.trustDomain);
    return `${n.value} names trust domain ${pattern.trustDomain}, but the mesh's is ${f.mesh.trustDomain} (${f.mesh.source}${aliases.length ? `; aliases: ${aliases.join(', ')}` : ''}): no workload of this mesh has this identity`;
  }
  if (pattern.kind === 'namespaces') return matchesNamespace(f, pattern.prefix, pattern.suffix) ? undefined : `${n.value} matches no namespace of this folder`;
  const problem = accountProblem(f, pattern.namespace, pattern.account);
  return problem && `${n.value} ${problem}`;
}

/** Whether a namespace of the folder starts with `prefix` and ends with `suffix`. */
function matchesNamespace(f: Folder, prefix: string, suffix: string): boolean {
  return [...f.namespaces].some(ns => ns.startsWith(prefix) && ns.endsWith(suffix));
}

/** Why a service account (`namespace/name`, or a name in the policy's namespace) is not of this folder, or undefined. */
function accountValueProblem(f: Folder, p: PolicyFacts, n: Named): string | undefined {
  const [namespace, account] = n.value.includes('/') ? n.value.split('/', 2) : [p.namespace, n.value];
  const problem = accountProblem(f, namespace, account);
  return problem && `${n.value} ${problem}`;
}

/** Why a namespace (or a prefix or suffix pattern) is not of this folder, 'broad' for `*`, or undefined. */
function namespaceProblem(f: Folder, n: Named): string | undefined {
  if (n.value === '*') return 'broad';
  if (n.value.includes('*')) {
    const [prefix, suffix] = n.value.startsWith('*') ? ['', n.value.slice(1)] : [n.value.slice(0, -1), ''];
    return matchesNamespace(f, prefix, suffix) ? undefined : `${n.value} matches no namespace of this folder`;
  }
  return f.namespaces.has(n.value) ? undefined : `${n.value} is not a namespace of this folder (a Namespace object, default or kube-system) nor declared external (externalNamespaces): no workload of this mesh runs there`;
}

/**
 * authz-selector: no policy selects nothing. A selector in a namespace with pod templates
 * in the folder matches one of them (an app namespace's pods are not rendered: not
 * known); a targetRef names a Gateway (or Service, GatewayClass, ServiceEntry) of the
 * folder where the policy can reach it.
 */
function checkAuthorizationSelectors(f: Folder, manifests: readonly Manifest[]): Violation[] {
  const workloads = workloadsOf(manifests);
  const gateways = gatewayApiGateways(manifests);
  const has = (group: string, kind: string, namespace: string, name: string) => manifests.some(m => m.kind === kind && m.name === name
    && (namespace === '' || m.namespace === namespace) && parseApiVersion(m.apiVersion).group === group);
  const out: Violation[] = [];
  for (const p of f.policies) {
    if (p.selector) {
      const root = p.namespace === f.mesh.rootNamespace;
      const candidates = root ? workloads : workloads.filter(w => w.namespace === p.namespace);
      // Workloads the folder does not render could match: an app namespace's, or (from the root namespace) any of them.
      const unknown = root ? f.apps.size > 0 : f.apps.has(p.namespace);
      // istiod deploys the pods of a Gateway API Gateway (a waypoint, an istio-class gateway) labelled with its name.
      const named = GATEWAY_NAME_LABELS.map(l => p.selector![l]).find(v => v !== undefined);
      const deployedByIstiod = named !== undefined && gateways.some(g => g.name === named && (root || g.namespace === p.namespace));
      if (!unknown && !deployedByIstiod && !candidates.some(w => selectsLabels(p.selector!, w.labels))) {
        const where = root ? 'the folder (the root namespace\'s selector applies in every namespace)' : `namespace ${p.namespace}`;
        const them = candidates.length ? `; its workloads: ${candidates.map(w => `${w.manifest.kind}/${w.name}`).join(', ')}` : '';
        out.push(violation(p.manifest, 'authz-selector', `spec.selector ${labelsText(p.selector)} matches no pod template of ${where}: the policy applies to nothing${them}`));
      }
    }
    p.targetRefs.forEach((t, i) => {
      const namespace = t.namespace ?? p.namespace;
      const at = `spec.targetRefs[${i}]`;
      if (refersToGateway(t)) {
        if (!gateways.some(g => g.namespace === namespace && g.name === t.name)) {
          out.push(violation(p.manifest, 'authz-selector', `${at}: no Gateway ${t.name} (gateway.networking.k8s.io) in namespace ${namespace} in this folder: the policy applies to nothing`));
        }
      } else if (t.kind === 'Service' && (t.group === '' || t.group === 'core')) {
        if (!f.apps.has(namespace) && !has('', 'Service', namespace, t.name)) out.push(violation(p.manifest, 'authz-selector', `${at}: no Service ${t.name} in namespace ${namespace} in this folder: the policy applies to nothing`));
      } else if (t.kind === 'ServiceEntry' && t.group === 'networking.istio.io') {
        if (!f.apps.has(namespace) && !has('networking.istio.io', 'ServiceEntry', namespace, t.name)) out.push(violation(p.manifest, 'authz-selector', `${at}: no ServiceEntry ${t.name} in namespace ${namespace} in this folder: the policy applies to nothing`));
      } else if (t.kind === 'GatewayClass' && t.group === 'gateway.networking.k8s.io') {
        if (!ISTIO_GATEWAY_CLASSES.has(t.name) && !has('gateway.networking.k8s.io', 'GatewayClass', '', t.name)) {
          out.push(violation(p.manifest, 'authz-selector', `${at}: no GatewayClass ${t.name} in this folder, nor one of Istio's (${[...ISTIO_GATEWAY_CLASSES].join(', ')}): the policy applies to nothing`));
        }
      }
    });
  }
  return out;
}

/**
 * authz-l7-ztunnel: a policy ztunnel enforces (no targetRefs, in an ambient namespace, or in
 * the root namespace of a folder with ambient namespaces) uses no L7 attribute. Istio's
 * ambient docs: ztunnel cannot enforce L7 policies, and a policy with rules matching L7
 * attributes that a receiving ztunnel enforces "fails safe by becoming a DENY policy":
 * istiod leaves such a rule out of an ALLOW policy (its callers are denied) and enforces a
 * DENY rule without its L7 attributes (it denies more than it says).
 */
function checkAuthorizationL7(f: Folder, manifests: readonly Manifest[]): Violation[] {
  const ambient = [...f.apps.values()].filter(a => a.ambient).map(a => a.name);
  if (!ambient.length) return [];
  const out: Violation[] = [];
  for (const p of f.policies) {
    if (p.targetRefs.length || (p.action !== 'ALLOW' && p.action !== 'DENY')) continue;
    const root = p.namespace === f.mesh.rootNamespace;
    if (!root && !ambient.includes(p.namespace)) continue;
    const where = root ? `applies in every namespace, so ztunnel enforces it in the ambient namespace${ambient.length > 1 ? 's' : ''} ${ambient.join(', ')}` : `is in ambient namespace ${p.namespace} without targetRefs, so ztunnel enforces it`;
    p.rules.forEach((rule, i) => {
      const http = httpAttributesOf(rule);
      if (!http.length) return;
      const effect = p.action === 'ALLOW'
        ? 'Istio fails safe: the rule matches nothing, and the callers it names are denied'
        : 'Istio fails safe: ztunnel denies without them, more than the rule says';
      out.push(violation(p.manifest, 'authz-l7-ztunnel',
        `rules[${i}] uses ${http.join(', ')}, which ztunnel cannot enforce (the policy ${where}): ${effect}; attach the policy to a waypoint (targetRefs), or use only ports, principals and namespaces`));
    });
  }
  return [...out, ...checkGatewaysPastWaypoint(manifests, f)];
}

/**
 * authz-l7-ztunnel, a gateway past a waypoint: Istio's gateways send to an ambient
 * namespace's pods straight through ztunnel, past its waypoint, unless the namespace is
 * labelled istio.io/ingress-use-waypoint=true. A gateway an ALLOW policy of the waypoint
 * names, that ztunnel's policies do not admit on any operation, is denied.
 */
function checkGatewaysPastWaypoint(manifests: readonly Manifest[], f: Folder): Violation[] {
  const names = new IdentityNames(manifests, f.mesh.trustDomains);
  const matrix = reachability(manifests);
  const out: Violation[] = [];
  for (const a of f.apps.values()) {
    const w = a.waypoint;
    const direct = matrix.rows.find(r => r.target === `${a.name} [ztunnel]`);
    if (!a.ambient || !w || a.ingressUseWaypoint || !direct) continue;
    for (const p of f.policies) {
      if (p.action !== 'ALLOW' || p.namespace !== w.namespace || !p.targetRefs.some(t => refersToGateway(t) && t.name === w.name)) continue;
      for (const n of namedCallers(p)) {
        if (!n.positive || n.kind === 'namespace') continue;
        const id = n.kind === 'principal' ? parsePrincipal(n.value) : undefined;
        if (n.kind === 'principal' && !(id && f.mesh.trustDomains.includes(id.trustDomain))) continue;
        const [namespace, account] = id ? [id.namespace, id.serviceAccount] : n.value.includes('/') ? n.value.split('/', 2) : [p.namespace, n.value];
        if (!names.gatewayOf(namespace, account)) continue;
        const caller = names.account(namespace, account);
        if (admits(direct, namespace, caller, true)) continue;
        out.push(violation(p.manifest, 'authz-l7-ztunnel',
          `${n.path}: ${caller} is allowed on waypoint ${w.namespace}/${w.name}, but a gateway goes straight to ztunnel, past the waypoint, and ztunnel's policies in ${a.name} do not admit it: its calls are denied; label namespace ${a.name} ${INGRESS_USE_WAYPOINT_LABEL}=true`));
      }
    }
  }
  return out;
}

/** The four authorization rules, in their order. */
export function checkAuthorization(manifests: readonly Manifest[], expected: AuthorizationExpectations): Violation[] {
  // What the rules know of the folder, read once for all of them.
  const f = folderOf(manifests, expected.externalNamespaces);
  return [
    ...checkAuthorizationCoverage(f, expected),
    ...checkAuthorizationPrincipals(f, expected),
    ...checkAuthorizationSelectors(f, manifests),
    ...checkAuthorizationL7(f, manifests),
  ];
}
