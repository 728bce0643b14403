import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { CommandIO } from '../lib/command';
import { PROJECT_ROOT } from '../lib/project-root';
import { VENDOR_USAGE } from '../lib/vendoring/args';
import { vendorMain } from '../lib/vendoring/cli';
import { sha256 } from '../lib/vendoring/digest';
import { ISTIO_CHARTS, LOCK_FILE, lockedVersions, readLock } from '../lib/vendoring/lock';
import { ARCHIVE_SUFFIX } from '../lib/vendoring/record';
import { ensureVendored, vendorCharts, vendoredCharts } from '../lib/vendoring/vendor';
import { LOCKED_VERSION, OTHER_VERSION, ScratchProject, scratchProject, TEMPLATE, writeLockFile } from './fixtures/chart-repo';

/** Every file below a folder with its digest: "exactly as it was" made checkable. */
function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = path.join(rel, e.name);
      if (e.isDirectory()) walk(p);
      else out[p] = sha256(fs.readFileSync(path.join(dir, p)));
    }
  };
  walk('');
  return out;
}

/** Rewrites one chart's digest in the repository's index.yaml, as a repository that re-released it would. */
function setIndexDigest(mirror: string, file: string, digest: string): void {
  const index = path.join(mirror, 'index.yaml');
  const lines = fs.readFileSync(index, 'utf8').split('\n');
  let i = lines.findIndex(l => l.trim() === `- ${file}`);
  while (!lines[i].includes('digest:')) i--;
  lines[i] = lines[i].replace(/digest: \w+/, `digest: ${digest}`);
  fs.writeFileSync(index, lines.join('\n'));
}

function corruptByte(file: string): void {
  const data = fs.readFileSync(file);
  data[Math.floor(data.length / 2)] ^= 0xff;
  fs.writeFileSync(file, data);
}

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a rejection');
}

function thrown(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

/** Every message that refuses the vendored charts: the sync check, synth's check and `npm run vendor`. */
async function refusals(root: string, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  return [thrown(() => vendoredCharts(root)), await rejection(ensureVendored(root, env)), await rejection(vendorCharts({ root, env }))];
}

const ESC = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const V = ESC(LOCKED_VERSION);
const LOCK = ESC(LOCK_FILE);

describe('vendoring', () => {
  let s: ScratchProject;
  let versionDir: string;
  beforeEach(() => {
    s = scratchProject();
    versionDir = path.join(s.vendorDir, `istio-${LOCKED_VERSION}`);
  });
  afterEach(() => s.cleanup());

  test('fetches, verifies and unpacks the locked charts from the lock\'s folder source, records their archives, then finds them up to date', async () => {
    const lines: string[] = [];
    const charts = (await vendorCharts({ root: s.root, env: {}, log: l => lines.push(l) })).get(LOCKED_VERSION)!;
    expect(lines.filter(l => l.includes('verified'))).toHaveLength(3);
    for (const chart of ISTIO_CHARTS) {
      expect(fs.readFileSync(path.join(charts.dirs[chart], 'Chart.yaml'), 'utf8')).toMatch(new RegExp(`^version: ${V}$`, 'm'));
      const record = JSON.parse(fs.readFileSync(path.join(versionDir, chart + ARCHIVE_SUFFIX), 'utf8'));
      expect(record).toEqual({ file: s.lock.charts[chart].file, sha256: s.lock.charts[chart].sha256, source: '../mirror' });
    }
    expect(fs.readdirSync(s.vendorDir).sort()).toEqual(['charts.lock.json', `istio-${LOCKED_VERSION}`]);
    const before = snapshotTree(s.vendorDir);
    const again: string[] = [];
    await vendorCharts({ root: s.root, env: {}, log: l => again.push(l) });
    expect(again).toEqual([`Istio ${LOCKED_VERSION} charts are vendored and match ${LOCK_FILE}`]);
    expect(snapshotTree(s.vendorDir)).toEqual(before);
  });

  test('a tampered archive (index digest no longer matches) names chart and source, writes nothing', async () => {
    corruptByte(path.join(s.mirror, `istiod-${LOCKED_VERSION}.tgz`));
    const before = snapshotTree(s.vendorDir);
    const message = await rejection(vendorCharts({ root: s.root, env: {} }));
    expect(message).toMatch(new RegExp(`^chart istiod: istiod-${V}\\.tgz from \\.\\./mirror has sha256 \\w{64}, but that repository's index.yaml says ${s.lock.charts.istiod.sha256}`));
    expect(message).toMatch(/Nothing was written/);
    expect(snapshotTree(s.vendorDir)).toEqual(before);
  });

  test('an archive replaced together with its index entry fails against the lock', async () => {
    const archive = path.join(s.mirror, `base-${LOCKED_VERSION}.tgz`);
    fs.copyFileSync(path.join(s.mirror, `base-${OTHER_VERSION}.tgz`), archive);
    setIndexDigest(s.mirror, `base-${LOCKED_VERSION}.tgz`, sha256(fs.readFileSync(archive)));
    const before = snapshotTree(s.vendorDir);
    const message = await rejection(vendorCharts({ root: s.root, env: {} }));
    expect(message).toMatch(new RegExp(`^chart base: base-${V}\\.tgz from .* but ${LOCK} pins ${s.lock.charts.base.sha256}`));
    expect(message).toMatch(new RegExp(`re-lock with: npm run vendor -- --version ${V}`));
    expect(snapshotTree(s.vendorDir)).toEqual(before);
  });

  test('a missing archive names the chart and every source tried', async () => {
    fs.rmSync(path.join(s.mirror, `gateway-${LOCKED_VERSION}.tgz`));
    writeLockFile(s.root, { ...s.lock, sources: ['no-such-mirror', '../mirror'] });
    const before = snapshotTree(s.vendorDir);
    const message = await rejection(vendorCharts({ root: s.root, env: {} }));
    expect(message).toMatch(new RegExp(
      `^chart gateway ${V} could not be fetched from any source:\\n` +
      ' {2}- no-such-mirror: cannot read .*no-such-mirror/index\\.yaml \\(ENOENT\\)\\n' +
      ` {2}- \\.\\./mirror: cannot read .*gateway-${V}\\.tgz \\(ENOENT\\)`,
    ));
    expect(message).toMatch(/Set ISTIO_CHARTS_MIRROR/);
    expect(snapshotTree(s.vendorDir)).toEqual(before);
  });

  test('an unreachable HTTP source is reported with its address, and nothing is written', async () => {
    const server = http.createServer();
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>(r => server.close(() => r()));
    const before = snapshotTree(s.vendorDir);
    const message = await rejection(vendorCharts({ root: s.root, env: { ISTIO_CHARTS_MIRROR: `http://127.0.0.1:${port}/charts` } }));
    expect(message).toMatch(new RegExp(`^chart base ${V} could not be fetched from any source:\\n {2}- http://127\\.0\\.0\\.1:${port}/charts: cannot reach http://127\\.0\\.0\\.1:${port}/charts/index\\.yaml`));
    expect(snapshotTree(s.vendorDir)).toEqual(before);
  });

  test('a corrupt archive whose digest the index vouches for is refused when pinning a new version', async () => {
    const archive = path.join(s.mirror, `gateway-${OTHER_VERSION}.tgz`);
    fs.writeFileSync(archive, 'not a tarball');
    setIndexDigest(s.mirror, `gateway-${OTHER_VERSION}.tgz`, sha256('not a tarball'));
    const lockBefore = fs.readFileSync(path.join(s.root, LOCK_FILE), 'utf8');
    const before = snapshotTree(s.vendorDir);
    const message = await rejection(vendorCharts({ root: s.root, env: {}, versions: [OTHER_VERSION] }));
    expect(message).toMatch(new RegExp(`^chart gateway: gateway-${ESC(OTHER_VERSION)}\\.tgz from .* cannot be used: it is not a valid chart archive`));
    expect(fs.readFileSync(path.join(s.root, LOCK_FILE), 'utf8')).toBe(lockBefore);
    expect(snapshotTree(s.vendorDir)).toEqual(before);
  });

  test('serves from an HTTP repository on 127.0.0.1, after a source that lacks the charts', async () => {
    const server = http.createServer((req, res) => {
      const file = path.join(s.mirror, path.basename(req.url ?? ''));
      if (!req.url?.startsWith('/charts/') || !fs.existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200).end(fs.readFileSync(file));
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/charts`;
      writeLockFile(s.root, { ...s.lock, sources: ['no-such-mirror', url] });
      const lines: string[] = [];
      await vendorCharts({ root: s.root, env: {}, log: l => lines.push(l) });
      expect(lines.filter(l => l.includes(`from ${url}, sha256`))).toHaveLength(3);
      expect(() => vendoredCharts(s.root)).not.toThrow();
    } finally {
      await new Promise<void>(r => server.close(() => r()));
    }
  });

  test('charts edited after vendoring are refused by synth, named, and restored by --force', async () => {
    await vendorCharts({ root: s.root, env: {} });
    const template = path.join(versionDir, 'istiod', TEMPLATE);
    fs.appendFileSync(template, '\n# local tweak\n');
    for (const message of await refusals(s.root)) {
      expect(message).toMatch(new RegExp(`^vendored charts were changed after vendoring:\\n {2}- vendor/istio-${V}/istiod does not match ${LOCK} \\(changed ${ESC(TEMPLATE)}\\)`));
      expect(message).toMatch(/restore them with `npm run vendor -- --force`/);
    }
    expect(fs.readFileSync(template, 'utf8')).toMatch(/local tweak/);
    await vendorCharts({ root: s.root, env: {}, force: true });
    expect(fs.readFileSync(template, 'utf8')).not.toMatch(/local tweak/);
    expect(() => vendoredCharts(s.root)).not.toThrow();
  });

  test('a forced re-vendor from a tampered source keeps the good charts in place', async () => {
    await vendorCharts({ root: s.root, env: {} });
    const before = snapshotTree(s.vendorDir);
    corruptByte(path.join(s.mirror, `gateway-${LOCKED_VERSION}.tgz`));
    expect(await rejection(vendorCharts({ root: s.root, env: {}, force: true }))).toMatch(/^chart gateway:/);
    expect(snapshotTree(s.vendorDir)).toEqual(before);
  });

  test('the lock follows main.ts: a new version is pinned with the digests its index publishes, one no longer named leaves', async () => {
    await vendorCharts({ root: s.root, env: {} });
    const lines: string[] = [];
    await vendorCharts({ root: s.root, env: {}, versions: [OTHER_VERSION], log: l => lines.push(l) });
    expect(lines).toContain(`locked Istio ${OTHER_VERSION} in ${LOCK_FILE}`);
    expect(lines).toContain(`removed Istio ${LOCKED_VERSION} from ${LOCK_FILE} and vendor/ (main.ts no longer uses it)`);
    expect(lockedVersions(s.root)).toEqual([OTHER_VERSION]);
    const lock = readLock(s.root);
    expect(lock.istioVersion).toBe(OTHER_VERSION);
    const index = fs.readFileSync(path.join(s.mirror, 'index.yaml'), 'utf8');
    for (const chart of ISTIO_CHARTS) {
      expect(lock.charts[chart]).toEqual({ name: chart, version: OTHER_VERSION, ...s.charts[OTHER_VERSION][chart] });
      expect(index).toContain(`digest: ${lock.charts[chart].sha256}`);
    }
    expect(lock.sources).toEqual(s.lock.sources);
    expect(fs.readdirSync(s.vendorDir).sort()).toEqual(['charts.lock.json', `istio-${OTHER_VERSION}`]);
    expect(() => vendoredCharts(s.root)).not.toThrow();
  });

  test('two versions side by side (a canary upgrade): both pinned and vendored; synth never changes the lock', async () => {
    await vendorCharts({ root: s.root, env: {}, versions: [LOCKED_VERSION, OTHER_VERSION] });
    expect(lockedVersions(s.root)).toEqual([LOCKED_VERSION, OTHER_VERSION].sort());
    expect(fs.readdirSync(s.vendorDir).sort()).toEqual(['charts.lock.json', `istio-${LOCKED_VERSION}`, `istio-${OTHER_VERSION}`].sort());
    const lockText = fs.readFileSync(path.join(s.root, LOCK_FILE), 'utf8');
    fs.rmSync(path.join(s.vendorDir, `istio-${OTHER_VERSION}`), { recursive: true });
    const charts = await ensureVendored(s.root, {}, undefined, [LOCKED_VERSION, OTHER_VERSION]);
    expect([...charts.keys()]).toEqual([LOCKED_VERSION, OTHER_VERSION]);
    expect(await rejection(ensureVendored(s.root, {}, undefined, ['9.9.9'])))
      .toMatch(/^main\.ts uses Istio 9\.9\.9, which vendor\/charts\.lock\.json does not pin .*: run `npm run vendor`/);
    expect(fs.readFileSync(path.join(s.root, LOCK_FILE), 'utf8')).toBe(lockText);
  });

  test('synth vendors missing charts by itself', async () => {
    const charts = (await ensureVendored(s.root, {})).get(LOCKED_VERSION)!;
    expect(fs.existsSync(path.join(charts.dirs.istiod, 'Chart.yaml'))).toBe(true);
    fs.rmSync(charts.dirs.gateway, { recursive: true });
    expect(thrown(() => vendoredCharts(s.root))).toBe(`Istio ${LOCKED_VERSION} charts are not vendored (missing: gateway): run \`npm run vendor\``);
    await ensureVendored(s.root, {});
    expect(() => vendoredCharts(s.root)).not.toThrow();
  });
});

describe('a lock edited after vendoring', () => {
  let s: ScratchProject;
  let vendored: Record<string, string>;
  beforeEach(async () => {
    s = scratchProject();
    await vendorCharts({ root: s.root, env: {} });
    vendored = snapshotTree(path.join(s.vendorDir, `istio-${LOCKED_VERSION}`));
  });
  afterEach(() => s.cleanup());

  const restoreHint = new RegExp(`If the edit was a mistake, restore the lock from git: git checkout -- ${LOCK}\\. If the new lock is intended, fetch the charts again and verify them against it: npm run vendor -- --force$`);

  test('an archive sha256 that is not the one the charts were unpacked from is named as a lock edit, with both digests and both fixes', async () => {
    const edited = 'ab'.repeat(32);
    writeLockFile(s.root, { ...s.lock, charts: { ...s.lock.charts, istiod: { ...s.lock.charts.istiod, sha256: edited } } });
    for (const message of await refusals(s.root)) {
      expect(message).toMatch(new RegExp(
        `^${LOCK} was edited after the charts were vendored \\(the charts are as they were fetched; the lock is what changed\\):\\n` +
        ` {2}- istio\\["${V}"\\]\\.charts\\.istiod\\.sha256 is ${edited}, but vendor/istio-${V}/istiod was unpacked from istiod-${V}\\.tgz with sha256 ${s.lock.charts.istiod.sha256}\\n`,
      ));
      expect(message).toMatch(restoreHint);
      expect(message).not.toMatch(/changed after vendoring:/);
    }
    // --force fetches again and verifies against the edited lock: the repository has no such archive.
    expect(await rejection(vendorCharts({ root: s.root, env: {}, force: true }))).toMatch(new RegExp(`^chart istiod: .* pins ${edited}\\. Nothing was written`));
    expect(snapshotTree(path.join(s.vendorDir, `istio-${LOCKED_VERSION}`))).toEqual(vendored);
    writeLockFile(s.root, s.lock);
    expect(() => vendoredCharts(s.root)).not.toThrow();
  });

  test('a treeSha256 that the unchanged charts do not have is named as a lock edit, not as changed charts', async () => {
    const edited = 'cd'.repeat(32);
    writeLockFile(s.root, { ...s.lock, charts: { ...s.lock.charts, base: { ...s.lock.charts.base, treeSha256: edited } } });
    for (const message of await refusals(s.root)) {
      expect(message).toMatch(new RegExp(`^${LOCK} was edited after the charts were vendored .*:\\n {2}- istio\\["${V}"\\]\\.charts\\.base\\.treeSha256 is ${edited}, but vendor/istio-${V}/base \\(unchanged since vendoring\\) has ${s.lock.charts.base.treeSha256}\\n`));
      expect(message).toMatch(restoreHint);
    }
    expect(snapshotTree(path.join(s.vendorDir, `istio-${LOCKED_VERSION}`))).toEqual(vendored);
  });
});

describe('charts vendored before archives were recorded', () => {
  let s: ScratchProject;
  let versionDir: string;
  beforeEach(async () => {
    s = scratchProject();
    await vendorCharts({ root: s.root, env: {} });
    versionDir = path.join(s.vendorDir, `istio-${LOCKED_VERSION}`);
    for (const chart of ISTIO_CHARTS) fs.rmSync(path.join(versionDir, chart + ARCHIVE_SUFFIX));
  });
  afterEach(() => s.cleanup());

  test('are refused where nothing can be fetched, and re-verified by synth without replacing a chart file', async () => {
    expect(thrown(() => vendoredCharts(s.root))).toMatch(new RegExp(`^vendor/istio-${V} \\(base, istiod, gateway\\) was vendored by an older version of this project, .*run \`npm run vendor\``));
    const chartFolders = ISTIO_CHARTS.map(chart => fs.statSync(path.join(versionDir, chart)).ino);
    const lines: string[] = [];
    await ensureVendored(s.root, {}, l => lines.push(l));
    expect(lines).toContain(`re-verified base, istiod, gateway in vendor/istio-${LOCKED_VERSION} against ${LOCK_FILE} and recorded their archives`);
    expect(ISTIO_CHARTS.map(chart => fs.statSync(path.join(versionDir, chart)).ino)).toEqual(chartFolders);
    for (const chart of ISTIO_CHARTS) {
      expect(JSON.parse(fs.readFileSync(path.join(versionDir, chart + ARCHIVE_SUFFIX), 'utf8')).sha256).toBe(s.lock.charts[chart].sha256);
    }
    expect(() => vendoredCharts(s.root)).not.toThrow();
  });

  test('with an edited archive sha256 in the lock fail the re-verification, and nothing is recorded', async () => {
    const edited = 'ef'.repeat(32);
    writeLockFile(s.root, { ...s.lock, charts: { ...s.lock.charts, gateway: { ...s.lock.charts.gateway, sha256: edited } } });
    const before = snapshotTree(s.vendorDir);
    expect(await rejection(ensureVendored(s.root, {}))).toMatch(new RegExp(`^chart gateway: gateway-${V}\\.tgz from \\.\\./mirror has sha256 ${s.lock.charts.gateway.sha256}, but ${LOCK} pins ${edited}`));
    expect(snapshotTree(s.vendorDir)).toEqual(before);
  });
});

describe('npm run vendor', () => {
  function collect(): CommandIO & { outLines: string[]; errLines: string[] } {
    const outLines: string[] = [];
    const errLines: string[] = [];
    return { outLines, errLines, out: l => outLines.push(l), err: l => errLines.push(l) };
  }

  let s: ScratchProject;
  beforeEach(() => { s = scratchProject(); });
  afterEach(() => s.cleanup());

  test('a bad flag prints one error line with the usage and exits 1', async () => {
    const io = collect();
    const before = snapshotTree(s.root);
    expect(await vendorMain(['--versoin', OTHER_VERSION], io, { root: s.root, env: {} })).toBe(1);
    expect(io.outLines).toEqual([]);
    expect(io.errLines).toHaveLength(1);
    expect(io.errLines[0]).toMatch(/^error: Unknown option '--versoin'/);
    expect(io.errLines[0]).toContain(VENDOR_USAGE);
    expect(snapshotTree(s.root)).toEqual(before);
  });

  test('--help prints the usage with every option and does nothing else', async () => {
    const io = collect();
    const before = snapshotTree(s.root);
    expect(await vendorMain(['--help'], io, { root: s.root, env: {} })).toBe(0);
    expect(io.outLines).toEqual([VENDOR_USAGE]);
    expect(io.errLines).toEqual([]);
    for (const option of ['--force', '--help', 'ISTIO_CHARTS_MIRROR']) expect(VENDOR_USAGE).toContain(option);
    expect(snapshotTree(s.root)).toEqual(before);
  });

  test('vendors and pins what main.ts names from ISTIO_CHARTS_MIRROR, which replaces the lock\'s sources', async () => {
    writeLockFile(s.root, { ...s.lock, sources: ['no-such-mirror'] });
    const env = { ISTIO_CHARTS_MIRROR: s.mirror };
    const io = collect();
    expect(await vendorMain([], io, { root: s.root, env })).toBe(0);
    expect(io.outLines.filter(l => l.includes(`from ${s.mirror}, sha256`))).toHaveLength(3);
    expect(await vendorMain([], io, { root: s.root, env, versions: () => [OTHER_VERSION] })).toBe(0);
    expect(io.outLines).toContain(`locked Istio ${OTHER_VERSION} in ${LOCK_FILE}`);
    expect(io.errLines).toEqual([]);
    expect(readLock(s.root)).toMatchObject({ istioVersion: OTHER_VERSION, sources: ['no-such-mirror'] });
    // Without the mirror nothing can be fetched: one error line, exit 1.
    const failing = collect();
    expect(await vendorMain(['--force'], failing, { root: s.root, env: {}, versions: () => [OTHER_VERSION] })).toBe(1);
    expect(failing.errLines).toHaveLength(1);
    expect(failing.errLines[0]).toMatch(new RegExp(`^error: chart base ${ESC(OTHER_VERSION)} could not be fetched from any source:\\n {2}- no-such-mirror: `));
  });

  test('the script runs main() when executed (the wiring of npm run vendor)', () => {
    const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'lib/vendoring/cli.ts', '--help'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${VENDOR_USAGE}\n`);
    expect(r.status).toBe(0);
  });
});
