import {
  appNamespacesOf, GATEWAY_NAME_LABELS, gatewayApiGateways, httpAttributesOf, IdentityNames, INGRESS_USE_WAYPOINT_LABEL, isNamespaceWide,
  labelsText, LabelMap, meshIdentityFacts, PolicyFacts, policiesOf, refersToGateway, selectsLabels, stringList, WAYPOINT_CLASS,
  withoutHttpAttributes, workloadsOf,
} from './authorization';
import { Manifest } from './read';

// The reachability matrix: for each app namespace (and each gateway), who may call it, on
// what, as the folder's AuthorizationPolicies decide it, computed from the manifests alone.
// `npm run check -- --authz` prints it; `npm run diff` compares it (lib/diff/authorization.ts).
//
// Istio's order: CUSTOM, then DENY, then ALLOW; without an ALLOW policy that applies, every
// caller is allowed. Evaluated: the shapes this project renders and their like (sources by
// namespaces, principals or service accounts; operations by ports, methods, paths, hosts
// and their negations). A policy using anything else (a `when` condition, notNamespaces,
// ipBlocks, requestPrincipals, …), a CUSTOM one, or one whose workloads are not in the
// folder (a selector in an app namespace) is named as not evaluated, never guessed at.

/** One caller allowed (or denied) one operation. */
export interface Grant {
  /** `shop` (any workload of the namespace), `shop/web` (a service account), `gateway <name>`, `anyone`, … */
  readonly caller: string;
  /** `any port`, `port 8080`, `ports 80, 443, methods GET, paths /api*`, … */
  readonly operation: string;
}

/** Who may call one target. */
export interface ReachabilityRow {
  /** The app namespace (`shop`; an ambient one `shop [ztunnel]` or `shop [waypoint]`), or `gateway <name>`. */
  readonly target: string;
  /** No ALLOW policy applies: every caller of the mesh may call it (less what is denied). */
  readonly everyone: boolean;
  /** What the ALLOW policies allow; none and not everyone: nobody may call it. */
  readonly allowed: readonly Grant[];
  /** What the DENY policies deny. */
  readonly denied: readonly Grant[];
  /** What was not evaluated, and why (a custom policy, a dry run, a rule ztunnel never matches). */
  readonly notes: readonly string[];
}

/** The matrix of one folder. */
export interface Reachability {
  /** The mesh's trust domain, read from the folder. */
  readonly trustDomain: string;
  /** App namespaces first (in file order), then gateways. */
  readonly rows: readonly ReachabilityRow[];
}

/** The caller of a rule without `from`: any caller, with or without an identity. */
export const ANYONE = 'anyone';
/** The caller of a target no ALLOW policy applies to. */
export const EVERYONE = 'everyone in the mesh';
const ANY_PORT = 'any port';

type Enforcer = 'proxy' | 'ztunnel';

const mapping = (v: unknown): { readonly [key: string]: unknown } | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? v as { readonly [key: string]: unknown } : undefined;

const SOURCE_FIELDS = new Set(['namespaces', 'principals', 'serviceAccounts']);
const OPERATION_FIELDS = new Set(['ports', 'notPorts', 'methods', 'notMethods', 'paths', 'notPaths', 'hosts', 'notHosts']);

/** The caller of `notPrincipals: ['*']`: a peer without an identity (plaintext, which a PERMISSIVE namespace accepts). */
export const PLAINTEXT = 'callers without an identity (plaintext)';

/** The callers one `from` entry admits, or why it is not evaluated. */
function callersOf(from: unknown, policyNamespace: string, names: IdentityNames): string[] | string {
  const source = mapping(mapping(from)?.source);
  if (!source) return [ANYONE];
  const fields = Object.keys(source).filter(k => source[k] !== undefined && source[k] !== null && !(Array.isArray(source[k]) && (source[k] as unknown[]).length === 0));
  if (fields.length === 1 && fields[0] === 'notPrincipals' && stringList(source.notPrincipals).join() === '*') return [PLAINTEXT];
  const other = fields.find(f => !SOURCE_FIELDS.has(f));
  if (other) return `source.${other}`;
  if (!fields.length) return [ANYONE];
  const lists = fields.map(f => {
    const values = stringList(source[f]);
    if (f === 'namespaces') return values.map(ns => (ns === '*' ? 'any namespace' : ns.includes('*') ? `namespaces ${ns}` : ns));
    if (f === 'principals') return values.map(p => names.principal(p));
    // serviceAccounts: `namespace/name`, or a name in the policy's namespace.
    return values.map(sa => (sa.includes('/') ? sa.split('/') : [policyNamespace, sa])).map(([ns, name]) => names.account(ns, name));
  });
  if (lists.length === 1) return lists[0];
  // Several fields of one source must all match: one caller that is all of them.
  return [lists.map(l => (l.length > 1 ? `(${l.join(' or ')})` : l[0])).join(' and ')];
}

/** One `to` entry as words, or why it is not evaluated. */
function operationOf(to: unknown): string {
  const op = mapping(mapping(to)?.operation);
  if (!op) return ANY_PORT;
  const other = Object.keys(op).find(k => !OPERATION_FIELDS.has(k) && op[k] !== undefined);
  if (other) throw new NotEvaluated(`operation.${other}`);
  const list = (k: string) => stringList(op[k]);
  const ports = list('ports');
  const notPorts = list('notPorts');
  const parts = [
    `${ports.length === 1 ? `port ${ports[0]}` : ports.length ? `ports ${ports.join(', ')}` : ANY_PORT}${notPorts.length ? ` but ${notPorts.join(', ')}` : ''}`,
  ];
  for (const [field, word] of [['methods', 'methods'], ['notMethods', 'not methods'], ['paths', 'paths'], ['notPaths', 'not paths'], ['hosts', 'hosts'], ['notHosts', 'not hosts']] as const) {
    if (list(field).length) parts.push(`${word} ${list(field).join(', ')}`);
  }
  return parts.join(', ');
}

class NotEvaluated extends Error {}

/** What a rule grants (callers × operations), or why it is not evaluated. */
function grantsOf(rule: unknown, policyNamespace: string, names: IdentityNames): Grant[] | string {
  const r = mapping(rule);
  if (!r) return 'a rule that is not a mapping';
  if (Array.isArray(r.when) && r.when.length) return `when ${r.when.map(w => String(mapping(w)?.key ?? '?')).join(', ')}`;
  const froms = Array.isArray(r.from) && r.from.length ? r.from : [undefined];
  const callers: string[] = [];
  for (const f of froms) {
    const c = callersOf(f, policyNamespace, names);
    if (typeof c === 'string') return c;
    callers.push(...c);
  }
  let operations: string[];
  try {
    operations = (Array.isArray(r.to) && r.to.length ? r.to : [undefined]).map(operationOf);
  } catch (err) {
    if (err instanceof NotEvaluated) return err.message;
    throw err;
  }
  return callers.flatMap(caller => operations.map(operation => ({ caller, operation })));
}

const ref = (p: PolicyFacts) => `${p.namespace}/${p.name}`;

/** Evaluates the policies that apply to one target. */
function row(target: string, policies: readonly PolicyFacts[], enforcer: Enforcer, names: IdentityNames, extraNotes: readonly string[] = []): ReachabilityRow {
  const allowed: Grant[] = [];
  const denied: Grant[] = [];
  const notes: string[] = [...extraNotes];
  let allowPolicies = 0;
  for (const p of policies) {
    if (p.dryRun) {
      notes.push(`dry run, logged and not enforced: ${ref(p)}`);
      continue;
    }
    if (p.action === 'AUDIT') continue;
    if (p.action !== 'ALLOW' && p.action !== 'DENY') {
      notes.push(`not evaluated: ${ref(p)} (${p.action}${p.provider ? ` by ${p.provider}` : ''})`);
      continue;
    }
    if (p.action === 'ALLOW') allowPolicies++;
    const into = p.action === 'ALLOW' ? allowed : denied;
    p.rules.forEach((rule, i) => {
      let r = rule;
      const http = enforcer === 'ztunnel' ? httpAttributesOf(rule) : [];
      if (http.length && p.action === 'ALLOW') {
        notes.push(`ztunnel never matches rules[${i}] of ${ref(p)}: it uses ${http.join(', ')}`);
        return;
      }
      if (http.length) {
        notes.push(`ztunnel denies rules[${i}] of ${ref(p)} without ${http.join(', ')}`);
        r = withoutHttpAttributes(rule);
      }
      const grants = grantsOf(r, p.namespace, names);
      if (typeof grants === 'string') notes.push(`not evaluated: rules[${i}] of ${ref(p)} (${grants})`);
      else into.push(...grants);
    });
  }
  return { target, everyone: allowPolicies === 0, allowed: dedupe(allowed), denied: dedupe(denied), notes: [...new Set(notes)] };
}

function dedupe(grants: readonly Grant[]): Grant[] {
  const seen = new Set<string>();
  return grants.filter(g => {
    const key = `${g.caller}\n${g.operation}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Whether a row lets a caller in (as `everyone`, `anyone`, any namespace, its namespace or
 * its name): on every port, or with `somewhere`, on some operation. Yes when something in
 * it was not evaluated: it may.
 */
export function admits(r: ReachabilityRow, namespace: string, caller: string, somewhere = false): boolean {
  if (r.notes.some(n => n.startsWith('not evaluated'))) return true;
  const all = [ANYONE, 'any namespace', 'any identity', namespace, caller];
  const denied = r.denied.some(g => all.includes(g.caller) && (!somewhere || g.operation === ANY_PORT));
  return !denied && (r.everyone || r.allowed.some(g => all.includes(g.caller) && (somewhere || g.operation === ANY_PORT)));
}

/** How the matrix calls a gateway: `gateway <name>` (IdentityNames). */
const isGatewayCaller = (caller: string) => caller.startsWith('gateway ');

/**
 * Whether a root-namespace selector selects pods the folder renders outside the app
 * namespaces (a gateway's, or those istiod deploys for a Gateway API Gateway of the
 * folder): then it applies to them, which have rows of their own, and to no app namespace.
 */
function selectsRenderedPods(selector: LabelMap, manifests: readonly Manifest[], apps: ReadonlySet<string>): boolean {
  const named = GATEWAY_NAME_LABELS.map(l => selector[l]).find(v => v !== undefined);
  return workloadsOf(manifests).some(w => !apps.has(w.namespace) && selectsLabels(selector, w.labels))
    || (named !== undefined && gatewayApiGateways(manifests).some(g => g.name === named && !apps.has(g.namespace)));
}

/** The reachability matrix of a folder (one cluster's manifests). */
export function reachability(manifests: readonly Manifest[]): Reachability {
  const mesh = meshIdentityFacts(manifests);
  const names = new IdentityNames(manifests, mesh.trustDomains);
  const policies = policiesOf(manifests);
  const root = mesh.rootNamespace;
  const meshWide = policies.filter(p => p.namespace === root && isNamespaceWide(p));
  const rows: ReachabilityRow[] = [];
  const apps = appNamespacesOf(manifests);
  const appNames = new Set(apps.map(a => a.name));
  // A root-namespace selector that selects a gateway's pods is that gateway's (its row, below), not every app namespace's.
  const rootElsewhere = new Set(policies.filter(p => p.namespace === root && p.selector && selectsRenderedPods(p.selector, manifests, appNames)));

  for (const ns of apps) {
    const own = policies.filter(p => p.namespace === ns.name);
    const notes: string[] = [];
    for (const p of [...own, ...policies.filter(q => q.namespace === root && q.namespace !== ns.name && !rootElsewhere.has(q))]) {
      if (p.selector) notes.push(`not evaluated: ${ref(p)} (workloads labelled ${labelsText(p.selector)}: their pods are not in this folder)`);
      else if (p.targetRefs.length && p.namespace === ns.name && !(ns.waypoint && p.targetRefs.some(t => refersToGateway(t) && t.name === ns.waypoint!.name && ns.waypoint!.namespace === ns.name))) {
        notes.push(`not evaluated: ${ref(p)} (targets ${p.targetRefs.map(t => `${t.kind} ${t.name}`).join(', ')})`);
      }
    }
    const wide = [...meshWide.filter(p => p.namespace !== ns.name), ...own.filter(isNamespaceWide)];
    if (!ns.ambient) {
      rows.push(row(ns.name, wide, 'proxy', names, notes));
      continue;
    }
    const direct = row(`${ns.name} [ztunnel]`, wide, 'ztunnel', names, notes);
    if (ns.waypoint) {
      const w = ns.waypoint;
      // A waypoint enforces the policies attached to it: targetRefs to its Gateway, or to its class from the root namespace.
      const attached = policies.filter(p => (p.namespace === w.namespace && p.targetRefs.some(t => refersToGateway(t) && t.name === w.name))
        || (p.namespace === root && p.targetRefs.some(t => t.kind === 'GatewayClass' && t.name === WAYPOINT_CLASS)));
      const waypoint = names.account(w.namespace, w.name);
      const through = admits(direct, w.namespace, waypoint) ? [] : [`ztunnel does not admit ${waypoint} on every port: calls through it are denied`];
      const r = row(`${ns.name} [waypoint]`, attached, 'proxy', names, through);
      // Istio's gateways send straight to ztunnel, past the waypoint, unless the namespace asks otherwise.
      const past = ns.ingressUseWaypoint ? [] : [...new Set([...r.allowed, ...r.denied].map(g => g.caller).filter(isGatewayCaller))];
      rows.push(past.length ? {
        ...r,
        allowed: r.allowed.filter(g => !past.includes(g.caller)),
        denied: r.denied.filter(g => !past.includes(g.caller)),
        notes: [...r.notes, ...past.map(g => `${g} goes past the waypoint (${ns.name} is not labelled ${INGRESS_USE_WAYPOINT_LABEL}=true): the [ztunnel] row decides for it`)],
      } : r);
    }
    rows.push(direct);
  }

  const gateways = workloadsOf(manifests).filter(w => w.gateway);
  const named = new Map<string, number>();
  for (const g of gateways) named.set(g.name, (named.get(g.name) ?? 0) + 1);
  for (const g of gateways) {
    const applies = (p: PolicyFacts) => p.targetRefs.length === 0 && (!p.selector || selectsLabels(p.selector, g.labels));
    const own = policies.filter(p => (p.namespace === g.namespace || p.namespace === root) && applies(p));
    rows.push(row(`gateway ${named.get(g.name)! > 1 ? `${g.namespace}/${g.name}` : g.name}`, own, 'proxy', names));
  }
  return { trustDomain: mesh.trustDomain, rows };
}

/** Each caller with its operations, callers sharing the same operations together: `payments, shop (any port)`. */
export function grantsText(grants: readonly Grant[]): string {
  const byCaller = new Map<string, string[]>();
  for (const g of grants) byCaller.set(g.caller, [...(byCaller.get(g.caller) ?? []), g.operation]);
  const groups: { callers: string[]; operations: string }[] = [];
  for (const [caller, ops] of byCaller) {
    const operations = ops.includes(ANY_PORT) ? ANY_PORT : ops.join('; ');
    const last = groups.at(-1);
    if (last && last.operations === operations) last.callers.push(caller);
    else groups.push({ callers: [caller], operations });
  }
  return groups.map(g => `${g.callers.join(', ')} (${g.operations})`).join(', ');
}

/** The grants a row stands for, `everyone in the mesh (any port)` included: what diff compares. */
export function allowedOf(r: ReachabilityRow): Grant[] {
  return r.everyone ? [{ caller: EVERYONE, operation: ANY_PORT }, ...r.allowed] : [...r.allowed];
}

/**
 * The matrix as lines a reviewer reads: `payments <- payments (any port), shop (port 8080)`,
 * `quiet <- nobody`, `shop <- everyone in the mesh (no ALLOW policy)`; below a row, what is
 * denied and what was not evaluated.
 */
export function formatReachability(r: Reachability, indent = '  '): string[] {
  const out: string[] = [];
  for (const x of r.rows) {
    const allowed = x.everyone ? `${EVERYONE} (no ALLOW policy)` : x.allowed.length ? grantsText(x.allowed) : 'nobody';
    out.push(`${indent}${x.target} <- ${allowed}`);
    if (x.denied.length) out.push(`${indent}    denied: ${grantsText(x.denied)}`);
    for (const note of x.notes) out.push(`${indent}    ${note}`);
  }
  if (!r.rows.length) out.push(`${indent}(no app namespace and no gateway in this folder)`);
  return out;
}
