import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { checkAuthorization } from '../lib/check/authorization';
import { CheckExpectations, checkManifestList } from '../lib/check/check';
import { checkCommand } from '../lib/check/cli';
import { formatViolation, Rule } from '../lib/check/violation';
import { diffCommand } from '../lib/diff/cli';
import { Manifest, manifestsOf } from '../lib/manifests';
import { formatReachability, reachability } from '../lib/manifests/reachability';
import { ProjectDefinition } from '../lib/project/definition';
import { PROJECT_ROOT } from '../lib/project-root';
import { AuthorizationMode } from '../lib/settings';
import { readLock } from '../lib/vendoring/lock';
import { runCaptured } from './command-io';
import { tempDir } from './render';

// Authorization proven from a folder alone: hand-made folders in the policy stage's shapes
// (docs/reference/check.md, "Authorization"), one per mode, with a sidecar namespace, a
// revision-labelled one, an ambient namespace with a waypoint and one without. Each rule is
// shown quiet on them and firing on a broken copy; the matrix is read off each mode.

type Obj = { [key: string]: unknown };
type Files = { readonly [file: string]: readonly Obj[] };

const AUTHZ_RULES: readonly Rule[] = ['authz-coverage', 'authz-principal', 'authz-selector', 'authz-l7-ztunnel'];
const BASE: CheckExpectations = { kubeVersion: '1.33.0', istiodScheduling: { nodeSelector: {}, tolerations: [] }, gateways: [] };
/** A trust domain other than Istio's default: the rules must read it from the folder. */
const TD = 'example.org';

const manifests = (files: Files): Manifest[] => Object.keys(files).sort().flatMap(f => manifestsOf(f, files[f]));

const ns = (name: string, labels: { [key: string]: string } = {}): Obj => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(Object.keys(labels).length ? { labels } : {}) } });
const sa = (namespace: string, name: string): Obj => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
const meshConfig = (trustDomain?: string): Obj => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio', namespace: 'istio-system' },
  data: { mesh: `defaultConfig:\n  discoveryAddress: istiod.istio-system.svc:15012\nrootNamespace: istio-system\n${trustDomain ? `trustDomain: ${trustDomain}\n` : ''}` },
});
const GATEWAY_LABELS = { ingress: { app: 'istio-ingressgateway', istio: 'ingressgateway' }, egress: { app: 'istio-egressgateway', istio: 'egressgateway' } };
function gateway(namespace: string, name: string, labels: { [key: string]: string }): Obj {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels, annotations: { 'inject.istio.io/templates': 'gateway' } },
        spec: { serviceAccountName: name, containers: [{ name: 'istio-proxy', image: 'auto' }] },
      },
    },
  };
}
const waypoint = (namespace: string): Obj => ({
  apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'waypoint', namespace, labels: { 'istio.io/waypoint-for': 'service' } },
  spec: { gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] },
});
const policy = (namespace: string, name: string, spec: Obj, annotations?: { [key: string]: string }): Obj => ({
  apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace, ...(annotations ? { annotations } : {}) }, spec,
});
const principal = (namespace: string, account: string, td = TD) => `${td}/ns/${namespace}/sa/${account}`;
const fromNs = (...namespaces: string[]) => ({ from: [{ source: { namespaces } }] });
const fromPrincipals = (...principals: string[]) => ({ from: [{ source: { principals } }] });
const to = (operation: Obj) => ({ to: [{ operation }] });
const WAYPOINT_REF = { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'waypoint' }] };

const APP_NAMESPACES = ['shop', 'payments', 'amb', 'amb2'];

/** The policies each mode renders (lib/stages/authorization.ts's shapes), for the fixture's namespaces. */
function policies(mode: AuthorizationMode, td: string): Obj[] {
  const ingress = principal('istio-ingress', 'istio-ingressgateway', td);
  if (mode === 'open') return [];
  if (mode === 'namespace-isolation') {
    return [
      policy('shop', 'namespace-isolation', { action: 'ALLOW', rules: [fromNs('shop'), { ...fromPrincipals(ingress), ...to({ ports: ['8080'] }) }] }),
      policy('payments', 'namespace-isolation', { action: 'ALLOW', rules: [fromNs('payments'), { ...fromNs('shop'), ...to({ ports: ['8080'], methods: ['POST'], paths: ['/pay*'] }) }] }),
      // Ambient with a waypoint: ztunnel's L4 rules, and every rule on the waypoint.
      policy('amb', 'namespace-isolation', { action: 'ALLOW', rules: [fromNs('amb'), { ...fromNs('shop'), ...to({ ports: ['9090'] }) }] }),
      policy('amb', 'namespace-isolation-waypoint', { ...WAYPOINT_REF, action: 'ALLOW', rules: [fromNs('amb'), { ...fromNs('shop'), ...to({ ports: ['9090'] }) }, { ...fromNs('payments'), ...to({ methods: ['GET'] }) }] }),
      // Ambient without a waypoint: L4 only, a service account of an app namespace.
      policy('amb2', 'namespace-isolation', { action: 'ALLOW', rules: [fromNs('amb2'), { from: [{ source: { serviceAccounts: ['shop/web'] } }] }] }),
    ];
  }
  return [
    policy('istio-system', 'allow-nothing', {}),
    policy('istio-ingress', 'istio-ingressgateway-allow', { selector: { matchLabels: GATEWAY_LABELS.ingress }, action: 'ALLOW', rules: [{}] }),
    policy('istio-egress', 'istio-egressgateway-allow', { selector: { matchLabels: GATEWAY_LABELS.egress }, action: 'ALLOW', rules: [fromNs(...APP_NAMESPACES)] }),
    policy('shop', 'allow', { action: 'ALLOW', rules: [{ ...fromPrincipals(ingress), ...to({ ports: ['8080'] }) }] }),
    policy('payments', 'allow', { action: 'ALLOW', rules: [{ ...fromNs('shop'), ...to({ ports: ['8080'], methods: ['POST'], paths: ['/pay*'] }) }] }),
    policy('amb', 'allow', { action: 'ALLOW', rules: [fromPrincipals(principal('amb', 'waypoint', td)), { ...fromNs('shop'), ...to({ ports: ['9090'] }) }] }),
    policy('amb', 'allow-waypoint', { ...WAYPOINT_REF, action: 'ALLOW', rules: [{ ...fromNs('shop'), ...to({ ports: ['9090'] }) }, { ...fromNs('payments'), ...to({ methods: ['GET'] }) }] }),
    // amb2 declares nothing: allow-nothing covers it.
  ];
}

/** A cluster folder in the stages' layout, with the policies of `mode` (and `extra` ones). */
function mesh(mode: AuthorizationMode, o: { td?: string | null; extra?: readonly Obj[]; drop?: (p: Obj) => boolean; dryRun?: boolean; ambLabels?: { [key: string]: string } } = {}): Files {
  const td = o.td === null ? undefined : o.td ?? TD;
  // authorizationDryRun: every policy annotated, as the policy stage renders them.
  const annotated = (p: Obj): Obj => (o.dryRun ? { ...p, metadata: { ...(p.metadata as Obj), annotations: { 'istio.io/dry-run': 'true' } } } : p);
  return {
    '0000-namespaces.k8s.yaml': [ns('istio-system'), ns('istio-ingress'), ns('istio-egress')],
    '0001-istiod.k8s.yaml': [sa('istio-system', 'istiod'), meshConfig(td)],
    '0002-gateways.k8s.yaml': [
      sa('istio-ingress', 'istio-ingressgateway'), gateway('istio-ingress', 'istio-ingressgateway', GATEWAY_LABELS.ingress),
      sa('istio-egress', 'istio-egressgateway'), gateway('istio-egress', 'istio-egressgateway', GATEWAY_LABELS.egress),
    ],
    '0003-apps.k8s.yaml': [
      ns('shop', { 'istio-injection': 'enabled' }),
      ns('payments', { 'istio.io/rev': 'canary' }),
      ns('amb', { 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint', ...o.ambLabels }),
      waypoint('amb'),
      ns('amb2', { 'istio.io/dataplane-mode': 'ambient' }),
    ],
    '0004-policy.k8s.yaml': [...policies(mode, td ?? 'cluster.local').filter(p => !o.drop?.(p)), ...(o.extra ?? [])].map(annotated),
  };
}

const nameOf = (p: Obj) => `${(p.metadata as Obj).namespace}/${(p.metadata as Obj).name}`;

/** The authz rules' findings on a folder, through check's own entry point (the other rules fire on hand-made folders too). */
const findings = (files: Files, authorization?: AuthorizationMode, more: Partial<CheckExpectations> = {}): string[] =>
  checkManifestList(manifests(files), { ...BASE, ...(authorization ? { authorization } : {}), ...more }).filter(v => AUTHZ_RULES.includes(v.rule)).map(formatViolation);

/** An east-west gateway in the root namespace, and (as deny-by-default renders it) its policy there selecting its pods. */
const EASTWEST_LABELS = { app: 'istio-eastwestgateway', istio: 'eastwestgateway' };
const withEastWest = (files: Files): Files => ({
  ...files,
  '0002-gateways.k8s.yaml': [...files['0002-gateways.k8s.yaml'], sa('istio-system', 'istio-eastwestgateway'), gateway('istio-system', 'istio-eastwestgateway', EASTWEST_LABELS)],
  '0004-policy.k8s.yaml': [...files['0004-policy.k8s.yaml'], policy('istio-system', 'istio-eastwestgateway-allow', { selector: { matchLabels: EASTWEST_LABELS }, action: 'ALLOW', rules: [{}] })],
});

const MODES: readonly AuthorizationMode[] = ['open', 'namespace-isolation', 'deny-by-default'];

describe('the authorization rules on the policy stage\'s shapes', () => {
  test.each(MODES)('%s: quiet, with the trust domain read from the folder or Istio\'s default', mode => {
    expect(findings(mesh(mode), mode)).toEqual([]);
    expect(findings(mesh(mode, { td: null }), mode)).toEqual([]);
    expect(checkAuthorization(manifests(mesh(mode)), { authorization: mode })).toEqual([]);
  });

  test('\'open\' requires no decision, and a rendered policy is no error under it either', () => {
    expect(findings(mesh('namespace-isolation'), 'open')).toEqual([]);
    expect(findings(mesh('open'), 'namespace-isolation')).toEqual(APP_NAMESPACES.map(n => expect.stringContaining(`0003-apps.k8s.yaml: Namespace/-/${n}: authz-coverage: `)));
  });
});

describe('authz-coverage', () => {
  const NO_DECISION = "(a policy without selector and targetRefs, not in dry run: an ALLOW policy, Istio's allow-nothing being one without rules, or a DENY policy with a rule {} that matches everything)";
  test('an app namespace without a policy and without a mesh-wide decision fires, under either mode that asks for one', () => {
    const without = mesh('namespace-isolation', { drop: p => nameOf(p) === 'payments/namespace-isolation' });
    expect(findings(without, 'namespace-isolation')).toEqual([
      `0003-apps.k8s.yaml: Namespace/-/payments: authz-coverage: app namespace payments has no decision of its own, and istio-system has no mesh-wide decision ${NO_DECISION}: every workload of the mesh may call it, though authorization is 'namespace-isolation'; add an ALLOW policy without selector to payments, or Istio's allow-nothing to istio-system`,
    ]);
    const noAllowNothing = mesh('deny-by-default', { drop: p => nameOf(p) === 'istio-system/allow-nothing' });
    expect(findings(noAllowNothing, 'deny-by-default')).toEqual([expect.stringContaining('Namespace/-/amb2: authz-coverage: ')]);
    // Settings that say nothing (hand-made expectations) ask for nothing.
    expect(findings(without)).toEqual([]);
  });

  test('mesh-wide: a namespace-wide ALLOW (any rules) or a DENY matching everything; not a DENY of some, a selector, targetRefs, another namespace', () => {
    const bare = mesh('open');
    const only = (...ps: Obj[]) => findings({ ...bare, '0004-policy.k8s.yaml': ps }, 'deny-by-default').filter(l => l.includes(': authz-coverage: '));
    expect(only(policy('istio-system', 'deny-all', { action: 'DENY', rules: [{}] }))).toEqual([]);
    expect(only(policy('istio-system', 'system-only', { action: 'ALLOW', rules: [fromNs('istio-system')] }))).toEqual([]);
    // A DENY that denies some callers or some paths leaves the rest allowed: no decision.
    expect(only(policy('istio-system', 'deny-outside', { action: 'DENY', rules: [{ from: [{ source: { notNamespaces: APP_NAMESPACES } }] }] }))).toHaveLength(4);
    expect(only(policy('istio-system', 'no-admin', { action: 'DENY', rules: [to({ paths: ['/admin*'] })] }))).toHaveLength(4);
    expect(only(policy('istio-system', 'deny-nothing', { action: 'DENY' }))).toHaveLength(4);
    expect(only(policy('istio-system', 'allow-nothing', { selector: { matchLabels: { app: 'x' } } }))).toHaveLength(4);
    expect(only(policy('istio-system', 'waypoints', { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'GatewayClass', name: 'istio-waypoint' }] }))).toHaveLength(4);
    expect(only(policy('istio-system', 'audit', { action: 'AUDIT', rules: [{}] }))).toHaveLength(4);
    expect(only(policy('istio-ingress', 'allow-nothing', {}))).toHaveLength(4);
  });

  test('a namespace\'s own decision: namespace-wide ALLOW or DENY matching everything; not AUDIT, CUSTOM, a selector, the waypoint\'s only, a partial DENY', () => {
    const payments = (...ps: Obj[]) => findings(mesh('namespace-isolation', { drop: p => nameOf(p) === 'payments/namespace-isolation', extra: ps }), 'namespace-isolation')
      .filter(l => l.includes(': authz-coverage: '));
    expect(payments(policy('payments', 'deny-all', { action: 'DENY', rules: [{}] }))).toEqual([]);
    expect(payments(
      policy('payments', 'audit', { action: 'AUDIT', rules: [{}] }),
      policy('payments', 'ext', { action: 'CUSTOM', provider: { name: 'opa' }, rules: [{}] }),
      policy('payments', 'web', { selector: { matchLabels: { app: 'web' } }, action: 'ALLOW', rules: [fromNs('shop')] }),
      policy('payments', 'no-admin', { action: 'DENY', rules: [to({ paths: ['/admin*'] })] }),
      policy('payments', 'waypoint', { ...WAYPOINT_REF, action: 'ALLOW', rules: [fromNs('shop')] }),
    )).toEqual([
      expect.stringContaining(`app namespace payments has no decision of its own, and istio-system has no mesh-wide decision ${NO_DECISION}; not counted: payments/audit is AUDIT, payments/ext is CUSTOM, payments/web has a selector, payments/no-admin denies only what its rules match, payments/waypoint has targetRefs (a waypoint's): every workload`),
    ]);
    // An ambient namespace whose only policy is its waypoint's: ztunnel, straight to the pods, admits everyone.
    expect(findings(mesh('namespace-isolation', { drop: p => nameOf(p) === 'amb/namespace-isolation' }), 'namespace-isolation')).toEqual([expect.stringContaining('Namespace/-/amb: authz-coverage: ')]);
  });

  test('a dry run decides nothing, unless the settings render every policy in dry run (authorizationDryRun): then it is the decision to come', () => {
    const trial = mesh('namespace-isolation', { extra: [policy('payments', 'trial', { action: 'ALLOW', rules: [fromNs('shop')] }, { 'istio.io/dry-run': 'true' })], drop: p => nameOf(p) === 'payments/namespace-isolation' });
    expect(findings(trial, 'namespace-isolation')).toEqual([expect.stringContaining('not counted: payments/trial is in dry run: every workload')]);
    const dry = mesh('deny-by-default', { dryRun: true });
    expect(findings(dry, 'deny-by-default')).toEqual(APP_NAMESPACES.map(n => expect.stringContaining(`Namespace/-/${n}: authz-coverage: `)));
    expect(findings(dry, 'deny-by-default', { authorizationDryRun: false })).toHaveLength(4);
    expect(findings(dry, 'deny-by-default', { authorizationDryRun: true })).toEqual([]);
    expect(findings(mesh('namespace-isolation', { dryRun: true }), 'namespace-isolation', { authorizationDryRun: true })).toEqual([]);
  });
});

describe('authz-principal', () => {
  const with_ = (...rules: Obj[]) => mesh('namespace-isolation', { extra: [policy('shop', 'extra', { action: 'ALLOW', rules })] });
  const at = (detail: string) => `0004-policy.k8s.yaml: AuthorizationPolicy/shop/extra: authz-principal: ${detail}`;

  test('another trust domain, an unknown namespace, an account the namespace does not have, something that is no principal', () => {
    expect(findings(with_(fromPrincipals(principal('istio-ingress', 'istio-ingressgateway', 'cluster.local'), principal('nowhere', 'x'), principal('istio-ingress', 'ingress'), 'istio-ingressgateway')), 'namespace-isolation')).toEqual([
      at(`rules[0].from[0].source.principals[0]: cluster.local/ns/istio-ingress/sa/istio-ingressgateway names trust domain cluster.local, but the mesh's is ${TD} (ConfigMap istio-system/istio): no workload of this mesh has this identity`),
      at(`rules[0].from[0].source.principals[1]: ${TD}/ns/nowhere/sa/x names namespace nowhere, which is not a namespace of this folder (a Namespace object, default or kube-system) nor declared external (externalNamespaces): no workload of this mesh runs there`),
      at(`rules[0].from[0].source.principals[2]: ${TD}/ns/istio-ingress/sa/ingress names service account ingress, which is not in namespace istio-ingress (no ServiceAccount of this folder; it has istio-ingressgateway, default)`),
      at('rules[0].from[0].source.principals[3]: "istio-ingressgateway" is not a principal (<trust domain>/ns/<namespace>/sa/<service account>, or * and a prefix or suffix)'),
    ]);
  });

  test('an app namespace\'s accounts, every namespace\'s default account, and a mesh config\'s trust domain alias are known', () => {
    expect(findings(with_(fromPrincipals(principal('shop', 'anything'), principal('istio-egress', 'default'), `spiffe://${principal('istio-system', 'istiod')}`)), 'namespace-isolation')).toEqual([]);
    const aliased = with_(fromPrincipals(principal('istio-ingress', 'istio-ingressgateway', 'old.example.org')));
    const config = meshConfig(TD) as { data: { mesh: string } };
    const files = { ...aliased, '0001-istiod.k8s.yaml': [sa('istio-system', 'istiod'), { ...config, data: { mesh: `${config.data.mesh}trustDomainAliases: [old.example.org]\n` } }] };
    expect(findings(files, 'namespace-isolation')).toEqual([]);
  });

  test('without a mesh config (a remote cluster\'s folder), the trust domain is istiod\'s values\' meshConfig', () => {
    const values = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'values', namespace: 'istio-system' }, data: { 'merged-values': JSON.stringify({ meshConfig: { trustDomain: 'remote.example.org' } }, null, 2) } };
    const remote = { ...with_(fromPrincipals(principal('istio-ingress', 'istio-ingressgateway', 'remote.example.org'))), '0001-istiod.k8s.yaml': [values] };
    expect(findings(remote, 'namespace-isolation')).toEqual([expect.stringContaining(`names trust domain ${TD}, but the mesh's is remote.example.org (ConfigMap istio-system/values, istiod's meshConfig): `)]);
    expect(reachability(manifests(remote)).trustDomain).toBe('remote.example.org');
  });

  test('a namespace the settings declare external is known, with any account of it; only for the expectations that declare it', () => {
    const files = with_(fromNs('reports'), fromPrincipals(principal('reports', 'exporter')), { from: [{ source: { serviceAccounts: ['reports/exporter'] } }] });
    const declared = checkManifestList(manifests(files), { ...BASE, authorization: 'namespace-isolation', externalNamespaces: ['reports'] }).filter(v => AUTHZ_RULES.includes(v.rule));
    expect(declared).toEqual([]);
    expect(findings(files, 'namespace-isolation')).toEqual([
      at('rules[0].from[0].source.namespaces[0]: reports is not a namespace of this folder (a Namespace object, default or kube-system) nor declared external (externalNamespaces): no workload of this mesh runs there'),
      at(`rules[1].from[0].source.principals[0]: ${TD}/ns/reports/sa/exporter names namespace reports, which is not a namespace of this folder (a Namespace object, default or kube-system) nor declared external (externalNamespaces): no workload of this mesh runs there`),
      at('rules[2].from[0].source.serviceAccounts[0]: reports/exporter names namespace reports, which is not a namespace of this folder (a Namespace object, default or kube-system) nor declared external (externalNamespaces): no workload of this mesh runs there'),
    ]);
  });

  test('service accounts and namespaces of sources and conditions exist in the folder', () => {
    expect(findings(with_(
      { from: [{ source: { serviceAccounts: ['istio-ingress/nope', 'anything'] } }] },
      { from: [{ source: { namespaces: ['shopp', 'sho*', 'zz*'] } }] },
      { when: [{ key: 'source.namespace', values: ['gone'] }, { key: 'source.principal', notValues: [principal('istio-egress', 'who')] }] },
    ), 'namespace-isolation')).toEqual([
      at('rules[0].from[0].source.serviceAccounts[0]: istio-ingress/nope names service account nope, which is not in namespace istio-ingress (no ServiceAccount of this folder; it has istio-ingressgateway, default)'),
      at('rules[1].from[0].source.namespaces[0]: shopp is not a namespace of this folder (a Namespace object, default or kube-system) nor declared external (externalNamespaces): no workload of this mesh runs there'),
      at('rules[1].from[0].source.namespaces[2]: zz* matches no namespace of this folder'),
      at('rules[2].when[0].values[0]: gone is not a namespace of this folder (a Namespace object, default or kube-system) nor declared external (externalNamespaces): no workload of this mesh runs there'),
      at(`rules[2].when[1].notValues[0]: ${TD}/ns/istio-egress/sa/who names service account who, which is not in namespace istio-egress (no ServiceAccount of this folder; it has istio-egressgateway, default)`),
    ]);
  });

  test('a wildcard that admits every namespace is too broad in an ALLOW policy of an app namespace or the root, unless authorization is open', () => {
    const broad = with_(fromNs('*'), fromPrincipals('*', `${TD}/*`, '*/sa/default', `${TD}/ns/shop/sa/*`, `*/ns/payments/sa/api`));
    const tooBroad = (path: string, value: string) => at(`${path}: ${JSON.stringify(value)} admits callers of every namespace, which makes namespace isolation meaningless (authorization is 'namespace-isolation'): name the namespaces or service accounts`);
    expect(findings(broad, 'namespace-isolation')).toEqual([
      tooBroad('rules[0].from[0].source.namespaces[0]', '*'),
      tooBroad('rules[1].from[0].source.principals[0]', '*'),
      tooBroad('rules[1].from[0].source.principals[1]', `${TD}/*`),
      tooBroad('rules[1].from[0].source.principals[2]', '*/sa/default'),
    ]);
    expect(findings(broad, 'open')).toEqual([]);
    // A pattern that ends or starts inside the namespace names the namespaces it matches.
    expect(findings(with_(fromPrincipals(`${TD}/ns/sho*`, '*op/sa/web', `${TD}/ns/zz*`, '*-zz/sa/web')), 'namespace-isolation')).toEqual([
      at(`rules[0].from[0].source.principals[2]: ${TD}/ns/zz* matches no namespace of this folder`),
      at('rules[0].from[0].source.principals[3]: *-zz/sa/web matches no namespace of this folder'),
    ]);
    // Not an isolation matter: a DENY policy, a gateway's policy, a negation.
    const elsewhere = mesh('namespace-isolation', {
      extra: [
        policy('shop', 'deny', { action: 'DENY', rules: [fromNs('*')] }),
        policy('istio-egress', 'callers', { action: 'ALLOW', rules: [fromNs('*')] }),
        policy('payments', 'not', { action: 'ALLOW', rules: [{ from: [{ source: { notPrincipals: ['*'] } }] }] }),
      ],
    });
    expect(findings(elsewhere, 'namespace-isolation')).toEqual([]);
  });

  test('values of the wrong shape do not crash a rule', () => {
    const odd = mesh('namespace-isolation', { extra: [policy('shop', 'odd', { rules: ['x', null, { from: 'y', to: 3, when: [{}] }, { from: [{ source: { principals: [42], namespaces: 'shop' } }] }] })] });
    expect(() => findings(odd, 'namespace-isolation')).not.toThrow();
    expect(() => reachability(manifests(odd))).not.toThrow();
  });
});

describe('authz-selector', () => {
  test('a selector that matches no pod template of a namespace that has them, or a targetRef to no Gateway, selects nothing', () => {
    const files = mesh('deny-by-default', {
      extra: [
        policy('istio-ingress', 'typo', { selector: { matchLabels: { app: 'istio-ingress' } }, action: 'ALLOW', rules: [{}] }),
        policy('amb2', 'no-waypoint', { ...WAYPOINT_REF, action: 'ALLOW', rules: [fromNs('shop')] }),
        policy('istio-egress', 'to-service', { targetRefs: [{ group: '', kind: 'Service', name: 'istio-egressgateway' }], rules: [fromNs('shop')] }),
      ],
    });
    expect(findings(files, 'deny-by-default')).toEqual([
      '0004-policy.k8s.yaml: AuthorizationPolicy/istio-ingress/typo: authz-selector: spec.selector app=istio-ingress matches no pod template of namespace istio-ingress: the policy applies to nothing; its workloads: Deployment/istio-ingressgateway',
      '0004-policy.k8s.yaml: AuthorizationPolicy/amb2/no-waypoint: authz-selector: spec.targetRefs[0]: no Gateway waypoint (gateway.networking.k8s.io) in namespace amb2 in this folder: the policy applies to nothing',
      '0004-policy.k8s.yaml: AuthorizationPolicy/istio-egress/to-service: authz-selector: spec.targetRefs[0]: no Service istio-egressgateway in namespace istio-egress in this folder: the policy applies to nothing',
    ]);
  });

  test('what the folder cannot know is not reported: an app namespace\'s workloads, the root namespace\'s selector with app namespaces', () => {
    const base = mesh('namespace-isolation', {
      extra: [
        policy('shop', 'web', { selector: { matchLabels: { app: 'web' } }, action: 'ALLOW', rules: [fromNs('payments')] }),
        policy('istio-system', 'web-everywhere', { selector: { matchLabels: { app: 'web' } }, action: 'DENY', rules: [fromNs('amb')] }),
        policy('istio-system', 'waypoints', { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'GatewayClass', name: 'istio-waypoint' }], action: 'ALLOW', rules: [fromNs('shop')] }),
        // The pods istiod deploys for a Gateway API Gateway carry its name.
        policy('istio-ingress', 'web-gateway', { selector: { matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'web' } }, action: 'ALLOW', rules: [{}] }),
      ],
    });
    const files = { ...base, '0002-gateways.k8s.yaml': [...base['0002-gateways.k8s.yaml'], { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'web', namespace: 'istio-ingress' }, spec: { gatewayClassName: 'istio', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } }] };
    expect(findings(files, 'namespace-isolation')).toEqual([]);
    expect(findings(base, 'namespace-isolation')).toEqual([expect.stringContaining('AuthorizationPolicy/istio-ingress/web-gateway: authz-selector: spec.selector gateway.networking.k8s.io/gateway-name=web matches no pod template')]);
  });
});

describe('authz-l7-ztunnel', () => {
  test('L7 attributes in a policy ztunnel enforces fire, with what Istio does instead; on a waypoint or a sidecar they do not', () => {
    const files = mesh('namespace-isolation', {
      extra: [
        policy('amb', 'get-only', { action: 'ALLOW', rules: [{ ...fromNs('payments'), ...to({ methods: ['GET'] }) }, { ...fromNs('shop'), ...to({ ports: ['9090'] }) }] }),
        policy('amb2', 'no-admin', { selector: { matchLabels: { app: 'api' } }, action: 'DENY', rules: [{ ...to({ paths: ['/admin*'] }), when: [{ key: 'source.ip', values: ['10.0.0.0/8'] }] }] }),
        policy('amb2', 'jwt', { action: 'ALLOW', rules: [{ from: [{ source: { requestPrincipals: ['*'] } }], when: [{ key: 'request.headers[x-team]', values: ['a'] }] }] }),
        policy('istio-system', 'mesh-header', { action: 'DENY', rules: [{ when: [{ key: 'request.auth.claims[iss]', values: ['bad'] }] }] }),
        // Enforced by a waypoint (targetRefs) or by sidecars: L7 is fine.
        policy('amb', 'waypoint-paths', { ...WAYPOINT_REF, action: 'ALLOW', rules: [to({ paths: ['/x'] })] }),
        policy('payments', 'methods', { action: 'ALLOW', rules: [to({ methods: ['GET'] })] }),
      ],
    });
    const fix = 'attach the policy to a waypoint (targetRefs), or use only ports, principals and namespaces';
    expect(findings(files, 'namespace-isolation')).toEqual([
      `0004-policy.k8s.yaml: AuthorizationPolicy/amb/get-only: authz-l7-ztunnel: rules[0] uses to[0].operation.methods, which ztunnel cannot enforce (the policy is in ambient namespace amb without targetRefs, so ztunnel enforces it): Istio fails safe: the rule matches nothing, and the callers it names are denied; ${fix}`,
      `0004-policy.k8s.yaml: AuthorizationPolicy/amb2/no-admin: authz-l7-ztunnel: rules[0] uses to[0].operation.paths, which ztunnel cannot enforce (the policy is in ambient namespace amb2 without targetRefs, so ztunnel enforces it): Istio fails safe: ztunnel denies without them, more than the rule says; ${fix}`,
      `0004-policy.k8s.yaml: AuthorizationPolicy/amb2/jwt: authz-l7-ztunnel: rules[0] uses from[0].source.requestPrincipals, when[0].key request.headers[x-team], which ztunnel cannot enforce (the policy is in ambient namespace amb2 without targetRefs, so ztunnel enforces it): Istio fails safe: the rule matches nothing, and the callers it names are denied; ${fix}`,
      `0004-policy.k8s.yaml: AuthorizationPolicy/istio-system/mesh-header: authz-l7-ztunnel: rules[0] uses when[0].key request.auth.claims[iss], which ztunnel cannot enforce (the policy applies in every namespace, so ztunnel enforces it in the ambient namespaces amb, amb2): Istio fails safe: ztunnel denies without them, more than the rule says; ${fix}`,
    ]);
  });

  test('without an ambient namespace, the root namespace\'s L7 rules are the sidecars\' to enforce', () => {
    const header = policy('istio-system', 'mesh-header', { action: 'DENY', rules: [{ when: [{ key: 'request.headers[x]', values: ['y'] }] }] });
    const files = mesh('namespace-isolation', { extra: [header] });
    const ambient = (o: Obj) => String((o.metadata as Obj).name).startsWith('amb') || String((o.metadata as Obj).namespace).startsWith('amb');
    const sidecarsOnly = { ...files, '0003-apps.k8s.yaml': files['0003-apps.k8s.yaml'].filter(o => !ambient(o)), '0004-policy.k8s.yaml': files['0004-policy.k8s.yaml'].filter(o => !ambient(o)) };
    expect(findings(sidecarsOnly, 'namespace-isolation')).toEqual([]);
    expect(findings(files, 'namespace-isolation')).toEqual([expect.stringContaining('AuthorizationPolicy/istio-system/mesh-header: authz-l7-ztunnel: ')]);
  });
});

describe('authz-l7-ztunnel: a gateway allowed on a waypoint it goes past', () => {
  const ingress = principal('istio-ingress', 'istio-ingressgateway');
  const edge = policy('amb', 'edge', { ...WAYPOINT_REF, action: 'ALLOW', rules: [{ ...fromPrincipals(ingress), ...to({ paths: ['/api*'] }) }] });

  test('fires when the namespace lacks istio.io/ingress-use-waypoint=true and ztunnel does not admit the gateway', () => {
    expect(findings(mesh('deny-by-default', { extra: [edge] }), 'deny-by-default')).toEqual([
      '0004-policy.k8s.yaml: AuthorizationPolicy/amb/edge: authz-l7-ztunnel: rules[0].from[0].source.principals[0]: gateway istio-ingressgateway is allowed on waypoint amb/waypoint, but a gateway goes straight to ztunnel, past the waypoint, and ztunnel\'s policies in amb do not admit it: its calls are denied; label namespace amb istio.io/ingress-use-waypoint=true',
    ]);
  });

  test('quiet when the namespace is labelled, when ztunnel admits the gateway, or for a caller that is no gateway', () => {
    expect(findings(mesh('deny-by-default', { extra: [edge], ambLabels: { 'istio.io/ingress-use-waypoint': 'true' } }), 'deny-by-default')).toEqual([]);
    const l4 = policy('amb', 'edge-l4', { action: 'ALLOW', rules: [{ ...fromPrincipals(ingress), ...to({ ports: ['9090'] }) }] });
    expect(findings(mesh('deny-by-default', { extra: [edge, l4] }), 'deny-by-default')).toEqual([]);
    const shop = policy('amb', 'web', { ...WAYPOINT_REF, action: 'ALLOW', rules: [fromPrincipals(principal('shop', 'web'))] });
    expect(findings(mesh('deny-by-default', { extra: [shop] }), 'deny-by-default')).toEqual([]);
  });
});

describe('the reachability matrix', () => {
  const matrix = (files: Files) => formatReachability(reachability(manifests(files)));

  test('open: every namespace and gateway may be called by everyone in the mesh', () => {
    expect(matrix(mesh('open'))).toEqual([
      '  shop <- everyone in the mesh (no ALLOW policy)',
      '  payments <- everyone in the mesh (no ALLOW policy)',
      '  amb [waypoint] <- everyone in the mesh (no ALLOW policy)',
      '  amb [ztunnel] <- everyone in the mesh (no ALLOW policy)',
      '  amb2 [ztunnel] <- everyone in the mesh (no ALLOW policy)',
      '  gateway istio-ingressgateway <- everyone in the mesh (no ALLOW policy)',
      '  gateway istio-egressgateway <- everyone in the mesh (no ALLOW policy)',
    ]);
  });

  test('namespace isolation: each namespace its own, what it declares, gateways by name, L7 through the waypoint only', () => {
    expect(matrix(mesh('namespace-isolation'))).toEqual([
      '  shop <- shop (any port), gateway istio-ingressgateway (port 8080)',
      '  payments <- payments (any port), shop (port 8080, methods POST, paths /pay*)',
      '  amb [waypoint] <- amb (any port), shop (port 9090), payments (any port, methods GET)',
      '  amb [ztunnel] <- amb (any port), shop (port 9090)',
      '  amb2 [ztunnel] <- amb2, shop/web (any port)',
      '  gateway istio-ingressgateway <- everyone in the mesh (no ALLOW policy)',
      '  gateway istio-egressgateway <- everyone in the mesh (no ALLOW policy)',
    ]);
  });

  test('deny by default: nobody but what is declared; the gateways kept open to their callers', () => {
    expect(matrix(mesh('deny-by-default'))).toEqual([
      '  shop <- gateway istio-ingressgateway (port 8080)',
      '  payments <- shop (port 8080, methods POST, paths /pay*)',
      '  amb [waypoint] <- shop (port 9090), payments (any port, methods GET)',
      '  amb [ztunnel] <- waypoint amb/waypoint (any port), shop (port 9090)',
      '  amb2 [ztunnel] <- nobody',
      '  gateway istio-ingressgateway <- anyone (any port)',
      '  gateway istio-egressgateway <- shop, payments, amb, amb2 (any port)',
    ]);
    expect(reachability(manifests(mesh('deny-by-default'))).trustDomain).toBe(TD);
  });

  test('DENY policies are listed as denied; dry runs, CUSTOM actions, conditions and unknown workloads are named, not guessed', () => {
    const files = mesh('namespace-isolation', {
      extra: [
        policy('shop', 'no-admin', { action: 'DENY', rules: [{ ...fromNs('payments'), ...to({ paths: ['/admin*'] }) }] }),
        policy('shop', 'trial', { action: 'ALLOW', rules: [fromNs('amb')] }, { 'istio.io/dry-run': 'true' }),
        policy('payments', 'ext', { action: 'CUSTOM', provider: { name: 'opa' }, rules: [{}] }),
        policy('payments', 'office', { action: 'ALLOW', rules: [{ from: [{ source: { ipBlocks: ['10.0.0.0/8'] } }] }, { ...fromNs('amb'), when: [{ key: 'request.headers[x]', values: ['y'] }] }] }),
        policy('payments', 'web', { selector: { matchLabels: { app: 'web' } }, action: 'ALLOW', rules: [fromNs('amb2')] }),
        // ztunnel never matches an ALLOW rule with L7 attributes, and denies a DENY rule without them.
        policy('amb2', 'get', { action: 'ALLOW', rules: [{ ...fromNs('payments'), ...to({ methods: ['GET'] }) }] }),
        policy('amb2', 'no-delete', { action: 'DENY', rules: [{ ...fromNs('shop'), ...to({ methods: ['DELETE'] }) }] }),
      ],
    });
    const lines = matrix(files);
    expect(lines.slice(0, 2)).toEqual([
      '  shop <- shop (any port), gateway istio-ingressgateway (port 8080)',
      '      denied: payments (any port, paths /admin*)',
    ]);
    expect(lines).toContain('      dry run, logged and not enforced: shop/trial');
    expect(lines).toContain('      not evaluated: payments/ext (CUSTOM by opa)');
    expect(lines).toContain('      not evaluated: rules[0] of payments/office (source.ipBlocks)');
    expect(lines).toContain('      not evaluated: rules[1] of payments/office (when request.headers[x])');
    expect(lines).toContain('      not evaluated: payments/web (workloads labelled app=web: their pods are not in this folder)');
    const amb2 = lines.slice(lines.findIndex(l => l.startsWith('  amb2 ')));
    expect(amb2.slice(0, 4)).toEqual([
      '  amb2 [ztunnel] <- amb2, shop/web (any port)',
      '      denied: shop (any port)',
      '      ztunnel never matches rules[0] of amb2/get: it uses to[0].operation.methods',
      '      ztunnel denies rules[0] of amb2/no-delete without to[0].operation.methods',
    ]);
  });

  test('a waypoint that ztunnel does not admit is said to pass nothing', () => {
    const files = mesh('deny-by-default', { drop: p => nameOf(p) === 'amb/allow' });
    expect(matrix(files)).toContain('      ztunnel does not admit waypoint amb/waypoint on every port: calls through it are denied');
    // A root-namespace policy selecting a gateway's pods is that gateway's: it hides nothing in the app rows.
    expect(matrix(withEastWest(files))).toContain('      ztunnel does not admit waypoint amb/waypoint on every port: calls through it are denied');
  });

  test('a root-namespace selector is matched against the folder\'s pods: a gateway\'s policy is its row\'s; one matching no pod is named in every app row', () => {
    const plain = matrix(mesh('deny-by-default'));
    expect(matrix(withEastWest(mesh('deny-by-default')))).toEqual([...plain, '  gateway istio-eastwestgateway <- anyone (any port)']);
    expect(findings(withEastWest(mesh('deny-by-default')), 'deny-by-default')).toEqual([]);
    const unknown = matrix(mesh('deny-by-default', { extra: [policy('istio-system', 'web-everywhere', { selector: { matchLabels: { app: 'web' } }, action: 'DENY', rules: [fromNs('amb')] })] }));
    const note = '      not evaluated: istio-system/web-everywhere (workloads labelled app=web: their pods are not in this folder)';
    // shop, payments, amb [ztunnel], amb2 [ztunnel]: every row a selector-less policy decides.
    expect(unknown.filter(l => l === note)).toHaveLength(4);
  });

  test('a gateway goes past an ambient namespace\'s waypoint, straight to ztunnel, unless the namespace is labelled istio.io/ingress-use-waypoint=true', () => {
    const ingress = principal('istio-ingress', 'istio-ingressgateway');
    const edge = policy('amb', 'edge', { ...WAYPOINT_REF, action: 'ALLOW', rules: [{ ...fromPrincipals(ingress), ...to({ paths: ['/api*'] }) }] });
    const rows = (files: Files) => matrix(files).filter((_, i, all) => all.slice(0, i + 1).reverse().find(x => !x.startsWith('    '))!.startsWith('  amb ['));
    expect(rows(mesh('deny-by-default', { extra: [edge] }))).toEqual([
      '  amb [waypoint] <- shop (port 9090), payments (any port, methods GET)',
      '      gateway istio-ingressgateway goes past the waypoint (amb is not labelled istio.io/ingress-use-waypoint=true): the [ztunnel] row decides for it',
      '  amb [ztunnel] <- waypoint amb/waypoint (any port), shop (port 9090)',
    ]);
    expect(rows(mesh('deny-by-default', { extra: [edge], ambLabels: { 'istio.io/ingress-use-waypoint': 'true' } }))).toEqual([
      '  amb [waypoint] <- shop (port 9090), payments (any port, methods GET), gateway istio-ingressgateway (any port, paths /api*)',
      '  amb [ztunnel] <- waypoint amb/waypoint (any port), shop (port 9090)',
    ]);
  });
});

describe('npm run check -- --authz', () => {
  const LOCKED = readLock(PROJECT_ROOT).istioVersion;
  const write = (dir: string, files: Files) => {
    fs.mkdirSync(dir, { recursive: true });
    for (const [file, objects] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), objects.map(o => stringify(o)).join('---\n'));
    return dir;
  };
  const run = (project: ProjectDefinition, argv: readonly string[]) => runCaptured((args, io) => checkCommand(args, io, { project: () => project, root: PROJECT_ROOT }), argv);

  test('prints the matrix after the check, per cluster in a fleet; the status stays the check\'s', async () => {
    const t = tempDir('istio-cdk8s-authz-');
    try {
      const dist = write(path.join(t.dir, 'dist'), mesh('namespace-isolation'));
      const r = await run({ settings: { istioVersion: LOCKED } }, ['--authz', dist]);
      const summary = r.out.findIndex(l => l.startsWith('check: '));
      // Hand-made objects without their CRDs: other rules refuse them, and the status says so.
      expect(r.status).toBe(1);
      expect(r.out.slice(summary + 1)).toEqual(['', `authorization of ${path.relative(process.cwd(), dist)} (who may call whom; trust domain ${TD}):`, ...matrixOf(mesh('namespace-isolation'))]);
      const without = await run({ settings: { istioVersion: LOCKED } }, [dist]);
      expect(without.out.at(-1)).toMatch(/^check: /);

      const fleet = path.join(t.dir, 'fleet');
      write(path.join(fleet, 'east'), mesh('deny-by-default'));
      write(path.join(fleet, 'west'), mesh('open', { td: null }));
      const member = { istioVersion: LOCKED };
      const both = await run({ clusters: { east: member, west: member } }, ['--authz', fleet]);
      const east = both.out.indexOf(`authorization of cluster east (who may call whom; trust domain ${TD}):`);
      const west = both.out.indexOf('authorization of cluster west (who may call whom; trust domain cluster.local):');
      expect(both.out.slice(east + 1, west - 1)).toEqual(matrixOf(mesh('deny-by-default')));
      expect(both.out.slice(west + 1)).toEqual(matrixOf(mesh('open')));
      const one = await run({ clusters: { east: member, west: member } }, ['--authz', '--cluster', 'west', fleet]);
      expect(one.out.filter(l => l.startsWith('authorization of '))).toEqual(['authorization of cluster west (who may call whom; trust domain cluster.local):']);
    } finally {
      t.cleanup();
    }
  });

  test('--help names --authz', async () => {
    const help = await run({}, ['--help']);
    expect(help.out.join('\n')).toContain('--authz');
  });
});

const matrixOf = (files: Files) => formatReachability(reachability(manifests(files)));

describe('npm run diff: the authorization section', () => {
  const runDiff = (argv: readonly string[]) => runCaptured((args, io) => diffCommand(args, io, { root: PROJECT_ROOT }), argv, { errorStatus: 2 });
  const write = (dir: string, files: Files) => {
    fs.mkdirSync(dir, { recursive: true });
    for (const [file, objects] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), objects.map(o => stringify(o)).join('---\n'));
    return dir;
  };
  /** The isolation fixture after an edit: shop no longer admits the ingress gateway, payments admits shop on 8080 only, a DENY added. */
  const edited = () => mesh('namespace-isolation', {
    drop: p => ['shop/namespace-isolation', 'payments/namespace-isolation'].includes(nameOf(p)),
    extra: [
      policy('shop', 'namespace-isolation', { action: 'ALLOW', rules: [fromNs('shop')] }),
      policy('payments', 'namespace-isolation', { action: 'ALLOW', rules: [fromNs('payments'), { ...fromNs('shop'), ...to({ ports: ['8080'] }) }, { ...fromNs('amb'), ...to({ ports: ['8443'] }) }] }),
      policy('payments', 'no-admin', { action: 'DENY', rules: [{ ...fromNs('shop'), ...to({ paths: ['/admin*'] }) }] }),
    ],
  });

  test('plain text and Markdown: what may now be called, what no longer, what is denied; nothing when unchanged', async () => {
    const t = tempDir('istio-cdk8s-authz-diff-');
    try {
      const before = write(path.join(t.dir, 'before'), mesh('namespace-isolation'));
      const after = write(path.join(t.dir, 'after'), edited());
      const text = await runDiff([before, after]);
      expect(text.status).toBe(1);
      const start = text.out.indexOf('authorization (who may call whom, from the AuthorizationPolicies; npm run check -- --authz prints it all):');
      expect(text.out.slice(start, text.out.indexOf('', start))).toEqual([
        'authorization (who may call whom, from the AuthorizationPolicies; npm run check -- --authz prints it all):',
        '  - shop may no longer be called by gateway istio-ingressgateway (was: port 8080)',
        '  ~ payments may now be called by shop on port 8080 (was: port 8080, methods POST, paths /pay*)',
        '  + payments may now be called by amb on port 8443',
        '  + payments now denies shop on any port, paths /admin*',
      ]);
      const md = await runDiff(['--markdown', before, after]);
      const heading = md.out.indexOf('#### Authorization');
      expect(md.out.slice(heading, heading + 8)).toEqual([
        '#### Authorization',
        '',
        'Who may call whom, from the AuthorizationPolicies of each side (`npm run check -- --authz` prints the whole matrix):',
        '',
        '- `- shop may no longer be called by gateway istio-ingressgateway (was: port 8080)`',
        '- `~ payments may now be called by shop on port 8080 (was: port 8080, methods POST, paths /pay*)`',
        '- `+ payments may now be called by amb on port 8443`',
        '- `+ payments now denies shop on any port, paths /admin*`',
      ]);

      // A change that moves no caller: no section.
      const relabelled = write(path.join(t.dir, 'relabelled'), { ...mesh('namespace-isolation'), '0001-istiod.k8s.yaml': [sa('istio-system', 'istiod'), meshConfig(TD), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'istio-system' }, data: { a: 'b' } }] });
      const quiet = await runDiff([before, relabelled]);
      expect(quiet.status).toBe(1);
      expect(quiet.out.some(l => l.startsWith('authorization'))).toBe(false);
      expect((await runDiff(['--markdown', before, relabelled])).out).not.toContain('#### Authorization');
    } finally {
      t.cleanup();
    }
  });

  test('in a fleet, per cluster: a namespace opened to everyone, a cluster unchanged left out', async () => {
    const t = tempDir('istio-cdk8s-authz-diff-');
    try {
      const before = path.join(t.dir, 'before');
      const after = path.join(t.dir, 'after');
      write(path.join(before, 'east'), mesh('namespace-isolation'));
      write(path.join(before, 'west'), mesh('deny-by-default'));
      write(path.join(after, 'east'), mesh('namespace-isolation', { drop: p => nameOf(p) === 'amb2/namespace-isolation' }));
      write(path.join(after, 'west'), { ...mesh('deny-by-default'), '0009-extra.k8s.yaml': [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'istio-system' } }] });
      const r = await runDiff([before, after]);
      const start = r.out.findIndex(l => l.startsWith('authorization ('));
      expect(r.out.slice(start + 1, r.out.indexOf('', start))).toEqual([
        '  cluster east:',
        '    + amb2 [ztunnel] may now be called by everyone in the mesh on any port',
        '    - amb2 [ztunnel] may no longer be called by amb2 (was: any port)',
        '    - amb2 [ztunnel] may no longer be called by shop/web (was: any port)',
      ]);
      const md = await runDiff(['--markdown', before, after]);
      expect(md.out).toContain('- cluster `east`');
      expect(md.out).toContain('  - `+ amb2 [ztunnel] may now be called by everyone in the mesh on any port`');
    } finally {
      t.cleanup();
    }
  });
});
