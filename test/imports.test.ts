import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, GroupVersionKind, Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import * as networking from '../imports/networking.istio.io';
import * as security from '../imports/security.istio.io';
import * as telemetry from '../imports/telemetry.istio.io';
import { staleImportsNote } from '../lib/imports/generated-from';
import { compareVersionPriority, generateImports, IMPORTED_GROUPS, IMPORTED_TOOL_GROUPS, main, preferredVersion } from '../tools/import-crds';
import { UserError } from '../lib/user-error';
import { LOCK_FILE, readLock, versionDir } from '../lib/vendoring/lock';

const ROOT = path.resolve(__dirname, '..');
const LOCKED = readLock(ROOT).istioVersion;
const IMPORTS = path.join(ROOT, 'imports');

interface CrdDoc {
  readonly kind: string;
  readonly spec: { readonly group: string; readonly names: { readonly kind: string }; readonly versions: readonly { readonly name: string; readonly served: boolean; readonly deprecated?: boolean }[] };
}

/** The vendored base chart's CRDs, read here rather than through the generator it checks. */
const CRDS: readonly CrdDoc[] = parseAllDocuments(fs.readFileSync(path.join(versionDir(ROOT, LOCKED), 'base', 'files', 'crd-all.gen.yaml'), 'utf8'))
  .map(d => d.toJS() as CrdDoc)
  .filter(d => d?.kind === 'CustomResourceDefinition');

/** Every generated construct class: what `cdk8s import` gives a static GVK. */
const CLASSES: readonly { readonly module: string; readonly name: string; readonly gvk: GroupVersionKind }[] = Object.entries({ networking, security, telemetry })
  .flatMap(([module, exports]) => Object.entries(exports as Record<string, unknown>)
    .filter(([, value]) => typeof value === 'function' && 'GVK' in value)
    .map(([name, value]) => ({ module, name, gvk: (value as { GVK: GroupVersionKind }).GVK })));

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const [group, version] = apiVersion.split('/');
  return { group, version };
}

const apps: App[] = [];
afterEach(() => {
  // Testing.app() makes an output folder even when nothing is written to it.
  for (const app of apps.splice(0)) fs.rmSync(app.outdir, { recursive: true, force: true });
});

function chart(): Chart {
  const c = Testing.chart();
  apps.push(c.node.root as App);
  return c;
}

describe('imported Istio classes', () => {
  test('build PeerAuthentication, ServiceEntry and Telemetry objects', () => {
    const c = chart();
    new security.PeerAuthentication(c, 'strict', {
      metadata: { name: 'default', namespace: 'shop' },
      spec: { mtls: { mode: security.PeerAuthenticationSpecMtlsMode.STRICT } },
    });
    new networking.ServiceEntry(c, 'payments', {
      metadata: { name: 'payments-api', namespace: 'shop' },
      spec: {
        hosts: ['api.payments.example.com'],
        location: networking.ServiceEntrySpecLocation.MESH_UNDERSCORE_EXTERNAL,
        resolution: networking.ServiceEntrySpecResolution.DNS,
        ports: [{ name: 'https', number: 443, protocol: 'TLS' }],
      },
    });
    new telemetry.Telemetry(c, 'tracing', {
      metadata: { name: 'mesh-default', namespace: 'istio-system' },
      spec: { tracing: [{ randomSamplingPercentage: 10 }] },
    });

    const [peer, entry, tel] = Testing.synth(c);
    expect(peer).toEqual({
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name: 'default', namespace: 'shop' },
      spec: { mtls: { mode: 'STRICT' } },
    });
    expect(entry).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: { name: 'payments-api', namespace: 'shop' },
      spec: {
        hosts: ['api.payments.example.com'],
        location: 'MESH_EXTERNAL',
        resolution: 'DNS',
        ports: [{ name: 'https', number: 443, protocol: 'TLS' }],
      },
    });
    expect(tel).toEqual({
      apiVersion: 'telemetry.istio.io/v1',
      kind: 'Telemetry',
      metadata: { name: 'mesh-default', namespace: 'istio-system' },
      spec: { tracing: [{ randomSamplingPercentage: 10 }] },
    });
  });

  test('every class is for a served, preferred version of a vendored CRD', () => {
    expect(CLASSES.length).toBeGreaterThan(0);
    for (const { name, gvk } of CLASSES) {
      const { group, version } = splitApiVersion(gvk.apiVersion);
      const crd = CRDS.find(d => d.spec.group === group && d.spec.names.kind === gvk.kind);
      expect({ name, crd: crd?.spec.names.kind }).toEqual({ name, crd: gvk.kind });
      const served = crd!.spec.versions.filter(v => v.served && !v.deprecated).map(v => v.name);
      expect({ name, version, served: served.includes(version) }).toEqual({ name, version, served: true });
      // No newer served version was passed over (e.g. a class for v1beta1 when v1 is served).
      expect({ name, newer: served.filter(v => compareVersionPriority(v, version) < 0) }).toEqual({ name, newer: [] });
    }
  });

  test('every kind of the imported groups has exactly one class', () => {
    const wanted = CRDS.filter(d => IMPORTED_GROUPS.includes(d.spec.group)).map(d => `${d.spec.group}/${d.spec.names.kind}`).sort();
    const have = CLASSES.map(c => `${splitApiVersion(c.gvk.apiVersion).group}/${c.gvk.kind}`).sort();
    expect(have).toEqual(wanted);
  });

  test('imports/ was generated from the locked Istio version', () => {
    // Cheap staleness guard for npm test; `npm run import -- --check` compares every byte.
    const files = fs.readdirSync(IMPORTS).filter(f => f.endsWith('.ts'));
    // And the tools' groups (test/imports-tools.test.ts).
    expect(files.sort()).toEqual([...IMPORTED_GROUPS, ...IMPORTED_TOOL_GROUPS.map(t => t.group)].map(g => `${g}.ts`).sort());
    expect(staleImportsNote(ROOT, LOCKED)).toBeUndefined();
  });
});

describe('version choice', () => {
  test('orders versions as the API server does', () => {
    // The example list of the Kubernetes CRD versioning documentation, shuffled.
    const ordered = ['v10', 'v2', 'v1', 'v11beta2', 'v10beta3', 'v3beta1', 'v12alpha1', 'v11alpha2', 'foo1', 'foo10'];
    const shuffled = ['foo10', 'v3beta1', 'v1', 'v11alpha2', 'v10', 'foo1', 'v12alpha1', 'v2', 'v10beta3', 'v11beta2'];
    expect([...shuffled].sort(compareVersionPriority)).toEqual(ordered);
  });

  test('prefers the highest served version that is not deprecated', () => {
    expect(preferredVersion([{ name: 'v1alpha1', served: true }, { name: 'v1', served: true }])).toBe('v1');
    expect(preferredVersion([{ name: 'v1', served: false }, { name: 'v1beta1', served: true }])).toBe('v1beta1');
    expect(preferredVersion([{ name: 'v2', served: true, deprecated: true }, { name: 'v1', served: true }])).toBe('v1');
    expect(preferredVersion([{ name: 'v1', served: true, deprecated: true }])).toBe('v1');
    expect(preferredVersion([{ name: 'v1', served: false }])).toBeUndefined();
  });
});

describe('npm run import', () => {
  test('--help prints usage and does nothing else', () => {
    const out: string[] = [];
    const err: string[] = [];
    const before = fs.readdirSync(IMPORTS).map(f => [f, fs.statSync(path.join(IMPORTS, f)).mtimeMs]);
    expect(main(['--help'], { out: l => out.push(l), err: l => err.push(l) })).toBe(0);
    expect(out.join('\n')).toMatch(/^usage: npm run import/);
    expect(err).toEqual([]);
    expect(fs.readdirSync(IMPORTS).map(f => [f, fs.statSync(path.join(IMPORTS, f)).mtimeMs])).toEqual(before);
  });

  test('an unknown flag is an error that shows the usage', () => {
    expect(() => main(['--chek'], { out: () => undefined, err: () => undefined })).toThrow(/usage: npm run import/);
  });

  test('without the vendored base chart: an error saying to run npm run vendor', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'imports-test-'));
    try {
      fs.mkdirSync(path.join(root, 'vendor'));
      fs.copyFileSync(path.join(ROOT, LOCK_FILE), path.join(root, LOCK_FILE));
      expect(() => generateImports(root)).toThrow(UserError);
      expect(() => generateImports(root)).toThrow(/charts are not vendored \(missing: base.*\): run `npm run vendor`/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('staleImportsNote', () => {
  test('names the files generated from another Istio release, and is silent when they match', () => {
    const t = fs.mkdtempSync(path.join(os.tmpdir(), 'imports-note-'));
    try {
      fs.mkdirSync(path.join(t, 'imports'));
      fs.writeFileSync(path.join(t, 'imports', 'a.ts'), "// of Istio 9.8.7's vendored base chart (x), one class per kind:\n");
      fs.writeFileSync(path.join(t, 'imports', 'b.ts'), "// of Istio 9.8.6's vendored base chart (x), one class per kind:\n");
      expect(staleImportsNote(t, '9.8.7')).toBe('imports/b.ts come from another Istio release than the locked 9.8.7: run `npm run import` and commit imports/');
      expect(staleImportsNote(t, '9.8.6')).toMatch(/^imports\/a\.ts come from/);
      fs.writeFileSync(path.join(t, 'imports', 'b.ts'), "// of Istio 9.8.7's vendored base chart (x), one class per kind:\n");
      expect(staleImportsNote(t, '9.8.7')).toBeUndefined();
    } finally {
      fs.rmSync(t, { recursive: true, force: true });
    }
  });
});
