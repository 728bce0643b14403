import * as fs from 'fs';
import * as path from 'path';
import { ApiObject } from 'cdk8s';
import { checkCommand } from '../lib/check/cli';
import { resolveProject } from '../lib/project/resolve';
import { readManifests } from '../lib/manifests';
import { ProjectDefinition, readProject } from '../lib/project/definition';
import { PROJECT_ROOT } from '../lib/project-root';
import { MeshSettings, resolveSettings } from '../lib/settings';
import { checkManifestList } from '../lib/check/check';
import { formatViolation } from '../lib/check/violation';
import { synthCommand } from '../lib/synth/cli';
import { synthMesh } from '../lib/synth/synth';
import { lockedVersions, readLock } from '../lib/vendoring/lock';
import { runCaptured } from './command-io';
import { renderMesh, tempDir } from './render';
import { providedCrds } from '../lib/check/provided-crds';
import { TOOL_CRDS_ROOT } from './fixtures/tool-crds';

// A fixture fleet on the locked release: shared settings, per-cluster overrides in plain TypeScript.
const V = readLock(PROJECT_ROOT).istioVersion;
const SHARED: MeshSettings = {
  istioVersion: V,
  gateways: [{ name: 'edge', namespace: 'edge', kind: 'ingress' }],
  appNamespaces: [{ name: 'shop' }],
};
const FLEET: ProjectDefinition = {
  clusters: {
    dev: { ...SHARED, mtls: 'PERMISSIVE' },
    prod: { ...SHARED, appNamespaces: [{ name: 'shop' }, { name: 'payments' }] },
  },
};
const quiet = () => undefined;

describe('main.ts exports', () => {
  test('settings or clusters, not both, not neither; cluster names are folder and cluster names', () => {
    expect(() => readProject({})).toThrow('main.ts must export `settings` (a MeshSettings object) or `clusters` (cluster name → MeshSettings)');
    expect(() => readProject({ settings: SHARED, clusters: { a: SHARED } })).toThrow('main.ts exports both `settings` and `clusters`');
    expect(() => readProject({ clusters: {} })).toThrow('main.ts exports `clusters`, but it lists no cluster');
    expect(() => readProject({ clusters: { 'Prod_EU': SHARED } })).toThrow('clusters: "Prod_EU" is not a valid cluster name');
    expect(() => readProject({ cluster: {} })).toThrow('main.ts exports "cluster": did you mean clusters?');
    expect(readProject({ clusters: FLEET.clusters })).toEqual({ clusters: FLEET.clusters, extend: undefined });
  });

  test('every cluster\'s problems in one error, each field named from clusters.<name>', () => {
    expect(() => resolveProject({ clusters: { dev: { ...SHARED, mtls: 'OFF' as 'STRICT' }, prod: { ...SHARED, kubeVersion: '1.20.0' } } }, lockedVersions(PROJECT_ROOT)))
      .toThrow(/^invalid settings \(main\.ts\):\n {2}- clusters\.dev\.mtls: .*\n {2}- clusters\.prod\.kubeVersion: "1\.20\.0" is too old/);
  });
});

describe('a fleet renders into dist/<cluster>/', () => {
  test('each cluster its own ordered files and settings; identical releases render once; extend sees the cluster', async () => {
    const t = tempDir();
    try {
      const outdir = path.join(t.dir, 'dist');
      fs.mkdirSync(outdir);
      fs.writeFileSync(path.join(outdir, '0000-single.k8s.yaml'), 'kind: Stale\n');
      const project: ProjectDefinition = {
        ...FLEET,
        extend: (chart, mesh) => { new ApiObject(chart, 'who', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cluster', namespace: 'shop' }, data: { name: mesh.cluster ?? '' } }); },
      };
      const result = await synthMesh(project, { outdir, log: quiet });
      expect(fs.readdirSync(outdir).sort()).toEqual(['dev', 'prod']);
      for (const cluster of ['dev', 'prod']) {
        const ms = readManifests(path.join(outdir, cluster));
        expect([...new Set(ms.map(m => m.file))]).toEqual(['namespaces', 'istio-base', 'istiod', 'gateways', 'apps', 'policy', 'custom'].map((s, i) => `000${i}-${s}.k8s.yaml`));
        expect(ms.find(m => m.kind === 'ConfigMap' && m.name === 'cluster')?.object.data).toEqual({ name: cluster });
        expect(ms.find(m => m.kind === 'PeerAuthentication' && m.namespace === 'istio-system')?.object.spec.mtls.mode).toBe(cluster === 'dev' ? 'PERMISSIVE' : 'STRICT');
        expect(ms.filter(m => m.file.endsWith('-apps.k8s.yaml')).map(m => m.name)).toEqual(cluster === 'dev' ? ['shop'] : ['shop', 'payments']);
      }
      // base, istiod and the gateway have the same inputs in both clusters: 3 releases, not 6.
      expect(result).toMatchObject({ clusters: 2, releases: 3 });
      expect(result.changes).toMatchObject({ files: 14, removed: 1 });
    } finally {
      t.cleanup();
    }
  });

  test('npm run synth prints one line for the fleet; npm run check checks every cluster with its own settings, or one', async () => {
    const t = tempDir();
    try {
      const outdir = path.join(t.dir, 'dist');
      const synth = await runCaptured((argv, io) => synthCommand(argv, io, { project: () => FLEET, root: PROJECT_ROOT, env: {} }), ['-o', outdir]);
      expect(synth.out).toEqual([expect.stringMatching(/dist\/: 2 clusters, 12 files, \d+ objects — new; [0-3] of 3 releases from the cache/)]);
      const check = (...args: string[]) => runCaptured((argv, io) => checkCommand(argv, io, { project: () => FLEET, root: PROJECT_ROOT }), [...args, outdir]);
      const all = await check();
      expect(all.status).toBe(0);
      expect(all.out).toEqual([expect.stringMatching(/^check: 2 clusters, \d+ objects in 12 files of .*dist, 0 violations$/)]);
      // Each folder is checked against its own cluster's settings: prod's, changed, no longer match prod/.
      const moved: ProjectDefinition = { clusters: { ...FLEET.clusters, prod: { ...FLEET.clusters!.prod, scheduling: { nodeSelector: { pool: 'infra' } } } } };
      const stale = await runCaptured((argv, io) => checkCommand(argv, io, { project: () => moved, root: PROJECT_ROOT }), [outdir]);
      expect(stale.status).toBe(1);
      const violations = stale.out.filter(l => !l.startsWith('check:'));
      expect(violations.length).toBeGreaterThan(0);
      expect(violations.every(l => l.startsWith('prod/') && l.includes(': scheduling: '))).toBe(true);
      const one = await check('--cluster', 'prod');
      expect(one.out).toEqual([expect.stringMatching(/^check: 1 cluster, \d+ objects in 6 files/)]);
      const unknown = await check('--cluster', 'staging');
      expect(unknown.err).toEqual(['error: --cluster staging: main.ts has no such cluster (clusters: dev, prod)']);
      expect(unknown.status).toBe(1);
      const single = await runCaptured((argv, io) => checkCommand(argv, io, { project: () => ({ settings: SHARED }), root: PROJECT_ROOT }), ['--cluster', 'dev', outdir]);
      expect(single.err).toEqual(['error: --cluster dev: main.ts exports one cluster\'s `settings`, not `clusters`; leave --cluster out']);
    } finally {
      t.cleanup();
    }
  });
});

describe('mesh identity: a multi-primary mesh on two networks', () => {
  const EASTWEST = { name: 'istio-eastwestgateway', namespace: 'istio-system', kind: 'eastwest' as const };
  // Two istiods of one mesh share a root, by reference, and read each other's credentials from a store.
  const TRUST = { certManager: { issuer: { kind: 'ClusterIssuer', name: 'mesh1-root' } } } as const;
  const REMOTE_SECRETS = { store: { kind: 'ClusterSecretStore', name: 'vault' }, keyPrefix: 'istio/remote/' } as const;
  const member = (network: string): MeshSettings => ({ ...SHARED, mesh: { id: 'mesh1', network, trust: TRUST, remoteSecrets: REMOTE_SECRETS }, gateways: [...SHARED.gateways!, EASTWEST] });
  const MESH: ProjectDefinition = { clusters: { east: member('net1'), west: member('net2') } };
  const resolved = () => resolveProject(MESH, lockedVersions(PROJECT_ROOT));

  test('istiod gets the mesh id, the cluster\'s name and network; istio-system the network label; the east-west gateway its network ports and the cross-network Gateway', async () => {
    const east = resolved().find(c => c.name === 'east')!;
    expect(east.settings.mesh).toEqual({ id: 'mesh1', clusterName: 'east', network: 'net1', remotes: [], watchedBy: ['west'] });
    const { manifests } = await renderMesh(MESH.clusters!.east, undefined, 'east');
    const find = (kind: string, name: string, ns = '') => manifests.find(m => m.kind === kind && m.name === name && m.namespace === ns)!;
    const injector = JSON.parse(find('ConfigMap', 'istio-sidecar-injector', 'istio-system').object.data.values);
    expect(injector.global).toMatchObject({ meshID: 'mesh1', multiCluster: { clusterName: 'east' }, network: 'net1' });
    const env = find('Deployment', 'istiod', 'istio-system').object.spec.template.spec.containers[0].env;
    expect(env).toEqual(expect.arrayContaining([{ name: 'CLUSTER_ID', value: 'east' }]));
    expect(find('Namespace', 'istio-system').object.metadata.labels).toMatchObject({ 'topology.istio.io/network': 'net1' });
    const service = find('Service', EASTWEST.name, 'istio-system').object;
    expect(service.metadata.labels).toMatchObject({ 'topology.istio.io/network': 'net1' });
    expect(service.spec.type).toBe('LoadBalancer');
    expect(service.spec.ports.map((p: { port: number }) => p.port)).toEqual([15021, 15443, 15012, 15017]);
    const gateway = find('Gateway', `${EASTWEST.name}-cross-network`, 'istio-system');
    expect(gateway.file).toMatch(/-policy\.k8s\.yaml$/);
    expect(gateway.object.spec.servers).toEqual([{ port: { number: 15443, name: 'tls', protocol: 'TLS' }, tls: { mode: 'AUTO_PASSTHROUGH' }, hosts: ['*.local'] }]);
    const pods = find('Deployment', EASTWEST.name, 'istio-system').object.spec.template.metadata.labels;
    expect(pods).toMatchObject(gateway.object.spec.selector);
    // The cluster provides cert-manager's CRDs (its Certificate for cacerts is checked against them).
    expect(checkManifestList(manifests, east.settings, { providedCrds: providedCrds(TOOL_CRDS_ROOT) }).map(formatViolation)).toEqual([]);
  });

  test('the fleet is validated as a whole: unique cluster names per mesh, networks in all clusters or none, an east-west gateway per network, a network in one mesh', () => {
    const problems = (clusters: { [name: string]: MeshSettings }) => {
      try {
        resolveProject({ clusters }, lockedVersions(PROJECT_ROOT));
      } catch (err) {
        return (err as Error).message.split('\n').slice(1);
      }
      return [];
    };
    expect(problems(MESH.clusters!)).toEqual([]);
    expect(problems({ east: member('net1'), west: { ...member('net2'), gateways: SHARED.gateways } })).toEqual([
      '  - mesh mesh1: network net2 (clusters west) has no east-west gateway, and the mesh spans 2 networks: add a gateway of kind \'eastwest\' to one of its clusters',
    ]);
    expect(problems({ east: member('net1'), west: { ...SHARED, mesh: { id: 'mesh1', clusterName: 'east', trust: TRUST, remoteSecrets: REMOTE_SECRETS } } })).toEqual([
      '  - clusters.west.mesh.clusterName: "east" is also clusters.east\'s name in mesh mesh1: cluster names are unique within a mesh',
      '  - mesh mesh1: clusters west name no network while others do: set mesh.network in every cluster of the mesh, or in none',
    ]);
    expect(problems({ a: { ...member('net1'), mesh: { id: 'mesh1', network: 'net1' } }, b: { ...member('net1'), mesh: { id: 'mesh2', network: 'net1' } } })).toEqual([
      '  - network net1 is in mesh mesh1 and mesh mesh2: one mesh id per mesh, and a network belongs to one mesh',
    ]);
    expect(problems({ a: { ...SHARED, gateways: [EASTWEST] } })).toEqual([
      '  - clusters.a.gateways[0].kind: "eastwest" needs mesh.network (and mesh.id): an east-west gateway connects this cluster\'s network to the mesh\'s others',
    ]);
  });

  test('the single form needs the cluster\'s name; identity values are settings, not istiod values', () => {
    expect(() => resolveSettings({ ...SHARED, mesh: { id: 'mesh1' } }, lockedVersions(PROJECT_ROOT)))
      .toThrow('mesh.clusterName: is required with `settings` (in `clusters` it defaults to the cluster\'s name)');
    expect(resolveSettings({ ...SHARED, mesh: { id: 'mesh1', clusterName: 'c1' } }, lockedVersions(PROJECT_ROOT)).mesh).toEqual({ id: 'mesh1', clusterName: 'c1', remotes: [], watchedBy: [] });
    expect(() => resolveSettings({ ...SHARED, values: { istiod: { global: { meshID: 'x' } } } }, lockedVersions(PROJECT_ROOT)))
      .toThrow('values.istiod.global.meshID: "x" is set by mesh.id in the settings; use that instead of values');
  });
});

describe('fleet rendering is per cluster', () => {
  test('each cluster\'s folder is byte-identical to rendering that cluster alone; one object changed in two clusters counts twice', async () => {
    const t = tempDir();
    try {
      // Two identical clusters share every release; scheduling and sync waves patch each cluster's own objects.
      const twin: MeshSettings = { ...SHARED, scheduling: { nodeSelector: { pool: 'infra' } }, argoCdSyncWaves: true };
      const fleetDir = path.join(t.dir, 'fleet', 'dist');
      await synthMesh({ clusters: { a: twin, b: { ...twin, scheduling: { nodeSelector: { pool: 'other' } } } } }, { outdir: fleetDir, log: quiet });
      const alone = path.join(t.dir, 'alone', 'dist');
      await synthMesh({ settings: twin }, { outdir: alone, log: quiet });
      const read = (dir: string) => Object.fromEntries(fs.readdirSync(dir).sort().map(f => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
      expect(read(path.join(fleetDir, 'a'))).toEqual(read(alone));
      expect(read(path.join(fleetDir, 'b'))).not.toEqual(read(alone));
      // The same namespace added to both clusters: its Namespace and its AuthorizationPolicy in each, four objects, not two.
      const again = await synthMesh({ clusters: { a: { ...twin, appNamespaces: [{ name: 'shop' }, { name: 'cart' }] }, b: { ...twin, scheduling: { nodeSelector: { pool: 'other' } }, appNamespaces: [{ name: 'shop' }, { name: 'cart' }] } } }, { outdir: fleetDir, log: quiet });
      expect(again.changes).toMatchObject({ added: 4, removed: 0 });
    } finally {
      t.cleanup();
    }
  });

  test('ztunnel carries istiod\'s cluster name; ambient multi-network is refused rather than rendered wrongly', async () => {
    const ambient: MeshSettings = { ...SHARED, mode: 'ambient', mesh: { id: 'mesh1', clusterName: 'amb' } };
    const { manifests } = await renderMesh(ambient);
    const envOf = (kind: string, name: string) => manifests.find(m => m.kind === kind && m.name === name)!.object.spec.template.spec.containers[0].env as { name: string; value?: string }[];
    const istiodId = envOf('Deployment', 'istiod').find(e => e.name === 'CLUSTER_ID')?.value;
    expect(istiodId).toBe('amb');
    expect(envOf('DaemonSet', 'ztunnel').find(e => e.name === 'ISTIO_META_CLUSTER_ID')?.value).toBe(istiodId);
    expect(() => resolveSettings({ ...ambient, mesh: { id: 'mesh1', clusterName: 'amb', network: 'n1' }, gateways: [{ name: 'ew', namespace: 'istio-system', kind: 'eastwest' }] }, lockedVersions(PROJECT_ROOT)))
      .toThrow(/mesh\.network: "n1" is not supported with ambient namespaces yet[^]*gateways\[0\]\.kind: "eastwest" is the sidecar mode's network gateway/);
  });
});
