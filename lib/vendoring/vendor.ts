import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../user-error';
import { SourceSet, StagedChart, stageChart } from './fetch';
import { openGatewayApiSource, StagedGatewayApi, stageGatewayApi } from './gateway-api';
import { GATEWAY_API_TABLE_FILE, GATEWAY_API_VERSIONS, GatewayApiTable, gatewayApiVersionFor } from './gateway-api-versions';
import {
  byVersion, ChartLockEntry, ChartsLock, GATEWAY_API_FILE, gatewayApiDir, GatewayApiLockEntry, gatewayApiSourcesOf, ISTIO_CHARTS, IstioChart,
  LOCK_FILE, PinnedRelease, readLock, readLockFile, unpinned, unpinnedError, versionDir, writeLockFile,
} from './lock';
import { ARCHIVE_SUFFIX, SUMS_SUFFIX, writeVendorRecord } from './record';
import { GATEWAY_API_MIRROR_ENV, openSource, sourceList } from './source';
import { checkVendored, chartsIn, gatewayApiFile, gatewayApiState, isOk, notVendoredError, refusal } from './state';

/** Options of a vendoring run. */
export interface VendorOptions {
  /** Project root (holds vendor/charts.lock.json). */
  readonly root: string;
  /** Environment to read ISTIO_CHARTS_MIRROR and ISTIO_GATEWAY_API_MIRROR from. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Fetch the charts and Gateway API CRDs again even when they are vendored and match the lock. @default false */
  readonly force?: boolean;
  /**
   * The Istio versions main.ts uses. Versions the lock does not pin yet (or pins only
   * partly) are fetched, verified against their source's index (SHA256SUMS for the
   * Gateway API CRDs) and pinned. @default - the locked versions
   */
  readonly versions?: readonly string[];
  /** Remove from the lock (and vendor/) the versions not in `versions`. @default true */
  readonly prune?: boolean;
  /** Where progress lines go. @default - nowhere */
  readonly log?: (line: string) => void;
  /** Which Gateway API release goes with which Istio minor. @default GATEWAY_API_VERSIONS */
  readonly gatewayApiVersions?: GatewayApiTable;
}

/** The vendored Gateway API CRDs of one Istio version. */
export interface VendoredGatewayApi {
  /** Gateway API release, e.g. `v1.5.1`. */
  readonly version: string;
  /** Absolute path of its `standard-install.yaml` (verified against the lock). */
  readonly file: string;
  /** sha256 of the file as the lock pins it: the render cache's key for it. */
  readonly sha256: string;
}

/** The vendored charts and Gateway API CRDs of one Istio version, verified against the lock. */
export interface VendoredCharts {
  /** The lock they match. */
  readonly lock: ChartsLock;
  /** Unpacked chart folder per chart. */
  readonly dirs: { readonly [chart in IstioChart]: string };
  /** The Gateway API CRDs that go with this Istio version. */
  readonly gatewayApi: VendoredGatewayApi;
}

function rel(root: string, p: string): string {
  return path.relative(root, p) || '.';
}

function chartsOf(root: string, lock: ChartsLock): VendoredCharts {
  const dir = versionDir(root, lock.istioVersion);
  const dirs = Object.fromEntries(ISTIO_CHARTS.map(chart => [chart, path.join(dir, chart)])) as Record<IstioChart, string>;
  const { version, sha256 } = lock.gatewayApi;
  return { lock, dirs, gatewayApi: { version, file: gatewayApiFile(root, lock.gatewayApi), sha256 } };
}

/** The vendored charts of each Istio version, verified against the lock. */
export type VendoredReleases = ReadonlyMap<string, VendoredCharts>;

/**
 * Checks the vendored charts and Gateway API CRDs of one locked version (default: the
 * newest) synchronously, against the lock alone; for the constructs, which cannot fetch.
 */
export function vendoredCharts(root: string, version?: string): VendoredCharts {
  const lock = readLock(root, version);
  const state = checkVendored(root, lock.istioVersion, lock);
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

function logGatewayApi(log: (line: string) => void, staged: StagedGatewayApi): void {
  const { version, file, sha256, source } = staged.record;
  log(`Gateway API ${version}: ${version}/${file} from ${source}, sha256 ${sha256} ` +
    (staged.firstFetch ? 'pinned on first fetch (that source publishes no checksums)' : 'verified'));
}

/** Verifies the vendored charts of every version in `versions` (all locked). */
function vendoredReleases(root: string, versions: readonly string[]): VendoredReleases {
  return new Map(versions.map(v => [v, vendoredCharts(root, v)]));
}

/** Moves `from` to `to`, first moving what is at `to` (if anything) to `trash`. */
function replace(from: string, to: string, trash: string): void {
  if (fs.existsSync(to)) fs.renameSync(to, trash);
  fs.renameSync(from, to);
}

/** "a, b and c". */
function list(items: readonly string[]): string {
  return items.length > 1 ? `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}` : items.join('');
}

const VERSION = /^\d+\.\d+\.\d+$/;

/** What one Istio version needs from a vendoring run. */
interface VersionPlan {
  readonly version: string;
  /** What the lock pins for it now (undefined: a new version). */
  readonly release?: PinnedRelease;
  /** Charts to fetch and move into place (missing, unpinned, or all with --force). */
  readonly fetch: readonly IstioChart[];
  /** Charts vendored before archive records existed: fetched and verified, only their records are written. */
  readonly reverify: readonly IstioChart[];
}

/**
 * Makes vendor/ and the lock follow the versions main.ts uses: locked charts and
 * Gateway API CRDs that are missing are fetched and verified against the lock; new
 * versions, and charts or CRDs a version does not pin yet (a lock written before this
 * project rendered cni, ztunnel and the Gateway API CRDs), are fetched, verified against
 * their source (index.yaml, SHA256SUMS) and pinned, leaving what is pinned and vendored
 * untouched; versions no longer used leave the lock and vendor/ (unless `prune` is
 * false), and so do the Gateway API releases no locked version uses any more.
 *
 * Everything is staged in a temporary folder under vendor/ and moved into place (and
 * the lock written) only when everything has passed, so a failure leaves vendor/ and the
 * lock exactly as they were.
 */
export async function vendorCharts(opts: VendorOptions): Promise<VendoredReleases> {
  const { root } = opts;
  const log = opts.log ?? (() => undefined);
  const env = opts.env ?? process.env;
  const table = opts.gatewayApiVersions ?? GATEWAY_API_VERSIONS;
  const lockFile = readLockFile(root);
  const locked = Object.keys(lockFile.istio).sort(byVersion);
  const wanted = [...new Set(opts.versions ?? locked)];
  for (const v of wanted) if (!VERSION.test(v)) throw new UserError(`"${v}" is not an Istio version such as 1.30.3`);
  if (wanted.length === 0) throw new UserError('main.ts names no Istio version: set istioVersion (or revisions) in main.ts');
  const removed = opts.prune === false ? [] : locked.filter(v => !wanted.includes(v));

  // The Gateway API release each version needs, and the digest the lock pins for each
  // release (readLockFile made the entries of one release agree).
  const gatewayApiOf = new Map(wanted.map(v => [v, gatewayApiVersionFor(v, table)]));
  const gatewayApiPins = new Map<string, string>();
  for (const release of Object.values(lockFile.istio)) if (release.gatewayApi) gatewayApiPins.set(release.gatewayApi.version, release.gatewayApi.sha256);
  const pinnedEntry = (g: string): GatewayApiLockEntry | undefined => {
    const sha256 = gatewayApiPins.get(g);
    return sha256 ? { version: g, file: GATEWAY_API_FILE, sha256 } : undefined;
  };
  const owners = (g: string) => list(wanted.filter(v => gatewayApiOf.get(v) === g).map(v => `istio["${v}"].gatewayApi`));

  // Plan, checking everything vendored before fetching anything.
  const plans: VersionPlan[] = [];
  for (const version of wanted) {
    const release = lockFile.istio[version];
    if (!release || opts.force) {
      plans.push({ version, release, fetch: ISTIO_CHARTS, reverify: [] });
      continue;
    }
    const state = checkVendored(root, version, release, pinnedEntry(gatewayApiOf.get(version)!));
    const refused = refusal(root, state);
    if (refused) throw refused;
    const fetch = ISTIO_CHARTS.filter(chart => ['missing', 'unpinned'].includes(state.charts[chart].state));
    const reverify = chartsIn(state, 'unrecorded');
    if (fetch.length || reverify.length) plans.push({ version, release, fetch, reverify });
  }
  const gatewayApiFetch: string[] = [];
  for (const g of new Set(gatewayApiOf.values())) {
    const entry = pinnedEntry(g);
    if (opts.force || !entry) {
      gatewayApiFetch.push(g);
      continue;
    }
    const state = gatewayApiState(root, entry);
    if (state.state === 'missing') gatewayApiFetch.push(g);
    else if (state.state !== 'ok') throw refusal(root, checkVendored(root, wanted.find(v => gatewayApiOf.get(v) === g)!, { charts: {} }, entry))!;
  }
  for (const version of wanted) {
    if (!plans.some(p => p.version === version) && !gatewayApiFetch.includes(gatewayApiOf.get(version)!) && lockFile.istio[version]?.gatewayApi?.version === gatewayApiOf.get(version)) {
      log(`Istio ${version} charts and Gateway API ${gatewayApiOf.get(version)} CRDs are vendored and match ${LOCK_FILE}`);
    }
  }

  const lockUpToDate = wanted.every(v => {
    const release = lockFile.istio[v];
    return release && unpinned(release).length === 0 && release.gatewayApi!.version === gatewayApiOf.get(v);
  });
  if (!plans.length && !gatewayApiFetch.length && !removed.length && lockUpToDate) return vendoredReleases(root, wanted);

  const chartSources = new SourceSet(sourceList(lockFile.sources, env).map(s => openSource(s, root)));
  const gatewayApiSources = sourceList(gatewayApiSourcesOf(lockFile), env, GATEWAY_API_MIRROR_ENV).map(s => openGatewayApiSource(s, root));

  await withStaging(root, async staging => {
    // Fetch and verify everything into the staging folder.
    const newPins = new Map<string, Partial<Record<IstioChart, ChartLockEntry>>>();
    const reverified = new Map<string, StagedChart[]>();
    for (const plan of plans) {
      const stagedVersion = path.join(staging, `istio-${plan.version}`);
      fs.mkdirSync(stagedVersion);
      const pins: Partial<Record<IstioChart, ChartLockEntry>> = {};
      for (const chart of plan.fetch) {
        const pinned = plan.release?.charts[chart];
        const s = await stageChart(chartSources, chart, plan.version, pinned, stagedVersion);
        writeVendorRecord(s.dir, s.digests, s.archive);
        if (!pinned) pins[chart] = s.entry;
        logVerified(log, s);
      }
      newPins.set(plan.version, pins);
      const checked: StagedChart[] = [];
      const reverifyDir = path.join(staging, `reverify-${plan.version}`);
      if (plan.reverify.length) fs.mkdirSync(reverifyDir);
      for (const chart of plan.reverify) {
        const s = await stageChart(chartSources, chart, plan.version, plan.release!.charts[chart], reverifyDir);
        checked.push(s);
        logVerified(log, s);
      }
      reverified.set(plan.version, checked);
    }
    const stagedGatewayApi: StagedGatewayApi[] = [];
    for (const g of gatewayApiFetch) {
      const s = await stageGatewayApi(gatewayApiSources, g, gatewayApiPins.get(g), owners(g), staging);
      stagedGatewayApi.push(s);
      logGatewayApi(log, s);
    }

    // The lock as it will be.
    const istio: Record<string, PinnedRelease> = {};
    for (const [v, release] of Object.entries(lockFile.istio)) if (!removed.includes(v)) istio[v] = release;
    const gatewayApiSha = (g: string) => gatewayApiPins.get(g) ?? stagedGatewayApi.find(s => s.entry.version === g)!.entry.sha256;
    const pinnedNow: string[] = [];
    for (const version of wanted) {
      const before = lockFile.istio[version];
      const charts = { ...before?.charts, ...newPins.get(version) };
      const g = gatewayApiOf.get(version)!;
      const gatewayApi: GatewayApiLockEntry = { version: g, file: GATEWAY_API_FILE, sha256: gatewayApiSha(g) };
      const added = [
        ...ISTIO_CHARTS.filter(chart => !before?.charts[chart]),
        ...before?.gatewayApi?.version === g && before.gatewayApi.sha256 === gatewayApi.sha256 ? [] : [`Gateway API ${g}`],
      ];
      if (!added.length) continue;
      istio[version] = { charts, gatewayApi };
      pinnedNow.push(before ? `pinned ${list(added)} for Istio ${version} in ${LOCK_FILE}` : `locked Istio ${version} in ${LOCK_FILE}`);
    }

    // Everything passed: move into place, then write the lock.
    for (const plan of plans) {
      const stagedVersion = path.join(staging, `istio-${plan.version}`);
      const target = versionDir(root, plan.version);
      if (plan.fetch.length === ISTIO_CHARTS.length) {
        replace(stagedVersion, target, path.join(staging, `replaced-${plan.version}`));
        log(`unpacked into ${rel(root, target)}`);
      } else if (plan.fetch.length) {
        // The charts that were vendored stay as they are: a render may be reading them.
        fs.mkdirSync(target, { recursive: true });
        for (const chart of plan.fetch) {
          for (const name of [chart, chart + SUMS_SUFFIX, chart + ARCHIVE_SUFFIX]) {
            replace(path.join(stagedVersion, name), path.join(target, name), path.join(staging, `replaced-${plan.version}-${name}`));
          }
        }
        log(`unpacked ${list(plan.fetch)} into ${rel(root, target)}`);
      }
      const checked = reverified.get(plan.version) ?? [];
      for (const s of checked) writeVendorRecord(path.join(target, s.entry.name), s.digests, s.archive);
      if (checked.length) log(`re-verified ${list(checked.map(s => s.entry.name))} in ${rel(root, target)} against ${LOCK_FILE} and recorded their archives`);
    }
    for (const s of stagedGatewayApi) {
      const target = gatewayApiDir(root, s.entry.version);
      replace(s.dir, target, path.join(staging, `replaced-gateway-api-${s.entry.version}`));
      log(`vendored Gateway API ${s.entry.version} into ${rel(root, target)}`);
    }
    for (const version of removed) {
      const dir = versionDir(root, version);
      if (fs.existsSync(dir)) fs.renameSync(dir, path.join(staging, `removed-${version}`));
    }
    if (pinnedNow.length || removed.length) {
      writeLockFile(root, { sources: lockFile.sources, gatewayApiSources: gatewayApiSourcesOf(lockFile), istio });
      for (const line of pinnedNow) log(line);
      for (const v of removed) log(`removed Istio ${v} from ${LOCK_FILE} and vendor/ (main.ts no longer uses it)`);
      // Gateway API releases that no locked version uses any more leave vendor/ too.
      const used = new Set(Object.values(istio).flatMap(r => r.gatewayApi ? [r.gatewayApi.version] : []));
      for (const g of gatewayApiPins.keys()) {
        const dir = gatewayApiDir(root, g);
        if (used.has(g) || !fs.existsSync(dir)) continue;
        fs.renameSync(dir, path.join(staging, `removed-gateway-api-${g}`));
        log(`removed Gateway API ${g} from vendor/ (no locked Istio version uses it)`);
      }
    }
  });
  return vendoredReleases(root, wanted);
}

/**
 * For synth: every version main.ts uses must be locked, completely, with the Gateway
 * API release `gatewayApiVersions` names (synth never changes the lock); its charts and
 * CRDs are vendored when missing (or re-verified when vendored without an archive
 * record), and refused when they or the lock were changed.
 */
export async function ensureVendored(
  root: string,
  env: NodeJS.ProcessEnv = process.env,
  log?: (line: string) => void,
  versions?: readonly string[],
  gatewayApiVersions: GatewayApiTable = GATEWAY_API_VERSIONS,
): Promise<VendoredReleases> {
  const lockFile = readLockFile(root);
  const locked = Object.keys(lockFile.istio).sort(byVersion);
  const wanted = versions ?? locked;
  const unlocked = wanted.filter(v => !locked.includes(v));
  if (unlocked.length) {
    throw new UserError(`main.ts uses Istio ${unlocked.join(', ')}, which ${LOCK_FILE} does not pin (it pins ${locked.join(', ')}): run \`npm run vendor\` to fetch, verify and pin it, then synth again`);
  }
  const incomplete = wanted.filter(v => unpinned(lockFile.istio[v]).length).map(v => [v, lockFile.istio[v]] as const);
  if (incomplete.length) throw unpinnedError(incomplete);
  const stale = wanted.flatMap(v => {
    const g = gatewayApiVersionFor(v, gatewayApiVersions);
    const pinned = lockFile.istio[v].gatewayApi!.version;
    return pinned === g ? [] : [`Istio ${v} with Gateway API ${pinned}, but ${GATEWAY_API_TABLE_FILE} pairs Istio ${v.split('.').slice(0, 2).join('.')} with ${g}`];
  });
  if (stale.length) {
    throw new UserError(`${LOCK_FILE} pins ${stale.join('; and ')}: run \`npm run vendor\` to fetch, verify and pin it (synth never changes the lock), then synth again`);
  }
  let ok = true;
  for (const version of wanted) {
    const state = checkVendored(root, version, lockFile.istio[version]);
    const refused = refusal(root, state);
    if (refused) throw refused;
    ok &&= isOk(state);
  }
  if (ok) return vendoredReleases(root, wanted);
  return vendorCharts({ root, env, log, versions: wanted, prune: false, gatewayApiVersions });
}
