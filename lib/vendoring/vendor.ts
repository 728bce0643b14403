import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../user-error';
import { SourceSet, StagedChart, stageChart } from './fetch';
import { ChartLockEntry, ChartsLock, ISTIO_CHARTS, IstioChart, LOCK_FILE, lockedVersions, readLock, readLockFile, versionDir, writeLockFile } from './lock';
import { writeVendorRecord } from './record';
import { openSource, sourceList } from './source';
import { checkVendored, chartsIn, notVendoredError, refusal, VendorState } from './state';

/** Options of a vendoring run. */
export interface VendorOptions {
  /** Project root (holds vendor/charts.lock.json). */
  readonly root: string;
  /** Environment to read ISTIO_CHARTS_MIRROR from. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Fetch the charts again even when they are vendored and match the lock. @default false */
  readonly force?: boolean;
  /**
   * The Istio versions main.ts uses. Versions the lock does not pin yet are fetched,
   * verified against their source's index and pinned. @default - the locked versions
   */
  readonly versions?: readonly string[];
  /** Remove from the lock (and vendor/) the versions not in `versions`. @default true */
  readonly prune?: boolean;
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

function rel(root: string, p: string): string {
  return path.relative(root, p) || '.';
}

function chartsOf(root: string, lock: ChartsLock): VendoredCharts {
  const dir = versionDir(root, lock.istioVersion);
  return { lock, dirs: { base: path.join(dir, 'base'), istiod: path.join(dir, 'istiod'), gateway: path.join(dir, 'gateway') } };
}

function isOk(state: VendorState): boolean {
  return ISTIO_CHARTS.every(chart => state.charts[chart].state === 'ok');
}

/** The vendored charts of each Istio version, verified against the lock. */
export type VendoredReleases = ReadonlyMap<string, VendoredCharts>;

/** Checks the vendored charts of one locked version (default: the newest) synchronously; for the constructs, which cannot fetch. */
export function vendoredCharts(root: string, version?: string): VendoredCharts {
  const lock = readLock(root, version);
  const state = checkVendored(root, lock);
  const refused = refusal(root, state);
  if (refused) throw refused;
  if (!isOk(state)) throw notVendoredError(root, state);
  return chartsOf(root, lock);
}

/** Runs `work` with a staging folder under vendor/ (same file system, so moves are renames), removed afterwards. */
async function withStaging<T>(root: string, work: (staging: string) => Promise<T>): Promise<T> {
  const staging = fs.mkdtempSync(path.join(root, 'vendor', '.staging-'));
  try {
    return await work(staging);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

function logVerified(log: (line: string) => void, staged: StagedChart): void {
  log(`${staged.entry.name} ${staged.entry.version}: ${staged.archive.file} from ${staged.archive.source}, sha256 ${staged.archive.sha256} verified`);
}

/**
 * Charts vendored before archive records existed are re-verified rather than replaced:
 * the pinned archive is fetched and verified as for vendoring, and must unpack to the
 * files the lock records, which are the vendored files (checkVendored found them equal).
 * Then only the record is written. So the upgrade costs one fetch, and nothing that a
 * concurrent render reads is moved; an edited lock fails here as it would on a fetch.
 */
async function reverify(root: string, lock: ChartsLock, charts: readonly IstioChart[], sources: SourceSet, log: (line: string) => void): Promise<void> {
  const dir = versionDir(root, lock.istioVersion);
  await withStaging(root, async staging => {
    const staged: StagedChart[] = [];
    for (const chart of charts) staged.push(await stageChart(sources, chart, lock.istioVersion, lock.charts[chart], staging));
    for (const s of staged) {
      writeVendorRecord(path.join(dir, s.entry.name), s.digests, s.archive);
      logVerified(log, s);
    }
  });
  log(`re-verified ${charts.join(', ')} in ${rel(root, dir)} against ${LOCK_FILE} and recorded their archives`);
}

/** Verifies the vendored charts of every version in `versions` (all locked). */
function vendoredReleases(root: string, versions: readonly string[]): VendoredReleases {
  return new Map(versions.map(v => [v, vendoredCharts(root, v)]));
}

const VERSION = /^\d+\.\d+\.\d+$/;

/**
 * Makes vendor/ and the lock follow the versions main.ts uses: locked versions whose
 * charts are missing are fetched and verified against the lock; new versions are
 * fetched, verified against their source's index and pinned; versions no longer used
 * leave the lock and vendor/ (unless `prune` is false).
 *
 * Everything is staged in a temporary folder under vendor/ and moved into place (and
 * the lock written) only when every chart has passed, so a failure leaves vendor/ and
 * the lock exactly as they were.
 */
export async function vendorCharts(opts: VendorOptions): Promise<VendoredReleases> {
  const { root } = opts;
  const log = opts.log ?? (() => undefined);
  const lockFile = readLockFile(root);
  const locked = lockedVersions(root);
  const wanted = [...new Set(opts.versions ?? locked)];
  for (const v of wanted) if (!VERSION.test(v)) throw new UserError(`"${v}" is not an Istio version such as 1.30.3`);
  if (wanted.length === 0) throw new UserError('main.ts names no Istio version: set istioVersion (or revisions) in main.ts');
  const sources = new SourceSet(sourceList(lockFile.sources, opts.env ?? process.env).map(s => openSource(s, root)));
  const removed = opts.prune === false ? [] : locked.filter(v => !wanted.includes(v));

  const toFetch: Array<{ version: string; pinned?: ChartsLock }> = [];
  for (const version of wanted) {
    if (!locked.includes(version)) {
      toFetch.push({ version });
      continue;
    }
    const lock = readLock(root, version);
    if (opts.force) {
      toFetch.push({ version, pinned: lock });
      continue;
    }
    const state = checkVendored(root, lock);
    const refused = refusal(root, state);
    if (refused) throw refused;
    if (isOk(state)) {
      log(`Istio ${version} charts are vendored and match ${LOCK_FILE}`);
    } else if (chartsIn(state, 'missing').length === 0) {
      await reverify(root, lock, chartsIn(state, 'unrecorded'), sources, log);
    } else {
      toFetch.push({ version, pinned: lock });
    }
  }
  if (toFetch.length === 0 && removed.length === 0) return vendoredReleases(root, wanted);

  await withStaging(root, async staging => {
    const pinnedNow: { [version: string]: ChartsLock['charts'] } = {};
    const staged: Array<{ version: string; dir: string }> = [];
    for (const { version, pinned } of toFetch) {
      const stagedVersion = path.join(staging, `istio-${version}`);
      fs.mkdirSync(stagedVersion);
      const entries = {} as Record<IstioChart, ChartLockEntry>;
      for (const chart of ISTIO_CHARTS) {
        const s = await stageChart(sources, chart, version, pinned?.charts[chart], stagedVersion);
        writeVendorRecord(s.dir, s.digests, s.archive);
        entries[chart] = s.entry;
        logVerified(log, s);
      }
      if (!pinned) pinnedNow[version] = entries;
      staged.push({ version, dir: stagedVersion });
    }
    // Everything passed: move into place, then write the lock.
    for (const { version, dir } of staged) {
      const target = versionDir(root, version);
      if (fs.existsSync(target)) fs.renameSync(target, path.join(staging, `replaced-${version}`));
      fs.renameSync(dir, target);
      log(`unpacked into ${rel(root, target)}`);
    }
    for (const version of removed) {
      const dir = versionDir(root, version);
      if (fs.existsSync(dir)) fs.renameSync(dir, path.join(staging, `removed-${version}`));
    }
    if (Object.keys(pinnedNow).length || removed.length) {
      const istio = Object.fromEntries([
        ...Object.entries(lockFile.istio).filter(([v]) => !removed.includes(v)),
        ...Object.entries(pinnedNow).map(([v, charts]) => [v, { charts }]),
      ]);
      writeLockFile(root, { sources: lockFile.sources, istio });
      for (const v of Object.keys(pinnedNow)) log(`locked Istio ${v} in ${LOCK_FILE}`);
      for (const v of removed) log(`removed Istio ${v} from ${LOCK_FILE} and vendor/ (main.ts no longer uses it)`);
    }
  });
  return vendoredReleases(root, wanted);
}

/**
 * For synth: every version main.ts uses must be locked (synth never changes the lock);
 * their charts are vendored when missing (or re-verified when vendored without an
 * archive record), and refused when they or the lock were changed.
 */
export async function ensureVendored(root: string, env: NodeJS.ProcessEnv = process.env, log?: (line: string) => void, versions?: readonly string[]): Promise<VendoredReleases> {
  const locked = lockedVersions(root);
  const wanted = versions ?? locked;
  const unlocked = wanted.filter(v => !locked.includes(v));
  if (unlocked.length) {
    throw new UserError(`main.ts uses Istio ${unlocked.join(', ')}, which ${LOCK_FILE} does not pin (it pins ${locked.join(', ')}): run \`npm run vendor\` to fetch, verify and pin it, then synth again`);
  }
  let ok = true;
  for (const version of wanted) {
    const state = checkVendored(root, readLock(root, version));
    const refused = refusal(root, state);
    if (refused) throw refused;
    ok &&= isOk(state);
  }
  if (ok) return vendoredReleases(root, wanted);
  return vendorCharts({ root, env, log, versions: wanted, prune: false });
}
