import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../user-error';
import { SourceSet, StagedChart, stageChart } from './fetch';
import { ChartLockEntry, ChartsLock, ISTIO_CHARTS, IstioChart, LOCK_FILE, readLock, versionDir, writeLock } from './lock';
import { writeVendorRecord } from './record';
import { openSource, sourceList } from './source';
import { checkVendored, chartsIn, notVendoredError, refusal, VendorState } from './state';

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

/** Checks the vendored charts synchronously; for the constructs, which cannot fetch. */
export function vendoredCharts(root: string): VendoredCharts {
  const lock = readLock(root);
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
  const sources = new SourceSet(sourceList(lock.sources, opts.env ?? process.env).map(s => openSource(s, root)));

  if (relock === undefined && !opts.force) {
    const state = checkVendored(root, lock);
    const refused = refusal(root, state);
    if (refused) throw refused;
    if (isOk(state)) {
      log(`Istio ${version} charts are vendored and match ${LOCK_FILE}`);
      return chartsOf(root, lock);
    }
    if (chartsIn(state, 'missing').length === 0) {
      await reverify(root, lock, chartsIn(state, 'unrecorded'), sources, log);
      return vendoredCharts(root);
    }
  }

  await withStaging(root, async staging => {
    const stagedVersion = path.join(staging, `istio-${version}`);
    fs.mkdirSync(stagedVersion);
    const entries = {} as Record<IstioChart, ChartLockEntry>;
    for (const chart of ISTIO_CHARTS) {
      const pinned = relock === undefined ? lock.charts[chart] : undefined;
      const staged = await stageChart(sources, chart, version, pinned, stagedVersion);
      writeVendorRecord(staged.dir, staged.digests, staged.archive);
      entries[chart] = staged.entry;
      logVerified(log, staged);
    }

    const target = versionDir(root, version);
    if (fs.existsSync(target)) fs.renameSync(target, path.join(staging, 'replaced'));
    fs.renameSync(stagedVersion, target);
    if (relock !== undefined) {
      writeLock(root, { istioVersion: version, sources: lock.sources, charts: entries });
      const previous = versionDir(root, lock.istioVersion);
      if (lock.istioVersion !== version && fs.existsSync(previous)) fs.renameSync(previous, path.join(staging, 'previous'));
      log(`locked Istio ${version} in ${LOCK_FILE}`);
    }
    log(`unpacked into ${rel(root, target)}`);
  });
  return vendoredCharts(root);
}

/**
 * For synth: vendors the locked charts when they are missing (or re-verifies charts
 * vendored without an archive record), refuses them when they or the lock were changed.
 */
export async function ensureVendored(root: string, env: NodeJS.ProcessEnv = process.env, log?: (line: string) => void): Promise<VendoredCharts> {
  const lock = readLock(root);
  const state = checkVendored(root, lock);
  const refused = refusal(root, state);
  if (refused) throw refused;
  if (isOk(state)) return chartsOf(root, lock);
  return vendorCharts({ root, env, log });
}
