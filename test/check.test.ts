import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { checkManifests } from '../lib/check/check';
import { loadManifestFolder } from '../lib/manifests';
import { SCHEMA_SOURCE } from '../lib/check/kube-schema';
import { checkCommand } from '../lib/check/cli';
import { formatViolation, Rule, Violation } from '../lib/check/violation';
import { readManifests } from '../lib/manifests';
import { resolveSettings } from '../lib/settings';
import { UserError } from '../lib/user-error';
import { readLock } from '../lib/vendoring/lock';
import { runCaptured } from './command-io';
import { distClusterFolders } from './render';

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const LOCKED = readLock(ROOT).istioVersion;

// Fixtures get their own scheduling, different for gateways, so the gateway match is proven too.
const INFRA = { key: 'infra', operator: 'Exists', effect: 'NoSchedule' } as const;
const EDGE = { key: 'edge', operator: 'Exists', effect: 'NoSchedule' } as const;
const expected = resolveSettings({
  istioVersion: LOCKED,
  scheduling: { nodeSelector: { pool: 'infra' }, tolerations: [INFRA] },
  componentScheduling: { gateways: { nodeSelector: { pool: 'edge' }, tolerations: [EDGE] } },
  gateways: [{ name: 'gw', namespace: 'edge', kind: 'ingress' }],
}, LOCKED);

const tmpDirs: string[] = [];
afterEach(() => {
  for (const dir of tmpDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes files (name → objects, or raw text) into a fresh temporary folder. */
function folder(files: { readonly [name: string]: readonly object[] | string }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'check-test-'));
  tmpDirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    const text = typeof content === 'string' ? content : content.map(o => stringify(o)).join('---\n');
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const rulesOf = (vs: readonly Violation[]): Rule[] => vs.map(v => v.rule);

function namespace(name: string): object {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

function configMap(ns: string | undefined, name: string): object {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(ns ? { namespace: ns } : {}) }, data: { a: 'b' } };
}

interface DeploymentOptions {
  readonly image?: string;
  readonly nodeSelector?: object;
  readonly tolerations?: readonly object[];
  readonly podMetadata?: object;
  readonly replicas?: unknown;
}

function deployment(ns: string, name: string, o: DeploymentOptions = {}): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas: o.replicas ?? 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, ...o.podMetadata },
        spec: {
          nodeSelector: o.nodeSelector ?? { pool: 'infra' },
          tolerations: o.tolerations ?? [INFRA],
          containers: [{ name: 'main', image: o.image ?? 'example.com/app:1.0.0' }],
        },
      },
    },
  };
}

let crdFromDist: object | undefined;

/** The real PeerAuthentication CRD, as rendered from Istio's base chart (read once: dist/ is 1 MB of YAML). */
function peerAuthenticationCrd(): object {
  if (!crdFromDist) {
    const crd = readManifests(distClusterFolders(DIST)[0]).find(m => m.kind === 'CustomResourceDefinition' && m.name === 'peerauthentications.security.istio.io');
    if (!crd) throw new Error('dist/ has no PeerAuthentication CRD; run npm run synth');
    crdFromDist = crd.object;
  }
  return crdFromDist;
}

/** A PeerAuthentication in namespace `ns` ('' for none). */
function peerAuthentication(spec: object, ns = 'apps'): object {
  return { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', ...(ns ? { namespace: ns } : {}) }, spec };
}

/** A minimal cluster-scoped CRD, since all of Istio's are namespaced. */
const WIDGET_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Cluster',
    names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } } }],
  },
};

describe('checkManifests on dist/', () => {
  // That dist/ itself breaks no rule is main.test.ts's (per cluster, on the rendering it proves equal to dist/) and CI's npm run check.
  test('the schema library version is the one package.json pins (its Kubernetes version is documented per version)', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: { [name: string]: string } };
    expect(pkg.dependencies[SCHEMA_SOURCE.package]).toBe(SCHEMA_SOURCE.version);
  });
});

/** A webhook of Istio's shape calling istiod (test/check-injection.test.ts has the charts' full sets). */
function istioWebhook(name: string, path: string, selectors: object = {}): object {
  return {
    name, admissionReviewVersions: ['v1'], sideEffects: 'None', failurePolicy: 'Fail', ...selectors,
    clientConfig: { service: { name: 'istiod', namespace: 'istio-system', path } },
    rules: path === '/inject'
      ? [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }]
      : [{ operations: ['CREATE', 'UPDATE'], apiGroups: ['security.istio.io'], apiVersions: ['*'], resources: ['*'] }],
  };
}

/** istiod, its Service, an injector for pods labelled sidecar.istio.io/inject=true and the default validator. */
function istiod(): object[] {
  const d = deployment('istio-system', 'istiod', { podMetadata: { labels: { app: 'istiod', 'sidecar.istio.io/inject': 'false' } } }) as { spec: { selector: object } };
  d.spec.selector = { matchLabels: { app: 'istiod' } };
  return [
    d,
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'istiod', namespace: 'istio-system' }, spec: { selector: { app: 'istiod' }, ports: [{ port: 443, targetPort: 15017 }] } },
    {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'istio-sidecar-injector' },
      webhooks: [istioWebhook('object.sidecar-injector.istio.io', '/inject', { objectSelector: { matchLabels: { 'sidecar.istio.io/inject': 'true' } } })],
    },
    { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'istiod-default-validator' }, webhooks: [istioWebhook('validation.istio.io', '/validate')] },
  ];
}

describe('a fixture that follows every rule', () => {
  test('has no violations (the control for the broken fixtures below)', () => {
    const dir = folder({
      '0000-ns.yaml': [namespace('apps'), namespace('edge'), namespace('istio-system')],
      '0001-crds.yaml': [peerAuthenticationCrd()],
      '0002-apps.yaml': [
        ...istiod(),
        configMap('apps', 'settings'),
        deployment('apps', 'web'),
        deployment('edge', 'gw', {
          image: 'auto',
          nodeSelector: { pool: 'edge', extra: 'ok' },
          tolerations: [EDGE, { key: 'more', operator: 'Exists' }],
          podMetadata: {
            labels: { app: 'gw', 'sidecar.istio.io/inject': 'true' },
            annotations: { 'sidecar.istio.io/inject': 'true', 'inject.istio.io/templates': 'gateway' },
          },
        }),
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'kube-system' } },
      ],
      '0003-policies.yaml': [peerAuthentication({ mtls: { mode: 'STRICT' } })],
    });
    expect(checkManifests(dir, expected).map(formatViolation)).toEqual([]);
  });
});

describe('rule: built-in kinds match the Kubernetes OpenAPI schema', () => {
  test('a wrong type and a bad enum value in a Deployment are kube-schema violations', () => {
    const d = deployment('default', 'web', { replicas: 'two' }) as { spec: { template: { spec: { containers: { imagePullPolicy?: string }[] } } } };
    d.spec.template.spec.containers[0].imagePullPolicy = 'Sometimes';
    const violations = checkManifests(folder({ '0000-apps.yaml': [d] }), expected);
    expect(violations.map(formatViolation)).toEqual([
      '0000-apps.yaml: Deployment/default/web: kube-schema: spec.replicas: Invalid value: "two": spec.replicas in body must be of type integer: "string"',
      '0000-apps.yaml: Deployment/default/web: kube-schema: spec.template.spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"',
    ]);
  });

  test('a missing required field is a kube-schema violation', () => {
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'x' }, subjects: [] };
    expect(checkManifests(folder({ '0000-rbac.yaml': [role] }), expected).map(formatViolation)).toEqual([
        '0000-rbac.yaml: ClusterRoleBinding/-/x: kube-schema: roleRef: Required value',
    ]);
  });

  test('a key repeated in a list server-side apply merges by key (containers, env, ports, webhooks) is a kube-schema violation', () => {
    const d = deployment('default', 'web') as any;
    const main = d.spec.template.spec.containers[0];
    main.env = [{ name: 'A', value: '1' }, { name: 'A', value: '2' }];
    // protocol defaults to TCP in the key: 8080 and 8080/TCP are the same port.
    main.ports = [{ containerPort: 8080 }, { containerPort: 8080, protocol: 'TCP' }, { containerPort: 8080, protocol: 'UDP' }];
    d.spec.template.spec.containers.push({ name: 'main', image: 'example.com/app:1.0.0' });
    expect(checkManifests(folder({ '0000-apps.yaml': [d] }), expected).map(v => v.detail)).toEqual([
      'spec.template.spec.containers[1]: Duplicate value: {"name":"main"}',
      'spec.template.spec.containers[0].env[1]: Duplicate value: {"name":"A"}',
      'spec.template.spec.containers[0].ports[1]: Duplicate value: {"containerPort":8080,"protocol":"TCP"}',
    ]);
  });

  test('metadata is validated for every kind: name format per kind, labels, annotations', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: '9lives', namespace: 'default', labels: { 'bad key!': 'x' } }, spec: { ports: [{ port: 80 }] } };
    const cm = { ...configMap('default', 'Settings'), metadata: { name: 'Settings', namespace: 'default', annotations: { a: 'x'.repeat(262144) } } };
    const violations = checkManifests(folder({ '0000-x.yaml': [svc, cm] }), expected);
    expect(violations.map(v => v.rule)).toEqual(['metadata', 'metadata', 'metadata', 'metadata']);
    expect(violations.map(v => v.detail)).toEqual([
      expect.stringMatching(/^metadata\.name: Invalid value: "9lives": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character/),
      expect.stringMatching(/^metadata\.labels: Invalid value: "bad key!": name part must consist of alphanumeric characters/),
      expect.stringMatching(/^metadata\.name: Invalid value: "Settings": a lowercase RFC 1123 subdomain must consist of/),
      expect.stringMatching(/^metadata\.annotations: Too long: may not be more than 262144 bytes/),
    ]);
  });

  test('a kind that is neither built-in nor defined by a CRD in the folder is unknown-kind', () => {
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'default' } };
    const notAKind = { apiVersion: 'v1', kind: 'Container', metadata: { name: 'c', namespace: 'default' } };
    expect(rulesOf(checkManifests(folder({ '0000-x.yaml': [widget, notAKind] }), expected))).toEqual(['unknown-kind', 'unknown-kind']);
  });

  test('an API version that Kubernetes no longer serves is removed-api', () => {
    const ingress = { apiVersion: 'extensions/v1beta1', kind: 'Ingress', metadata: { name: 'i', namespace: 'default' }, spec: {} };
    expect(checkManifests(folder({ '0000-x.yaml': [ingress] }), expected).map(formatViolation)).toEqual([
      '0000-x.yaml: Ingress/default/i: removed-api: apiVersion extensions/v1beta1 is no longer served since Kubernetes 1.22 (configured: 1.33.0)',
    ]);
  });

  test('a document without kind or name is an object violation', () => {
    const dir = folder({ '0000-x.yaml': 'apiVersion: v1\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\n---\n- a list\n' });
    expect(checkManifests(dir, expected).map(v => v.detail)).toEqual([
      'document 0 has no kind',
      'document 1 has no metadata.name',
      'document 2 is not a mapping',
    ]);
  });
});

describe('rule: custom resources match their CRD schema', () => {
  const base = { '0000-ns.yaml': [namespace('apps')], '0001-crds.yaml': [peerAuthenticationCrd()] };

  test('spec.mtls.mode BANANA is a crd-schema violation', () => {
    const dir = folder({ ...base, '0002-policies.yaml': [peerAuthentication({ mtls: { mode: 'BANANA' } })] });
    expect(checkManifests(dir, expected).map(formatViolation)).toEqual([
      '0002-policies.yaml: PeerAuthentication/apps/default: crd-schema: spec.mtls.mode: Unsupported value: "BANANA": supported values: "UNSET", "DISABLE", "PERMISSIVE", "STRICT"',
      // An enum error keeps the server from running the CEL rules, and it says so.
      '0002-policies.yaml: PeerAuthentication/apps/default: crd-rule: Invalid value: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ]);
  });

  test('a field the CRD does not declare, and a version it does not serve, are crd-schema violations', () => {
    const misspelt = peerAuthentication({ mtls: { mood: 'STRICT' } });
    const alpha = { ...peerAuthentication({}), apiVersion: 'security.istio.io/v1alpha9', metadata: { name: 'alpha', namespace: 'apps' } };
    const dir = folder({ ...base, '0002-policies.yaml': [misspelt, alpha] });
    expect(checkManifests(dir, expected).map(v => v.detail)).toEqual([
      'spec.mtls.mood: field not declared in schema',
      'apiVersion: Invalid value: "security.istio.io/v1alpha9": version v1alpha9 is not served by CustomResourceDefinition peerauthentications.security.istio.io (served: v1, v1beta1)',
    ]);
  });

  test('a kind in a CRD-served group that no CRD defines is unknown-kind', () => {
    const dir = folder({ ...base, '0002-policies.yaml': [{ ...peerAuthentication({}), kind: 'PeerAuthorization' }] });
    expect(checkManifests(dir, expected).map(v => `${v.rule}: ${v.detail}`)).toEqual([
      'unknown-kind: no CustomResourceDefinition in this folder defines kind PeerAuthorization in group security.istio.io',
    ]);
  });
});

describe('structure rules', () => {
  test('two objects with the same group, kind, namespace and name are not unique', () => {
    const dir = folder({ '0000-a.yaml': [configMap('default', 'x')], '0001-b.yaml': [configMap('default', 'x'), configMap('kube-system', 'x')] });
    expect(checkManifests(dir, expected).map(formatViolation)).toEqual([
      '0001-b.yaml: ConfigMap/default/x: unique: same group, kind, namespace and name as document 0 of 0000-a.yaml',
    ]);
  });

  test('a namespaced object without namespace, and cluster-scoped ones with one, break namespace-scope', () => {
    const clusterRole = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r', namespace: 'default' }, rules: [] };
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'default' }, spec: { size: 1 } };
    const dir = folder({
      '0000-crds.yaml': [peerAuthenticationCrd(), WIDGET_CRD],
      '0001-x.yaml': [configMap(undefined, 'cm'), clusterRole, peerAuthentication({}, ''), widget],
    });
    expect(checkManifests(dir, expected).map(v => `${v.ref}: ${v.rule}: ${v.detail}`)).toEqual([
      'ConfigMap/-/cm: namespace-scope: ConfigMap is namespaced but has no metadata.namespace',
      'ClusterRole/default/r: namespace-scope: ClusterRole is cluster-scoped but has metadata.namespace default',
      'PeerAuthentication/-/default: namespace-scope: PeerAuthentication is namespaced but has no metadata.namespace',
      'Widget/default/w: namespace-scope: Widget is cluster-scoped but has metadata.namespace default',
    ]);
  });

  test('a namespace created later in the same file, in a later file or nowhere breaks namespace-order', () => {
    const dir = folder({
      '0000-a.yaml': [configMap('same', 'early'), namespace('same'), configMap('same', 'a'), configMap('later', 'b'), configMap('nowhere', 'c')],
      '0001-b.yaml': [namespace('later')],
    });
    expect(checkManifests(dir, expected).map(v => `${v.rule}: ${v.ref}: ${v.detail}`)).toEqual([
      'namespace-order: ConfigMap/same/early: namespace same is created in 0000-a.yaml, after this object',
      'namespace-order: ConfigMap/later/b: namespace later is created in 0001-b.yaml, not in an earlier file',
      'namespace-order: ConfigMap/nowhere/c: namespace nowhere is not created by any file',
    ]);
  });

  test('a custom resource in the same file as its CRD, or before it, breaks crd-order', () => {
    const dir = folder({
      '0000-ns.yaml': [namespace('apps')],
      '0001-early.yaml': [{ ...peerAuthentication({}), metadata: { name: 'early', namespace: 'apps' } }],
      '0002-crds.yaml': [peerAuthenticationCrd(), peerAuthentication({})],
    });
    expect(checkManifests(dir, expected).map(formatViolation)).toEqual([
      '0001-early.yaml: PeerAuthentication/apps/early: crd-order: its CustomResourceDefinition peerauthentications.security.istio.io is in 0002-crds.yaml, a later file',
      '0002-crds.yaml: PeerAuthentication/apps/default: crd-order: its CustomResourceDefinition peerauthentications.security.istio.io is in the same file; move one of them to another file',
    ]);
  });

  test('a webhook calling a Service that is not in the folder, or on a port it lacks, breaks webhook-service', () => {
    const webhook = (name: string, service: object) => ({
      name, admissionReviewVersions: ['v1'], sideEffects: 'None', clientConfig: { service },
    });
    const config = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'hooks' },
      webhooks: [
        webhook('ok.example.com', { namespace: 'default', name: 'hook' }),
        webhook('gone.example.com', { namespace: 'default', name: 'missing' }),
        webhook('port.example.com', { namespace: 'default', name: 'hook', port: 8443 }),
      ],
    };
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'hook', namespace: 'default' }, spec: { ports: [{ port: 443 }] } };
    const dir = folder({ '0000-hooks.yaml': [config, service] });
    expect(checkManifests(dir, expected).map(v => `${v.rule}: ${v.detail}`)).toEqual([
      'webhook-service: webhook gone.example.com calls Service default/missing, which is not in this folder',
      'webhook-service: webhook port.example.com calls Service default/hook on port 8443, which the Service does not expose',
    ]);
  });
});

describe('rule: pod templates carry the configured scheduling', () => {
  test('a missing nodeSelector entry or toleration on a control-plane workload is a scheduling violation; the user\'s own workloads are not checked', () => {
    const dir = folder({
      '0000-ns.yaml': [namespace('istio-system')],
      '0001-apps.yaml': [
        deployment('istio-system', 'no-selector', { nodeSelector: { pool: 'other' } }),
        deployment('istio-system', 'no-toleration', { tolerations: [{ ...INFRA, effect: 'NoExecute' }] }),
        deployment('default', 'users-own-app', { nodeSelector: { pool: 'other' } }),
      ],
    });
    expect(checkManifests(dir, expected).map(formatViolation)).toEqual([
      '0001-apps.yaml: Deployment/istio-system/no-selector: scheduling: /spec/template/spec/nodeSelector lacks pool=infra (has "other")',
      '0001-apps.yaml: Deployment/istio-system/no-toleration: scheduling: /spec/template/spec/tolerations lacks {"key":"infra","operator":"Exists","effect":"NoSchedule"}',
    ]);
  });

  test("a gateway's workload must carry the gateway scheduling, not istiod's; CronJobs are checked too", () => {
    const cronJob = {
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'job', namespace: 'istio-system' },
      spec: { schedule: '@daily', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36' }] } } } } },
    };
    const dir = folder({ '0000-ns.yaml': [namespace('edge'), namespace('istio-system')], '0001-gw.yaml': [deployment('edge', 'gw'), cronJob] });
    expect(checkManifests(dir, expected).map(v => `${v.ref}: ${v.detail}`)).toEqual([
      'Deployment/edge/gw: /spec/template/spec/nodeSelector lacks pool=edge (has "infra")',
      'Deployment/edge/gw: /spec/template/spec/tolerations lacks {"key":"edge","operator":"Exists","effect":"NoSchedule"}',
      'CronJob/istio-system/job: /spec/jobTemplate/spec/template/spec/nodeSelector lacks pool=infra',
      'CronJob/istio-system/job: /spec/jobTemplate/spec/template/spec/tolerations lacks {"key":"infra","operator":"Exists","effect":"NoSchedule"}',
    ]);
  });
});

describe('rule: node agents run on every node', () => {
  const daemonSet = (name: string, nodeSelector: object, tolerations: readonly object[]) => ({
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name, namespace: 'istio-system' },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { nodeSelector, tolerations, containers: [{ name: 'c', image: 'example.com/agent:1.0.0' }] } },
    },
  });
  const TOLERATE_ALL = [{ effect: 'NoSchedule', operator: 'Exists' }, { effect: 'NoExecute', operator: 'Exists' }];

  test('a node agent with the mesh-wide node selector, or without tolerate-all tolerations, breaks node-agent-scheduling; the charts\' defaults pass', () => {
    const dir = folder({
      '0000-ns.yaml': [namespace('istio-system')],
      '0001-agents.yaml': [
        daemonSet('ztunnel', { 'kubernetes.io/os': 'linux' }, TOLERATE_ALL),
        daemonSet('istio-cni-node', { 'kubernetes.io/os': 'linux', pool: 'infra' }, [INFRA]),
      ],
    });
    expect(checkManifests(dir, expected).map(v => `${v.ref}: ${v.rule}: ${v.detail}`)).toEqual([
      expect.stringMatching(/^DaemonSet\/istio-system\/istio-cni-node: node-agent-scheduling: \/spec\/template\/spec\/nodeSelector has pool=infra: a node agent must run on every node/),
      expect.stringMatching(/^DaemonSet\/istio-system\/istio-cni-node: node-agent-scheduling: .*do not tolerate every NoSchedule taint/),
      expect.stringMatching(/^DaemonSet\/istio-system\/istio-cni-node: node-agent-scheduling: .*do not tolerate every NoExecute taint/),
    ]);
  });

  test('componentScheduling.nodeAgents is the one way to restrict them', () => {
    const restricted = { ...expected, nodeAgents: { scheduling: { nodeSelector: { pool: 'mesh' }, tolerations: [INFRA] } } };
    const dir = folder({
      '0000-ns.yaml': [namespace('istio-system')],
      '0001-agents.yaml': [daemonSet('ztunnel', { 'kubernetes.io/os': 'linux', pool: 'mesh' }, [INFRA])],
    });
    expect(checkManifests(dir, restricted).map(formatViolation)).toEqual([]);
  });
});

describe('rule: images are pinned', () => {
  test('latest, no tag, and auto without gateway injection are image-pinned violations; tags and digests pass', () => {
    const digest = `example.com/app@sha256:${'a'.repeat(64)}`;
    const dir = folder({
      '0000-apps.yaml': [
        deployment('default', 'latest', { image: 'example.com/app:latest' }),
        deployment('default', 'untagged', { image: 'registry.example.com:5000/app' }),
        deployment('default', 'auto', { image: 'auto', podMetadata: { annotations: { 'sidecar.istio.io/inject': 'true' } } }),
        deployment('default', 'digest', { image: digest }),
        deployment('default', 'port-and-tag', { image: 'registry.example.com:5000/app:1.2' }),
      ],
    });
    expect(checkManifests(dir, expected).filter(v => v.rule === 'image-pinned').map(v => `${v.ref}: ${v.detail}`)).toEqual([
      'Deployment/default/latest: /spec/template/spec/containers "main" image example.com/app:latest uses the tag latest',
      'Deployment/default/untagged: /spec/template/spec/containers "main" image registry.example.com:5000/app has no tag or digest (means latest)',
      'Deployment/default/auto: /spec/template/spec/containers "main" uses image "auto", which only Istio\'s injector fills in: the pod template needs sidecar.istio.io/inject: "true" and annotation inject.istio.io/templates: gateway',
    ]);
  });
});

describe('errors that stop the check', () => {
  test('a missing folder and unparsable YAML are UserErrors that name the problem', () => {
    expect(() => loadManifestFolder(path.join(os.tmpdir(), 'check-test-does-not-exist'))).toThrow(UserError);
    const dir = folder({ '0000-bad.yaml': 'kind: ConfigMap\nmetadata: {name: [unclosed\n' });
    expect(() => loadManifestFolder(dir)).toThrow(/cannot read .*: 0000-bad\.yaml: line \d+, column \d+: /);
  });
});

describe('npm run check (CLI)', () => {
  const ctx = { project: () => ({ settings: { istioVersion: LOCKED } }), root: ROOT };
  const cli = (...args: string[]) => runCaptured((argv, io) => checkCommand(argv, io, ctx), args);

  test('prints one line per violation and a summary, and exits 1', async () => {
    const dir = folder({ '0000-x.yaml': [configMap(undefined, 'cm')] });
    const r = await cli(dir);
    expect(r.out).toEqual([
      '0000-x.yaml: ConfigMap/-/cm: namespace-scope: ConfigMap is namespaced but has no metadata.namespace',
      `check: 1 objects in 1 files of ${path.relative(process.cwd(), dir)}, 1 violation`,
    ]);
    expect(r.status).toBe(1);
  });

  test('a missing folder is one error line, no stack trace, exit 1', async () => {
    const r = await cli(path.join(os.tmpdir(), 'check-test-does-not-exist'));
    expect(r.err).toEqual([expect.stringMatching(/^error: .*check-test-does-not-exist is not a folder/)]);
    expect(r.status).toBe(1);
  });

  test('--help prints the usage and checks nothing', async () => {
    const r = await cli('--help', path.join(os.tmpdir(), 'check-test-does-not-exist'));
    expect(r).toEqual({ status: 0, out: [expect.stringMatching(/^usage: npm run check/)], err: [] });
  });

  test('the script runs the command', () => {
    const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'lib/check/cli.ts', '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect([r.status, r.stdout]).toEqual([0, expect.stringMatching(/^usage: npm run check/)]);
  });
});
