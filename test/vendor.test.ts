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
import { DEFAULT_GATEWAY_API_SOURCES, GATEWAY_API_FILE, ISTIO_CHARTS, LOCK_FILE, lockedVersions, readLock } from '../lib/vendoring/lock';
import { ARCHIVE_SUFFIX, GATEWAY_API_RECORD } from '../lib/vendoring/record';
import { gatewayApiVersionFor } from '../lib/vendoring/gateway-api-versions';
import { vendorCharts as vendorChartsWith, VendorOptions } from '../lib/vendoring/vendor';
import { ensureVendored as ensureVendoredWith } from '../lib/vendoring/ensure';
import { vendoredCharts } from '../lib/vendoring/vendored';
import {
  FIXTURE_GATEWAY_API, GATEWAY_API_VERSION, gatewayApiYaml, LOCKED_VERSION, lockFileOf, OTHER_GATEWAY_API_VERSION, OTHER_VERSION, ScratchProject,
  scratchProject, TEMPLATE, threeChartLock, writeLockFile,
} from './fixtures/chart-repo';
import { snapshotTree } from './render';
import { rejection } from './rejection';

// The fixture's made-up Istio versions go with the fixture's made-up Gateway API release.
const vendorCharts = (opts: VendorOptions) => vendorChartsWith({ gatewayApiVersions: FIXTURE_GATEWAY_API, ...opts });
const ensureVendored = (root: string, env: NodeJS.ProcessEnv = {}, log?: (line: string) => void, versions?: readonly string[]) =>
  ensureVendoredWith(root, env, log, versions, FIXTURE_GATEWAY_API);


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
const G = ESC(GATEWAY_API_VERSION);

/** Serves `files` (URL path → content, or a function of the path) on 127.0.0.1 while `work` runs; 404 for anything else. */
async function serving(files: (urlPath: string) => Buffer | string | undefined, work: (base: string) => Promise<void>): Promise<void> {
  const server = http.createServer((req, res) => {
    const body = files(req.url ?? '');
    if (body === undefined) res.writeHead(404).end();
    else res.writeHead(200).end(body);
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  try {
    await work(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    await new Promise<void>(r => server.close(() => r()));
  }
}

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
    expect(lines.filter(l => l.includes('verified'))).toHaveLength(ISTIO_CHARTS.length + 1);
    expect(Object.keys(charts.dirs)).toEqual(['base', 'istiod', 'gateway', 'cni', 'ztunnel']);
    for (const chart of ISTIO_CHARTS) {
      expect(fs.readFileSync(path.join(charts.dirs[chart], 'Chart.yaml'), 'utf8')).toMatch(new RegExp(`^version: ${V}$`, 'm'));
      const record = JSON.parse(fs.readFileSync(path.join(versionDir, chart + ARCHIVE_SUFFIX), 'utf8'));
      expect(record).toEqual({ file: s.lock.charts[chart].file, sha256: s.lock.charts[chart].sha256, source: '../mirror' });
    }
    // The Gateway API CRDs: verified against the folder's SHA256SUMS and the lock, with their record.
    const gatewayApiDir = path.join(s.vendorDir, `gateway-api-${GATEWAY_API_VERSION}`);
    expect(lines).toContain(`Gateway API ${GATEWAY_API_VERSION}: ${GATEWAY_API_VERSION}/${GATEWAY_API_FILE} from ../gateway-api, sha256 ${s.gatewayApi[GATEWAY_API_VERSION]} verified`);
    expect(charts.gatewayApi).toEqual({ version: GATEWAY_API_VERSION, file: path.join(gatewayApiDir, GATEWAY_API_FILE), sha256: s.gatewayApi[GATEWAY_API_VERSION] });
    expect(fs.readFileSync(charts.gatewayApi!.file)).toEqual(fs.readFileSync(path.join(s.gatewayApiMirror, GATEWAY_API_VERSION, GATEWAY_API_FILE)));
    expect(JSON.parse(fs.readFileSync(path.join(gatewayApiDir, GATEWAY_API_RECORD), 'utf8')))
      .toEqual({ version: GATEWAY_API_VERSION, file: GATEWAY_API_FILE, sha256: s.gatewayApi[GATEWAY_API_VERSION], source: '../gateway-api' });
    expect(fs.readdirSync(gatewayApiDir).sort()).toEqual([GATEWAY_API_RECORD, GATEWAY_API_FILE].sort());
    expect(fs.readdirSync(s.vendorDir).sort()).toEqual(['charts.lock.json', `gateway-api-${GATEWAY_API_VERSION}`, `istio-${LOCKED_VERSION}`]);
    const before = snapshotTree(s.vendorDir);
    const again: string[] = [];
    await vendorCharts({ root: s.root, env: {}, log: l => again.push(l) });
    expect(again).toEqual([`Istio ${LOCKED_VERSION} charts and Gateway API ${GATEWAY_API_VERSION} CRDs are vendored and match ${LOCK_FILE}`]);
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
    expect(message).toMatch(new RegExp(`re-pin it: remove istio\\["${V}"\\]\\.charts\\.base from ${LOCK}, then npm run vendor$`));
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
      expect(lines.filter(l => l.includes(`from ${url}, sha256`))).toHaveLength(ISTIO_CHARTS.length);
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
    // Its Gateway API release is the table's (the one 1.0.0 used too: one folder serves both).
    expect(lock.gatewayApi).toEqual({ version: GATEWAY_API_VERSION, file: GATEWAY_API_FILE, sha256: s.gatewayApi[GATEWAY_API_VERSION] });
    expect(lock.sources).toEqual(s.lock.sources);
    expect(lock.gatewayApiSources).toEqual(s.lock.gatewayApiSources);
    expect(fs.readdirSync(s.vendorDir).sort()).toEqual(['charts.lock.json', `gateway-api-${GATEWAY_API_VERSION}`, `istio-${OTHER_VERSION}`]);
    expect(() => vendoredCharts(s.root)).not.toThrow();
  });

  test('re-pinning from another source, as docs/guides/upgrading-istio.md says: delete the version\'s charts (and gatewayApi) from the lock, npm run vendor pins them again', async () => {
    await vendorCharts({ root: s.root, env: {} });
    const lockPath = path.join(s.root, LOCK_FILE);
    const before = JSON.parse(fs.readFileSync(lockPath, 'utf8'));
    const edited = structuredClone(before);
    delete edited.istio[LOCKED_VERSION].charts;
    delete edited.istio[LOCKED_VERSION].gatewayApi;
    fs.writeFileSync(lockPath, JSON.stringify(edited, null, 2));
    const lines: string[] = [];
    await vendorCharts({ root: s.root, env: {}, log: l => lines.push(l) });
    expect(lines).toContain(`pinned base, istiod, gateway, cni, ztunnel and Gateway API ${GATEWAY_API_VERSION} for Istio ${LOCKED_VERSION} in ${LOCK_FILE}`);
    expect(JSON.parse(fs.readFileSync(lockPath, 'utf8'))).toEqual(before);
  });

  test('two versions side by side (a canary upgrade): both pinned and vendored; synth never changes the lock', async () => {
    await vendorCharts({ root: s.root, env: {}, versions: [LOCKED_VERSION, OTHER_VERSION] });
    expect(lockedVersions(s.root)).toEqual([LOCKED_VERSION, OTHER_VERSION].sort());
    expect(fs.readdirSync(s.vendorDir).sort()).toEqual(['charts.lock.json', `gateway-api-${GATEWAY_API_VERSION}`, `istio-${LOCKED_VERSION}`, `istio-${OTHER_VERSION}`].sort());
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
    expect(thrown(() => vendoredCharts(s.root))).toMatch(new RegExp(`^vendor/istio-${V} \\(base, istiod, gateway, cni, ztunnel\\) was vendored by an older version of this project, .*run \`npm run vendor\``));
    const chartFolders = ISTIO_CHARTS.map(chart => fs.statSync(path.join(versionDir, chart)).ino);
    const lines: string[] = [];
    await ensureVendored(s.root, {}, l => lines.push(l));
    expect(lines).toContain(`re-verified base, istiod, gateway, cni and ztunnel in vendor/istio-${LOCKED_VERSION} against ${LOCK_FILE} and recorded their archives`);
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
    expect(await vendorMain(['--versoin', OTHER_VERSION], io, { root: s.root, env: {}, gatewayApiVersions: FIXTURE_GATEWAY_API })).toBe(1);
    expect(io.outLines).toEqual([]);
    expect(io.errLines).toHaveLength(1);
    expect(io.errLines[0]).toMatch(/^error: unknown option --versoin\nusage: npm run vendor/);
    expect(io.errLines[0]).toContain(VENDOR_USAGE);
    expect(snapshotTree(s.root)).toEqual(before);
  });

  test('--help prints the usage with every option and does nothing else', async () => {
    const io = collect();
    const before = snapshotTree(s.root);
    expect(await vendorMain(['--help'], io, { root: s.root, env: {}, gatewayApiVersions: FIXTURE_GATEWAY_API })).toBe(0);
    expect(io.outLines).toEqual([VENDOR_USAGE]);
    expect(io.errLines).toEqual([]);
    for (const option of ['--force', '--help', 'ISTIO_CHARTS_MIRROR', 'ISTIO_GATEWAY_API_MIRROR']) expect(VENDOR_USAGE).toContain(option);
    expect(snapshotTree(s.root)).toEqual(before);
  });

  test('vendors and pins what main.ts names from ISTIO_CHARTS_MIRROR, which replaces the lock\'s sources', async () => {
    writeLockFile(s.root, { ...s.lock, sources: ['no-such-mirror'] });
    const env = { ISTIO_CHARTS_MIRROR: s.mirror };
    const io = collect();
    const gatewayApiVersions = FIXTURE_GATEWAY_API;
    expect(await vendorMain([], io, { root: s.root, env, gatewayApiVersions })).toBe(0);
    expect(io.outLines.filter(l => l.includes(`from ${s.mirror}, sha256`))).toHaveLength(ISTIO_CHARTS.length);
    expect(await vendorMain([], io, { root: s.root, env, versions: () => [OTHER_VERSION], gatewayApiVersions })).toBe(0);
    expect(io.outLines).toContain(`locked Istio ${OTHER_VERSION} in ${LOCK_FILE}`);
    expect(io.errLines).toEqual([]);
    expect(readLock(s.root)).toMatchObject({ istioVersion: OTHER_VERSION, sources: ['no-such-mirror'] });
    // Without the mirror nothing can be fetched: one error line, exit 1.
    const failing = collect();
    expect(await vendorMain(['--force'], failing, { root: s.root, env: {}, versions: () => [OTHER_VERSION], gatewayApiVersions })).toBe(1);
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

describe('the ambient charts (cni, ztunnel) and the Gateway API CRDs', () => {
  let s: ScratchProject;
  let versionDir: string;
  let gatewayApiFile: string;
  const lockText = () => fs.readFileSync(path.join(s.root, LOCK_FILE), 'utf8');
  beforeEach(() => {
    s = scratchProject();
    versionDir = path.join(s.vendorDir, `istio-${LOCKED_VERSION}`);
    gatewayApiFile = path.join(s.vendorDir, `gateway-api-${GATEWAY_API_VERSION}`, GATEWAY_API_FILE);
  });
  afterEach(() => s.cleanup());

  test('the lock pins all five charts and the Gateway API CRDs per Istio version, in this layout', async () => {
    await vendorCharts({ root: s.root, env: {}, versions: [OTHER_VERSION] });
    const written = JSON.parse(lockText());
    expect(Object.keys(written)).toEqual(['sources', 'gatewayApiSources', 'istio']);
    expect(written.gatewayApiSources).toEqual(['../gateway-api']);
    expect(Object.keys(written.istio[OTHER_VERSION])).toEqual(['charts', 'gatewayApi']);
    expect(Object.keys(written.istio[OTHER_VERSION].charts)).toEqual(['base', 'istiod', 'gateway', 'cni', 'ztunnel']);
    expect(written.istio[OTHER_VERSION].charts.ztunnel).toEqual({ name: 'ztunnel', version: OTHER_VERSION, ...s.charts[OTHER_VERSION].ztunnel });
    expect(written.istio[OTHER_VERSION].gatewayApi).toEqual({ version: GATEWAY_API_VERSION, file: GATEWAY_API_FILE, sha256: s.gatewayApi[GATEWAY_API_VERSION] });
    const charts = vendoredCharts(s.root, OTHER_VERSION);
    for (const chart of ['cni', 'ztunnel'] as const) {
      expect(fs.readFileSync(path.join(charts.dirs[chart], 'Chart.yaml'), 'utf8')).toMatch(new RegExp(`^name: ${chart}\nversion: ${ESC(OTHER_VERSION)}$`, 'm'));
    }
    expect(charts.lock.gatewayApi!.sha256).toBe(charts.gatewayApi!.sha256);
  });

  test('an old lock of three charts is read; vendor pins cni, ztunnel and the CRDs and leaves what was pinned and vendored untouched', async () => {
    // As the project was before: base, istiod and gateway locked and vendored, nothing else.
    await vendorCharts({ root: s.root, env: {} });
    for (const chart of ['cni', 'ztunnel']) for (const name of [chart, chart + '.sha256sums', chart + ARCHIVE_SUFFIX]) fs.rmSync(path.join(versionDir, name), { recursive: true });
    fs.rmSync(path.dirname(gatewayApiFile), { recursive: true });
    writeLockFile(s.root, threeChartLock(s.lock));
    const oldLock = lockText();
    const old = ['base', 'istiod', 'gateway'].flatMap(c => [c, c + '.sha256sums', c + ARCHIVE_SUFFIX]);
    const inodes = old.map(name => fs.statSync(path.join(versionDir, name)).ino);
    const before = snapshotTree(s.vendorDir);

    // Synth (and the constructs) never change the lock: one error, naming the version and the fix.
    const unpinned = (what: string) => `${LOCK_FILE} pins Istio ${LOCKED_VERSION} without ${what} (locked before this project rendered them): ` +
      'run `npm run vendor` to fetch, verify and pin them (synth never changes the lock), then synth again';
    expect(await rejection(ensureVendored(s.root, {}))).toBe(unpinned('the cni and ztunnel charts and its Gateway API CRDs'));
    // The constructs' check knows only the project's table, which lists no fixture minor: the charts are what it misses.
    expect(thrown(() => vendoredCharts(s.root))).toBe(unpinned('the cni and ztunnel charts'));
    expect(lockedVersions(s.root)).toEqual([LOCKED_VERSION]);
    expect(lockText()).toBe(oldLock);
    expect(snapshotTree(s.vendorDir)).toEqual(before);

    // The old lock names no Gateway API sources: ISTIO_GATEWAY_API_MIRROR stands in for the default list (which would go online).
    const lines: string[] = [];
    await vendorCharts({ root: s.root, env: { ISTIO_GATEWAY_API_MIRROR: s.gatewayApiMirror }, log: l => lines.push(l) });
    expect(lines).toEqual([
      `cni ${LOCKED_VERSION}: cni-${LOCKED_VERSION}.tgz from ../mirror, sha256 ${s.lock.charts.cni.sha256} verified`,
      `ztunnel ${LOCKED_VERSION}: ztunnel-${LOCKED_VERSION}.tgz from ../mirror, sha256 ${s.lock.charts.ztunnel.sha256} verified`,
      `Gateway API ${GATEWAY_API_VERSION}: ${GATEWAY_API_VERSION}/${GATEWAY_API_FILE} from ${s.gatewayApiMirror}, sha256 ${s.gatewayApi[GATEWAY_API_VERSION]} verified`,
      `unpacked cni and ztunnel into vendor/istio-${LOCKED_VERSION}`,
      `vendored Gateway API ${GATEWAY_API_VERSION} into vendor/gateway-api-${GATEWAY_API_VERSION}`,
      `pinned cni, ztunnel and Gateway API ${GATEWAY_API_VERSION} for Istio ${LOCKED_VERSION} in ${LOCK_FILE}`,
    ]);
    // The existing entries as they were, the new ones pinned from the index and SHA256SUMS; the default Gateway API sources written out.
    expect(JSON.parse(lockText())).toEqual({ ...(lockFileOf(s.lock) as object), gatewayApiSources: DEFAULT_GATEWAY_API_SOURCES });
    expect(lockText()).toContain(JSON.stringify(JSON.parse(oldLock).istio[LOCKED_VERSION].charts.base, null, 2).replace(/\n/g, '\n        '));
    expect(old.map(name => fs.statSync(path.join(versionDir, name)).ino)).toEqual(inodes);
    const after = snapshotTree(s.vendorDir);
    for (const [file, digest] of Object.entries(before)) if (file !== 'charts.lock.json') expect(after[file]).toBe(digest);
    expect(() => vendoredCharts(s.root)).not.toThrow();
    expect([...(await ensureVendored(s.root, {})).keys()]).toEqual([LOCKED_VERSION]);
  });

  test('synth refuses a lock without one chart, without the CRDs, or with CRDs the table no longer pairs with the version, naming the fix', async () => {
    await vendorCharts({ root: s.root, env: {} });
    const { ztunnel: _, ...fourCharts } = s.lock.charts;
    writeLockFile(s.root, { sources: s.lock.sources, istio: { [LOCKED_VERSION]: { charts: fourCharts, gatewayApi: s.lock.gatewayApi } } });
    for (const message of [thrown(() => vendoredCharts(s.root)), await rejection(ensureVendored(s.root, {}))]) {
      expect(message).toMatch(new RegExp(`^${LOCK} pins Istio ${V} without the ztunnel chart \\(.*\\): run \`npm run vendor\``));
    }
    writeLockFile(s.root, { sources: s.lock.sources, istio: { [LOCKED_VERSION]: { charts: s.lock.charts } } });
    expect(await rejection(ensureVendored(s.root, {}))).toMatch(new RegExp(`^${LOCK} pins Istio ${V} without its Gateway API CRDs \\(.*\\): run \`npm run vendor\``));

    // The table moves Istio 1.0 on to another Gateway API release: synth asks for npm run vendor, which re-pins and drops the old release.
    writeLockFile(s.root, s.lock);
    const movedOn = { '1.0': OTHER_GATEWAY_API_VERSION };
    const lockBefore = lockText();
    expect(await rejection(ensureVendoredWith(s.root, {}, undefined, undefined, movedOn))).toBe(
      `${LOCK_FILE} pins Istio ${LOCKED_VERSION} with Gateway API ${GATEWAY_API_VERSION}, but lib/vendoring/gateway-api-versions.ts pairs Istio 1.0 with ${OTHER_GATEWAY_API_VERSION}: ` +
      'run `npm run vendor` to fetch, verify and pin it (synth never changes the lock), then synth again',
    );
    expect(lockText()).toBe(lockBefore);
    const lines: string[] = [];
    await vendorChartsWith({ root: s.root, env: {}, gatewayApiVersions: movedOn, log: l => lines.push(l) });
    expect(lines).toContain(`pinned Gateway API ${OTHER_GATEWAY_API_VERSION} for Istio ${LOCKED_VERSION} in ${LOCK_FILE}`);
    expect(lines).toContain(`removed Gateway API ${GATEWAY_API_VERSION} from vendor/ (no locked Istio version uses it)`);
    expect(readLock(s.root).gatewayApi).toEqual({ version: OTHER_GATEWAY_API_VERSION, file: GATEWAY_API_FILE, sha256: s.gatewayApi[OTHER_GATEWAY_API_VERSION] });
    expect(readLock(s.root).charts).toEqual(s.lock.charts);
    expect(fs.readdirSync(s.vendorDir).sort()).toEqual(['charts.lock.json', `gateway-api-${OTHER_GATEWAY_API_VERSION}`, `istio-${LOCKED_VERSION}`]);
    expect(vendoredCharts(s.root).gatewayApi!.version).toBe(OTHER_GATEWAY_API_VERSION);
  });

  test('an Istio minor the Gateway API table does not list gets no Gateway API CRDs; only a mesh that renders them needs the table to list it', async () => {
    // The project's own table, which lists no fixture minor, and a lock without Gateway API CRDs.
    writeLockFile(s.root, { sources: s.lock.sources, istio: { [LOCKED_VERSION]: { charts: s.lock.charts } } });
    const lines: string[] = [];
    await vendorChartsWith({ root: s.root, env: {}, log: l => lines.push(l) });
    expect(lines.filter(l => l.startsWith('Gateway API'))).toEqual([]);
    expect(JSON.parse(lockText()).istio[LOCKED_VERSION].gatewayApi).toBeUndefined();
    expect(vendoredCharts(s.root).gatewayApi).toBeUndefined();
    expect([...(await ensureVendoredWith(s.root, {})).keys()]).toEqual([LOCKED_VERSION]);
    const again: string[] = [];
    await vendorChartsWith({ root: s.root, env: {}, log: l => again.push(l) });
    expect(again).toEqual([`Istio ${LOCKED_VERSION} charts are vendored and match ${LOCK_FILE} (no Gateway API release is listed for Istio 1.0: none vendored)`]);
    // A mesh that renders them asks for the table's line.
    expect(() => gatewayApiVersionFor(LOCKED_VERSION)).toThrow(/^no Gateway API version is known for Istio 1\.0 \(Istio 1\.0\.0; known: 1\.29, 1\.30\): add "1\.0" to GATEWAY_API_VERSIONS in lib\/vendoring\/gateway-api-versions\.ts/);
  });

  test('a CRD file that does not match its SHA256SUMS is tampered: named, nothing written (not even the charts that passed)', async () => {
    fs.appendFileSync(path.join(s.gatewayApiMirror, GATEWAY_API_VERSION, GATEWAY_API_FILE), '# tampered\n');
    const before = snapshotTree(s.vendorDir);
    const lockBefore = lockText();
    for (const opts of [{}, { versions: [OTHER_VERSION] }]) {
      const message = await rejection(vendorCharts({ root: s.root, env: {}, ...opts }));
      expect(message).toMatch(new RegExp(
        `^Gateway API ${G}: ${G}/${GATEWAY_API_FILE} from \\.\\./gateway-api has sha256 \\w{64}, but that folder's SHA256SUMS says ${s.gatewayApi[GATEWAY_API_VERSION]}: ` +
        'the file is corrupt or was replaced\\. Nothing was written',
      ));
      expect(snapshotTree(s.vendorDir)).toEqual(before);
      expect(lockText()).toBe(lockBefore);
    }
  });

  test('a CRD file replaced together with its SHA256SUMS line fails against the lock, with the way to re-pin it', async () => {
    const file = path.join(s.gatewayApiMirror, GATEWAY_API_VERSION, GATEWAY_API_FILE);
    fs.appendFileSync(file, '# re-released\n');
    const digest = sha256(fs.readFileSync(file));
    const sums = path.join(s.gatewayApiMirror, 'SHA256SUMS');
    fs.writeFileSync(sums, fs.readFileSync(sums, 'utf8').replace(s.gatewayApi[GATEWAY_API_VERSION], digest));
    const before = snapshotTree(s.vendorDir);
    expect(await rejection(vendorCharts({ root: s.root, env: {} }))).toBe(
      `Gateway API ${GATEWAY_API_VERSION}: ${GATEWAY_API_VERSION}/${GATEWAY_API_FILE} from ../gateway-api has sha256 ${digest}, but ${LOCK_FILE} pins ${s.gatewayApi[GATEWAY_API_VERSION]} ` +
      `(istio["${LOCKED_VERSION}"].gatewayApi.sha256). Nothing was written. If that source is trusted and the change intended (another mirror, a re-released file), ` +
      `re-pin it: remove istio["${LOCKED_VERSION}"].gatewayApi from ${LOCK_FILE}, then npm run vendor`,
    );
    expect(snapshotTree(s.vendorDir)).toEqual(before);
    // Doing what it says pins the new file.
    writeLockFile(s.root, { sources: s.lock.sources, gatewayApiSources: s.lock.gatewayApiSources, istio: { [LOCKED_VERSION]: { charts: s.lock.charts } } });
    await vendorCharts({ root: s.root, env: {} });
    expect(readLock(s.root).gatewayApi!.sha256).toBe(digest);
  });

  test('CRDs missing at every source: each source\'s reason, the variable to set, nothing written', async () => {
    fs.rmSync(path.join(s.gatewayApiMirror, GATEWAY_API_VERSION, GATEWAY_API_FILE));
    writeLockFile(s.root, { ...s.lock, gatewayApiSources: ['no-such-folder', '../gateway-api'] });
    const before = snapshotTree(s.vendorDir);
    const message = await rejection(vendorCharts({ root: s.root, env: {} }));
    expect(message).toMatch(new RegExp(
      `^Gateway API ${G} \\(${GATEWAY_API_FILE}\\) could not be fetched from any source:\\n` +
      ' {2}- no-such-folder: cannot read .*no-such-folder/SHA256SUMS \\(ENOENT\\)\\n' +
      ` {2}- \\.\\./gateway-api: cannot read .*gateway-api/${G}/${GATEWAY_API_FILE} \\(ENOENT\\)\\n` +
      `Set ISTIO_GATEWAY_API_MIRROR to a folder .* or fix "gatewayApiSources" in ${LOCK}\\.$`,
    ));
    expect(snapshotTree(s.vendorDir)).toEqual(before);
    // A release its SHA256SUMS does not list is not in that folder either.
    const sums = path.join(s.gatewayApiMirror, 'SHA256SUMS');
    fs.writeFileSync(sums, fs.readFileSync(sums, 'utf8').split('\n').filter(l => !l.includes(GATEWAY_API_VERSION)).join('\n'));
    expect(await rejection(vendorCharts({ root: s.root, env: { ISTIO_GATEWAY_API_MIRROR: s.gatewayApiMirror } })))
      .toMatch(new RegExp(`could not be fetched from any source:\\n {2}- ${ESC(s.gatewayApiMirror)}: its SHA256SUMS lists no ${G}/${GATEWAY_API_FILE}\\n`));
    expect(snapshotTree(s.vendorDir)).toEqual(before);
  });

  test('from an HTTP source on 127.0.0.1 (no sums published): the first fetch is pinned, later fetches are verified against the lock', async () => {
    let served: (version: string) => string | undefined = v => gatewayApiYaml(v);
    await serving(p => {
      const m = /^\/releases\/download\/(v[\d.]+)\/standard-install\.yaml$/.exec(p);
      return m ? served(m[1]) : undefined;
    }, async base => {
      const url = `${base}/releases/download`;
      // Not pinned yet, and the folder source has nothing: the HTTP source pins it.
      writeLockFile(s.root, { sources: s.lock.sources, gatewayApiSources: ['no-such-folder', url], istio: { [LOCKED_VERSION]: { charts: s.lock.charts } } });
      const lines: string[] = [];
      await vendorCharts({ root: s.root, env: {}, log: l => lines.push(l) });
      expect(lines).toContain(`Gateway API ${GATEWAY_API_VERSION}: ${GATEWAY_API_VERSION}/${GATEWAY_API_FILE} from ${url}, sha256 ${s.gatewayApi[GATEWAY_API_VERSION]} pinned on first fetch (that source publishes no checksums)`);
      expect(readLock(s.root).gatewayApi!.sha256).toBe(s.gatewayApi[GATEWAY_API_VERSION]);
      expect(fs.readFileSync(gatewayApiFile, 'utf8')).toBe(gatewayApiYaml(GATEWAY_API_VERSION));

      // The server now serves something else: --force verifies against the lock and keeps what is vendored.
      served = v => gatewayApiYaml(v) + '# changed upstream\n';
      const before = snapshotTree(s.vendorDir);
      expect(await rejection(vendorCharts({ root: s.root, env: {}, force: true })))
        .toMatch(new RegExp(`^Gateway API ${G}: ${G}/${GATEWAY_API_FILE} from ${ESC(url)} has sha256 \\w{64}, but ${LOCK} pins ${s.gatewayApi[GATEWAY_API_VERSION]} `));
      expect(snapshotTree(s.vendorDir)).toEqual(before);

      // A file that is not that release's standard-channel CRDs (another release, an HTML page) is never pinned.
      writeLockFile(s.root, { sources: s.lock.sources, gatewayApiSources: [url], istio: { [LOCKED_VERSION]: { charts: s.lock.charts } } });
      const lockBefore = lockText();
      const unpinned = snapshotTree(s.vendorDir);
      served = () => gatewayApiYaml(OTHER_GATEWAY_API_VERSION);
      expect(await rejection(vendorCharts({ root: s.root, env: {} }))).toBe(
        `Gateway API ${GATEWAY_API_VERSION}: ${GATEWAY_API_VERSION}/${GATEWAY_API_FILE} from ${url} cannot be used: ` +
        `its CustomResourceDefinition gateways.gateway.networking.k8s.io is from Gateway API ${OTHER_GATEWAY_API_VERSION}, not ${GATEWAY_API_VERSION}. Nothing was written.`,
      );
      served = () => '<html><body>Not here</body></html>\n';
      expect(await rejection(vendorCharts({ root: s.root, env: {} }))).toMatch(/ cannot be used: it holds no CustomResourceDefinition\. Nothing was written\.$/);
      served = () => undefined;
      expect(await rejection(vendorCharts({ root: s.root, env: {} })))
        .toMatch(new RegExp(`could not be fetched from any source:\\n {2}- ${ESC(url)}: ${ESC(url)}/${G}/${GATEWAY_API_FILE} answered HTTP 404\\n`));
      expect(lockText()).toBe(lockBefore);
      expect(snapshotTree(s.vendorDir)).toEqual(unpinned);
    });
  });

  test('a lock whose CRD digest was edited after vendoring is refused as a lock edit, with both digests and both fixes', async () => {
    await vendorCharts({ root: s.root, env: {} });
    const edited = 'ab'.repeat(32);
    writeLockFile(s.root, { ...s.lock, gatewayApi: { ...s.lock.gatewayApi, sha256: edited } });
    const vendored = snapshotTree(s.vendorDir);
    for (const message of await refusals(s.root)) {
      expect(message).toBe(
        `${LOCK_FILE} was edited after the Gateway API CRDs were vendored (the Gateway API CRDs are as they were fetched; the lock is what changed):\n` +
        `  - istio["${LOCKED_VERSION}"].gatewayApi.sha256 is ${edited}, but vendor/gateway-api-${GATEWAY_API_VERSION}/${GATEWAY_API_FILE} ` +
        `(unchanged since it was fetched from ../gateway-api) has ${s.gatewayApi[GATEWAY_API_VERSION]}\n` +
        `If the edit was a mistake, restore the lock from git: git checkout -- ${LOCK_FILE}. ` +
        'If the new lock is intended, fetch the Gateway API CRDs again and verify them against it: npm run vendor -- --force',
      );
    }
    expect(await rejection(vendorCharts({ root: s.root, env: {}, force: true }))).toMatch(new RegExp(`^Gateway API ${G}: .* but ${LOCK} pins ${edited} `));
    expect(snapshotTree(s.vendorDir)).toEqual(vendored);
    writeLockFile(s.root, s.lock);
    expect(() => vendoredCharts(s.root)).not.toThrow();
  });

  test('a vendored CRD file edited by hand is refused by synth, named, and restored by --force', async () => {
    await vendorCharts({ root: s.root, env: {} });
    fs.appendFileSync(gatewayApiFile, '# local tweak\n');
    const edited = sha256(fs.readFileSync(gatewayApiFile));
    for (const message of await refusals(s.root)) {
      expect(message).toBe(
        'vendored Gateway API CRDs were changed after vendoring:\n' +
        `  - vendor/gateway-api-${GATEWAY_API_VERSION}/${GATEWAY_API_FILE} does not match ${LOCK_FILE} ` +
        `(changed ${GATEWAY_API_FILE}: sha256 ${edited}, fetched as ${s.gatewayApi[GATEWAY_API_VERSION]})\n` +
        'Vendored files are never edited in place: restore them with `npm run vendor -- --force`, or change what is rendered through the settings in main.ts.',
      );
    }
    expect(fs.readFileSync(gatewayApiFile, 'utf8')).toMatch(/local tweak/);
    await vendorCharts({ root: s.root, env: {}, force: true });
    expect(fs.readFileSync(gatewayApiFile, 'utf8')).toBe(gatewayApiYaml(GATEWAY_API_VERSION));
    expect(() => vendoredCharts(s.root)).not.toThrow();
  });

  test('CRDs missing from vendor/ are fetched by synth without touching the lock', async () => {
    await vendorCharts({ root: s.root, env: {} });
    const lockBefore = lockText();
    fs.rmSync(path.dirname(gatewayApiFile), { recursive: true });
    expect(thrown(() => vendoredCharts(s.root))).toBe(
      `the Gateway API CRDs of Istio ${LOCKED_VERSION} are not vendored (missing: vendor/gateway-api-${GATEWAY_API_VERSION}/${GATEWAY_API_FILE}): run \`npm run vendor\``,
    );
    const lines: string[] = [];
    await ensureVendored(s.root, {}, l => lines.push(l));
    expect(lines).toEqual([
      `Gateway API ${GATEWAY_API_VERSION}: ${GATEWAY_API_VERSION}/${GATEWAY_API_FILE} from ../gateway-api, sha256 ${s.gatewayApi[GATEWAY_API_VERSION]} verified`,
      `vendored Gateway API ${GATEWAY_API_VERSION} into vendor/gateway-api-${GATEWAY_API_VERSION}`,
    ]);
    expect(lockText()).toBe(lockBefore);
    expect(() => vendoredCharts(s.root)).not.toThrow();
  });

  test('two versions pinning one Gateway API release with different digests is a malformed lock', () => {
    writeLockFile(s.root, {
      sources: s.lock.sources,
      istio: {
        [LOCKED_VERSION]: { charts: s.lock.charts, gatewayApi: s.lock.gatewayApi },
        [OTHER_VERSION]: { charts: s.lock.charts, gatewayApi: { ...s.lock.gatewayApi, sha256: 'cd'.repeat(32) } },
      },
    });
    expect(thrown(() => vendoredCharts(s.root))).toMatch(new RegExp(`^${LOCK} is malformed: istio\\["${V}"\\]\\.gatewayApi and istio\\["${ESC(OTHER_VERSION)}"\\]\\.gatewayApi pin Gateway API ${G} with different sha256`));
  });
});
