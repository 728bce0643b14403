import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { alignLists } from '../lib/diff/align';
import { diffCommand, DiffCommandContext, main } from '../lib/diff/cli';
import { diffManifests } from '../lib/diff/compare';
import { formatField } from '../lib/diff/field-line';
import { flowValue } from '../lib/diff/flow';
import { diffFolders, FolderDiff, isIdentical } from '../lib/diff/folders';
import { formatDiff } from '../lib/diff/format';
import { codeSpan, formatMarkdown } from '../lib/diff/markdown';
import { USAGE } from '../lib/diff/options';
import { Comparison } from '../lib/diff/targets';
import { Manifest, parseManifests } from '../lib/manifests';
import { loadYaml11 } from '../lib/manifests/yaml11';
import { runCaptured } from './command-io';

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

/** A temporary folder, removed after all tests (the run fails if one is left in TMPDIR). */
function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.push(dir);
  return dir;
}

function writeFiles(dir: string, files: { readonly [name: string]: string }): void {
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
}

/** A temporary folder holding the given files. */
function folder(files: { readonly [name: string]: string }): string {
  const dir = tempDir('diff-test-');
  writeFiles(dir, files);
  return dir;
}

afterAll(() => {
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** The field lines of the one object that differs between two versions of a manifest. */
function fieldLines(before: string, after: string): string[] {
  const d = diffManifests(manifests('a.yaml', before), manifests('a.yaml', after));
  expect(d).toHaveLength(1);
  return d[0].fields.map(formatField);
}

/** A FolderDiff of manifest lists (one file), for the report tests. */
function folderDiff(before: Manifest[], after: Manifest[]): FolderDiff {
  return { filesAdded: [], filesRemoved: [], objects: diffManifests(before, after), fileNotes: [], objectsBefore: before.length, objectsAfter: after.length };
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
    expect(fieldLines(deployment({ apiVersion: 'apps/v1beta1' }), deployment({ apiVersion: 'apps/v1' })))
      .toEqual(['apiVersion: "apps/v1beta1" → "apps/v1"']);
  });

  test('list items with unique names are keyed by name, and shown when added', () => {
    expect(fieldLines(deployment(), deployment({ image: 'docker.io/istio/pilot:1.30.4', extraContainer: true }))).toEqual([
      'spec.template.spec.containers[name=discovery].image: "docker.io/istio/pilot:1.30.3" → "docker.io/istio/pilot:1.30.4"',
      'spec.template.spec.containers[name=sidecar]: added {name: sidecar, image: busybox}',
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

  test('keys with dots are quoted; added and removed scalars show their value', () => {
    const cm = (version: string, data: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  labels: { app.kubernetes.io/version: ${version} }
data: { ${data} }
`;
    expect(fieldLines(cm('1.30.3', 'a: x, b: "1"'), cm('1.31.0', 'a: x, c: "2"'))).toEqual([
      'metadata.labels["app.kubernetes.io/version"]: "1.30.3" → "1.31.0"',
      'data.b: removed "1"',
      'data.c: added "2"',
    ]);
  });

  test('a CRD schema with many changes collapses to one line per version', () => {
    const fields = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    expect(fieldLines(crd('old', fields), crd('new', fields))).toEqual(['spec.versions[name=v1alpha1].schema: (changed, 7 fields)']);
    // A few schema changes (a new field) stay readable.
    expect(fieldLines(crd('old', ['a']), crd('old', ['a', 'b']))).toEqual([
      'spec.versions[name=v1alpha1].schema.openAPIV3Schema.properties.spec.properties.inner.properties.b: added {type: string, description: old b}',
    ]);
  });
});

describe('lists without names: matched by content', () => {
  const INFRA = '{ key: node-role.example.com/infra, operator: Exists, effect: NoSchedule }';
  const CNI = '{ key: cni.istio.io/not-ready, operator: Exists }';
  const EDGE = '{ key: edge, operator: Equal, value: "true", effect: NoSchedule }';
  const pod = (tolerations: string[], args: string[] = ['discovery']) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: istiod, namespace: istio-system }
spec:
  template:
    spec:
      containers: [{ name: discovery, args: [${args.join(', ')}] }]
      tolerations: [${tolerations.join(', ')}]
`;

  test('an item inserted at the front is one addition, shown in flow form', () => {
    expect(fieldLines(pod([CNI, EDGE]), pod([INFRA, CNI, EDGE]))).toEqual([
      'spec.template.spec.tolerations[0]: added {key: node-role.example.com/infra, operator: Exists, effect: NoSchedule}',
    ]);
  });

  test('an item appended after others is shown with its new index', () => {
    expect(fieldLines(pod([CNI, EDGE]), pod([CNI, EDGE, INFRA]))).toEqual([
      'spec.template.spec.tolerations[2]: added {key: node-role.example.com/infra, operator: Exists, effect: NoSchedule}',
    ]);
  });

  test('an item removed from the middle is one removal, numbered as in the old list', () => {
    expect(fieldLines(pod([INFRA, EDGE, CNI]), pod([INFRA, CNI]))).toEqual([
      // "true" keeps its quotes: unquoted, YAML would read a boolean.
      'spec.template.spec.tolerations[1]: removed {key: edge, operator: Equal, value: "true", effect: NoSchedule}',
    ]);
  });

  test('a scalar item replaced in place reads as a change of that item', () => {
    expect(fieldLines(pod([], ['discovery', '--a', '--log=info']), pod([], ['--x', 'discovery', '--b', '--log=info']))).toEqual([
      'spec.template.spec.containers[name=discovery].args[0]: added "--x"',
      'spec.template.spec.containers[name=discovery].args[2]: "--a" → "--b"',
    ]);
  });

  test('a record item changed in place shows the fields that changed inside it', () => {
    const edited = '{ key: edge, operator: Exists, effect: NoSchedule }';
    expect(fieldLines(pod([INFRA, EDGE, CNI]), pod([INFRA, edited, CNI]))).toEqual([
      'spec.template.spec.tolerations[1].operator: "Equal" → "Exists"',
      'spec.template.spec.tolerations[1].value: removed "true"',
    ]);
  });

  test('more removed than added items between two kept ones: pairs first, then removals', () => {
    expect(alignLists(['a', 'b', 'c', 'd', 'e'], ['a', 'x', 'e', 'f'], (x, y) => x === y)).toEqual([
      { kind: 'kept', from: 0, to: 0 },
      { kind: 'changed', from: 1, to: 1 },
      { kind: 'removed', from: 2 },
      { kind: 'removed', from: 3 },
      { kind: 'kept', from: 4, to: 2 },
      { kind: 'added', to: 3 },
    ]);
  });

  test('items are compared deeply, key order ignored', () => {
    const reordered = '{ effect: NoSchedule, operator: Exists, key: node-role.example.com/infra }';
    expect(diffManifests(manifests('a.yaml', pod([CNI, INFRA])), manifests('a.yaml', pod([CNI, reordered])))).toEqual([]);
  });
});

describe('flowValue', () => {
  test('strings are plain inside collections unless YAML would read them otherwise; alone they are quoted', () => {
    expect(flowValue({ a: 'docker.io/istio/pilot:1.30.3', b: 'yes', c: '0775', d: 'a: b', e: '', f: 'x\ny', g: null, h: 2 }))
      .toBe('{a: docker.io/istio/pilot:1.30.3, b: "yes", c: "0775", d: "a: b", e: "", f: "x\\ny", g: null, h: 2}');
    expect(flowValue('Exists')).toBe('"Exists"');
    expect(flowValue([1, 'on', [], {}])).toBe('[1, "on", [], {}]');
  });

  test('what it prints reads back as the same value', () => {
    const value = {
      key: 'node-role.example.com/infra', list: ['#x', '*a', '&b', '!t', '[x]', '{y}', 'a,b', "'q'", '`c`', '- d', '1:20', '~', 'null', '.inf'],
      nested: { 'a b': 'c:d', 'with space ': ' lead', n: 1.5, t: true, unicode: 'é' },
    };
    expect(loadYaml11(flowValue(value, Infinity))).toEqual([value]);
  });

  test('long values are shortened after their first keys', () => {
    const item = { name: 'istio-proxy', image: 'auto', args: ['proxy', 'router', '--domain', '$(POD_NAMESPACE).svc.cluster.local'], env: [{ name: 'JWT_POLICY', value: 'third-party-jwt' }] };
    const text = flowValue(item);
    expect(text).toBe('{name: istio-proxy, image: auto, args: [proxy, router, --domain, $(POD_NAMESPACE).svc.cluster.…], …}');
    expect(text.length).toBeLessThanOrEqual(100);
    // A long string is cut too, so the first key still fits; the result is exactly as wide as allowed.
    expect(flowValue({ description: 'x'.repeat(300), type: 'string' }, 40)).toBe(`{description: ${'x'.repeat(21)}…, …}`);
  });
});

describe('formatDiff', () => {
  test('long values show the path only; long path lists are capped', () => {
    const long = 'x'.repeat(81);
    const before = manifests('a.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\ndata: { big: "${long}", text: "a\\nb\\nc" }\n`);
    const after = manifests('a.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\ndata: { big: "${long}y", text: "a\\nB\\nc\\nd" }\n`);
    const d = folderDiff(before, after);
    expect(d.objects[0].fields.map(formatField)).toEqual([
      'data.big: (changed)',
      'data.text: (changed, +2 −1 lines)',
    ]);
    expect(formatDiff(d, { maxPaths: 1 })).toEqual([
      'objects: 1 changed, 0 added, 0 removed, 0 moved (1 before, 1 after)',
      '',
      'a.yaml',
      '  ~ ConfigMap/-/c',
      '      data.big: (changed)',
      '      … and 1 more',
    ]);
  });

  const cm = (name: string, version: string, extra = '') =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name}, labels: { version: "${version}" } }\ndata: { a: "1"${extra} }\n`;
  const names = ['c1', 'c2', 'c3', 'c4'];
  const upgrade = () => folderDiff(
    manifests('a.yaml', ...names.map(n => cm(n, '1.30.3'))),
    manifests('a.yaml', ...names.map(n => cm(n, '1.29.6', n === 'c2' ? ', b: "2"' : ''))),
  );

  test('a change made to several objects (an upgrade relabelling everything) is listed once', () => {
    expect(formatDiff(upgrade())).toEqual([
      'objects: 4 changed, 0 added, 0 removed, 0 moved (4 before, 4 after)',
      '',
      'changes common to several objects (listed once, left out below):',
      '      metadata.labels.version: "1.30.3" → "1.29.6"  (4 objects)',
      '',
      'a.yaml',
      '  ~ ConfigMap/-/c2',
      '      data.b: added "2"',
      '  ~ 3 more objects with only the common changes above',
    ]);
    // Below the threshold, every object keeps its own lines.
    expect(formatDiff(upgrade(), { commonAt: 5 })).toContain('      metadata.labels.version: "1.30.3" → "1.29.6"');
  });

  test('changes that only look alike once shortened are not merged into a common one', () => {
    const long = (tail: string) => `${'x'.repeat(120)}${tail}`;
    const objects = ['c1', 'c2', 'c3'].map(n => manifests('a.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${n} }\ndata: { a: "1" }\n`));
    const after = ['c1', 'c2', 'c3'].map((n, i) => manifests('a.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${n} }\ndata: { a: "1", b: "${long(String(i))}" }\n`));
    const lines = formatDiff(folderDiff(objects.flat(), after.flat()));
    expect(lines).not.toContain('changes common to several objects (listed once, left out below):');
    expect(lines.filter(l => l.startsWith('      data.b: added "xxx'))).toHaveLength(3);
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

describe('formatMarkdown', () => {
  const comparison = (diff: FolderDiff, fresh = false): Comparison => (fresh ? { before: 'dist/', after: 'a fresh synthesis', fresh, diff } : { before: 'old', after: 'new', fresh, diff });

  test('heading with the counts, a table of files, common changes once, then objects per file', () => {
    const names = ['c1', 'c2', 'c3'];
    const cm = (name: string, version: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name}, labels: { version: "${version}" } }\n`;
    const d = diffFolders(
      folder({ '0000-a.k8s.yaml': [NAMESPACE, ...names.map(n => cm(n, '1'))].join('---\n'), '0001-b.k8s.yaml': deployment() }),
      folder({
        '0000-a.k8s.yaml': names.map(n => cm(n, '2')).join('---\n'),
        '0001-b.k8s.yaml': [deployment({ replicas: 2 }), NAMESPACE].join('---\n'),
        '0002-c.k8s.yaml': SERVICE,
      }),
    );
    expect(formatMarkdown(comparison(d), { maxPaths: 1 })).toEqual([
      '### diff: 4 changed, 1 added, 0 removed, 1 moved',
      '',
      '`old` → `new`: 5 objects before, 6 after; files: 1 added, 0 removed.',
      '',
      '| file | changed | added | removed | moved |',
      '|---|--:|--:|--:|--:|',
      '| `0000-a.k8s.yaml` | 3 | 0 | 0 | 0 |',
      '| `0001-b.k8s.yaml` | 1 | 0 | 0 | 1 |',
      '| `0002-c.k8s.yaml` (new file) | 0 | 1 | 0 | 0 |',
      '',
      'Changes common to several objects (listed once, left out below):',
      '',
      '| change | objects |',
      '|---|--:|',
      '| `metadata.labels.version: "1" → "2"` | 3 |',
      '',
      '#### `0000-a.k8s.yaml`',
      '',
      '- 3 more objects with only the common changes above',
      '',
      '#### `0001-b.k8s.yaml`',
      '',
      '- **changed** `Deployment/istio-system/istiod`',
      '  - `spec.replicas: 1 → 2`',
      '- **moved** `Namespace/-/istio-system`, moved from `0000-a.k8s.yaml` (apply order changed)',
      '',
      '#### `0002-c.k8s.yaml` (new file)',
      '',
      '- **added** `Service/istio-system/istiod`',
    ]);
  });

  test('identical sides and a stale dist/ have their own wording', () => {
    const same = diffFolders(folder({ 'a.yaml': NAMESPACE }), folder({ 'a.yaml': NAMESPACE }));
    expect(formatMarkdown(comparison(same))).toEqual(['### diff: no changes', '', '`old` and `new` are identical (1 object).']);
    expect(formatMarkdown(comparison(same, true))).toEqual(['### diff: no changes', '', '`dist/` is up to date (1 object).']);
    const stale = diffFolders(folder({ 'a.yaml': NAMESPACE }), folder({ 'a.yaml': SERVICE }));
    expect(formatMarkdown(comparison(stale, true)).slice(0, 5)).toEqual([
      '### diff: 0 changed, 1 added, 1 removed, 0 moved',
      '',
      '`dist/` (before) against a fresh synthesis (after): 1 objects before, 1 after.',
      '',
      '**dist/ is stale**: run `npm run synth` and commit `dist/`.',
    ]);
  });

  test('pipes and backticks in values cannot break a table or a code span', () => {
    const cm = (name: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name} }\ndata: { cmd: ${JSON.stringify(value)} }\n`;
    const names = ['c1', 'c2', 'c3'];
    const d = folderDiff(
      manifests('a|b.yaml', ...names.map(n => cm(n, 'a')), cm('x', 'run `x`')),
      manifests('a|b.yaml', ...names.map(n => cm(n, 'a | b')), cm('x', '`y` | z')),
    );
    const md = formatMarkdown(comparison(d));
    // In a table, | is escaped even inside a code span (GitHub unescapes it there).
    expect(md).toContain('| `data.cmd: "a" → "a \\| b"` | 3 |');
    expect(md).toContain('| `a\\|b.yaml` | 4 | 0 | 0 | 0 |');
    expect(md).toContain('#### `a|b.yaml`');
    // Outside tables, the fence outgrows the backticks inside, padded where the text starts or ends with one.
    expect(md).toContain('  - ``data.cmd: "run `x`" → "`y` | z"``');
    expect(codeSpan('`a`')).toBe('`` `a` ``');
    expect(codeSpan('x ``` y')).toBe('````x ``` y````');
  });
});

describe('npm run diff, in-process', () => {
  const run = (argv: readonly string[], ctx: Partial<DiffCommandContext> = {}) =>
    runCaptured((args, io) => diffCommand(args, io, { root: ROOT, ...ctx }), argv, { errorStatus: 2 });

  test('two folders: exit 0 when identical, 1 with a report when different, 2 on errors', async () => {
    const a = folder({ '0000-a.k8s.yaml': deployment() });
    const b = folder({ '0000-a.k8s.yaml': deployment() });
    expect(await run([a, b])).toEqual({ status: 0, out: [`diff: ${a} and ${b} are identical (1 object)`], err: [] });

    const changed = await run([a, folder({ '0000-a.k8s.yaml': deployment({ image: 'docker.io/istio/pilot:1.30.4', replicas: 3 }) })]);
    expect(changed.status).toBe(1);
    expect(changed.out.slice(1, 2)).toEqual(['objects: 1 changed, 0 added, 0 removed, 0 moved (1 before, 1 after)']);
    expect(changed.out.join('\n')).toContain('  ~ Deployment/istio-system/istiod\n      spec.replicas: 1 → 3\n');

    expect(await run([a, path.join(a, 'nope')])).toEqual({ status: 2, out: [], err: [`error: no such folder: ${path.join(a, 'nope')}`] });

    const bad = await run([a, folder({ '0000-a.k8s.yaml': 'a: [\n' })]);
    expect(bad.status).toBe(2);
    expect(bad.err).toHaveLength(1);
    expect(bad.err[0]).toMatch(/^error: cannot parse manifests in .*: 0000-a\.k8s\.yaml: line \d+, column \d+: /);
  });

  test('--markdown and --max-paths apply to any comparison', async () => {
    const a = folder({ '0000-a.k8s.yaml': deployment() });
    const b = folder({ '0000-a.k8s.yaml': deployment({ replicas: 3, image: 'other:1' }) });
    const md = await run(['--markdown', '--max-paths', '1', a, b]);
    expect(md.status).toBe(1);
    expect(md.out[0]).toBe('### diff: 1 changed, 0 added, 0 removed, 0 moved');
    expect(md.out.slice(-3)).toEqual(['- **changed** `Deployment/istio-system/istiod`', '  - `spec.replicas: 1 → 3`', '  - … and 1 more']);
  });

  test('--help prints the usage with every option, and does nothing else', async () => {
    const help = await run(['--help'], { root: path.join(ROOT, 'no-such-project') });
    expect(help).toEqual({ status: 0, out: [USAGE], err: [] });
    for (const option of ['<git-ref>', '<before-dir> <after-dir>', '--markdown', '--max-paths', '--help']) expect(USAGE).toContain(option);
    expect((await run(['-h'])).out).toEqual([USAGE]);
  });

  test('wrong arguments are one error line, exit 2', async () => {
    const dir = folder({ 'a.yaml': NAMESPACE });
    expect(await run([dir])).toEqual({
      status: 2,
      out: [],
      err: [`error: "${dir}" is a folder, and folders are compared two at a time: npm run diff -- <before-dir> <after-dir> (to compare dist/ with a git ref named "${dir}", write ${dir}^0)`],
    });
    expect((await run(['a', 'b', 'c'])).err).toEqual(['error: expected a git ref, two folders or nothing, got 3 arguments (see npm run diff -- --help)']);
    expect((await run(['--max-paths', 'x'])).err).toEqual(['error: --max-paths wants a whole number, got "x"']);
    expect(await run(['--colour'])).toEqual({ status: 2, out: [], err: [expect.stringMatching(/^error: unknown option --colour\nusage: npm run diff/)] });
  });

  test('with no arguments, the committed dist/ matches a fresh synthesis', async () => {
    const r = await runCaptured(main, [], { errorStatus: 2 });
    expect(r.out).toEqual([expect.stringMatching(/^diff: dist\/ is up to date \(\d+ objects\)$/)]);
    expect(r.status).toBe(0);
  }, 120_000);
});

describe('npm run diff -- <git-ref>', () => {
  // The fixture's own git runs see no user or system configuration (signing, hooks,
  // templates) and no repository of an enclosing git process; fixed dates for fixed ids.
  const fixtureEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, HOME: os.tmpdir(), LC_ALL: 'C',
    GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'test', GIT_AUTHOR_EMAIL: 'test@example.com', GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
    GIT_COMMITTER_NAME: 'test', GIT_COMMITTER_EMAIL: 'test@example.com', GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
  };

  function git(cwd: string, ...args: string[]): string {
    const r = spawnSync('git', args, { cwd, env: fixtureEnv, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  }

  /** A git repository with one commit per entry: files written (null deletes), then committed. */
  function repo(...commits: { readonly [name: string]: string | null }[]): string {
    const dir = tempDir('diff-repo-');
    git(dir, 'init', '-q');
    commits.forEach((files, i) => {
      for (const [name, text] of Object.entries(files)) {
        if (text === null) fs.rmSync(path.join(dir, name));
        else writeFiles(dir, { [name]: text });
      }
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '--allow-empty', '-m', `commit ${i}`);
    });
    return dir;
  }

  const DIST = {
    'dist/0000-namespaces.k8s.yaml': NAMESPACE,
    'dist/0001-istiod.k8s.yaml': [deployment(), SERVICE].join('---\n'),
  };

  const run = (root: string, argv: readonly string[], ctx: Partial<DiffCommandContext> = {}) =>
    runCaptured((args, io) => diffCommand(args, io, { root, ...ctx }), argv, { errorStatus: 2 });

  test('compares dist/ as committed with the working tree, object by object, writing nothing', async () => {
    const root = repo(DIST, { 'dist/0001-istiod.k8s.yaml': [deployment({ replicas: 2 }), SERVICE].join('---\n') });
    const head = git(root, 'rev-parse', '--short', 'HEAD');
    const first = git(root, 'rev-parse', '--short', 'HEAD~1');
    expect(await run(root, ['HEAD'])).toEqual({
      status: 0, out: [`diff: dist/ at HEAD (${head}) and dist/ in the working tree are identical (3 objects)`], err: [],
    });

    // Edits not committed yet: a changed field, a new object, a new file. The image's
    // variant changes, not its version: an Istio upgrade would add upgrade sections.
    writeFiles(root, {
      'dist/0001-istiod.k8s.yaml': [deployment({ replicas: 2, image: 'docker.io/istio/pilot:1.30.3-distroless' }), SERVICE, NAMESPACE.replace('istio-system', 'istio-ingress')].join('---\n'),
      'dist/0002-apps.k8s.yaml': NAMESPACE.replace('istio-system', 'shop'),
    });
    // Nothing is written to disk; the jest teardown fails the run on any leftover in TMPDIR
    // (a before/after listing here would race with the other worker's temporary folders).
    const r = await run(root, ['HEAD~1']);
    expect(r).toEqual({
      status: 1,
      err: [],
      out: [
        `diff: dist/ at HEAD~1 (${first}) → dist/ in the working tree`,
        'objects: 1 changed, 2 added, 0 removed, 0 moved (3 before, 5 after); files: +1 -0',
        'file added: 0002-apps.k8s.yaml',
        '',
        '0001-istiod.k8s.yaml',
        '  ~ Deployment/istio-system/istiod',
        '      spec.replicas: 1 → 2',
        '      spec.template.spec.containers[name=discovery].image: "docker.io/istio/pilot:1.30.3" → "docker.io/istio/pilot:1.30.3-distroless"',
        '  + Namespace/-/istio-ingress (added)',
        '',
        '0002-apps.k8s.yaml',
        '  + Namespace/-/shop (added)',
      ],
    });
    // A commit id names the same thing, and --markdown works here too.
    const md = await run(root, ['--markdown', git(root, 'rev-parse', 'HEAD~1')]);
    expect(md.status).toBe(1);
    expect(md.out[2]).toMatch(/^`dist\/ at [0-9a-f]{40} \([0-9a-f]+\)` → `dist\/ in the working tree`: 3 objects before, 5 after/);
  });

  test('a fleet\'s dist/<cluster>/ folders: objects matched within their cluster, --cluster compares one', async () => {
    const fleet = {
      'dist/dev/0000-namespaces.k8s.yaml': NAMESPACE,
      'dist/prod/0000-namespaces.k8s.yaml': NAMESPACE,
      'dist/prod/0001-istiod.k8s.yaml': [deployment(), SERVICE].join('---\n'),
    };
    const root = repo(fleet);
    const head = git(root, 'rev-parse', '--short', 'HEAD');
    // The same Deployment moves from prod to dev: an addition in one cluster, a removal in the other, not a move.
    fs.rmSync(path.join(root, 'dist/prod/0001-istiod.k8s.yaml'));
    writeFiles(root, { 'dist/dev/0001-istiod.k8s.yaml': [deployment(), SERVICE].join('---\n') });
    const all = await run(root, ['HEAD']);
    expect(all.status).toBe(1);
    expect(all.out.slice(0, 2)).toEqual([
      `diff: dist/ at HEAD (${head}) → dist/ in the working tree`,
      'objects: 0 changed, 2 added, 2 removed, 0 moved (4 before, 4 after); files: +1 -1',
    ]);
    expect(all.out).toContain('dev/0001-istiod.k8s.yaml');
    const dev = await run(root, ['--cluster', 'dev', 'HEAD']);
    expect(dev.out[0]).toBe(`diff: dist/dev/ at HEAD (${head}) → dist/dev/ in the working tree`);
    expect(dev.out[1]).toBe('objects: 0 changed, 2 added, 0 removed, 0 moved (1 before, 3 after); files: +1 -0');
    const none = await run(root, ['--cluster', 'staging', 'HEAD']);
    expect(none).toEqual({ status: 2, out: [], err: [`error: no cluster staging in dist/ at HEAD (${head}) nor in dist/ in the working tree (clusters: dev, prod)`] });
    // A cluster the change adds (on one side only) is compared with nothing: all of it added.
    writeFiles(root, { 'dist/eu/0000-namespaces.k8s.yaml': NAMESPACE });
    const added = await run(root, ['--cluster', 'eu', 'HEAD']);
    expect(added.out.slice(0, 2)).toEqual([
      `diff: dist/eu/ at HEAD (${head}) → dist/eu/ in the working tree`,
      'objects: 0 changed, 1 added, 0 removed, 0 moved (0 before, 1 after); files: +1 -0',
    ]);
  });

  test('dist/delivery/ is no cluster: --cluster never lists it, and --cluster delivery is refused; without --cluster it is compared', async () => {
    const delivery = 'apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata:\n  name: istio-dev\n  namespace: argocd\n';
    const root = repo({ 'dist/dev/0000-namespaces.k8s.yaml': NAMESPACE, 'dist/delivery/argocd.k8s.yaml': delivery });
    const head = git(root, 'rev-parse', '--short', 'HEAD');
    const none = await run(root, ['--cluster', 'staging', 'HEAD']);
    expect(none).toEqual({ status: 2, out: [], err: [`error: no cluster staging in dist/ at HEAD (${head}) nor in dist/ in the working tree (clusters: dev)`] });
    const refused = await run(root, ['--cluster', 'delivery', 'HEAD']);
    expect(refused.status).toBe(2);
    expect(refused.err).toEqual(['error: --cluster delivery: delivery/ holds the Argo CD or Flux objects that apply the clusters\' folders, not a cluster\'s folder; npm run diff without --cluster compares it with the rest']);
    writeFiles(root, { 'dist/delivery/argocd.k8s.yaml': delivery.replace('istio-dev', 'istio-prod') });
    const all = await run(root, ['HEAD']);
    expect(all.status).toBe(1);
    expect(all.out).toContain('delivery/argocd.k8s.yaml');
    // The single form: a delivery folder beside the files makes no cluster.
    const single = repo({ 'dist/0000-namespaces.k8s.yaml': NAMESPACE, 'dist/delivery/argocd.k8s.yaml': delivery });
    const one = await run(single, ['--cluster', 'dev', 'HEAD']);
    expect(one.err[0]).toMatch(/\(they hold one cluster's files, not a folder per cluster\)$/);
  });

  test('in a project below the repository root, dist/ is the project\'s', async () => {
    const root = repo({ 'dist/0000-other.k8s.yaml': SERVICE, 'project/dist/0000-a.k8s.yaml': NAMESPACE });
    const project = path.join(root, 'project');
    expect((await run(project, ['HEAD'])).out[0]).toMatch(/^diff: dist\/ at HEAD \(\w+\) and dist\/ in the working tree are identical \(1 object\)$/);
  });

  test('errors name the problem: no repository, unknown ref, no dist/ at the ref, no git', async () => {
    const plain = folder({ 'dist/0000-a.k8s.yaml': NAMESPACE });
    expect(await run(plain, ['HEAD'])).toEqual({
      status: 2, out: [],
      err: [`error: ${plain} is not in a git repository: a git ref needs one (to compare two folders, give both)`],
    });

    const root = repo({ 'README.md': 'no dist yet\n' }, DIST);
    const unknown = await run(root, ['origin/main']);
    expect(unknown.status).toBe(2);
    expect(unknown.err).toEqual([expect.stringMatching(/^error: unknown git ref "origin\/main": not a branch, tag or commit of the repository at .*a `git fetch` first/)]);

    const first = git(root, 'rev-parse', '--short', 'HEAD~1');
    expect((await run(root, ['HEAD~1'])).err).toEqual([`error: no dist/ folder at HEAD~1 (${first}): nothing committed there to compare with`]);

    expect((await run(root, ['HEAD'], { git: path.join(root, 'no-such-git') })).err).toEqual([
      `error: cannot run ${path.join(root, 'no-such-git')}: git is not installed (or not on PATH); comparing with a git ref needs it`,
    ]);

    fs.rmSync(path.join(root, 'dist'), { recursive: true });
    expect((await run(root, ['HEAD'])).err).toEqual([`error: no dist/ folder in ${root}: run \`npm run synth\` (and commit dist/)`]);
  });
});

describe('the npm script', () => {
  // The one spawned test: it proves that running the file runs main, with diff's exit statuses.
  test('lib/diff/cli.ts runs main when executed: --help exits 0, an error exits 2', () => {
    const cli = (...args: string[]) => spawnSync(process.execPath, ['--require', 'tsx/cjs', 'lib/diff/cli.ts', ...args], { cwd: ROOT, encoding: 'utf8' });
    const help = cli('--help');
    expect({ status: help.status, stdout: help.stdout, stderr: help.stderr }).toEqual({ status: 0, stdout: `${USAGE}\n`, stderr: '' });
    const bad = cli('--max-paths=-1');
    expect({ status: bad.status, stderr: bad.stderr }).toEqual({ status: 2, stderr: 'error: --max-paths wants a whole number, got "-1"\n' });
  }, 30_000);
});
