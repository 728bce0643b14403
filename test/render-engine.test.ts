import * as fs from 'fs';
import * as path from 'path';
import { Testing, Yaml } from 'cdk8s';
import { parseHelmOutput, renderReleases } from '../lib/render/engine';
import { HelmBinary, identifyHelm } from '../lib/render/helm-binary';
import { HelmRelease } from '../lib/render/helm-release';
import { ReleaseRequest } from '../lib/render/release-request';
import { CACHE_DIR_ENV, canonicalJson, NO_CACHE_ENV, projectRenderCache, releaseCacheKey, RenderCache } from '../lib/render/render-cache';
import { distManifestFiles, inMemoryChart, tempDir } from './render';

/**
 * A stand-in helm: `version` prints a version; `template` prints one ConfigMap that
 * records its arguments, the values file and the names of its environment variables,
 * and counts its runs in $RUNS_FILE's folder (a file per run). With BARRIER set, each
 * run waits until BARRIER runs have started, so it only passes when they run at once.
 */
const FAKE_HELM = `#!/bin/sh
if [ "$1" = version ]; then echo v9.9.9; exit 0; fi
runs=$(dirname "$0")/runs
mkdir -p "$runs"; touch "$runs/$8-$$"
case "$8" in fail*) echo "Error: chart is broken" >&2; exit 1;; esac
if [ -n "$BARRIER" ]; then
  n=0; while [ "$(ls "$runs" | wc -l)" -lt "$BARRIER" ]; do n=$((n+1)); [ $n -gt 100 ] && { echo "not parallel" >&2; exit 1; }; sleep 0.05; done
fi
printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: %s\\n  namespace: %s\\ndata:\\n  args: "%s"\\n  values: %s\\n  env: "%s"\\n---\\n' "$8" "$5" "$*" "'$(cat "$3")'" "$(env | cut -d= -f1 | sort | tr '\\n' ' ')"
`;

function fakeHelm(dir: string, env: { BARRIER?: number } = {}): HelmBinary {
  const file = path.join(dir, 'helm');
  const script = env.BARRIER ? FAKE_HELM.replace('#!/bin/sh\n', `#!/bin/sh\nBARRIER=${env.BARRIER}\n`) : FAKE_HELM;
  fs.writeFileSync(file, script, { mode: 0o755 });
  return identifyHelm(file);
}

const runs = (dir: string) => (fs.existsSync(path.join(dir, 'runs')) ? fs.readdirSync(path.join(dir, 'runs')).length : 0);

const REQUEST: ReleaseRequest = {
  chart: 'demo', chartDir: '/charts/demo', chartSha256: 'a'.repeat(64),
  releaseName: 'demo', namespace: 'demo-ns', values: { a: 1, nested: { b: 'x' } }, kubeVersion: '1.33.0',
};

describe('renderReleases', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => { t = tempDir('istio-cdk8s-render-'); });
  afterEach(() => t.cleanup());

  test('helm gets explicit arguments and values, and none of the caller\'s environment; its scratch folder goes away', async () => {
    const helm = fakeHelm(t.dir);
    const saved = { ...process.env };
    try {
      Object.assign(process.env, { HELM_NAMESPACE: 'elsewhere', KUBECONFIG: '/home/me/.kube/config', HELM_PLUGINS: '/p', LANG: 'de_DE.UTF-8', TZ: 'Asia/Tokyo' });
      const tmpdir = path.join(t.dir, 'tmp');
      fs.mkdirSync(tmpdir);
      const [r] = await renderReleases([REQUEST], { helm, tmpdir });
      const data = (r.documents[0] as any).data;
      expect(data.args).toMatch(/^template -f \S+\/values\.json --namespace demo-ns --kube-version 1\.33\.0 demo \/charts\/demo$/);
      expect(JSON.parse(data.values)).toEqual(REQUEST.values);
      expect(data.env.trim().split(' ').filter((k: string) => !['PWD', 'SHLVL', '_', 'OLDPWD'].includes(k)))
        .toEqual(['HELM_CACHE_HOME', 'HELM_CONFIG_HOME', 'HELM_DATA_HOME', 'HOME', 'PATH', 'TMPDIR']);
      expect(fs.readdirSync(tmpdir)).toEqual([]);
    } finally {
      process.env = saved;
    }
  });

  test('the cache key changes with every input, and not with the key order of the values', () => {
    const helm: HelmBinary = { path: '/h', version: 'v1', sha256: 'b'.repeat(64) };
    const base = releaseCacheKey(helm, REQUEST);
    const variants: Array<[string, HelmBinary, ReleaseRequest]> = [
      ['helm version', { ...helm, version: 'v2' }, REQUEST],
      ['helm binary', { ...helm, sha256: 'c'.repeat(64) }, REQUEST],
      ['chart files', helm, { ...REQUEST, chartSha256: 'd'.repeat(64) }],
      ['release name', helm, { ...REQUEST, releaseName: 'other' }],
      ['namespace', helm, { ...REQUEST, namespace: 'other' }],
      ['kube version', helm, { ...REQUEST, kubeVersion: '1.34.0' }],
      ['a value', helm, { ...REQUEST, values: { ...REQUEST.values, a: 2 } }],
      ['a value\'s type', helm, { ...REQUEST, values: { ...REQUEST.values, a: '1' } }],
    ];
    const keys = variants.map(([, h, r]) => releaseCacheKey(h, r));
    expect(new Set([base, ...keys]).size).toBe(variants.length + 1);
    expect(releaseCacheKey(helm, { ...REQUEST, chartDir: '/elsewhere' })).toBe(base);
    expect(releaseCacheKey(helm, { ...REQUEST, values: { nested: { b: 'x' }, a: 1 } })).toBe(base);
    // The key describes the values file helm reads: null (deletes a chart default) is not undefined (absent).
    const withNull = releaseCacheKey(helm, { ...REQUEST, values: { ...REQUEST.values, resources: null } });
    const withUndefined = releaseCacheKey(helm, { ...REQUEST, values: { ...REQUEST.values, resources: undefined } });
    expect(withNull).not.toBe(withUndefined);
    expect(withUndefined).toBe(base);
    expect(canonicalJson({ b: [1, { d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[1,{"c":2,"d":1}]}');
  });

  test('a stale render never comes back: changing any input renders again', async () => {
    const helm = fakeHelm(t.dir);
    const cache = new RenderCache(path.join(t.dir, 'cache'));
    const first = await renderReleases([REQUEST], { helm, cache });
    expect([first[0].fromCache, runs(t.dir)]).toEqual([false, 1]);
    const again = await renderReleases([REQUEST], { helm, cache });
    expect([again[0].fromCache, runs(t.dir)]).toEqual([true, 1]);
    expect(again[0].documents).toEqual(first[0].documents);
    const changed: ReleaseRequest[] = [
      { ...REQUEST, values: { a: 2 } }, { ...REQUEST, namespace: 'n2' }, { ...REQUEST, releaseName: 'r2' },
      { ...REQUEST, kubeVersion: '1.34.0' }, { ...REQUEST, chartSha256: 'e'.repeat(64) },
    ];
    for (const req of changed) {
      const [r] = await renderReleases([req], { helm, cache });
      expect(r.fromCache).toBe(false);
    }
    expect(runs(t.dir)).toBe(1 + changed.length);
    // Another helm binary at the same path: identified anew, nothing reused.
    fs.appendFileSync(helm.path, '# rebuilt\n');
    const rebuilt = identifyHelm(helm.path);
    expect(rebuilt.sha256).not.toBe(helm.sha256);
    expect((await renderReleases([REQUEST], { helm: rebuilt, cache }))[0].fromCache).toBe(false);
  });

  test.each([
    ['truncated', (text: string) => text.slice(0, text.length - 10)],
    ['corrupt', (text: string) => text.replace('demo-ns', 'demo-xx')],
    ['empty', () => ''],
    ['not JSON', () => 'garbage\ngarbage'],
  ])('a %s entry is rendered again and replaced, never used', async (_name, damage) => {
    const helm = fakeHelm(t.dir);
    const cache = new RenderCache(path.join(t.dir, 'cache'));
    const [good] = await renderReleases([REQUEST], { helm, cache });
    const file = path.join(cache.dir, `${releaseCacheKey(helm, REQUEST)}.json`);
    fs.writeFileSync(file, damage(fs.readFileSync(file, 'utf8')));
    const [r] = await renderReleases([REQUEST], { helm, cache });
    expect([r.fromCache, runs(t.dir)]).toEqual([false, 2]);
    expect(r.documents).not.toEqual(good.documents); // a new run: the values file had another scratch path
    expect(cache.read(releaseCacheKey(helm, REQUEST))).toEqual(r.documents);
  });

  test('an intact entry of another key under this key\'s name is foreign, and not used', async () => {
    const helm = fakeHelm(t.dir);
    const cache = new RenderCache(path.join(t.dir, 'cache'));
    const other = { ...REQUEST, releaseName: 'other' };
    await renderReleases([REQUEST, other], { helm, cache });
    const key = (r: ReleaseRequest) => path.join(cache.dir, `${releaseCacheKey(helm, r)}.json`);
    fs.copyFileSync(key(other), key(REQUEST));
    const [r] = await renderReleases([REQUEST], { helm, cache });
    expect(r.fromCache).toBe(false);
    expect((r.documents[0] as any).metadata.name).toBe('demo');
  });

  test('misses render at once (a helm that waits for the other to start passes only in parallel)', async () => {
    const helm = fakeHelm(t.dir, { BARRIER: 2 });
    const rendered = await renderReleases([REQUEST, { ...REQUEST, releaseName: 'second' }], { helm, concurrency: 2 });
    expect(rendered.map(r => (r.documents[0] as any).metadata.name)).toEqual(['demo', 'second']);
  });

  test('a failing release is one error naming it; the other releases finish first; nothing is cached for it', async () => {
    const helm = fakeHelm(t.dir);
    const cache = new RenderCache(path.join(t.dir, 'cache'));
    const tmpdir = path.join(t.dir, 'tmp');
    fs.mkdirSync(tmpdir);
    await expect(renderReleases([{ ...REQUEST, releaseName: 'fail-one' }, REQUEST], { helm, cache, tmpdir }))
      .rejects.toThrow(/^helm template failed for release fail-one \(chart demo, namespace demo-ns\):\nError: chart is broken\nThe chart or helm failed, not the settings/);
    expect(runs(t.dir)).toBe(2);
    expect(fs.readdirSync(tmpdir)).toEqual([]);
    expect(fs.existsSync(cache.dir) ? fs.readdirSync(cache.dir) : []).toEqual([]);
  });

  test('the cache is bounded: the least recently used entries go first', async () => {
    const helm = fakeHelm(t.dir);
    const probe = new RenderCache(path.join(t.dir, 'probe'));
    await renderReleases([REQUEST], { helm, cache: probe });
    const entrySize = fs.statSync(path.join(probe.dir, fs.readdirSync(probe.dir)[0])).size;
    const cache = new RenderCache(path.join(t.dir, 'cache'), Math.floor(entrySize * 2.5));
    const reqs = ['r1', 'r2', 'r3'].map(releaseName => ({ ...REQUEST, releaseName }));
    for (const [i, r] of reqs.entries()) {
      await renderReleases([r], { helm, cache });
      // Distinct modification times, oldest first.
      const file = path.join(cache.dir, `${releaseCacheKey(helm, r)}.json`);
      fs.utimesSync(file, new Date(1000 * (i + 1)), new Date(1000 * (i + 1)));
    }
    cache.prune();
    expect(reqs.map(r => cache.read(releaseCacheKey(helm, r)) !== undefined)).toEqual([false, true, true]);
  });

  test('--no-cache and ISTIO_CDK8S_NO_CACHE bypass the cache; ISTIO_CDK8S_CACHE_DIR moves it', () => {
    expect(projectRenderCache('/p', {})?.dir).toBe('/p/node_modules/.cache/istio-cdk8s/renders');
    expect(projectRenderCache('/p', { [CACHE_DIR_ENV]: '/c' })?.dir).toBe('/c');
    expect(projectRenderCache('/p', {}, true)).toBeUndefined();
    expect(projectRenderCache('/p', { [NO_CACHE_ENV]: '1' })).toBeUndefined();
    expect(projectRenderCache('/p', { [NO_CACHE_ENV]: '0' })).toBeDefined();
  });
});

describe('renderReleases, output fidelity and failures', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => { t = tempDir('istio-cdk8s-render-'); });
  afterEach(() => t.cleanup());

  const printing = (output: string): HelmBinary => {
    const file = path.join(t.dir, 'helm');
    fs.writeFileSync(file, `#!/bin/sh\nif [ "$1" = version ]; then echo v9.9.9; exit 0; fi\ncat <<'EOF'\n${output}EOF\n`, { mode: 0o755 });
    return identifyHelm(file);
  };

  test('numbers JSON cannot hold (.nan, .inf, -0) come back from the cache as they were rendered', async () => {
    const helm = printing('kind: ConfigMap\nmetadata: {name: x}\ndata: {ratio: .nan, list: [.inf, -.inf, 1], offset: -0}\n');
    const cache = new RenderCache(path.join(t.dir, 'cache'));
    const [cold] = await renderReleases([REQUEST], { helm, cache });
    const [warm] = await renderReleases([REQUEST], { helm, cache });
    expect(warm.fromCache).toBe(true);
    const data = (r: typeof cold) => (r.documents[0] as any).data;
    expect(Number.isNaN(data(warm).ratio)).toBe(true);
    expect(data(warm).list).toEqual([Infinity, -Infinity, 1]);
    expect(Object.is(data(warm).offset, -0)).toBe(true);
    expect(data(warm)).toEqual(data(cold));
  });

  test('output helm printed but nobody can read is one error naming the release, blaming its values', async () => {
    const helm = printing('kind: ConfigMap\nmetadata: {name: x}\nmetadata: {name: y}\n');
    await expect(renderReleases([REQUEST], { helm })).rejects.toThrow(/^helm template printed YAML that cannot be read for release demo \(chart demo, namespace demo-ns\): duplicated mapping key[\s\S]*Check the values given to this release/);
  });

  test('a cache that cannot be written costs speed, not the synth: one note, the renders still come back', async () => {
    const helm = printing('kind: ConfigMap\nmetadata: {name: x}\n');
    const blocker = path.join(t.dir, 'a-file');
    fs.writeFileSync(blocker, '');
    const notes: string[] = [];
    const [r] = await renderReleases([REQUEST], { helm, cache: new RenderCache(path.join(blocker, 'cache')), warn: l => notes.push(l) });
    expect((r.documents[0] as any).metadata.name).toBe('x');
    expect(notes).toEqual([expect.stringMatching(/^note: the render cache could not be written \(cannot mkdir .*a-file\/cache: .*\); rendering goes on without it$/)]);
  });

  test('a helm binary rewritten in place with its old size and modification time is identified anew', () => {
    const file = path.join(t.dir, 'helm');
    fs.writeFileSync(file, '#!/bin/sh\necho v1.0.0 # a\n', { mode: 0o755 });
    const memo = path.join(t.dir, 'memo');
    const first = identifyHelm(file, memo);
    const { mtime } = fs.statSync(file);
    fs.writeFileSync(file, '#!/bin/sh\necho v1.0.0 # b\n');
    fs.utimesSync(file, mtime, mtime);
    expect(identifyHelm(file, memo).sha256).not.toBe(first.sha256);
  });
});

describe('HelmRelease', () => {
  test('adds one ApiObject per document, with the ids cdk8s\'s Include gives them', () => {
    const chart = inMemoryChart();
    const documents = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'n' } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } },
    ];
    const release = new HelmRelease(chart, 'rel', { release: { request: REQUEST, documents, fromCache: false } });
    expect(release.apiObjects.map(o => o.node.id)).toEqual(['a-configmap-n', 'n-namespace']);
    expect(Testing.synth(chart)).toEqual(documents);
  });
});

// Values that YAML 1.1 and 1.2 read differently, and empty documents cdk8s drops.
const TRICKY = `a: yes
b: 0775
c: on
d: 1_000
e: 0x1F
f: ~
g: "010"
h: 2001-12-14
i: 1e3
j: 1e+06
k: 190:20:30
l: .inf
m: 0b101
n: +12
o: Null
p: y
q: 2001-12-14t21:59:43.10-05:00
---
---
{}
---
list: [off, No, 1e3, .5, -.inf, .NaN]
base: &b {x: 1}
merged: {<<: *b, y: 2}
`;

describe('parseHelmOutput', () => {
  test('reads exactly as cdk8s\'s own Yaml.load, on the committed manifests and on YAML 1.1 edge cases', () => {
    const t = tempDir();
    try {
      const dist = path.join(__dirname, '..', 'dist');
      // One file, so cdk8s's Yaml.load (which reads through a child process) runs once.
      const all = path.join(t.dir, 'all.yaml');
      fs.writeFileSync(all, [...distManifestFiles(dist).map(f => fs.readFileSync(path.join(dist, f), 'utf8')), TRICKY].join('\n---\n'));
      const ours = parseHelmOutput(fs.readFileSync(all, 'utf8'));
      expect(ours.length).toBeGreaterThan(distManifestFiles(dist).length);
      expect(ours).toEqual(Yaml.load(all));
    } finally {
      t.cleanup();
    }
  });
});
