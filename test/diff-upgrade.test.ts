import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { diffCommand } from '../lib/diff/cli';
import { analyseUpgrade } from '../lib/diff/upgrade/analyse';
import { crdChanges, schemaChanges, typeText } from '../lib/diff/upgrade/crd-fields';
import { istioVersions } from '../lib/diff/upgrade/detect';
import { imageChanges, injectedImage, splitImage } from '../lib/diff/upgrade/images';
import { objectChangesByKind } from '../lib/diff/upgrade/objects';
import { rbacChanges } from '../lib/diff/upgrade/rbac';
import { imageChangeText } from '../lib/diff/upgrade/text';
import { ruleText, webhookChanges } from '../lib/diff/upgrade/webhooks';
import { Manifest, parseManifests } from '../lib/manifests';
import { runCaptured } from './command-io';

// Fixtures are plain objects written as JSON (which is YAML): small, and exactly what the
// test says. Each Istio object carries the labels Istio's charts put on everything.

type Obj = { [key: string]: any };

/** `obj` labelled as rendered by Istio's `chart` at `version`. */
function istio(version: string, obj: Obj, chart = 'istiod'): Obj {
  const labels = { 'app.kubernetes.io/version': version, 'helm.sh/chart': `${chart}-${version}`, ...obj.metadata.labels };
  return { ...obj, metadata: { ...obj.metadata, labels } };
}

function set(...objects: Obj[]): Manifest[] {
  return parseManifests('0001-a.k8s.yaml', objects.map(o => JSON.stringify(o)).join('\n---\n'));
}

function deployment(name: string, containers: Obj[], ns = 'istio-system', initContainers?: Obj[]): Obj {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns },
    spec: { template: { spec: { ...(initContainers ? { initContainers } : {}), containers } } },
  };
}

function injectorConfigMap(global: Obj, name = 'istio-sidecar-injector'): Obj {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'istio-system' }, data: { config: 'policy: enabled', values: JSON.stringify({ global }) } };
}

const ns = (name: string): Obj => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

describe('detect: the Istio version of each side, from the manifests alone', () => {
  test('Istio chart labels give the version; the user\'s own app.kubernetes.io/version does not', () => {
    const app = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'shop', namespace: 'shop', labels: { 'app.kubernetes.io/version': '7.0.0', 'helm.sh/chart': 'shop-7.0.0' } } };
    expect(istioVersions(set(app, istio('1.30.3', ns('istio-system'), 'base')))).toEqual({ versions: ['1.30.3'], source: 'labels' });
    // An object labelled part-of istio without a chart label still counts.
    const partOf = { ...ns('istio-ingress'), metadata: { name: 'istio-ingress', labels: { 'app.kubernetes.io/part-of': 'istio', 'app.kubernetes.io/version': '1.29.6' } } };
    expect(istioVersions(set(partOf)).versions).toEqual(['1.29.6']);
  });

  test('two versions at once (a revision-based canary) are both named', () => {
    expect(istioVersions(set(istio('1.30.3', ns('a')), istio('1.29.6', ns('b')), istio('1.30.3', ns('c')))).versions).toEqual(['1.29.6', '1.30.3']);
  });

  test('without labels, istiod\'s image tag (its variant dropped) gives the version; with nothing, none', () => {
    const istiod = deployment('istiod', [{ name: 'discovery', image: 'gcr.io/mirror/istio/pilot:1.30.3-distroless' }]);
    expect(istioVersions(set(istiod))).toEqual({ versions: ['1.30.3'], source: 'istiod image' });
    expect(istioVersions(set(ns('shop')))).toEqual({ versions: [] });
  });

  test('no upgrade, no sections: same versions, or a side without Istio', () => {
    const a = set(istio('1.30.3', deployment('istiod', [{ name: 'discovery', image: 'docker.io/istio/pilot:1.30.3' }])));
    const b = set(istio('1.30.3', deployment('istiod', [{ name: 'discovery', image: 'docker.io/istio/pilot:1.30.3-distroless' }])));
    expect(analyseUpgrade(a, b)).toBeUndefined();
    expect(analyseUpgrade(set(ns('shop')), a)).toBeUndefined();
    expect(analyseUpgrade(a, set(istio('1.30.4', ns('x'))))).toBeDefined();
  });
});

describe('images', () => {
  test('changed images are grouped by old → new, with every container using them', () => {
    const before = set(
      deployment('istiod', [{ name: 'discovery', image: 'docker.io/istio/pilot:1.29.6' }]),
      deployment('ztunnel', [{ name: 'istio-proxy', image: 'docker.io/istio/ztunnel:1.29.6' }], 'istio-system', [{ name: 'init', image: 'docker.io/istio/pilot:1.29.6' }]),
      deployment('legacy', [{ name: 'x', image: 'example.com/legacy:1' }]),
      deployment('same', [{ name: 'x', image: 'busybox:1.28' }]),
    );
    const after = set(
      deployment('istiod', [{ name: 'discovery', image: 'docker.io/istio/pilot:1.30.3' }]),
      deployment('ztunnel', [{ name: 'istio-proxy', image: 'docker.io/istio/ztunnel:1.30.3' }], 'istio-system', [{ name: 'init', image: 'docker.io/istio/pilot:1.30.3' }]),
      deployment('same', [{ name: 'x', image: 'busybox:1.28' }]),
      // A new workload on a new image is an image change; one on an image in use is not.
      deployment('agent', [{ name: 'a', image: 'docker.io/istio/agent:1.30.3' }, { name: 'b', image: 'busybox:1.28' }]),
    );
    expect(imageChanges(before, after)).toEqual([
      {
        before: 'docker.io/istio/pilot:1.29.6', after: 'docker.io/istio/pilot:1.30.3',
        where: [{ ref: 'Deployment/istio-system/istiod', container: 'discovery' }, { ref: 'Deployment/istio-system/ztunnel', container: 'init (init)' }],
      },
      { before: 'docker.io/istio/ztunnel:1.29.6', after: 'docker.io/istio/ztunnel:1.30.3', where: [{ ref: 'Deployment/istio-system/ztunnel', container: 'istio-proxy' }] },
      { after: 'docker.io/istio/agent:1.30.3', where: [{ ref: 'Deployment/istio-system/agent', container: 'a' }] },
      { before: 'example.com/legacy:1', where: [{ ref: 'Deployment/istio-system/legacy', container: 'x' }] },
    ]);
  });

  test('the injected proxy image comes from the injector ConfigMap\'s values, as the template builds it', () => {
    expect(injectedImage({ global: { hub: 'docker.io/istio', tag: '1.30.3', proxy: { image: 'proxyv2' } } }, 'proxy')).toBe('docker.io/istio/proxyv2:1.30.3');
    expect(injectedImage({ global: { hub: 'r.example.com/istio', tag: '1.30.3', variant: 'distroless' } }, 'proxy_init')).toBe('r.example.com/istio/proxyv2:1.30.3-distroless');
    expect(injectedImage({ global: { hub: 'x', tag: 1.3, proxy: { image: 'mirror.example.com/proxy:pinned' } } }, 'proxy')).toBe('mirror.example.com/proxy:pinned');
    expect(injectedImage({ global: { hub: 'x' } }, 'proxy')).toBeUndefined();

    // A gateway's `image: auto` is replaced by the injected image: it is listed with it.
    const gateway = deployment('istio-ingressgateway', [{ name: 'istio-proxy', image: 'auto' }], 'istio-ingress');
    const before = set(injectorConfigMap({ hub: 'docker.io/istio', tag: '1.29.6', proxy: { image: 'proxyv2' }, proxy_init: { image: 'proxyv2' } }), gateway);
    const after = set(injectorConfigMap({ hub: 'docker.io/istio', tag: '1.30.3', proxy: { image: 'proxyv2' }, proxy_init: { image: 'proxyv2' } }), gateway);
    expect(imageChanges(before, after)).toEqual([{
      before: 'docker.io/istio/proxyv2:1.29.6', after: 'docker.io/istio/proxyv2:1.30.3',
      where: [
        { ref: 'ConfigMap/istio-system/istio-sidecar-injector', container: 'injected istio-proxy (global.proxy)' },
        { ref: 'ConfigMap/istio-system/istio-sidecar-injector', container: 'injected istio-init (global.proxy_init)' },
        { ref: 'Deployment/istio-ingress/istio-ingressgateway', container: 'istio-proxy (image: auto)' },
      ],
    }]);
    // Without an injected image change, `auto` is no image change.
    expect(imageChanges(set(), set(gateway))).toEqual([]);
    // Another ConfigMap, or values that are not JSON, name no image.
    const other = { ...injectorConfigMap({ hub: 'a', tag: '1' }), metadata: { name: 'values', namespace: 'istio-system' } };
    const broken = { ...injectorConfigMap({}), data: { values: '{not json' } };
    expect(imageChanges(set(), set(other, broken))).toEqual([]);
  });

  test('an image splits into name and tag or digest, a registry port kept in the name', () => {
    expect(splitImage('docker.io/istio/pilot:1.30.3')).toEqual({ name: 'docker.io/istio/pilot', ref: '1.30.3' });
    expect(splitImage('localhost:5000/pilot')).toEqual({ name: 'localhost:5000/pilot', ref: '' });
    expect(splitImage('r.io/p@sha256:abc')).toEqual({ name: 'r.io/p', ref: 'sha256:abc' });
    // The report shows the name once when it stays, both images in full when it does not.
    expect(imageChangeText('docker.io/istio/pilot:1.29.6', 'docker.io/istio/pilot:1.30.3')).toEqual({ name: 'docker.io/istio/pilot', before: '1.29.6', after: '1.30.3' });
    expect(imageChangeText('docker.io/istio/pilot:1.29.6', 'mirror.example.com/pilot:1.30.3')).toEqual({ before: 'docker.io/istio/pilot:1.29.6', after: 'mirror.example.com/pilot:1.30.3' });
    // Added or removed: the name still heads the row (a Markdown table cell is never empty).
    expect(imageChangeText(undefined, 'busybox')).toEqual({ name: 'busybox', before: '(none)', after: '(no tag)' });
    expect(imageChangeText('docker.io/istio/proxyv2:1.29.6', undefined)).toEqual({ name: 'docker.io/istio/proxyv2', before: '1.29.6', after: '(none)' });
  });
});

describe('objects added and removed, by kind', () => {
  test('counted and named per kind; a kind two groups share is qualified', () => {
    const gw = (group: string, name: string) => ({ apiVersion: `${group}/v1`, kind: 'Gateway', metadata: { name, namespace: 'istio-ingress' } });
    const crd = (name: string) => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name } });
    const d = objectChangesByKind(
      set(ns('kept'), crd('old.istio.io'), gw('networking.istio.io', 'a')),
      set(ns('kept'), crd('trafficextensions.extensions.istio.io'), crd('new2.istio.io'), gw('gateway.networking.k8s.io', 'a')),
    );
    expect(d).toEqual([
      { kind: 'CustomResourceDefinition', added: ['trafficextensions.extensions.istio.io', 'new2.istio.io'], removed: ['old.istio.io'] },
      { kind: 'Gateway.gateway.networking.k8s.io', added: ['istio-ingress/a'], removed: [] },
      { kind: 'Gateway.networking.istio.io', added: [], removed: ['istio-ingress/a'] },
    ]);
  });
});

describe('CRD schema changes', () => {
  /** A CRD whose versions share `spec` (the schema of the resource's spec); versions can override it. */
  function crd(spec: Obj, versions: Obj[] = [{ name: 'v1', served: true, storage: true }, { name: 'v1beta1', served: true, storage: false }]): Obj {
    return {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'destinationrules.networking.istio.io' },
      spec: {
        group: 'networking.istio.io',
        versions: versions.map(v => ({ ...v, schema: { openAPIV3Schema: { type: 'object', properties: { spec: v.spec ?? spec } } }, spec: undefined })),
      },
    };
  }
  const obj = (properties: Obj, extra: Obj = {}) => ({ type: 'object', description: 'An object.', properties, ...extra });
  const str = (description = 'A string.') => ({ type: 'string', description });

  test('field paths added and removed, with their types; what came with a new field is counted, not listed', () => {
    const before = obj({ host: str(), trafficPolicy: obj({ tls: obj({ mode: str(), sni: str() }) }), subsets: { type: 'array', items: obj({ name: str() }) } });
    const after = obj({
      host: str('Reworded, which is not a change.'),
      trafficPolicy: obj({
        tls: obj({ mode: str(), insecureSkipVerify: { type: 'boolean', description: 'New.' } }),
        proxyProtocol: obj({ version: str(), extra: obj({ a: str() }) }),
      }),
      subsets: { type: 'array', items: obj({ name: str(), labels: { type: 'object', additionalProperties: { type: 'string' } } }) },
    });
    expect(schemaChanges({ properties: { spec: before } }, { properties: { spec: after } })).toEqual([
      { path: 'spec.trafficPolicy.tls.insecureSkipVerify', kind: 'added', type: 'boolean' },
      { path: 'spec.trafficPolicy.proxyProtocol', kind: 'added', type: 'object', nested: 3 },
      { path: 'spec.subsets[].labels', kind: 'added', type: 'map[string]string' },
      { path: 'spec.trafficPolicy.tls.sni', kind: 'removed', type: 'string' },
    ]);
  });

  test('a field\'s own schema changing (type, enum, validations, required) is named; descriptions are not', () => {
    const before = obj({ mode: { type: 'string', enum: ['A', 'B'] }, port: { type: 'integer' } }, { required: ['mode'] });
    const after = obj({
      mode: { type: 'string', enum: ['A', 'C'], description: 'now described' },
      port: { 'x-kubernetes-int-or-string': true, 'x-kubernetes-validations': [{ rule: 'self > 0', message: 'positive' }] },
    }, { required: ['mode', 'port'], description: 'Changed too.' });
    expect(schemaChanges(before, after)).toEqual([
      { path: '', kind: 'changed', details: ['required: added "port"'] },
      { path: 'mode', kind: 'changed', details: ['enum: added "C"; removed "B"'] },
      { path: 'port', kind: 'changed', details: ['type: "integer" → (unset)', 'x-kubernetes-int-or-string: (unset) → true', 'x-kubernetes-validations: (unset) → [{rule: self > 0, message: positive}]'] },
    ]);
    expect(typeText({ type: 'array', items: { type: 'object', additionalProperties: { type: 'integer' } } })).toBe('[]map[string]integer');
  });

  test('per version: added, removed, flags changed; versions with the same field changes are named together', () => {
    const spec = obj({ host: str() });
    const wider = obj({ host: str(), extra: str() });
    const before = crd(spec, [
      { name: 'v1', served: true, storage: false },
      { name: 'v1beta1', served: true, storage: true },
      { name: 'v1alpha3', served: true, storage: false },
    ]);
    const after = crd(wider, [
      { name: 'v1', served: true, storage: true },
      { name: 'v1beta1', served: true, storage: false },
      { name: 'v2', served: true, storage: false, spec },
    ]);
    const [change] = crdChanges(set(before), set(after));
    expect(change).toEqual({
      name: 'destinationrules.networking.istio.io',
      versions: [
        { version: 'v1', status: 'changed', flags: ['storage: false → true'], fields: [{ path: 'spec.extra', kind: 'added', type: 'string' }] },
        { version: 'v1beta1', status: 'changed', flags: ['storage: true → false'], fields: [{ path: 'spec.extra', kind: 'added', type: 'string' }], sameFieldsAs: 'v1' },
        { version: 'v2', status: 'added', flags: [], fields: [] },
        { version: 'v1alpha3', status: 'removed', flags: [], fields: [] },
      ],
    });
    // Descriptions alone: no change to report.
    expect(crdChanges(set(crd(obj({ host: str('a') }))), set(crd(obj({ host: str('b') }))))).toEqual([]);
  });

  test('a schema the object report summarises in one line is named field by field here', () => {
    const fields = (names: string[]) => obj(Object.fromEntries(names.map(n => [n, str()])));
    const before = istio('1.29.6', crd(fields(['a'])), 'base');
    const after = istio('1.30.3', crd(fields(['a', 'b', 'c', 'd', 'e', 'f', 'g'])), 'base');
    const u = analyseUpgrade(set(before), set(after))!;
    expect(u.crds[0].versions[0].fields.map(f => f.path)).toEqual(['spec.b', 'spec.c', 'spec.d', 'spec.e', 'spec.f', 'spec.g']);
  });
});

describe('webhook changes', () => {
  const rule = (resources: string[], operations = ['CREATE', 'UPDATE']) => ({ apiGroups: ['networking.istio.io'], apiVersions: ['*'], operations, resources });
  const webhook = (name: string, extra: Obj = {}) => ({
    name, admissionReviewVersions: ['v1'], sideEffects: 'None', failurePolicy: 'Ignore',
    clientConfig: { service: { name: 'istiod', namespace: 'istio-system', path: '/validate', port: 443 }, caBundle: 'AAA' },
    namespaceSelector: { matchExpressions: [{ key: 'istio.io/rev', operator: 'DoesNotExist' }] },
    rules: [rule(['gateways', 'sidecars'])],
    ...extra,
  });
  const config = (kind: string, name: string, webhooks: Obj[]) => ({ apiVersion: 'admissionregistration.k8s.io/v1', kind, metadata: { name }, webhooks });

  test('webhooks added and removed; rules, selectors, failurePolicy and service changes; the CA bundle ignored', () => {
    const before = set(
      config('ValidatingWebhookConfiguration', 'istio-validator', [webhook('validation.istio.io'), webhook('old.istio.io')]),
      config('MutatingWebhookConfiguration', 'unchanged', [webhook('m.istio.io')]),
    );
    const after = set(
      config('ValidatingWebhookConfiguration', 'istio-validator', [
        webhook('validation.istio.io', {
          failurePolicy: 'Fail',
          clientConfig: { service: { name: 'istiod-canary', namespace: 'istio-system', path: '/validate', port: 443 }, caBundle: 'BBB' },
          namespaceSelector: { matchExpressions: [{ key: 'istio.io/rev', operator: 'In', values: ['canary'] }] },
          rules: [rule(['gateways', 'sidecars']), rule(['*'], ['DELETE'])],
        }),
        webhook('new.istio.io'),
      ]),
      config('MutatingWebhookConfiguration', 'unchanged', [webhook('m.istio.io', { clientConfig: { service: { name: 'istiod', namespace: 'istio-system', path: '/validate', port: 443 }, caBundle: 'CCC' } })]),
      config('MutatingWebhookConfiguration', 'istio-revision-tag-default', [webhook('tag.istio.io')]),
    );
    expect(webhookChanges(before, after)).toEqual([
      {
        ref: 'ValidatingWebhookConfiguration/-/istio-validator',
        added: ['new.istio.io'],
        removed: ['old.istio.io'],
        changed: [{
          name: 'validation.istio.io',
          rulesAdded: ['DELETE on networking.istio.io/*/*'],
          rulesRemoved: [],
          fields: [
            'failurePolicy: "Ignore" → "Fail"',
            'clientConfig.service.name: "istiod" → "istiod-canary"',
            'namespaceSelector.matchExpressions[0].operator: "DoesNotExist" → "In"',
            'namespaceSelector.matchExpressions[0].values: added [canary]',
          ],
        }],
      },
      { ref: 'MutatingWebhookConfiguration/-/istio-revision-tag-default', status: 'added', added: ['tag.istio.io'], removed: [], changed: [] },
    ]);
  });

  test('a rule reads as operations on groups/versions/resources', () => {
    expect(ruleText({ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' })).toBe('CREATE on ""/v1/pods (scope Namespaced)');
    expect(ruleText(rule(['gateways', 'sidecars']))).toBe('CREATE, UPDATE on networking.istio.io/*/[gateways, sidecars]');
  });
});

describe('RBAC rule changes', () => {
  const role = (kind: string, name: string, rules: Obj[], namespace?: string) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: { name, ...(namespace ? { namespace } : {}) }, rules,
  });

  test('permissions added and removed, as verbs on group/resources; rules merely split or reordered are no change', () => {
    const before = set(
      role('ClusterRole', 'istiod', [
        { apiGroups: ['networking.istio.io', 'security.istio.io'], resources: ['*'], verbs: ['get', 'watch', 'list'] },
        { apiGroups: ['gateway.networking.x-k8s.io'], resources: ['xlistenersets/status'], verbs: ['update', 'patch'] },
        { apiGroups: [''], resources: ['configmaps'], resourceNames: ['istio-ca-root-cert'], verbs: ['get', 'update'] },
      ]),
      role('Role', 'gone', [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }], 'istio-system'),
    );
    const after = set(
      role('ClusterRole', 'istiod', [
        { apiGroups: ['security.istio.io'], resources: ['*'], verbs: ['list', 'watch', 'get'] },
        { apiGroups: ['networking.istio.io'], resources: ['*'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['gateway.networking.k8s.io'], resources: ['listenersets/status', 'gateways/status'], verbs: ['patch', 'update'] },
        { apiGroups: [''], resources: ['configmaps'], resourceNames: ['istio-ca-root-cert'], verbs: ['get', 'update', 'delete'] },
        { apiGroups: [''], resources: ['pods', 'services'], verbs: ['get'] },
      ]),
      role('ClusterRole', 'istio-reader', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]),
    );
    expect(rbacChanges(before, after)).toEqual([
      {
        ref: 'ClusterRole/-/istiod',
        added: [
          'update, patch on gateway.networking.k8s.io/[listenersets/status, gateways/status]',
          'delete on core/configmaps (names: istio-ca-root-cert)',
          'get on core/[pods, services]',
        ],
        removed: ['update, patch on gateway.networking.x-k8s.io/xlistenersets/status'],
      },
      { ref: 'ClusterRole/-/istio-reader', status: 'added', added: ['* on */*'], removed: [] },
      { ref: 'Role/istio-system/gone', status: 'removed', added: [], removed: ['get on /metrics'] },
    ]);
  });
});

describe('the report: npm run diff between two folders of different Istio versions', () => {
  const tmpDirs: string[] = [];
  afterAll(() => {
    for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  function folder(objects: Obj[]): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-upgrade-'));
    tmpDirs.push(dir);
    fs.writeFileSync(path.join(dir, '0001-istio.k8s.yaml'), objects.map(o => JSON.stringify(o)).join('\n---\n'));
    return dir;
  }

  function side(version: string, extra: Obj[]): Obj[] {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'telemetries.telemetry.istio.io' },
      spec: { versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: {
        type: 'object', properties: { tracing: { type: 'array', items: { type: 'object', properties: {
          ...(version === '1.30.3' ? { disableContextPropagation: { type: 'boolean', description: 'New.' } } : {}),
          randomSamplingPercentage: { type: 'number', description: `In ${version}.` },
        } } } },
      } } } } }] },
    };
    const clusterRole = {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'istiod' },
      rules: [version === '1.30.3'
        ? { apiGroups: ['gateway.networking.k8s.io'], resources: ['listenersets/status'], verbs: ['update', 'patch'] }
        : { apiGroups: ['gateway.networking.x-k8s.io'], resources: ['xlistenersets/status'], verbs: ['update', 'patch'] }],
    };
    return [
      istio(version, crd, 'base'),
      istio(version, injectorConfigMap({ hub: 'docker.io/istio', tag: version, proxy: { image: 'proxyv2' } })),
      istio(version, clusterRole),
      istio(version, deployment('istiod', [{ name: 'discovery', image: `docker.io/istio/pilot:${version}` }])),
      ...extra.map(o => istio(version, o)),
    ];
  }

  const webhook = (failurePolicy: string) => ({
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'istiod-default-validator' },
    webhooks: [{ name: 'validation.istio.io', failurePolicy, clientConfig: { service: { name: 'istiod', namespace: 'istio-system' } } }],
  });

  const run = (argv: string[]) => runCaptured((args, io) => diffCommand(args, io, { root: os.tmpdir() }), argv, { errorStatus: 2 });

  test('--markdown: the upgrade sections after the file table, the object report unchanged after them', async () => {
    const before = folder(side('1.29.6', [webhook('Ignore')]));
    const after = folder(side('1.30.3', [webhook('Fail'), { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'istio-reader', namespace: 'istio-system' } }]));
    const r = await run(['--markdown', before, after]);
    expect(r.status).toBe(1);
    const start = r.out.indexOf('#### Istio upgrade: `1.29.6` → `1.30.3`');
    const end = r.out.indexOf('Changes common to several objects (listed once, left out below):');
    expect(r.out.slice(0, 9)).toEqual([
      '### diff: 5 changed, 1 added, 0 removed, 0 moved',
      '',
      `\`${before}\` → \`${after}\`: 5 objects before, 6 after.`,
      '',
      '| file | changed | added | removed | moved |',
      '|---|--:|--:|--:|--:|',
      '| `0001-istio.k8s.yaml` | 5 | 1 | 0 | 0 |',
      '',
      '#### Istio upgrade: `1.29.6` → `1.30.3`',
    ]);
    expect(r.out.slice(start, end)).toEqual([
      '#### Istio upgrade: `1.29.6` → `1.30.3`',
      '',
      'Versions read from the chart labels of Istio objects. What the upgrade changes, section by section; the objects follow file by file below.',
      '',
      '##### Images',
      '',
      '| image | before | after | used by |',
      '|---|---|---|---|',
      '| `docker.io/istio/proxyv2` | `1.29.6` | `1.30.3` | `ConfigMap/istio-system/istio-sidecar-injector: injected istio-proxy (global.proxy), injected istio-init (global.proxy_init)` |',
      '| `docker.io/istio/pilot` | `1.29.6` | `1.30.3` | `Deployment/istio-system/istiod: discovery` |',
      '',
      '##### Objects added and removed',
      '',
      '| kind | added | removed |',
      '|---|---|---|',
      '| `ServiceAccount` | 1: `istio-system/istio-reader` | 0 |',
      '',
      '##### CRD schema changes',
      '',
      '- `telemetries.telemetry.istio.io`',
      '  - `v1`: 1 field added',
      '    - added `spec.tracing[].disableContextPropagation` (boolean)',
      '',
      '##### Webhook changes',
      '',
      '- `ValidatingWebhookConfiguration/-/istiod-default-validator`',
      '  - webhook changed `validation.istio.io`',
      '    - `failurePolicy: "Ignore" → "Fail"`',
      '',
      '##### RBAC rule changes',
      '',
      '- `ClusterRole/-/istiod`',
      '  - added `update, patch on gateway.networking.k8s.io/listenersets/status`',
      '  - removed `update, patch on gateway.networking.x-k8s.io/xlistenersets/status`',
      '',
    ]);
    // The object report follows as before.
    expect(r.out).toContain('| `metadata.labels["app.kubernetes.io/version"]: "1.29.6" → "1.30.3"` | 5 |');
    expect(r.out).toContain('#### `0001-istio.k8s.yaml`');
  });

  test('plain text: the same sections, one line each; sections without changes say so', async () => {
    const r = await run([folder(side('1.29.6', [webhook('Fail')])), folder(side('1.30.3', [webhook('Fail')]))]);
    expect(r.status).toBe(1);
    const start = r.out.indexOf('Istio upgrade: 1.29.6 → 1.30.3 (versions from the chart labels of Istio objects)');
    expect(start).toBe(3);
    expect(r.out.slice(start + 1, r.out.indexOf('changes common to several objects (listed once, left out below):'))).toEqual([
      '  images:',
      '    docker.io/istio/proxyv2: 1.29.6 → 1.30.3  (ConfigMap/istio-system/istio-sidecar-injector: injected istio-proxy (global.proxy), injected istio-init (global.proxy_init))',
      '    docker.io/istio/pilot: 1.29.6 → 1.30.3  (Deployment/istio-system/istiod: discovery)',
      '  objects added and removed:',
      '    none',
      '  CRD schemas:',
      '    telemetries.telemetry.istio.io',
      '      v1:',
      '        + spec.tracing[].disableContextPropagation (boolean)',
      '  webhooks:',
      '    none changed',
      '  RBAC rules:',
      '    ClusterRole/-/istiod',
      '      + update, patch on gateway.networking.k8s.io/listenersets/status',
      '      - update, patch on gateway.networking.x-k8s.io/xlistenersets/status',
      '',
    ]);
  });

  test('the same Istio version on both sides: no upgrade sections', async () => {
    const r = await run([folder(side('1.30.3', [webhook('Ignore')])), folder(side('1.30.3', [webhook('Fail')]))]);
    expect(r.status).toBe(1);
    expect(r.out.join('\n')).not.toContain('Istio upgrade');
    expect(r.out).toContain('      webhooks[name="validation.istio.io"].failurePolicy: "Ignore" → "Fail"');
  });
});
