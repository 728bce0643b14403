import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_ROOT } from '../lib/project-root';
import { MeshSettings, resolveSettings } from '../lib/settings';
import { generateSettingsValidator, recordedTypesDigest, SCHEMA_FILE, TYPES_FILE, typesDigest, VALIDATOR_FILE } from '../tools/settings-schema';
import { UserError } from '../lib/user-error';
import { tempDir } from './render';

const LOCKED = '1.30.3';
const ok: MeshSettings = { istioVersion: LOCKED };

function problemsOf(settings: MeshSettings): string {
  try {
    resolveSettings(settings, LOCKED);
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('expected the settings to be rejected');
}

describe('resolveSettings', () => {
  test('fills in the defaults: kube 1.33.0, ingress LoadBalancer and egress ClusterIP gateways', () => {
    const r = resolveSettings(ok, LOCKED);
    expect(r.kubeVersion).toBe('1.33.0');
    expect(r.revisions.map(rev => [rev.name, rev.istioVersion, rev.tags])).toEqual([['', LOCKED, []]]);
    expect(r.defaultRevision).toBe('default');
    expect(r.gateways.map(g => [g.name, g.namespace, g.kind, g.serviceType])).toEqual([
      ['istio-ingressgateway', 'istio-ingress', 'ingress', 'LoadBalancer'],
      ['istio-egressgateway', 'istio-egress', 'egress', 'ClusterIP'],
    ]);
    expect(r.istiodScheduling).toEqual({ nodeSelector: {}, tolerations: [] });
  });

  test('component scheduling replaces the mesh-wide field it sets, and only that one', () => {
    const r = resolveSettings({
      ...ok,
      scheduling: { nodeSelector: { pool: 'infra' }, tolerations: [{ key: 'infra', operator: 'Exists' }] },
      componentScheduling: { istiod: { nodeSelector: { pool: 'control' } } },
    }, LOCKED);
    expect(r.istiodScheduling).toEqual({ nodeSelector: { pool: 'control' }, tolerations: [{ key: 'infra', operator: 'Exists' }] });
    expect(r.gateways[0].scheduling).toEqual({ nodeSelector: { pool: 'infra' }, tolerations: [{ key: 'infra', operator: 'Exists' }] });
  });

  // Each case: the settings, and what the one error must say (field, bad value, rule).
  const cases: Array<[string, MeshSettings, RegExp]> = [
    ['a version the lock does not pin', { istioVersion: '1.29.6' },
      /istioVersion: "1\.29\.6" is not pinned in vendor\/charts\.lock\.json \(it pins 1\.30\.3\): run `npm run vendor`/],
    ['neither istioVersion nor revisions', {} as MeshSettings, /istioVersion: undefined is required \(or revisions, for the canary form\)/],
    ['a revision of a namespace in the single-revision form', { ...ok, appNamespaces: [{ name: 'shop', revision: 'x' }] },
      /appNamespaces\[0\]\.revision: "x" is only for the canary form/],
    ['tags in the single-revision form', { ...ok, tags: { default: 'x' } }, /tags: \{"default":"x"\} are only for the canary form/],
    ['a malformed kube version', { ...ok, kubeVersion: '1.33' }, /kubeVersion: "1\.33" must be a Kubernetes version/],
    ['a kube version Istio 1.30 does not support', { ...ok, kubeVersion: '1.31.4' }, /kubeVersion: "1\.31\.4" is too old for Istio 1\.30\.3, which needs Kubernetes 1\.32/],
    ['an app namespace that is not an RFC 1123 label', { ...ok, appNamespaces: [{ name: 'Shop_1' }] },
      /appNamespaces\[0\]\.name: "Shop_1" is not a valid name \(RFC 1123 label/],
    ['a gateway namespace longer than 63 characters', { ...ok, gateways: [{ name: 'gw', namespace: 'a'.repeat(64), kind: 'ingress' }] },
      /gateways\[0\]\.namespace: "a{64}" is not a valid name/],
    ['a label key with an invalid prefix', { ...ok, appNamespaces: [{ name: 'shop', labels: { 'Bad_Prefix/team': 'x' } }] },
      /appNamespaces\[0\]\.labels key: "Bad_Prefix\/team" has an invalid prefix/],
    ['a label value with a space', { ...ok, appNamespaces: [{ name: 'shop', labels: { team: 'two words' } }] },
      /appNamespaces\[0\]\.labels\["team"\]: "two words" is not a valid label value/],
    ['a node selector key that is not a label key', { ...ok, scheduling: { nodeSelector: { '-pool': 'infra' } } },
      /scheduling\.nodeSelector key: "-pool" is not a valid label key/],
    ['an unknown toleration operator', { ...ok, scheduling: { tolerations: [{ key: 'infra', operator: 'Equals' as any }] } },
      /scheduling\.tolerations\[0\]\.operator: "Equals" must be one of Exists, Equal/],
    ['an unknown toleration effect', { ...ok, scheduling: { tolerations: [{ key: 'infra', operator: 'Exists', effect: 'NoRun' as any }] } },
      /scheduling\.tolerations\[0\]\.effect: "NoRun" must be one of NoSchedule, PreferNoSchedule, NoExecute/],
    ['a value with operator Exists', { ...ok, componentScheduling: { gateways: { tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }] } } },
      /componentScheduling\.gateways\.tolerations\[0\]\.value: "v" must be empty when the operator is Exists/],
    ['an empty key with operator Equal', { ...ok, scheduling: { tolerations: [{ value: 'v' }] } },
      /scheduling\.tolerations\[0\]\.operator: "Equal" must be Exists when the key is empty/],
    ['tolerationSeconds without NoExecute', { ...ok, scheduling: { tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 30 }] } },
      /tolerationSeconds: 30 is only allowed with effect NoExecute/],
    ['two gateways with one name', { ...ok, gateways: [{ name: 'gw', namespace: 'a', kind: 'ingress' }, { name: 'gw', namespace: 'b', kind: 'egress' }] },
      /gateways\[1\]\.name: "gw" is used by another gateway/],
    ['an unknown gateway kind', { ...ok, gateways: [{ name: 'gw', namespace: 'gw', kind: 'sideways' as any }] },
      /gateways\[0\]\.kind: "sideways" must be one of ingress, egress/],
    ['an unknown service type', { ...ok, gateways: [{ name: 'gw', namespace: 'gw', kind: 'ingress', serviceType: 'External' as any }] },
      /gateways\[0\]\.serviceType: "External" must be one of ClusterIP, NodePort, LoadBalancer/],
    ['zero replicas', { ...ok, gateways: [{ name: 'gw', namespace: 'gw', kind: 'ingress', replicas: 0 }] },
      /gateways\[0\]\.replicas: 0 must be a whole number of at least 1/],
    ['a gateway namespace labelled istio-injection=disabled', { ...ok, gateways: [{ name: 'gw', namespace: 'gw', kind: 'ingress', namespaceLabels: { 'istio-injection': 'disabled' } }] },
      /gateways\[0\]\.namespaceLabels\["istio-injection"\]: "disabled" is not allowed: gateway pods use image "auto"/],
    ['two gateways disagreeing on their namespace labels', { ...ok, gateways: [
      { name: 'a', namespace: 'gw', kind: 'ingress', namespaceLabels: { zone: 'a' } },
      { name: 'b', namespace: 'gw', kind: 'egress', namespaceLabels: { zone: 'b' } }] },
    /gateways\[1\]\.namespaceLabels\["zone"\]: "b" conflicts with "a"/],
    ['an app namespace that is istio-system', { ...ok, appNamespaces: [{ name: 'istio-system' }] },
      /appNamespaces\[0\]\.name: "istio-system" is an Istio namespace/],
    ['an app namespace that is a gateway namespace', { ...ok, appNamespaces: [{ name: 'istio-ingress' }] },
      /appNamespaces\[0\]\.name: "istio-ingress" is an Istio namespace/],
    ['an app namespace listed twice', { ...ok, appNamespaces: [{ name: 'shop' }, { name: 'shop' }] },
      /appNamespaces\[1\]\.name: "shop" is listed twice/],
    ['an app namespace setting the managed injection label', { ...ok, appNamespaces: [{ name: 'shop', labels: { 'istio.io/rev': 'canary' } }] },
      /appNamespaces\[0\]\.labels\["istio\.io\/rev"\]: "canary" is managed by this project/],
    ['an app namespace labelled out of the mesh', { ...ok, appNamespaces: [{ name: 'shop', labels: { 'istio-injection': 'disabled' } }] },
      /appNamespaces\[0\]\.labels\["istio-injection"\]: "disabled" would take the namespace out of the mesh.*to leave a namespace out, remove it from appNamespaces/],
    ['kube-system as an app namespace', { ...ok, appNamespaces: [{ name: 'kube-system' }] },
      /appNamespaces\[0\]\.name: "kube-system" is a Kubernetes system namespace/],
    ['kube-node-lease as a gateway namespace', { ...ok, gateways: [{ name: 'gw', namespace: 'kube-node-lease', kind: 'ingress' }] },
      /gateways\[0\]\.namespace: "kube-node-lease" is a Kubernetes system namespace/],
    ['a gateway name longer than a helm release name may be', { ...ok, gateways: [{ name: `gw-${'a'.repeat(57)}`, namespace: 'gw', kind: 'ingress' }] },
      /gateways\[0\]\.name: "gw-a{57}" is 60 characters long: at most 53, since it is the gateway's Helm release name/],
    ['a gateway name that is no Service name', { ...ok, gateways: [{ name: '1gw', namespace: 'gw', kind: 'ingress' }] },
      /gateways\[0\]\.name: "1gw" is not a valid gateway name \(RFC 1035 label/],
    ['a revision too long for istiod-<revision>', { ...ok, revision: 'r'.repeat(47) },
      /revision: "r{47}" is 47 characters long: at most 46, since istiod's Helm release is istiod-<revision>/],
    ['a gateway named like istiod in istio-system', { ...ok, gateways: [{ name: 'istiod', namespace: 'istio-system', kind: 'egress' }] },
      /gateways\[0\]\.name: "istiod" collides with istiod's objects of that name in istio-system/],
    ['a gateway value that serviceType owns', { ...ok, gateways: [{ name: 'gw', namespace: 'gw', kind: 'egress', values: { service: { type: 'NodePort' } } }] },
      /gateways\[0\]\.values\.service\.type: "NodePort" is set by serviceType in the settings; use that instead of values/],
    ['an istiod value that revision owns', { ...ok, values: { istiod: { revision: 'x' } } },
      /values\.istiod\.revision: "x" is set by revision in the settings/],
    ['a mistyped top-level setting', { ...ok, appNamespace: [{ name: 'shop' }] } as MeshSettings,
      /appNamespace: unknown setting; did you mean appNamespaces\?/],
    ['a mistyped nested setting', { ...ok, gateways: [{ name: 'gw', namespace: 'gw', kind: 'ingress', namesapce: 'x' }] } as unknown as MeshSettings,
      /gateways\[0\]\.namesapce: unknown setting; did you mean namespace\?/],
    ['an unknown setting with nothing near it', { ...ok, scheduling: { affinity: {} } } as unknown as MeshSettings,
      /scheduling\.affinity: unknown setting; known settings here: nodeSelector, tolerations/],
    ['a number where a string belongs', { ...ok, kubeVersion: 1.33 } as unknown as MeshSettings,
      /kubeVersion: 1\.33 must be a string/],
    ['a map where a list belongs', { ...ok, appNamespaces: { shop: {} } } as unknown as MeshSettings,
      /appNamespaces: a map must be a list/],
    ['a missing required field', { ...ok, gateways: [{ name: 'gw', kind: 'ingress' }] } as unknown as MeshSettings,
      /gateways\[0\]\.namespace: is required/],
    ['a label value that is not a string', { ...ok, appNamespaces: [{ name: 'shop', labels: { tier: 1 } }] } as unknown as MeshSettings,
      /appNamespaces\[0\]\.labels\.tier: 1 must be a string/],
    ['an invalid revision', { ...ok, revision: '1.30' }, /revision: "1\.30" is not a valid name/],
    ['the image tag latest', { ...ok, images: { tag: 'latest' } }, /images\.tag: "latest" must be a pinned image tag/],
    ['an image hub with a trailing slash', { ...ok, images: { hub: 'registry.example.com/' } }, /images\.hub: "registry\.example\.com\/" must be a registry path/],
  ];

  test.each(cases)('rejects %s', (_name, settings, expected) => {
    const message = problemsOf(settings);
    expect(message).toMatch(/^invalid settings \(main\.ts\):\n {2}- /);
    expect(message).toMatch(expected);
  });

  test('settings that are not a map at all are named as such', () => {
    expect(problemsOf([] as unknown as MeshSettings)).toMatch(/^invalid settings \(main\.ts\):\n {2}- settings: a list must be a map/);
  });

  test('a field with the wrong shape gets one message, not one per rule', () => {
    const message = problemsOf({ ...ok, gateways: [{ name: 7, namespace: 'gw', kind: 'ingress' }] } as unknown as MeshSettings);
    expect(message.split('\n').filter(l => l.startsWith('  - '))).toEqual(['  - gateways[0].name: 7 must be a string']);
  });

  test('reports every problem at once, one line each', () => {
    expect(problemsOf({ ...ok, kubeVersion: 'x', appNamespaces: [{ name: 'A' }], revision: 'B' }).split('\n').filter(l => l.startsWith('  - '))).toHaveLength(3);
  });
});

describe('resolveSettings, canary form (revisions and tags)', () => {
  // Fixture versions: validation only compares them with the locked list given here.
  const OLD = '1.29.6';
  const NEW = '1.30.3';
  const both = [OLD, NEW];
  const canary: MeshSettings = {
    revisions: [{ name: '1-29-6', istioVersion: OLD }, { name: '1-30-3', istioVersion: NEW }],
    tags: { default: '1-29-6', canary: '1-30-3' },
    appNamespaces: [{ name: 'shop', revision: 'canary' }, { name: 'cart' }, { name: 'pay', revision: '1-29-6' }],
    gateways: [{ name: 'in', namespace: 'in', kind: 'ingress', revision: 'canary' }, { name: 'out', namespace: 'out', kind: 'egress' }],
  };
  const problems = (settings: MeshSettings, locked: readonly string[] = both) => {
    try {
      resolveSettings(settings, locked);
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('expected the settings to be rejected');
  };

  test('resolves one istiod per revision with the tags that point at it, labels and gateway versions', () => {
    const r = resolveSettings(canary, both);
    expect(r.revisions.map(rev => [rev.name, rev.istioVersion, rev.tags])).toEqual([['1-29-6', OLD, ['default']], ['1-30-3', NEW, ['canary']]]);
    expect([r.istioVersion, r.istioVersions, r.defaultRevision]).toEqual([NEW, both, '1-29-6']);
    expect(r.appNamespaces.map(ns => [ns.name, ns.labels])).toEqual([
      ['shop', { 'istio.io/rev': 'canary' }], ['cart', { 'istio-injection': 'enabled' }], ['pay', { 'istio.io/rev': '1-29-6' }],
    ]);
    expect(r.gateways.map(g => [g.name, g.revision, g.istioVersion])).toEqual([['in', 'canary', NEW], ['out', '', OLD]]);
  });

  const cases: Array<[string, MeshSettings, RegExp, readonly string[]]> = [
    ['a tag pointing nowhere', { ...canary, tags: { default: '1-29-6', canary: '1-31-0' } }, /tags\["canary"\]: "1-31-0" points at no revision \(revisions: 1-29-6, 1-30-3\)/, both],
    ['no default tag', { ...canary, tags: { canary: '1-30-3' }, appNamespaces: [], gateways: [] }, /tags: \{"canary":"1-30-3"\} need a "default" tag/, both],
    ['a namespace naming an unknown revision or tag', { ...canary, appNamespaces: [{ name: 'shop', revision: 'blue' }] }, /appNamespaces\[0\]\.revision: "blue" names no revision or tag \(known: 1-29-6, 1-30-3, default, canary\)/, both],
    ['a gateway naming an unknown revision or tag', { ...canary, gateways: [{ name: 'gw', namespace: 'gw', kind: 'ingress', revision: 'green' }] }, /gateways\[0\]\.revision: "green" names no revision or tag/, both],
    ['a tag named like a revision', { ...canary, tags: { default: '1-29-6', '1-30-3': '1-30-3' } }, /tags key: "1-30-3" is also a revision name/, both],
    ['two revisions of one version', { ...canary, revisions: [{ name: 'a', istioVersion: OLD }, { name: 'b', istioVersion: OLD }], tags: { default: 'a' }, appNamespaces: [], gateways: [] }, /revisions\[1\]\.istioVersion: "1\.29\.6" is also revision a's/, both],
    ['revisions more than two minor versions apart', { revisions: [{ name: 'old', istioVersion: '1.27.0' }, { name: 'new', istioVersion: NEW }], tags: { default: 'old' } }, /revisions: \["1\.27\.0","1\.30\.3"\] span more than 2 minor versions/, ['1.27.0', NEW]],
    ['istioVersion beside revisions', { ...canary, istioVersion: NEW }, /istioVersion: "1\.30\.3" must not be given with revisions/, both],
    ['a revision named default', { ...canary, revisions: [{ name: 'default', istioVersion: OLD }], tags: { default: 'default' }, appNamespaces: [], gateways: [] }, /revisions\[0\]\.name: "default" is reserved for the default tag/, both],
    ['a revision version the lock does not pin', canary, /revisions\[0\]\.istioVersion: "1\.29\.6" is not pinned/, [NEW]],
    ['one image tag for two versions', { ...canary, images: { tag: NEW } }, /images\.tag: "1\.30\.3" fits one Istio version only/, both],
    ['a gateway namespace labelled for another injector', { ...canary, gateways: [{ name: 'gw', namespace: 'gw', kind: 'ingress', revision: 'canary', namespaceLabels: { 'istio.io/rev': '1-29-6' } }] }, /gateways\[0\]\.namespaceLabels\["istio\.io\/rev"\]: "1-29-6" would choose the injector of the gateway's namespace/, both],
    ['a gateway pod label that revision owns', { ...canary, gateways: [{ name: 'gw', namespace: 'gw', kind: 'ingress', values: { labels: { 'istio.io/rev': '1-29-6' } } }] }, /gateways\[0\]\.values\.labels\["istio\.io\/rev"\]: "1-29-6" is set by revision/, both],
    ['revision and tag names whose objects collide', { ...canary, revisions: [...canary.revisions!, { name: 'revision-tag-canary', istioVersion: '1.30.0' }] }, /give two objects the same name istiod-revision-tag-canary/, [...both, '1.30.0']],
    ['revisionTags set through values', { ...canary, revisions: [{ name: '1-29-6', istioVersion: OLD, values: { revisionTags: ['x'] } }, { name: '1-30-3', istioVersion: NEW }] }, /revisions\[0\]\.values\.revisionTags: \["x"\] is set by tags/, both],
  ];
  test.each(cases)('rejects %s', (_name, settings, expected, locked) => {
    const message = problems(settings, locked);
    expect(message).toMatch(/^invalid settings \(main\.ts\):\n {2}- /);
    expect(message).toMatch(expected);
  });
});

describe('resolveSettings, ambient mode and istio-cni', () => {
  const V = '1.30.3';
  const ambient: MeshSettings = {
    istioVersion: V, mode: 'ambient', platform: 'k3s',
    appNamespaces: [{ name: 'shop', waypoint: true }, { name: 'legacy', dataplane: 'sidecar' }],
  };
  const problems = (settings: MeshSettings, locked: readonly string[] = [V]) => {
    try {
      resolveSettings(settings, locked);
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('expected the settings to be rejected');
  };

  test('ambient: istio-cni and ztunnel, Gateway API CRDs, ambient and waypoint labels; sidecar namespaces keep injection', () => {
    const r = resolveSettings(ambient, [V]);
    expect([r.mode, r.platform, r.gatewayApi, r.nodeAgents.cni, r.nodeAgents.ztunnel, r.nodeAgents.istioVersion]).toEqual(['ambient', 'k3s', true, true, true, V]);
    expect(r.appNamespaces.map(ns => [ns.name, ns.labels, ns.waypoint])).toEqual([
      ['shop', { 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint' }, true],
      ['legacy', { 'istio-injection': 'enabled' }, false],
    ]);
    expect(r.nodeAgents.scheduling).toEqual({ nodeSelector: {}, tolerations: [] });
  });

  test('sidecar mode: no node agents and no Gateway API unless asked; cni: true adds istio-cni only', () => {
    const plain = resolveSettings({ istioVersion: V }, [V]);
    expect([plain.mode, plain.gatewayApi, plain.nodeAgents.cni, plain.nodeAgents.ztunnel]).toEqual(['sidecar', false, false, false]);
    const withCni = resolveSettings({ istioVersion: V, cni: true, gatewayApi: true }, [V]);
    expect([withCni.gatewayApi, withCni.nodeAgents.cni, withCni.nodeAgents.ztunnel]).toEqual([true, true, false]);
  });

  test('the mesh-wide scheduling never reaches node agents; componentScheduling.nodeAgents does', () => {
    const r = resolveSettings({ ...ambient, scheduling: { nodeSelector: { pool: 'infra' } }, componentScheduling: { nodeAgents: { nodeSelector: { mesh: 'yes' } } } }, [V]);
    expect(r.nodeAgents.scheduling).toEqual({ nodeSelector: { mesh: 'yes' }, tolerations: [] });
    expect(r.istiodScheduling.nodeSelector).toEqual({ pool: 'infra' });
  });

  const cases: Array<[string, MeshSettings, RegExp, readonly string[]]> = [
    ['cni off in ambient mode', { ...ambient, cni: false }, /cni: false cannot be off in ambient mode/, [V]],
    ['an ambient namespace in a sidecar mesh', { istioVersion: V, appNamespaces: [{ name: 'a', dataplane: 'ambient' }] }, /appNamespaces\[0\]\.dataplane: "ambient" needs ztunnel on every node: set mode: 'ambient'/, [V]],
    ['a waypoint for a sidecar namespace', { ...ambient, appNamespaces: [{ name: 'a', dataplane: 'sidecar', waypoint: true }] }, /appNamespaces\[0\]\.waypoint: true serves ambient workloads only/, [V]],
    ['a waypoint without the Gateway API CRDs', { ...ambient, gatewayApi: false }, /appNamespaces\[0\]\.waypoint: true is a Gateway API Gateway: it needs gatewayApi/, [V]],
    ['an ambient namespace naming a revision', { revisions: [{ name: 'r1', istioVersion: V }], tags: { default: 'r1' }, mode: 'ambient', appNamespaces: [{ name: 'a', revision: 'r1' }] }, /appNamespaces\[0\]\.revision: "r1" selects a sidecar injector: ambient namespaces have no sidecars/, [V]],
    ['the ambient label set by hand', { ...ambient, appNamespaces: [{ name: 'a', labels: { 'istio.io/dataplane-mode': 'none' } }] }, /labels\["istio\.io\/dataplane-mode"\]: "none" is managed by this project \(set dataplane or waypoint/, [V]],
    ['ambient switched on through values', { istioVersion: V, values: { istiod: { global: { profile: 'ambient' } } } }, /values\.istiod\.global\.profile: "ambient" is set by mode/, [V]],
    ['the ambient label on a gateway namespace', { ...ambient, gateways: [{ name: 'gw', namespace: 'gw', kind: 'ingress', namespaceLabels: { 'istio.io/dataplane-mode': 'ambient' } }] }, /gateways\[0\]\.namespaceLabels\["istio\.io\/dataplane-mode"\]: "ambient" is managed by this project/, [V]],
    ['an unknown platform', { ...ambient, platform: 'eks' as any }, /platform: "eks" must be one of gke, k3d, k3s, microk8s, minikube, openshift/, [V]],
    ['node agents beside revisions two minors apart', { revisions: [{ name: 'a', istioVersion: '1.28.0' }, { name: 'b', istioVersion: V }], tags: { default: 'b' }, mode: 'ambient' }, /revisions: \["1\.28\.0","1\.30\.3"\] span more than 1 minor version beside ztunnel and istio-cni/, ['1.28.0', V]],
  ];
  test.each(cases)('rejects %s', (_name, settings, expected, locked) => {
    expect(problems(settings, locked)).toMatch(expected);
  });
});

describe('reporting', () => {
  test('reports every problem at once, one line each (single form)', () => {
    const message = problemsOf({ ...ok, kubeVersion: 'x', appNamespaces: [{ name: 'A' }], revision: 'B' });
    expect(message.split('\n').filter(l => l.startsWith('  - '))).toHaveLength(3);
  });
});

// Generating the schema takes the TypeScript compiler (~2 s): CI does it in full with
// `npm run settings-schema -- --check`; here the digest it records stands for it.
test('the committed settings schema was generated from the TypeScript types as they are (npm run settings-schema)', () => {
  const schema = fs.readFileSync(path.join(PROJECT_ROOT, SCHEMA_FILE), 'utf8');
  expect(recordedTypesDigest(schema)).toBe(typesDigest());
});

test('the committed validator is the committed schema compiled', () => {
  const schema = fs.readFileSync(path.join(PROJECT_ROOT, SCHEMA_FILE), 'utf8');
  expect(fs.readFileSync(path.join(PROJECT_ROOT, VALIDATOR_FILE), 'utf8')).toBe(generateSettingsValidator(schema));
});

test('any edit of the types changes the digest, so the committed schema reads as stale', () => {
  const t = tempDir();
  try {
    fs.mkdirSync(path.join(t.dir, 'lib', 'settings'), { recursive: true });
    const types = fs.readFileSync(path.join(PROJECT_ROOT, TYPES_FILE), 'utf8');
    fs.writeFileSync(path.join(t.dir, TYPES_FILE), types);
    expect(typesDigest(t.dir)).toBe(typesDigest());
    fs.writeFileSync(path.join(t.dir, TYPES_FILE), types.replace(/(export interface MeshSettings \{)/, '$1\n  readonly addedByATest?: string;'));
    expect(typesDigest(t.dir)).not.toBe(typesDigest());
  } finally {
    t.cleanup();
  }
});
