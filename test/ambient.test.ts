import { checkManifestList } from '../lib/check/check';
import { formatViolation } from '../lib/check/violation';
import { Manifest } from '../lib/manifests';
import { PROJECT_ROOT } from '../lib/project-root';
import { MeshSettings, resolveSettings } from '../lib/settings';
import { lockedVersions, readLock } from '../lib/vendoring/lock';
import * as path from 'path';
import { App } from 'cdk8s';
import { IstioMesh } from '../lib/mesh';
import { prepareMesh } from '../lib/render/prepare-mesh';
import { vendoredCharts } from '../lib/vendoring/vendored';
import { fixtureVersions, syntheticRelease } from './fixtures/synthetic-release';
import { manifestsOf, podSpec, renderMesh, tempDir } from './render';

// Ambient mode and istio-cni on fixture settings (the locked release).
const V = readLock(PROJECT_ROOT).istioVersion;
const INFRA = { key: 'infra', operator: 'Exists' as const, effect: 'NoSchedule' as const };
const AMBIENT: MeshSettings = {
  istioVersion: V,
  mode: 'ambient',
  platform: 'k3s',
  scheduling: { nodeSelector: { pool: 'infra' }, tolerations: [INFRA] },
  gateways: [{ name: 'ingress', namespace: 'ingress', kind: 'ingress' }],
  appNamespaces: [{ name: 'shop', waypoint: true }, { name: 'cart' }, { name: 'legacy', dataplane: 'sidecar' }],
};

const find = (ms: Manifest[], kind: string, name: string, namespace?: string) =>
  ms.find(m => m.kind === kind && m.name === name && (namespace === undefined || m.namespace === namespace));

describe('ambient mode', () => {
  let manifests: Manifest[] = [];
  let files: string[] = [];
  beforeAll(async () => ({ manifests, files } = await renderMesh(AMBIENT)));

  test('Istio\'s install order: namespaces, CRDs (Istio\'s, then Gateway API\'s), istiod, istio-cni, ztunnel, gateways, app namespaces and waypoints', () => {
    expect(files).toEqual(['namespaces', 'istio-base', 'gateway-api', 'istiod', 'cni', 'ztunnel', 'gateways', 'apps', 'policy'].map((s, i) => `${String(i).padStart(4, '0')}-${s}.k8s.yaml`));
    const fileOf = (m: Manifest | undefined) => m?.file;
    expect(fileOf(find(manifests, 'CustomResourceDefinition', 'gateways.gateway.networking.k8s.io'))).toBe('0002-gateway-api.k8s.yaml');
    expect(fileOf(find(manifests, 'DaemonSet', 'istio-cni-node'))).toBe('0004-cni.k8s.yaml');
    expect(fileOf(find(manifests, 'DaemonSet', 'ztunnel'))).toBe('0005-ztunnel.k8s.yaml');
  });

  test('passes every check, the waypoint validated against the pinned Gateway API CRD', () => {
    const settings = resolveSettings(AMBIENT, lockedVersions(PROJECT_ROOT));
    expect(checkManifestList(manifests, settings).map(formatViolation)).toEqual([]);
  });

  test('sidecar namespaces of an ambient mesh get no istio-init: istio-cni runs there too', () => {
    const injectorValues = JSON.parse(find(manifests, 'ConfigMap', 'istio-sidecar-injector')!.object.data.values);
    expect(injectorValues.pilot.cni).toMatchObject({ enabled: true });
  });

  test('istiod runs its ambient profile; the node agents get the platform profile', () => {
    const env = podSpec(find(manifests, 'Deployment', 'istiod')!).containers[0].env;
    expect(env).toContainEqual({ name: 'PILOT_ENABLE_AMBIENT', value: 'true' });
    const cniConfig = JSON.stringify(find(manifests, 'DaemonSet', 'istio-cni-node')!.object);
    expect(cniConfig).toMatch(/rancher\/k3s/);
  });

  test('node agents keep the charts\' tolerate-all tolerations and linux selector, and get none of the mesh-wide scheduling', () => {
    for (const name of ['istio-cni-node', 'ztunnel']) {
      const spec = podSpec(find(manifests, 'DaemonSet', name)!);
      expect({ name, nodeSelector: spec.nodeSelector }).toEqual({ name, nodeSelector: { 'kubernetes.io/os': 'linux' } });
      expect(spec.tolerations).toEqual(expect.arrayContaining([expect.objectContaining({ operator: 'Exists', effect: 'NoSchedule' })]));
      expect(spec.tolerations).not.toContainEqual(INFRA);
    }
    expect(podSpec(find(manifests, 'Deployment', 'istiod')!).nodeSelector).toEqual({ pool: 'infra' });
  });

  test('ambient namespaces: the ambient label and no injection label; a waypoint and the label to use it; sidecar namespaces keep injection', () => {
    expect(find(manifests, 'Namespace', 'shop')!.object.metadata.labels).toEqual({ 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint' });
    expect(find(manifests, 'Namespace', 'cart')!.object.metadata.labels).toEqual({ 'istio.io/dataplane-mode': 'ambient' });
    expect(find(manifests, 'Namespace', 'legacy')!.object.metadata.labels).toEqual({ 'istio-injection': 'enabled' });
    const waypoint = find(manifests, 'Gateway', 'waypoint', 'shop')!;
    expect([waypoint.apiVersion, waypoint.file, waypoint.object.spec.gatewayClassName]).toEqual(['gateway.networking.k8s.io/v1', '0007-apps.k8s.yaml', 'istio-waypoint']);
    expect(find(manifests, 'Gateway', 'waypoint', 'cart')).toBeUndefined();
  });
});

describe('sidecar mode with istio-cni', () => {
  test('renders istio-cni (no ztunnel, no Gateway API unless asked) and tells the injector to leave out istio-init', async () => {
    const { manifests, files } = await renderMesh({ istioVersion: V, cni: true, gateways: [], appNamespaces: [{ name: 'shop' }] });
    expect(files).toEqual(['0000-namespaces.k8s.yaml', '0001-istio-base.k8s.yaml', '0002-istiod.k8s.yaml', '0003-cni.k8s.yaml', '0004-gateways.k8s.yaml', '0005-apps.k8s.yaml', '0006-policy.k8s.yaml']);
    expect(find(manifests, 'DaemonSet', 'ztunnel')).toBeUndefined();
    const injectorValues = JSON.parse(find(manifests, 'ConfigMap', 'istio-sidecar-injector')!.object.data.values);
    expect(injectorValues.pilot.cni).toMatchObject({ enabled: true });
  });

  test('on OpenShift, istio-cni and ztunnel run in kube-system (istiod trusts ztunnel there) and pass check with the Multus attachment', async () => {
    const settings: MeshSettings = { istioVersion: V, mode: 'ambient', platform: 'openshift', gateways: [] };
    const { manifests } = await renderMesh(settings);
    expect(manifests.filter(m => m.kind === 'DaemonSet').map(m => `${m.namespace}/${m.name}`).sort()).toEqual(['kube-system/istio-cni-node', 'kube-system/ztunnel']);
    expect(podSpec(find(manifests, 'Deployment', 'istiod')!).containers[0].env).toContainEqual(expect.objectContaining({ name: 'CA_TRUSTED_NODE_ACCOUNTS', value: 'kube-system/ztunnel' }));
    expect(checkManifestList(manifests, resolveSettings(settings, lockedVersions(PROJECT_ROOT))).map(formatViolation)).toEqual([]);
  });

  test('on GKE, istio-cni brings the ResourceQuota GKE needs and installs into GKE\'s CNI bin folder', async () => {
    const { manifests } = await renderMesh({ istioVersion: V, cni: true, platform: 'gke', gateways: [] });
    expect(manifests.filter(m => m.kind === 'ResourceQuota').map(m => `${m.namespace}/${m.name}`)).toEqual([expect.stringMatching(/^istio-system\//)]);
    const volumes = podSpec(find(manifests, 'DaemonSet', 'istio-cni-node')!).volumes.map((v: any) => v.hostPath?.path);
    expect(volumes).toContain('/home/kubernetes/bin');
    expect(volumes).not.toContain('/opt/cni/bin');
  });

});

describe('ambient with revisions side by side', () => {
  test('istiod is revisioned, the node agents are not: they follow the oldest revision (its version, its istiod), upgraded after the control plane', async () => {
    const t = tempDir('istio-cdk8s-ambient-');
    try {
      const { locked, older } = fixtureVersions();
      const charts = new Map([[older, syntheticRelease(t.dir, older)], [locked, vendoredCharts(PROJECT_ROOT, locked)]]);
      const [OLD_REV, NEW_REV] = [older, locked].map(v => v.replace(/\./g, '-'));
      const settings = resolveSettings({
        mode: 'ambient', gateways: [], appNamespaces: [{ name: 'shop' }],
        revisions: [{ name: OLD_REV, istioVersion: older }, { name: NEW_REV, istioVersion: locked }], tags: { default: NEW_REV, canary: NEW_REV },
      }, [older, locked]);
      const app = new App({ outdir: path.join(t.dir, 'never-written') });
      new IstioMesh(app, 'mesh', await prepareMesh(settings, { charts }));
      const { manifests } = manifestsOf(app);
      expect(manifests.filter(m => m.kind === 'Deployment' && m.namespace === 'istio-system').map(m => m.name).sort()).toEqual([`istiod-${NEW_REV}`, `istiod-${OLD_REV}`].sort());
      const ztunnel = find(manifests, 'DaemonSet', 'ztunnel')!;
      expect(ztunnel.object.metadata.labels['helm.sh/chart']).toBe(`ztunnel-${older}`);
      expect(podSpec(ztunnel).containers[0].env).toContainEqual({ name: 'XDS_ADDRESS', value: `istiod-${OLD_REV}.istio-system.svc:15012` });
      expect(find(manifests, 'DaemonSet', 'istio-cni-node')!.object.metadata.labels['helm.sh/chart']).toBe(`cni-${older}`);
      expect(checkManifestList(manifests, settings).map(formatViolation)).toEqual([]);
    } finally {
      t.cleanup();
    }
  });
});
