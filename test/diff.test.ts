import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { diffManifests } from '../lib/diff/compare';
import { diffFolders, isIdentical } from '../lib/diff/folders';
import { formatDiff, formatField } from '../lib/diff/format';
import { Manifest, parseManifests } from '../lib/manifests';

const ROOT = path.resolve(__dirname, '..');

const NAMESPACE = `apiVersion: v1
kind: Namespace
metadata:
  name: istio-system
`;

function deployment(opts: { image?: string; replicas?: number; apiVersion?: string; extraContainer?: boolean } = {}): string {
  return `apiVersion: ${opts.apiVersion ?? 'apps/v1'}
kind: Deployment
metadata:
  name: istiod
  namespace: istio-system
spec:
  replicas: ${opts.replicas ?? 1}
  template:
    spec:
      containers:
${opts.extraContainer ? '        - name: sidecar\n          image: busybox\n' : ''}        - name: discovery
          image: ${opts.image ?? 'docker.io/istio/pilot:1.30.3'}
          args: [discovery, --monitoringAddr=:15014]
`;
}

const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: istiod
  namespace: istio-system
spec:
  ports:
    - port: 15012
`;

function crd(description: string, fields: string[]): string {
  const props = fields.map(f => `                    ${f}:\n                      type: string\n                      description: ${description} ${f}\n`).join('');
  return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: wasmplugins.extensions.istio.io
spec:
  group: extensions.istio.io
  versions:
    - name: v1alpha1
      served: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                inner:
                  type: object
                  properties:
${props}`;
}

function manifests(file: string, ...docs: string[]): Manifest[] {
  return parseManifests(file, docs.join('---\n'));
}

const tmpDirs: string[] = [];

/** A temporary folder holding the given files; removed after all tests. */
function folder(files: { [name: string]: string }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-test-'));
  tmpDirs.push(dir);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

afterAll(() => {
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
});

function runCli(...args: string[]) {
  return spawnSync(process.execPath, ['--require', 'tsx/cjs', 'lib/diff/cli.ts', ...args], { cwd: ROOT, encoding: 'utf8' });
}

describe('diffManifests', () => {
  test('equal sets have no differences', () => {
    const m = manifests('a.yaml', NAMESPACE, deployment(), SERVICE);
    expect(diffManifests(m, manifests('a.yaml', NAMESPACE, deployment(), SERVICE))).toEqual([]);
  });

  test('reports added, removed and changed objects by file, position, identity', () => {
    const before = manifests('a.yaml', NAMESPACE, deployment());
    const after = manifests('a.yaml', deployment({ replicas: 2 }), SERVICE);
    const d = diffManifests(before, after);
    expect(d.map(o => [o.kind, o.ref])).toEqual([
      ['changed', 'Deployment/istio-system/istiod'],
      ['removed', 'Namespace/-/istio-system'],
      ['added', 'Service/istio-system/istiod'],
    ]);
    expect(d[0].fields).toEqual([{ path: 'spec.replicas', kind: 'changed', before: 1, after: 2 }]);
  });

  test('the apiVersion version is not part of the identity', () => {
    const d = diffManifests(
      manifests('a.yaml', deployment({ apiVersion: 'apps/v1beta1' })),
      manifests('a.yaml', deployment({ apiVersion: 'apps/v1' })),
    );
    expect(d).toHaveLength(1);
    expect(d[0].fields.map(formatField)).toEqual(['apiVersion: "apps/v1beta1" → "apps/v1"']);
  });

  test('list items with unique names are keyed by name', () => {
    const d = diffManifests(
      manifests('a.yaml', deployment()),
      manifests('a.yaml', deployment({ image: 'docker.io/istio/pilot:1.30.4', extraContainer: true })),
    );
    expect(d[0].fields.map(formatField)).toEqual([
      'spec.template.spec.containers[name=discovery].image: "docker.io/istio/pilot:1.30.3" → "docker.io/istio/pilot:1.30.4"',
      'spec.template.spec.containers[name=sidecar]: (added)',
    ]);
  });

  test('named items that change places are reported as reordered', () => {
    const ports = (order: string[]) => manifests('a.yaml', `apiVersion: v1
kind: Service
metadata: { name: s }
spec:
  ports:
${order.map(n => `    - { name: ${n}, port: 1 }\n`).join('')}`);
    expect(diffManifests(ports(['grpc', 'http']), ports(['http', 'grpc']))[0].fields).toEqual([
      { path: 'spec.ports', kind: 'reordered' },
    ]);
  });

  test('other lists are compared by index; keys with dots are quoted', () => {
    const before = manifests('a.yaml', `apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  labels: { app.kubernetes.io/version: 1.30.3 }
data: { list: x }
spec: { args: [a, b] }
`);
    const after = manifests('a.yaml', `apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  labels: { app.kubernetes.io/version: 1.31.0 }
data: { list: x }
spec: { args: [a, c, d] }
`);
    expect(diffManifests(before, after)[0].fields.map(formatField)).toEqual([
      'metadata.labels["app.kubernetes.io/version"]: "1.30.3" → "1.31.0"',
      'spec.args[1]: "b" → "c"',
      'spec.args[2]: (added) "d"',
    ]);
  });

  test('a CRD schema with many changes collapses to one line per version', () => {
    const fields = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const d = diffManifests(manifests('a.yaml', crd('old', fields)), manifests('a.yaml', crd('new', fields)));
    expect(d[0].fields.map(formatField)).toEqual(['spec.versions[name=v1alpha1].schema: (changed, 7 fields)']);
    // A few schema changes (a new field) stay readable.
    const few = diffManifests(manifests('a.yaml', crd('old', ['a'])), manifests('a.yaml', crd('old', ['a', 'b'])));
    expect(few[0].fields.map(formatField)).toEqual([
      'spec.versions[name=v1alpha1].schema.openAPIV3Schema.properties.spec.properties.inner.properties.b: (added)',
    ]);
  });
});

describe('formatDiff', () => {
  test('long values show the path only; long path lists are capped', () => {
    const long = 'x'.repeat(81);
    const before = manifests('a.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\ndata: { big: "${long}", text: "a\\nb\\nc" }\n`);
    const after = manifests('a.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\ndata: { big: "${long}y", text: "a\\nB\\nc\\nd" }\n`);
    const d = diffManifests(before, after);
    expect(d[0].fields.map(formatField)).toEqual([
      'data.big: (changed)',
      'data.text: (changed, +2 −1 lines)',
    ]);
    const report = formatDiff(
      { filesAdded: [], filesRemoved: [], objects: d, fileNotes: [], objectsBefore: 1, objectsAfter: 1 },
      { maxPaths: 1 },
    );
    expect(report).toEqual([
      'objects: 1 changed, 0 added, 0 removed, 0 moved (1 before, 1 after)',
      '',
      'a.yaml',
      '  ~ ConfigMap/-/c',
      '      data.big: (changed)',
      '      … and 1 more',
    ]);
  });

  test('a change made to several objects (an upgrade relabelling everything) is listed once', () => {
    const cm = (name: string, version: string, extra = '') =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name}, labels: { version: "${version}" } }\ndata: { a: "1"${extra} }\n`;
    const names = ['c1', 'c2', 'c3', 'c4'];
    const before = manifests('a.yaml', ...names.map(n => cm(n, '1.30.3')));
    const after = manifests('a.yaml', ...names.map(n => cm(n, '1.29.6', n === 'c2' ? ', b: "2"' : '')));
    const report = formatDiff({ filesAdded: [], filesRemoved: [], objects: diffManifests(before, after), fileNotes: [], objectsBefore: 4, objectsAfter: 4 });
    expect(report).toEqual([
      'objects: 4 changed, 0 added, 0 removed, 0 moved (4 before, 4 after)',
      '',
      'changes common to several objects (listed once, left out below):',
      '      metadata.labels.version: "1.30.3" → "1.29.6"  (4 objects)',
      '',
      'a.yaml',
      '  ~ ConfigMap/-/c2',
      '      data.b: (added) "2"',
      '  ~ 3 more objects with only the common changes above',
    ]);
    // Below the threshold, every object keeps its own lines.
    expect(formatDiff({ filesAdded: [], filesRemoved: [], objects: diffManifests(before, after), fileNotes: [], objectsBefore: 4, objectsAfter: 4 }, { commonAt: 5 }))
      .toContain('      metadata.labels.version: "1.30.3" → "1.29.6"');
  });
});

describe('diffFolders', () => {
  test('identical folders have no differences', () => {
    const files = { '0000-a.k8s.yaml': NAMESPACE, '0001-b.k8s.yaml': deployment() };
    const d = diffFolders(folder(files), folder(files));
    expect(isIdentical(d)).toBe(true);
    expect(d.objectsAfter).toBe(2);
  });

  test('an object that moves to another file is reported with both files', () => {
    const d = diffFolders(
      folder({ '0000-a.k8s.yaml': [NAMESPACE, SERVICE].join('---\n'), '0001-b.k8s.yaml': deployment() }),
      folder({ '0000-a.k8s.yaml': NAMESPACE, '0001-b.k8s.yaml': [deployment(), SERVICE].join('---\n') }),
    );
    expect(d.objects).toEqual([
      expect.objectContaining({ kind: 'moved', ref: 'Service/istio-system/istiod', file: '0001-b.k8s.yaml', movedFrom: '0000-a.k8s.yaml' }),
    ]);
    expect(formatDiff(d)).toContain('  > Service/istio-system/istiod (moved from 0000-a.k8s.yaml: apply order changed)');
  });

  test('file set changes are reported', () => {
    const d = diffFolders(
      folder({ '0000-a.k8s.yaml': NAMESPACE, '0001-b.k8s.yaml': SERVICE }),
      folder({ '0000-a.k8s.yaml': NAMESPACE, '0002-b.k8s.yaml': SERVICE }),
    );
    expect(d.filesAdded).toEqual(['0002-b.k8s.yaml']);
    expect(d.filesRemoved).toEqual(['0001-b.k8s.yaml']);
    expect(formatDiff(d).slice(1, 3)).toEqual(['file added: 0002-b.k8s.yaml', 'file removed: 0001-b.k8s.yaml']);
  });

  test('a formatting-only change counts, and says so', () => {
    const d = diffFolders(
      folder({ '0000-a.k8s.yaml': NAMESPACE }),
      folder({ '0000-a.k8s.yaml': '# edited by hand\nkind: Namespace\napiVersion: v1\nmetadata: { name: istio-system }\n' }),
    );
    expect(isIdentical(d)).toBe(false);
    expect(d.objects).toEqual([]);
    expect(d.fileNotes).toEqual([{ file: '0000-a.k8s.yaml', kind: 'formatting only' }]);
    expect(formatDiff(d)).toContain('  (formatting only: same objects, different bytes)');
  });

  test('objects swapped within a file count as a change', () => {
    const d = diffFolders(
      folder({ '0000-a.k8s.yaml': [NAMESPACE, SERVICE].join('---\n') }),
      folder({ '0000-a.k8s.yaml': [SERVICE, NAMESPACE].join('---\n') }),
    );
    expect(d.fileNotes).toEqual([{ file: '0000-a.k8s.yaml', kind: 'objects reordered' }]);
  });
});

describe('npm run diff', () => {
  test('exit 0 for identical folders, 1 with a report for different ones, 2 for errors', () => {
    const a = folder({ '0000-a.k8s.yaml': deployment() });
    const same = runCli(a, folder({ '0000-a.k8s.yaml': deployment() }));
    expect(same.stdout).toBe(`diff: ${a} and ${tmpDirs[tmpDirs.length - 1]} are identical (1 objects)\n`);
    expect(same.status).toBe(0);

    const changed = runCli(a, folder({ '0000-a.k8s.yaml': deployment({ image: 'docker.io/istio/pilot:1.30.4', replicas: 3 }) }));
    expect(changed.status).toBe(1);
    expect(changed.stdout).toContain('  ~ Deployment/istio-system/istiod\n      spec.replicas: 1 → 3\n');
    expect(changed.stdout).toContain('containers[name=discovery].image: "docker.io/istio/pilot:1.30.3" → "docker.io/istio/pilot:1.30.4"');

    const missing = runCli(a, path.join(a, 'nope'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe(`error: no such folder: ${path.join(a, 'nope')}\n`);

    const bad = runCli(a, folder({ '0000-a.k8s.yaml': 'a: [\n' }));
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^error: cannot parse manifests in .*0000-a\.k8s\.yaml: line \d+, column \d+: /);
  }, 60_000);

  test('with no arguments, the committed dist/ matches a fresh synthesis', () => {
    const before = new Set(fs.readdirSync(os.tmpdir()));
    const r = runCli();
    expect(r.stdout).toMatch(/^diff: dist\/ is up to date \(\d+ objects\)\n$/);
    expect(r.status).toBe(0);
    // The temporary synth output is gone.
    expect(fs.readdirSync(os.tmpdir()).filter(f => f.startsWith('istio-diff-') && !before.has(f))).toEqual([]);
  }, 120_000);
});
