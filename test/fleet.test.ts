import * as fs from 'fs';
import * as path from 'path';
import { ApiObject } from 'cdk8s';
import { checkCommand } from '../lib/check/cli';
import { resolveProject } from '../lib/fleet';
import { readManifests } from '../lib/manifests';
import { ProjectDefinition, readProject } from '../lib/project';
import { PROJECT_ROOT } from '../lib/project-root';
import { MeshSettings } from '../lib/settings';
import { synthCommand } from '../lib/synth/cli';
import { synthMesh } from '../lib/synth/synth';
import { lockedVersions, readLock } from '../lib/vendoring/lock';
import { runCaptured } from './command-io';
import { tempDir } from './render';

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
