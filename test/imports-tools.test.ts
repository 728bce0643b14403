import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, GroupVersionKind, Testing } from 'cdk8s';
import * as argoCd from '../imports/argoproj.io';
import * as certManager from '../imports/cert-manager.io';
import * as externalSecrets from '../imports/external-secrets.io';
import * as fluxKustomize from '../imports/kustomize.toolkit.fluxcd.io';
import * as fluxSource from '../imports/source.toolkit.fluxcd.io';
import { checkManifestList } from '../lib/check/check';
import { providedCrds } from '../lib/check/provided-crds';
import { CommandIO } from '../lib/command';
import { manifestsOf } from '../lib/manifests';
import { resolveSettings } from '../lib/settings';
import { LOCK_FILE, readLock, readLockFile } from '../lib/vendoring/lock';
import { TOOL_CRDS } from '../lib/vendoring/tool-crd-versions';
import {
  compareVersionPriority, Generated, generateToolImport, IMPORTED_TOOL_GROUPS, importMain, IMPORTS_DIR, planToolImports, toolImportOrigin,
} from '../tools/import-crds';
import { TOOL_CRDS_ROOT } from './fixtures/tool-crds';

// The typed classes of the tools' kinds (imports/cert-manager.io.ts, imports/external-secrets.io.ts,
// imports/argoproj.io.ts, imports/kustomize.toolkit.fluxcd.io.ts, imports/source.toolkit.fluxcd.io.ts),
// generated from the tools' vendored CRDs (test/global-setup.ts vendors the real ones into
// TOOL_CRDS_ROOT), and how `npm run import` treats them when those CRDs are not vendored.

const ROOT = path.resolve(__dirname, '..');
const IMPORTS = path.join(ROOT, IMPORTS_DIR);
const PROVIDED = providedCrds(TOOL_CRDS_ROOT);
const TOOL_FILES = IMPORTED_TOOL_GROUPS.map(t => `${t.group}.ts`);
/** Each tool file's module. */
const MODULES: Record<string, object> = {
  'cert-manager.io.ts': certManager,
  'external-secrets.io.ts': externalSecrets,
  'argoproj.io.ts': argoCd,
  'kustomize.toolkit.fluxcd.io.ts': fluxKustomize,
  'source.toolkit.fluxcd.io.ts': fluxSource,
};

/** Every generated construct class of a module: what `cdk8s import` gives a static GVK. */
function classes(exports: object): { readonly name: string; readonly gvk: GroupVersionKind }[] {
  return Object.entries(exports as Record<string, unknown>)
    .filter(([, value]) => typeof value === 'function' && 'GVK' in value)
    .map(([name, value]) => ({ name, gvk: (value as { GVK: GroupVersionKind }).GVK }));
}

const apps: App[] = [];
const tmpDirs: string[] = [];
afterEach(() => {
  for (const app of apps.splice(0)) fs.rmSync(app.outdir, { recursive: true, force: true });
  for (const dir of tmpDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function chart(): Chart {
  const c = Testing.chart();
  apps.push(c.node.root as App);
  return c;
}

function collect(): CommandIO & { outLines: string[]; errLines: string[] } {
  const outLines: string[] = [];
  const errLines: string[] = [];
  return { outLines, errLines, out: l => outLines.push(l), err: l => errLines.push(l) };
}

/**
 * A project whose imports/ holds the committed tool files, and whose lock pins `tools`
 * (their CRDs copied from TOOL_CRDS_ROOT); the Istio classes are left to a stand-in,
 * which generates imports/ as it finds it.
 */
function project(tools: readonly string[]): { root: string; imports: string; generateIstio: (root: string) => Generated } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'imports-tools-'));
  tmpDirs.push(root);
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'));
  fs.mkdirSync(path.join(root, 'vendor', 'crds'), { recursive: true });
  const pinned = readLockFile(TOOL_CRDS_ROOT).toolCrds!;
  tools = [...new Set(tools)];
  const toolCrds = Object.fromEntries(tools.map(t => [t, pinned[t]]));
  fs.writeFileSync(path.join(root, LOCK_FILE), JSON.stringify({ sources: ['none'], istio: {}, ...(tools.length ? { toolCrds } : {}) }));
  for (const t of tools) fs.cpSync(path.join(TOOL_CRDS_ROOT, 'vendor', 'crds', t), path.join(root, 'vendor', 'crds', t), { recursive: true });
  const imports = path.join(root, IMPORTS_DIR);
  fs.mkdirSync(imports);
  for (const f of TOOL_FILES) fs.copyFileSync(path.join(IMPORTS, f), path.join(imports, f));
  fs.writeFileSync(path.join(imports, 'istio.example.ts'), '// Istio\n');
  const generateIstio = (): Generated => ({ istioVersion: '9.9.9', kinds: [], files: new Map([['istio.example.ts', '// Istio\n']]) });
  return { root, imports, generateIstio };
}

describe('imported tool classes', () => {
  test('build a Certificate and an ExternalSecret that check accepts against the vendored CRDs', () => {
    const c = chart();
    new certManager.Certificate(c, 'ca', {
      metadata: { name: 'shop-ca', namespace: 'shop' },
      spec: {
        secretName: 'shop-ca',
        isCa: true,
        commonName: 'shop intermediate',
        duration: '8760h',
        issuerRef: { kind: 'ClusterIssuer', name: 'mesh-root', group: 'cert-manager.io' },
        privateKey: { algorithm: certManager.CertificateSpecPrivateKeyAlgorithm.ECDSA, size: 256 },
      },
    });
    new externalSecrets.ExternalSecret(c, 'remote', {
      metadata: { name: 'shop-db', namespace: 'shop' },
      spec: {
        refreshInterval: '1h',
        secretStoreRef: { kind: externalSecrets.ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE, name: 'vault' },
        target: { name: 'shop-db', template: { metadata: { labels: { team: 'commerce' } } } },
        data: [{ secretKey: 'password', remoteRef: { key: 'shop/db', property: 'password' } }],
      },
    });
    const [cert, secret] = Testing.synth(c);
    expect(cert).toMatchObject({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', spec: { isCA: true, privateKey: { algorithm: 'ECDSA' } } });
    expect(secret).toMatchObject({ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', spec: { secretStoreRef: { kind: 'ClusterSecretStore' } } });
    const locked = readLock(ROOT).istioVersion;
    const manifests = [
      ...manifestsOf('0000-namespaces.k8s.yaml', [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }]),
      ...manifestsOf('0001-custom.k8s.yaml', [cert, secret]),
    ];
    expect(checkManifestList(manifests, resolveSettings({ istioVersion: locked }, locked), { providedCrds: PROVIDED })).toEqual([]);
  });

  test('build the Argo CD and Flux objects of delivery, which check accepts against the vendored CRDs', () => {
    const c = chart();
    new argoCd.AppProject(c, 'project', {
      metadata: { name: 'istio', namespace: 'argocd' },
      spec: { sourceRepos: ['https://git.example.com/mesh.git'], destinations: [{ namespace: 'istio-system', server: 'https://kubernetes.default.svc' }], clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }] },
    });
    new argoCd.Application(c, 'app', {
      metadata: { name: 'istio', namespace: 'argocd' },
      spec: {
        project: 'istio',
        source: { repoUrl: 'https://git.example.com/mesh.git', targetRevision: 'main', path: 'dist', directory: { recurse: false, include: '*.k8s.yaml' } },
        destination: { server: 'https://kubernetes.default.svc' },
        syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['ServerSideApply=true'] },
      },
    });
    new fluxSource.GitRepository(c, 'source', { metadata: { name: 'istio-cdk8s', namespace: 'flux-system' }, spec: { interval: '1m', url: 'https://git.example.com/mesh.git', ref: { branch: 'main' } } });
    new fluxKustomize.Kustomization(c, 'ks', {
      metadata: { name: 'istio-namespaces', namespace: 'flux-system' },
      spec: { interval: '10m', path: './dist/delivery/flux/0000-namespaces', prune: true, wait: true, sourceRef: { kind: fluxKustomize.KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: 'istio-cdk8s' }, dependsOn: [{ name: 'x' }] },
    });
    const objects = Testing.synth(c);
    expect(objects.map(o => `${o.apiVersion} ${o.kind}`)).toEqual([
      'argoproj.io/v1alpha1 AppProject', 'argoproj.io/v1alpha1 Application', 'source.toolkit.fluxcd.io/v1 GitRepository', 'kustomize.toolkit.fluxcd.io/v1 Kustomization',
    ]);
    expect(objects[1].spec.source.repoURL).toBe('https://git.example.com/mesh.git');
    const locked = readLock(ROOT).istioVersion;
    const manifests = [
      ...manifestsOf('0000-namespaces.k8s.yaml', ['argocd', 'flux-system'].map(name => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }))),
      ...manifestsOf('0001-custom.k8s.yaml', objects),
    ];
    expect(checkManifestList(manifests, resolveSettings({ istioVersion: locked }, locked), { providedCrds: PROVIDED })).toEqual([]);
  });

  test('every class is for the preferred served version of a vendored CRD, and every imported kind has one', () => {
    const crds = PROVIDED.flatMap(p => p.crds.map(m => m.object.spec));
    expect(Object.keys(MODULES).sort()).toEqual([...TOOL_FILES].sort());
    for (const [file, exports] of Object.entries(MODULES)) {
      const imp = IMPORTED_TOOL_GROUPS.find(t => `${t.group}.ts` === file)!;
      const found = classes(exports);
      const wanted = imp.kinds ?? crds.filter(c => c.group === imp.group).map(c => c.names.kind);
      expect(found.map(c => c.gvk.kind).sort()).toEqual([...wanted].sort());
      for (const { name, gvk } of found) {
        const [group, version] = gvk.apiVersion.split('/');
        const crd = crds.find(c => c.group === group && c.names.kind === gvk.kind);
        const served = crd.versions.filter((v: { served: boolean; deprecated?: boolean }) => v.served && !v.deprecated).map((v: { name: string }) => v.name);
        expect({ name, version, served: served.includes(version), newer: served.filter((v: string) => compareVersionPriority(v, version) < 0) })
          .toEqual({ name, version, served: true, newer: [] });
      }
    }
  });

  test('each file\'s header names the tool and the release the table names', () => {
    for (const imp of IMPORTED_TOOL_GROUPS) {
      expect(toolImportOrigin(fs.readFileSync(path.join(IMPORTS, `${imp.group}.ts`), 'utf8'))).toEqual({ tool: imp.tool, version: TOOL_CRDS[imp.tool]!.version });
    }
    expect(toolImportOrigin("// of Istio 1.30.3's vendored base chart (files/crd-all.gen.yaml), one class per kind:\n")).toBeUndefined();
  });

  test('are what npm run import generates from the vendored CRDs, byte for byte', () => {
    // What `npm run import -- --check` compares when the tools are vendored; CI's project uses none.
    const { root } = project(IMPORTED_TOOL_GROUPS.map(t => t.tool));
    const plans = planToolImports(root, IMPORTS);
    expect(plans.map(p => p.action)).toEqual(IMPORTED_TOOL_GROUPS.map(() => 'generate'));
    for (const plan of plans) {
      if (plan.action !== 'generate') continue;
      const { files } = generateToolImport(root, plan);
      expect([...files.keys()]).toEqual([plan.file]);
      expect(files.get(plan.file) === fs.readFileSync(path.join(IMPORTS, plan.file), 'utf8')).toBe(true);
    }
  });
});

describe('npm run import and the tools\' files', () => {
  test('a tool whose CRDs are not vendored: its file is not checked, and left as it is, when its header names the table\'s release', () => {
    const { root, imports, generateIstio } = project([]);
    const io = collect();
    expect(importMain(['--check'], io, { root, generateIstio })).toBe(0);
    expect(io.errLines).toEqual([]);
    expect(io.outLines).toEqual([
      ...IMPORTED_TOOL_GROUPS.map(t => `imports/${t.group}.ts: not checked: the ${t.tool} CRDs are not vendored (main.ts does not use ${t.tool}); ` +
        `its header names ${t.tool} ${TOOL_CRDS[t.tool]!.version}, as lib/vendoring/tool-crd-versions.ts does`),
      'imports/ is up to date (Istio 9.9.9, 1 files)',
    ]);
    const write = collect();
    expect(importMain([], write, { root, generateIstio })).toBe(0);
    expect(write.outLines.filter(l => l.includes('left as it is'))).toHaveLength(TOOL_FILES.length);
    for (const f of TOOL_FILES) expect(fs.readFileSync(path.join(imports, f), 'utf8')).toBe(fs.readFileSync(path.join(IMPORTS, f), 'utf8'));
  });

  test('a tool whose CRDs are not vendored and whose file comes from another release (or is missing) fails, naming the way to vendor it', () => {
    const { root, imports, generateIstio } = project([]);
    const [first, second] = IMPORTED_TOOL_GROUPS;
    const file = path.join(imports, `${first.group}.ts`);
    const text = fs.readFileSync(file, 'utf8');
    const release = TOOL_CRDS[first.tool]!.version;
    fs.writeFileSync(file, text.replace(`of ${first.tool} ${release} (`, `of ${first.tool} v0.0.1 (`));
    fs.rmSync(path.join(imports, `${second.group}.ts`));
    const io = collect();
    expect(importMain(['--check'], io, { root, generateIstio })).toBe(1);
    expect(io.errLines).toEqual([
      `imports/${first.group}.ts comes from ${first.tool} v0.0.1, but lib/vendoring/tool-crd-versions.ts names ${first.tool} ${release}: ` +
      `vendor its CRDs (npm run vendor -- --tool ${first.tool}), then npm run import, commit imports/, and npm run vendor (which drops them again if main.ts does not use ${first.tool})`,
      expect.stringMatching(new RegExp(`^imports/${second.group.replace(/\./g, '\\.')}\\.ts is missing, but .* names ${second.tool} `)),
    ]);
    // Without the CRDs nothing can be regenerated: the file stays as it is, and the run fails.
    expect(importMain([], collect(), { root, generateIstio })).toBe(1);
    expect(fs.readFileSync(file, 'utf8')).toContain(`of ${first.tool} v0.0.1 (`);
  });

  test('a tool whose CRDs are vendored: its file is regenerated, and compared with --check', () => {
    const [first, second] = IMPORTED_TOOL_GROUPS;
    const { root, imports, generateIstio } = project([first.tool]);
    const file = path.join(imports, `${first.group}.ts`);
    const committed = fs.readFileSync(file, 'utf8');
    fs.appendFileSync(file, '// edited\n');
    const io = collect();
    expect(importMain(['--check'], io, { root, generateIstio })).toBe(1);
    expect(io.errLines).toEqual([
      `imports/ is stale for Istio 9.9.9, ${first.tool} ${TOOL_CRDS[first.tool]!.version}: run \`npm run import\` and commit imports/`,
      `  imports/${first.group}.ts (differs)`,
    ]);
    // Every other group's tool is not vendored: not checked.
    expect(second.tool).not.toBe(first.tool);
    expect(io.outLines).toEqual(IMPORTED_TOOL_GROUPS.slice(1).map(t => expect.stringMatching(new RegExp(`^imports/${t.group.replace(/\./g, '\\.')}\\.ts: not checked: `))));
    const write = collect();
    expect(importMain([], write, { root, generateIstio })).toBe(0);
    expect(write.outLines).toContain(`imports/${first.group}.ts: written (${Math.round(Buffer.byteLength(committed) / 1024)} KB, ${committed.split('\n').length - 1} lines)`);
    expect(fs.readFileSync(file, 'utf8') === committed).toBe(true);
  });
});
