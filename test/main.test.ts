import { createHash } from 'crypto';
import { checkManifestList } from '../lib/check/check';
import { formatViolation } from '../lib/check/violation';
import * as path from 'path';
import { Manifest, objectRef, readManifests } from '../lib/manifests';
import { ClusterDefinition, clustersOf, readProject } from '../lib/project/definition';
import { PROJECT_ROOT } from '../lib/project-root';
import { ISTIO_NAMESPACE, resolveSettings } from '../lib/settings';
import { lockedVersions } from '../lib/vendoring/lock';
import * as mainTs from '../main';
import { podSpec, renderMesh } from './render';

// What is specific to this repository: main.ts → dist/ (dist/<cluster>/ for each cluster of
// a fleet). Every expectation is computed from main.ts's own settings, never from its
// sample values, so any edit that synth accepts, followed by `npx jest -u` (for the
// snapshots), keeps this file green.
const project = readProject(mainTs);
const clusters = clustersOf(project);

/** The output folder of a cluster, below the project. */
const folderOf = (c: ClusterDefinition) => (c.name === undefined ? 'dist' : path.join('dist', c.name));

describe.each(clusters.map(c => [c.name === undefined ? 'the mesh of main.ts' : `cluster ${c.name} of main.ts`, c] as const))('%s', (_title, cluster) => {
const settings = resolveSettings(cluster.settings, lockedVersions(PROJECT_ROOT), cluster.name);
let manifests: Manifest[] = [];
let files: string[] = [];
beforeAll(async () => ({ manifests, files } = await renderMesh(cluster.settings, project.extend, cluster.name)));
const byRef = (kind: string, namespace: string, name: string) => manifests.find(m => m.kind === kind && m.namespace === namespace && m.name === name);
const raw = cluster.settings;
const ambient = raw.mode === 'ambient';
/** The stages the cluster's settings call for, in apply order (computed from the settings, not the sample). */
const STAGES = [
  'namespaces', 'istio-base',
  ...((raw.gatewayApi ?? ambient) ? ['gateway-api'] : []),
  'istiod',
  ...(ambient || raw.cni === true ? ['cni'] : []),
  ...(ambient ? ['ztunnel'] : []),
  'gateways', 'apps', 'policy',
  ...(project.extend ? ['custom'] : []),
];
const fileOf = (stage: string) => `${String(STAGES.indexOf(stage)).padStart(4, '0')}-${stage}.k8s.yaml`;

describe('its stages and objects', () => {
  test('one file per stage, in apply order (custom last, when main.ts exports extend)', () => {
    expect(files).toEqual(STAGES.map(fileOf));
  });

  test('npm run check finds no violation in the rendering', () => {
    expect(checkManifestList(manifests, settings).map(formatViolation)).toEqual([]);
  });

  test('every declared gateway exists, in its namespace, with its service type, on the gateways stage', () => {
    for (const g of settings.gateways) {
      expect(byRef('Deployment', g.namespace, g.name)?.file).toBe(fileOf('gateways'));
      expect(byRef('Service', g.namespace, g.name)?.object.spec.type).toBe(g.serviceType);
      expect(byRef('Namespace', '', g.namespace)?.file).toBe(fileOf('namespaces'));
    }
  });

  test('each Istio pod template carries the scheduling of its component', () => {
    const gatewayOf = (m: Manifest) => settings.gateways.find(g => g.namespace === m.namespace && g.name === m.name);
    // The user's own workloads (extend) are theirs to schedule.
    const workloads = manifests.filter(m => podSpec(m) !== undefined && (m.namespace === ISTIO_NAMESPACE || m.namespace === settings.nodeAgents.namespace || gatewayOf(m)));
    expect(workloads.length).toBeGreaterThanOrEqual(1 + settings.gateways.length);
    // istio-cni and ztunnel run on every node: only componentScheduling.nodeAgents schedules them.
    const nodeAgent = (m: Manifest) => m.kind === 'DaemonSet' && m.namespace === settings.nodeAgents.namespace;
    for (const w of workloads) {
      const gateway = gatewayOf(w);
      const want = gateway ? gateway.scheduling : nodeAgent(w) ? settings.nodeAgents.scheduling : settings.istiodScheduling;
      const spec = podSpec(w);
      expect({ ref: objectRef(w), nodeSelector: spec.nodeSelector ?? {} })
        .toEqual({ ref: objectRef(w), nodeSelector: expect.objectContaining(want.nodeSelector) });
      expect({ ref: objectRef(w), tolerations: spec.tolerations ?? [] })
        .toEqual({ ref: objectRef(w), tolerations: expect.arrayContaining([...want.tolerations]) });
    }
  });

  test('each declared app namespace exists with its own labels and the labels its dataplane and revision imply; waypoints where asked', () => {
    const apps = manifests.filter(m => m.file === fileOf('apps') && m.kind === 'Namespace');
    expect(apps.map(m => m.name)).toEqual((raw.appNamespaces ?? []).map(ns => ns.name));
    for (const ns of raw.appNamespaces ?? []) {
      const rev = ns.revision ?? (raw.revisions ? undefined : raw.revision);
      const ambientNs = (ns.dataplane ?? raw.mode ?? 'sidecar') === 'ambient';
      const managed = ambientNs
        ? { 'istio.io/dataplane-mode': 'ambient', ...(ns.waypoint ? { 'istio.io/use-waypoint': 'waypoint' } : {}) }
        : rev ? { 'istio.io/rev': rev } : { 'istio-injection': 'enabled' };
      // An ingress gateway the namespace admits goes through its waypoint (ambient's label for it).
      const viaWaypoint = ambientNs && ns.waypoint && (ns.allow ?? []).some(a => (a.from.gateways ?? []).length > 0) ? { 'istio.io/ingress-use-waypoint': 'true' } : {};
      // Flux must never prune a namespace with what it holds (Argo CD's equivalent is an annotation).
      const unpruned = raw.delivery?.tool === 'flux' ? { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' } : {};
      expect(byRef('Namespace', '', ns.name)?.object.metadata.labels).toEqual({ ...ns.labels, ...managed, ...viaWaypoint, ...unpruned });
      expect(byRef('Gateway', ns.name, 'waypoint') !== undefined).toBe(ns.waypoint === true);
    }
  });

  test('mTLS is what the settings say: mesh-wide in istio-system (STRICT by default), and per namespace where it differs', () => {
    const mode = (ns: string) => byRef('PeerAuthentication', ns, 'default')?.object.spec.mtls.mode;
    expect(mode(ISTIO_NAMESPACE)).toBe(raw.mtls ?? 'STRICT');
    for (const ns of raw.appNamespaces ?? []) expect(mode(ns.name)).toBe(ns.mtls !== undefined && ns.mtls !== (raw.mtls ?? 'STRICT') ? ns.mtls : undefined);
  });

  test('one istiod per revision runs in istio-system, named after it', () => {
    const names = raw.revisions ? raw.revisions.map(r => `istiod-${r.name}`) : [raw.revision ? `istiod-${raw.revision}` : 'istiod'];
    for (const name of names) expect(byRef('Deployment', ISTIO_NAMESPACE, name)?.file).toBe(fileOf('istiod'));
    expect(manifests.filter(m => m.kind === 'Deployment' && m.namespace === ISTIO_NAMESPACE && m.name.startsWith('istiod')).length).toBe(names.length);
  });
});

/**
 * CRDs are long verbatim upstream schemas (dist/ has them in full): the snapshot keeps
 * what a reviewer needs to notice a change, and a digest that changes with the rest.
 */
function snapshotView(m: Manifest): unknown {
  if (m.kind !== 'CustomResourceDefinition') return m.object;
  const { spec, metadata } = m.object;
  return {
    name: metadata.name,
    labels: metadata.labels,
    group: spec.group,
    scope: spec.scope,
    versions: spec.versions.map((v: any) => `${v.name}${v.served ? ' served' : ''}${v.storage ? ' storage' : ''}`),
    specSha256: createHash('sha256').update(JSON.stringify(spec)).digest('hex'),
  };
}

// One snapshot entry per object of dist/, named file + kind/namespace/name, so a PR diff
// names what changed. dist/ is read synchronously (jest names tests before any async
// rendering can run); the test above it proves dist/ is what main.ts renders.
const committed = readManifests(path.join(PROJECT_ROOT, folderOf(cluster)));
const shownFile = (m: Manifest) => (cluster.name === undefined ? m.file : `${cluster.name}/${m.file}`);
describe('rendered objects of main.ts', () => {
  test(`${folderOf(cluster)}/ is what main.ts renders, object by object (npm run synth)`, () => {
    expect(committed.map(m => [m.file, objectRef(m), m.object])).toEqual(manifests.map(m => [m.file, objectRef(m), m.object]));
  });

  test.each(committed.map(m => [`${shownFile(m)} ${objectRef(m)}`, m] as const))('%s', (_name, m) => {
    expect(snapshotView(m)).toMatchSnapshot();
  });
});
});
