import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../user-error';
import { fileDigests, FileDigest, sha256, treeSha256 } from './digest';
import { ChartLockEntry, ChartsLock, ISTIO_CHARTS, IstioChart, LOCK_FILE, readLock, versionDir, writeLock } from './lock';
import { ChartSource, findInIndex, IndexEntry, MIRROR_ENV, openSource, SourceUnavailable, sourceList } from './source';
import { BadArchive, unpackChart } from './unpack';

/** Options of a vendoring run. */
export interface VendorOptions {
  /** Project root (holds vendor/charts.lock.json). */
  readonly root: string;
  /** Environment to read ISTIO_CHARTS_MIRROR from. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Replace vendored charts that no longer match the lock. @default false */
  readonly force?: boolean;
  /** Re-lock to this Istio version (re-pinning digests from the first source that has it). @default - keep the locked version */
  readonly relockVersion?: string;
  /** Where progress lines go. @default - nowhere */
  readonly log?: (line: string) => void;
}

/** The vendored charts, verified against the lock. */
export interface VendoredCharts {
  /** The lock they match. */
  readonly lock: ChartsLock;
  /** Unpacked chart folder per chart. */
  readonly dirs: { readonly [chart in IstioChart]: string };
}

/** How the vendored tree compares with the lock. */
export type VendorState =
  | { readonly state: 'ok' }
  | { readonly state: 'missing'; readonly charts: readonly IstioChart[] }
  | { readonly state: 'modified'; readonly problems: readonly string[] };

const SUMS_SUFFIX = '.sha256sums';

function rel(root: string, p: string): string {
  return path.relative(root, p) || '.';
}

function readSums(file: string): Map<string, string> | undefined {
  if (!fs.existsSync(file)) return undefined;
  const sums = new Map<string, string>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (m) sums.set(m[2], m[1]);
  }
  return sums;
}

function writeSums(file: string, digests: readonly FileDigest[]): void {
  fs.writeFileSync(file, digests.map(d => `${d.sha256}  ${d.path}\n`).join(''));
}

/** Names the files that differ from the sums written when the chart was vendored. */
function changedFiles(digests: readonly FileDigest[], sums: Map<string, string> | undefined): string {
  if (!sums) return 'its files differ';
  const now = new Map(digests.map(d => [d.path, d.sha256]));
  const changed = [
    ...[...now].filter(([p, d]) => sums.has(p) && sums.get(p) !== d).map(([p]) => `changed ${p}`),
    ...[...now.keys()].filter(p => !sums.has(p)).map(p => `added ${p}`),
    ...[...sums.keys()].filter(p => !now.has(p)).map(p => `removed ${p}`),
  ];
  return changed.length ? changed.slice(0, 5).join(', ') + (changed.length > 5 ? `, and ${changed.length - 5} more` : '') : 'its files differ';
}

/** Compares the unpacked charts with the lock (content digests, so hand edits show). */
export function checkVendored(root: string, lock: ChartsLock): VendorState {
  const dir = versionDir(root, lock.istioVersion);
  const missing: IstioChart[] = [];
  const problems: string[] = [];
  for (const chart of ISTIO_CHARTS) {
    const chartDir = path.join(dir, chart);
    if (!fs.existsSync(chartDir)) {
      missing.push(chart);
      continue;
    }
    const digests = fileDigests(chartDir);
    if (treeSha256(digests) !== lock.charts[chart].treeSha256) {
      problems.push(`${rel(root, chartDir)} does not match ${LOCK_FILE} (${changedFiles(digests, readSums(chartDir + SUMS_SUFFIX))})`);
    }
  }
  if (problems.length) return { state: 'modified', problems };
  if (missing.length) return { state: 'missing', charts: missing };
  return { state: 'ok' };
}

function modifiedError(problems: readonly string[]): UserError {
  return new UserError(
    `vendored charts were changed after vendoring:\n  - ${problems.join('\n  - ')}\n` +
    'Charts are never edited in place: restore them with `npm run vendor -- --force`, ' +
    'or change what is rendered through the settings in main.ts.',
  );
}

function chartsOf(root: string, lock: ChartsLock): VendoredCharts {
  const dir = versionDir(root, lock.istioVersion);
  return { lock, dirs: { base: path.join(dir, 'base'), istiod: path.join(dir, 'istiod'), gateway: path.join(dir, 'gateway') } };
}

/** Checks the vendored charts synchronously; for the constructs, which cannot fetch. */
export function vendoredCharts(root: string): VendoredCharts {
  const lock = readLock(root);
  const state = checkVendored(root, lock);
  if (state.state === 'modified') throw modifiedError(state.problems);
  if (state.state === 'missing') {
    throw new UserError(`Istio ${lock.istioVersion} charts are not vendored (missing: ${state.charts.join(', ')}): run \`npm run vendor\``);
  }
  return chartsOf(root, lock);
}

/** Reads each source's index.yaml once. */
class SourceSet {
  private readonly indexes = new Map<ChartSource, Promise<string>>();
  constructor(readonly sources: readonly ChartSource[]) {}
  index(source: ChartSource): Promise<string> {
    let index = this.indexes.get(source);
    if (!index) {
      index = source.readIndex();
      this.indexes.set(source, index);
    }
    return index;
  }
}

interface Fetched {
  readonly archive: Buffer;
  readonly source: ChartSource;
  readonly entry: IndexEntry;
}

/** Fetches one archive from the first source that has it, verifying its digests. */
async function fetchChart(sources: SourceSet, chart: IstioChart, version: string, pinned: string | undefined): Promise<Fetched> {
  const reasons: string[] = [];
  for (const source of sources.sources) {
    let entry: IndexEntry | undefined;
    let archive: Buffer;
    try {
      entry = findInIndex(await sources.index(source), chart, version);
      if (!entry) {
        reasons.push(`${source.name}: its index.yaml has no ${chart} ${version}`);
        continue;
      }
      archive = await source.readArchive(entry.url);
    } catch (err) {
      if (!(err instanceof SourceUnavailable)) throw err;
      reasons.push(`${source.name}: ${err.message}`);
      continue;
    }
    const file = path.basename(entry.url);
    const actual = sha256(archive);
    if (entry.digest && entry.digest !== actual) {
      throw new UserError(
        `chart ${chart}: ${file} from ${source.name} has sha256 ${actual}, but that repository's index.yaml says ${entry.digest}: ` +
        'the archive is corrupt or was replaced. Nothing was written; fix or replace the source.',
      );
    }
    if (pinned && pinned !== actual) {
      throw new UserError(
        `chart ${chart}: ${file} from ${source.name} has sha256 ${actual}, but ${LOCK_FILE} pins ${pinned}. Nothing was written. ` +
        `If that source is trusted and the change intended (another repository, a re-released chart), re-lock with: npm run vendor -- --version ${version}`,
      );
    }
    return { archive, source, entry };
  }
  throw new UserError(
    `chart ${chart} ${version} could not be fetched from any source:\n  - ${reasons.join('\n  - ')}\n` +
    `Set ${MIRROR_ENV} to a folder or URL that holds Istio's charts (index.yaml and .tgz files), or fix "sources" in ${LOCK_FILE}.`,
  );
}

/**
 * Fetches, verifies and unpacks the locked charts (or re-locks to another version).
 *
 * Everything is staged in a temporary folder under vendor/ and moved into place only
 * when every chart has passed, so a failure leaves vendor/ exactly as it was.
 */
export async function vendorCharts(opts: VendorOptions): Promise<VendoredCharts> {
  const { root } = opts;
  const log = opts.log ?? (() => undefined);
  const lock = readLock(root);
  const relock = opts.relockVersion;
  if (relock !== undefined && !/^\d+\.\d+\.\d+$/.test(relock)) {
    throw new UserError(`--version ${JSON.stringify(relock)} is not an Istio version such as 1.30.3`);
  }
  const version = relock ?? lock.istioVersion;

  if (relock === undefined) {
    const state = checkVendored(root, lock);
    if (state.state === 'ok' && !opts.force) {
      log(`Istio ${version} charts are vendored and match ${LOCK_FILE}`);
      return chartsOf(root, lock);
    }
    if (state.state === 'modified' && !opts.force) throw modifiedError(state.problems);
  }

  const specs = sourceList(lock.sources, opts.env ?? process.env);
  const sources = new SourceSet(specs.map(s => openSource(s, root)));
  const vendorDir = path.join(root, 'vendor');
  const staging = fs.mkdtempSync(path.join(vendorDir, '.staging-'));
  try {
    const stagedVersion = path.join(staging, `istio-${version}`);
    fs.mkdirSync(stagedVersion);
    const entries: Partial<Record<IstioChart, ChartLockEntry>> = {};
    for (const chart of ISTIO_CHARTS) {
      const pinned = relock === undefined ? lock.charts[chart] : undefined;
      const fetched = await fetchChart(sources, chart, version, pinned?.sha256);
      const file = path.basename(fetched.entry.url);
      let unpacked: string;
      try {
        unpacked = await unpackChart(fetched.archive, stagedVersion, chart, version);
      } catch (err) {
        if (!(err instanceof BadArchive)) throw err;
        throw new UserError(`chart ${chart}: ${file} from ${fetched.source.name} cannot be used: ${err.message}. Nothing was written.`);
      }
      const digests = fileDigests(unpacked);
      const tree = treeSha256(digests);
      if (pinned && pinned.treeSha256 !== tree) {
        throw new UserError(`chart ${chart}: ${file} from ${fetched.source.name} matches its pinned sha256 but unpacks to other files than ${LOCK_FILE} records; the lock was edited by hand. Restore it from git or re-lock with: npm run vendor -- --version ${version}`);
      }
      writeSums(unpacked + SUMS_SUFFIX, digests);
      entries[chart] = { name: chart, version, file, sha256: sha256(fetched.archive), treeSha256: tree };
      log(`${chart} ${version}: ${file} from ${fetched.source.name}, sha256 ${entries[chart]!.sha256} verified`);
    }

    const target = versionDir(root, version);
    if (fs.existsSync(target)) fs.renameSync(target, path.join(staging, 'replaced'));
    fs.renameSync(stagedVersion, target);
    if (relock !== undefined) {
      writeLock(root, { istioVersion: version, sources: lock.sources, charts: entries as ChartsLock['charts'] });
      const previous = versionDir(root, lock.istioVersion);
      if (lock.istioVersion !== version && fs.existsSync(previous)) fs.renameSync(previous, path.join(staging, 'previous'));
      log(`locked Istio ${version} in ${LOCK_FILE}`);
    }
    log(`unpacked into ${rel(root, target)}`);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return vendoredCharts(root);
}

/** For synth: vendors the locked charts when they are missing, refuses them when they were changed. */
export async function ensureVendored(root: string, env: NodeJS.ProcessEnv = process.env, log?: (line: string) => void): Promise<VendoredCharts> {
  const lock = readLock(root);
  const state = checkVendored(root, lock);
  if (state.state === 'modified') throw modifiedError(state.problems);
  if (state.state === 'missing') return vendorCharts({ root, env, log });
  return chartsOf(root, lock);
}
