import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { Manifest, objectRef } from '../lib/manifests';
import { ExtendError, IstioMesh } from '../lib/mesh';
import { PROJECT_ROOT } from '../lib/project-root';
import { prepareMesh } from '../lib/render/prepare-mesh';
import { resolveSettings } from '../lib/settings';
import { manifestFilesOf, TreeValidationError } from '../lib/synth/write-manifests';
import { lockedVersions, readLock } from '../lib/vendoring/lock';
import { podSpec, renderMesh, tempDir } from './render';

// Kinds Kubernetes serves without a namespace (those the Istio charts use, and more).
const CLUSTER_SCOPED = new Set([
  'Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding',
  'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration',
  'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'PriorityClass', 'StorageClass',
]);

const CNI_TOLERATION = { key: 'cni.istio.io/not-ready', operator: 'Exists' };

// Product behaviour, on fixture settings (main.ts is tested generically in main.test.ts).
// One rendering exercises every setting below (each rendering runs helm per release).
describe('settings reach the rendered objects', () => {
  const infra = { key: 'infra', operator: 'Exists' as const, effect: 'NoSchedule' as const };
  let manifests: Manifest[] = [];
  beforeAll(async () => ({ manifests } = await renderMesh({
    istioVersion: readLock(PROJECT_ROOT).istioVersion,
    revision: 'canary',
    mtls: 'PERMISSIVE',
    appNamespaces: [{ name: 'shop', mtls: 'STRICT' }],
    scheduling: { nodeSelector: { pool: 'infra' }, tolerations: [infra] },
    componentScheduling: { gateways: { nodeSelector: { pool: 'edge' } } },
    gateways: [{ name: 'edge', namespace: 'edge-gw', kind: 'ingress', replicas: 3, serviceType: 'NodePort' }],
    images: { hub: 'registry.example.com/istio', tag: '1.30.3-distroless' },
    // A value the chart passes through untouched must still be merged, not clobbered.
    values: { istiod: { nodeSelector: { zone: 'a' } } },
  })));
  const find = (kind: string, name: string) => manifests.find(m => m.kind === kind && m.name === name)!;

  test('mTLS: the mesh-wide PeerAuthentication in istio-system and a namespace exception, typed, in the policy stage after the app namespaces', () => {
    const pa = manifests.filter(m => m.kind === 'PeerAuthentication').map(m => [m.file, m.namespace, m.name, m.object.spec.mtls.mode]);
    expect(pa).toEqual([
      ['0005-policy.k8s.yaml', 'istio-system', 'default', 'PERMISSIVE'],
      ['0005-policy.k8s.yaml', 'shop', 'default', 'STRICT'],
    ]);
  });

  test('a revision labels app namespaces istio.io/rev and names istiod after it', () => {
    expect(find('Namespace', 'shop').object.metadata.labels).toEqual({ 'istio.io/rev': 'canary' });
    expect(manifests.filter(m => m.kind === 'Deployment').map(m => m.name).sort()).toEqual(['edge', 'istiod-canary']);
  });

  test('per-component scheduling replaces the mesh-wide one for that component; patches merge with chart values', () => {
    const istiod = podSpec(find('Deployment', 'istiod-canary'));
    expect(istiod.nodeSelector).toEqual({ pool: 'infra', zone: 'a' });
    expect(istiod.tolerations).toEqual([CNI_TOLERATION, infra]);
    const gateway = podSpec(find('Deployment', 'edge'));
    expect(gateway.nodeSelector).toEqual({ pool: 'edge' });
    expect(gateway.tolerations).toEqual([infra]);
  });

  test('gateway replicas fix the count and drop the autoscaler; service type and namespace follow the settings', () => {
    expect(find('Deployment', 'edge').object.spec.replicas).toBe(3);
    expect(manifests.find(m => m.kind === 'HorizontalPodAutoscaler' && m.name === 'edge')).toBeUndefined();
    expect(find('Service', 'edge').object.spec.type).toBe('NodePort');
    expect(find('Namespace', 'edge-gw').file).toBe('0000-namespaces.k8s.yaml');
  });

  test('images override hub and tag of istiod and of the injected proxy', () => {
    expect(podSpec(find('Deployment', 'istiod-canary')).containers[0].image).toBe('registry.example.com/istio/pilot:1.30.3-distroless');
    const injectorValues = JSON.parse(find('ConfigMap', 'istio-sidecar-injector-canary').object.data.values);
    expect(injectorValues.global).toMatchObject({ hub: 'registry.example.com/istio', tag: '1.30.3-distroless' });
  });

  test('no cluster-scoped object has a namespace, every namespaced object has one', () => {
    for (const m of manifests) {
      if (CLUSTER_SCOPED.has(m.kind)) expect({ ref: objectRef(m), ns: m.object.metadata.namespace }).toEqual({ ref: objectRef(m), ns: undefined });
      else expect({ ref: objectRef(m), ns: m.namespace }).toEqual({ ref: objectRef(m), ns: expect.stringMatching(/^(istio-system|edge-gw|shop)$/) });
    }
  });

  test('webhooks start with failurePolicy Fail (no flip-flop drift under GitOps)', () => {
    const validating = manifests.filter(m => m.kind === 'ValidatingWebhookConfiguration');
    expect(validating.length).toBeGreaterThan(0);
    for (const v of validating) for (const hook of v.object.webhooks) expect(hook.failurePolicy).toBe('Fail');
  });

  test('gateway namespaces are not labelled istio-injection=disabled (the gateway image is filled in by injection)', () => {
    for (const ns of manifests.filter(m => m.kind === 'Namespace')) {
      expect(ns.object.metadata.labels?.['istio-injection']).not.toBe('disabled');
    }
    expect(podSpec(find('Deployment', 'edge')).containers[0].image).toBe('auto');
  });
});

describe('IstioMesh keeps cdk8s\'s construct contract', () => {
  const settings = { istioVersion: readLock(PROJECT_ROOT).istioVersion, appNamespaces: [{ name: 'shop' }] };

  test('it lives in a user\'s own App next to the user\'s own chart named like a stage, and app.synth() writes both', async () => {
    const t = tempDir();
    try {
      const app = new App({ outdir: t.dir });
      const own = new Chart(app, 'apps');
      new ApiObject(own, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mine', namespace: 'default' }, data: { a: 'b' } });
      new IstioMesh(app, 'mesh', await prepareMesh(resolveSettings(settings, lockedVersions(PROJECT_ROOT))));
      app.synth();
      const files = fs.readdirSync(t.dir).sort();
      // The user's chart keeps its name; the mesh's apps stage is its own file (cdk8s adds the construct path).
      const ownFile = files.find(f => /^\d{4}-apps\.k8s\.yaml$/.test(f))!;
      expect(fs.readFileSync(path.join(t.dir, ownFile), 'utf8')).toContain('name: mine');
      expect(files.filter(f => /^\d{4}-mesh-apps-[0-9a-f]+\.k8s\.yaml$/.test(f))).toHaveLength(1);
    } finally {
      t.cleanup();
    }
  });

  test('a release rendered without what a stage needs is a node validation, not an exception of the constructor', async () => {
    const props = await prepareMesh(resolveSettings({ ...settings, mesh: { id: 'm', clusterName: 'c', network: 'n1' }, gateways: [{ name: 'ew', namespace: 'istio-system', kind: 'eastwest' }] }, lockedVersions(PROJECT_ROOT)));
    const withoutDeployment = { ...props.releases.gateways[0], documents: props.releases.gateways[0].documents.filter((d: any) => d?.kind !== 'Deployment') };
    const app = new App({ outdir: path.join(os.tmpdir(), 'never-written') });
    const mesh = new IstioMesh(app, 'mesh', { ...props, releases: { ...props.releases, gateways: [withoutDeployment] } });
    expect(mesh.stages.policy).toBeDefined();
    expect(() => manifestFilesOf(app)).toThrow(TreeValidationError);
    expect(() => manifestFilesOf(app)).toThrow(/\[mesh\/policy\/ew-cross-network\] eastwest gateway ew rendered no Deployment with a selector \(check its values\)/);
  });

  test('an exception of extend() reaches the caller as an ExtendError carrying it', async () => {
    const boom = new Error('no such team');
    const props = await prepareMesh(resolveSettings(settings, lockedVersions(PROJECT_ROOT)), { extend: () => { throw boom; } });
    const app = new App({ outdir: path.join(os.tmpdir(), 'never-written') });
    let thrown: unknown;
    try {
      new IstioMesh(app, 'mesh', props);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ExtendError);
    expect((thrown as ExtendError).cause).toBe(boom);
  });
});
