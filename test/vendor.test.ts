import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { PROJECT_ROOT } from '../lib/project-root';
import { sha256 } from '../lib/vendor/digest';
import { LOCK_FILE, readLock } from '../lib/vendor/lock';
import { ensureVendored, vendorCharts, vendoredCharts } from '../lib/vendor/vendor';
import { tempDir } from './render';

const SHARED_MIRROR = path.resolve(PROJECT_ROOT, '..', 'shared', 'istio-charts');

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

/** A scratch project (the real lock) and a writable copy of the chart mirror. */
function scratchProject() {
  const t = tempDir('istio-cdk8s-vendor-');
  const root = path.join(t.dir, 'project');
  const mirror = path.join(t.dir, 'mirror');
  fs.mkdirSync(path.join(root, 'vendor'), { recursive: true });
  fs.copyFileSync(path.join(PROJECT_ROOT, LOCK_FILE), path.join(root, LOCK_FILE));
  fs.cpSync(SHARED_MIRROR, mirror, { recursive: true });
  for (const f of fs.readdirSync(mirror)) fs.chmodSync(path.join(mirror, f), 0o644);
  const env = { ISTIO_CHARTS_MIRROR: mirror };
  return { ...t, root, mirror, env, vendorDir: path.join(root, 'vendor') };
}

/** Rewrites one chart's digest in the mirror's index.yaml, as a repository that re-released it would. */
function setIndexDigest(mirror: string, file: string, digest: string): void {
  const index = path.join(mirror, 'index.yaml');
  const text = fs.readFileSync(index, 'utf8');
  const lines = text.split('\n');
  const urlLine = lines.findIndex(l => l.trim() === `- ${file}`);
  let i = urlLine;
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

describe('vendoring', () => {
  let s: ReturnType<typeof scratchProject>;
  beforeEach(() => { s = scratchProject(); });
  afterEach(() => s.cleanup());

  test('fetches, verifies and unpacks the locked charts from a folder mirror, then finds them up to date', async () => {
    const lines: string[] = [];
    const charts = await vendorCharts({ root: s.root, env: s.env, log: l => lines.push(l) });
    expect(lines.filter(l => l.includes('verified'))).toHaveLength(3);
    for (const chart of ['base', 'istiod', 'gateway'] as const) {
      expect(fs.readFileSync(path.join(charts.dirs[chart], 'Chart.yaml'), 'utf8')).toMatch(/^version: 1\.30\.3$/m);
    }
    expect(fs.readdirSync(s.vendorDir).sort()).toEqual(['charts.lock.json', 'istio-1.30.3']);
    const before = snapshotTree(s.vendorDir);
    const again: string[] = [];
    await vendorCharts({ root: s.root, env: s.env, log: l => again.push(l) });
    expect(again).toEqual(['Istio 1.30.3 charts are vendored and match vendor/charts.lock.json']);
    expect(snapshotTree(s.vendorDir)).toEqual(before);
  });

  test('a tampered archive (index digest no longer matches) names chart and source, writes nothing', async () => {
    corruptByte(path.join(s.mirror, 'istiod-1.30.3.tgz'));
    const before = snapshotTree(s.vendorDir);
    const message = await rejection(vendorCharts({ root: s.root, env: s.env }));
    expect(message).toMatch(new RegExp(`^chart istiod: istiod-1\\.30\\.3\\.tgz from ${s.mirror} has sha256 \\w{64}, but that repository's index.yaml says`));
    expect(message).toMatch(/Nothing was written/);
    expect(snapshotTree(s.vendorDir)).toEqual(before);
  });

  test('an archive replaced together with its index entry fails against the lock', async () => {
    const archive = path.join(s.mirror, 'base-1.30.3.tgz');
    fs.copyFileSync(path.join(s.mirror, 'base-1.29.6.tgz'), archive);
    setIndexDigest(s.mirror, 'base-1.30.3.tgz', sha256(fs.readFileSync(archive)));
    const before = snapshotTree(s.vendorDir);
    const message = await rejection(vendorCharts({ root: s.root, env: s.env }));
    expect(message).toMatch(/^chart base: base-1\.30\.3\.tgz from .* but vendor\/charts\.lock\.json pins d95fd0b3/);
    expect(message).toMatch(/re-lock with: npm run vendor -- --version 1\.30\.3/);
    expect(snapshotTree(s.vendorDir)).toEqual(before);
  });

  test('a missing archive names the chart and every source tried', async () => {
    fs.rmSync(path.join(s.mirror, 'gateway-1.30.3.tgz'));
    const before = snapshotTree(s.vendorDir);
    const message = await rejection(vendorCharts({ root: s.root, env: s.env }));
    expect(message).toMatch(/^chart gateway 1\.30\.3 could not be fetched from any source:\n {2}- .*mirror: cannot read .*gateway-1\.30\.3\.tgz \(ENOENT\)/);
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
    expect(message).toMatch(new RegExp(`^chart base 1\\.30\\.3 could not be fetched from any source:\\n {2}- http://127\\.0\\.0\\.1:${port}/charts: cannot reach http://127\\.0\\.0\\.1:${port}/charts/index\\.yaml`));
    expect(snapshotTree(s.vendorDir)).toEqual(before);
  });

  test('a corrupt archive whose digest the index vouches for is refused when re-locking', async () => {
    const archive = path.join(s.mirror, 'gateway-1.29.6.tgz');
    fs.writeFileSync(archive, 'not a tarball');
    setIndexDigest(s.mirror, 'gateway-1.29.6.tgz', sha256('not a tarball'));
    const lockBefore = fs.readFileSync(path.join(s.root, LOCK_FILE), 'utf8');
    const before = snapshotTree(s.vendorDir);
    const message = await rejection(vendorCharts({ root: s.root, env: s.env, relockVersion: '1.29.6' }));
    expect(message).toMatch(/^chart gateway: gateway-1\.29\.6\.tgz from .* cannot be used: it is not a valid chart archive/);
    expect(fs.readFileSync(path.join(s.root, LOCK_FILE), 'utf8')).toBe(lockBefore);
    expect(snapshotTree(s.vendorDir)).toEqual(before);
  });

  test('serves from an HTTP repository, after a source that lacks the charts', async () => {
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
      const lock = JSON.parse(fs.readFileSync(path.join(s.root, LOCK_FILE), 'utf8'));
      fs.writeFileSync(path.join(s.root, LOCK_FILE), JSON.stringify({ ...lock, sources: ['no-such-mirror', url] }));
      const lines: string[] = [];
      await vendorCharts({ root: s.root, env: {}, log: l => lines.push(l) });
      expect(lines.filter(l => l.includes(`from ${url}, sha256`))).toHaveLength(3);
    } finally {
      await new Promise<void>(r => server.close(() => r()));
    }
  });

  test('charts edited after vendoring are refused by synth, named, and restored by --force', async () => {
    await vendorCharts({ root: s.root, env: s.env });
    const template = path.join(s.vendorDir, 'istio-1.30.3', 'istiod', 'templates', 'deployment.yaml');
    fs.appendFileSync(template, '\n# local tweak\n');
    const expected = /vendor\/istio-1\.30\.3\/istiod does not match vendor\/charts\.lock\.json \(changed templates\/deployment\.yaml\)[\s\S]*npm run vendor -- --force/;
    expect(() => vendoredCharts(s.root)).toThrow(expected);
    expect(await rejection(ensureVendored(s.root, s.env))).toMatch(expected);
    expect(await rejection(vendorCharts({ root: s.root, env: s.env }))).toMatch(expected);
    expect(fs.readFileSync(template, 'utf8')).toMatch(/local tweak/);
    await vendorCharts({ root: s.root, env: s.env, force: true });
    expect(fs.readFileSync(template, 'utf8')).not.toMatch(/local tweak/);
    expect(() => vendoredCharts(s.root)).not.toThrow();
  });

  test('a forced re-vendor from a tampered source keeps the good charts in place', async () => {
    await vendorCharts({ root: s.root, env: s.env });
    const before = snapshotTree(s.vendorDir);
    corruptByte(path.join(s.mirror, 'gateway-1.30.3.tgz'));
    expect(await rejection(vendorCharts({ root: s.root, env: s.env, force: true }))).toMatch(/^chart gateway:/);
    expect(snapshotTree(s.vendorDir)).toEqual(before);
  });

  test('--version re-locks to another release with the digests its index publishes', async () => {
    await vendorCharts({ root: s.root, env: s.env });
    await vendorCharts({ root: s.root, env: s.env, relockVersion: '1.29.6' });
    const lock = readLock(s.root);
    expect(lock.istioVersion).toBe('1.29.6');
    const index = fs.readFileSync(path.join(s.mirror, 'index.yaml'), 'utf8');
    for (const chart of ['base', 'istiod', 'gateway'] as const) {
      expect(lock.charts[chart]).toMatchObject({ name: chart, version: '1.29.6', file: `${chart}-1.29.6.tgz` });
      expect(index).toContain(`digest: ${lock.charts[chart].sha256}`);
    }
    expect(lock.sources).toEqual(readLock(PROJECT_ROOT).sources);
    expect(fs.readdirSync(s.vendorDir).sort()).toEqual(['charts.lock.json', 'istio-1.29.6']);
  });

  test('synth vendors missing charts by itself', async () => {
    const charts = await ensureVendored(s.root, s.env);
    expect(fs.existsSync(path.join(charts.dirs.istiod, 'Chart.yaml'))).toBe(true);
  });
});

describe('npm run vendor', () => {
  test('a bad flag prints one error line with the usage and exits 1', () => {
    const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'lib/vendor/cli.ts', '--versoin', '1.30.3'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: Unknown option '--versoin'/);
    expect(r.stderr).toMatch(/usage: npm run vendor/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
