import * as fs from 'fs';
import * as path from 'path';
import { makeScratch, removeAbandonedScratch } from '../scratch';
import { UserError } from '../user-error';
import { SourceSet, StagedChart, stageChart } from './fetch';
import { GatewayApiSource, openGatewayApiSource, StagedGatewayApi, stageGatewayApi } from './gateway-api';
import { GATEWAY_API_VERSIONS, GatewayApiTable, knownGatewayApiVersion } from './gateway-api-versions';
import {
  byVersion, ChartLockEntry, GATEWAY_API_FILE, gatewayApiDir, GatewayApiLockEntry, gatewayApiSourcesOf, ISTIO_CHARTS, IstioChart,
  LOCK_FILE, LockFile, PinnedRelease, readLockFile, toolCrdsDir, ToolCrdsLockEntry, toolCrdSourcesOf, unpinned, versionDir, writeLockFile,
} from './lock';
import { ARCHIVE_SUFFIX, SUMS_SUFFIX, writeVendorRecord } from './record';
import { GATEWAY_API_MIRROR_ENV, openSource, sourceList, TOOL_CRDS_MIRROR_ENV } from './source';
import { checkVendored, chartsIn, gatewayApiState, refusal } from './state';
import { isToolName, TOOL_CRDS, ToolCrdsRelease, ToolCrdsTable, ToolName } from './tool-crd-versions';
import {
  openToolCrdSource, pinnedTools, pinsRelease, releaseOf, sameToolPins, StagedToolCrds, stageToolCrds, ToolCrdSource, toolCrdsRefusal, toolCrdsState,
} from './tool-crds';
import { VendoredReleases, vendoredReleases } from './vendored';

// The write side of vendoring (`npm run vendor`, and synth when charts are missing):
// plan, fetch and verify into a staging folder, compute the lock, move into place. The
// read side synth uses is vendored.ts.

/** Options of a vendoring run. */
export interface VendorOptions {
  /** Project root (holds vendor/charts.lock.json). */
  readonly root: string;
  /** Environment to read ISTIO_CHARTS_MIRROR, ISTIO_GATEWAY_API_MIRROR and ISTIO_TOOL_CRDS_MIRROR from. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Fetch the charts, Gateway API CRDs and tool CRDs again even when they are vendored and match the lock. @default false */
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
  /**
   * The tools whose CRDs main.ts uses (toolCrdsUsed): pinned at the release the table
   * names and vendored; pinned tools not listed leave the lock and vendor/ (unless `prune`
   * is false). @default - the tools the lock pins
   */
  readonly tools?: readonly ToolName[];
  /** Which release of each tool's CRDs is vendored. @default TOOL_CRDS */
  readonly toolCrds?: ToolCrdsTable;
}

function rel(root: string, p: string): string {
  return path.relative(root, p) || '.';
}

/** Runs `work` with a staging folder under vendor/ (same file system, so moves are renames), removed afterwards. */
async function withStaging<T>(root: string, work: (staging: string) => Promise<T>): Promise<T> {
  const prefix = path.join(root, 'vendor', '.staging-');
  removeAbandonedScratch(prefix);
  const staging = makeScratch(prefix);
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

/** Moves `from` to `to`, first moving what is at `to` (if anything) to `trash`. */
function replace(from: string, to: string, trash: string): void {
  if (fs.existsSync(to)) fs.renameSync(to, trash);
  fs.renameSync(from, to);
}

function logToolCrds(log: (line: string) => void, staged: StagedToolCrds): void {
  for (const [file, { sha256, source }] of Object.entries(staged.record.files)) log(`${staged.tool} ${staged.entry.version}: ${file} from ${source}, sha256 ${sha256} verified`);
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

/** What a vendoring run must do, decided from the lock and vendor/ before anything is fetched. */
interface VendorPlan {
  readonly lockFile: LockFile;
  /** The versions main.ts uses. */
  readonly wanted: readonly string[];
  /** Locked versions main.ts no longer uses. */
  readonly removed: readonly string[];
  /** The Gateway API release each wanted version goes with (none for a minor the table does not list). */
  readonly gatewayApiOf: ReadonlyMap<string, string>;
  /** The digest the lock pins for each Gateway API release (readLockFile made a release's entries agree). */
  readonly gatewayApiPins: ReadonlyMap<string, string>;
  /** Istio versions with charts to fetch or re-verify. */
  readonly versions: readonly VersionPlan[];
  /** Gateway API releases to fetch. */
  readonly gatewayApiFetch: readonly string[];
  /** Whether the lock pins every wanted version completely, with the Gateway API release it needs. */
  readonly lockUpToDate: boolean;
  /** The tool CRDs. */
  readonly tools: ToolPlan;
}

/** The lock's entry for a Gateway API release it pins. */
function pinnedGatewayApi(plan: Pick<VendorPlan, 'gatewayApiPins'>, g: string): GatewayApiLockEntry | undefined {
  const sha256 = plan.gatewayApiPins.get(g);
  return sha256 ? { version: g, file: GATEWAY_API_FILE, sha256 } : undefined;
}

/** What a vendoring run must do for the tool CRDs. */
interface ToolPlan {
  /** The tools to pin and vendor, with the release the table names. */
  readonly wanted: ReadonlyMap<ToolName, ToolCrdsRelease>;
  /** Pinned tools main.ts no longer uses. */
  readonly removed: readonly string[];
  /** Tools to fetch: not pinned at the table's release, not vendored, or all of them with --force. */
  readonly fetch: readonly ToolName[];
}

/** Step 1 for the tool CRDs: what to fetch, refusing vendored files that were edited (or a lock edited since). */
function planTools(opts: VendorOptions, lockFile: LockFile): ToolPlan {
  const table = opts.toolCrds ?? TOOL_CRDS;
  const pinned = pinnedTools(lockFile);
  const wanted = new Map([...new Set(opts.tools ?? pinned.filter(isToolName))].map(t => [t, releaseOf(t, table)] as const));
  const removed = opts.prune === false ? [] : pinned.filter(t => !wanted.has(t as ToolName));
  const fetch: ToolName[] = [];
  for (const [tool, release] of wanted) {
    const entry = lockFile.toolCrds?.[tool];
    if (opts.force || !entry || !pinsRelease(entry, release)) {
      fetch.push(tool);
      continue;
    }
    const state = toolCrdsState(opts.root, tool, entry);
    const refused = toolCrdsRefusal(opts.root, tool, entry, state);
    if (refused) throw refused;
    if (state.state === 'missing') fetch.push(tool);
  }
  return { wanted, removed, fetch };
}

/** Step 2 for the tool CRDs: fetch and verify them into the staging folder. */
async function stageTools(plan: ToolPlan, lockFile: LockFile, staging: string, sources: readonly ToolCrdSource[], log: (line: string) => void): Promise<StagedToolCrds[]> {
  const staged: StagedToolCrds[] = [];
  for (const tool of plan.fetch) {
    const release = plan.wanted.get(tool)!;
    const entry = lockFile.toolCrds?.[tool];
    // The lock's digests verify the files only when it pins this very release.
    const s = await stageToolCrds(sources, tool, release, pinsRelease(entry, release) ? entry : undefined, staging);
    staged.push(s);
    logToolCrds(log, s);
  }
  return staged;
}

/** Step 3 for the tool CRDs: the lock's toolCrds as they will be, and a line for each tool newly pinned. */
function nextToolCrds(plan: ToolPlan, lockFile: LockFile, staged: readonly StagedToolCrds[]): { readonly toolCrds: Record<string, ToolCrdsLockEntry>; readonly pinned: readonly string[] } {
  const toolCrds: Record<string, ToolCrdsLockEntry> = {};
  for (const [tool, entry] of Object.entries(lockFile.toolCrds ?? {})) if (!plan.removed.includes(tool)) toolCrds[tool] = entry;
  const pinned: string[] = [];
  for (const s of staged) {
    const before = lockFile.toolCrds?.[s.tool];
    toolCrds[s.tool] = s.entry;
    if (!sameToolPins(before, s.entry)) pinned.push(`pinned ${s.tool} ${s.entry.version} CRDs in ${LOCK_FILE}`);
  }
  return { toolCrds, pinned };
}

/** Step 4 for the tool CRDs: move the staged folders into place. */
function installTools(root: string, staged: readonly StagedToolCrds[], staging: string, log: (line: string) => void): void {
  for (const s of staged) {
    const target = toolCrdsDir(root, s.tool);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    replace(s.dir, target, path.join(staging, `replaced-crds-${s.tool}`));
    log(`vendored ${s.tool} ${s.entry.version} CRDs into ${rel(root, target)}`);
  }
}

/** Step 4, after the lock is written: the folders of the tools it no longer pins leave vendor/. */
function removeTools(root: string, removed: readonly string[], staging: string, log: (line: string) => void): void {
  for (const tool of removed) {
    const dir = toolCrdsDir(root, tool);
    if (fs.existsSync(dir)) fs.renameSync(dir, path.join(staging, `removed-crds-${tool}`));
    log(`removed ${tool} CRDs from ${LOCK_FILE} and vendor/ (main.ts no longer uses ${tool})`);
  }
}

/** The tools that need nothing: pinned at the table's release and vendored as the lock says. */
function logToolsUpToDate(plan: ToolPlan, log: (line: string) => void): void {
  for (const [tool, release] of plan.wanted) if (!plan.fetch.includes(tool)) log(`${tool} ${release.version} CRDs are vendored and match ${LOCK_FILE}`);
}

/** The tool CRD sources of a run: the mirror variable, else the lock's list. */
function toolSources(lockFile: LockFile, root: string, env: NodeJS.ProcessEnv): ToolCrdSource[] {
  return sourceList(toolCrdSourcesOf(lockFile), env, TOOL_CRDS_MIRROR_ENV).map(s => openToolCrdSource(s, root));
}

/** Step 1: what to fetch, checking everything vendored first (a changed chart is refused before anything is fetched). */
function planVendoring(opts: VendorOptions): VendorPlan {
  const { root } = opts;
  const table = opts.gatewayApiVersions ?? GATEWAY_API_VERSIONS;
  const lockFile = readLockFile(root);
  const locked = Object.keys(lockFile.istio).sort(byVersion);
  const wanted = [...new Set(opts.versions ?? locked)];
  for (const v of wanted) if (!VERSION.test(v)) throw new UserError(`"${v}" is not an Istio version such as 1.30.3`);
  if (wanted.length === 0) throw new UserError('main.ts names no Istio version: set istioVersion (or revisions) in main.ts');
  const removed = opts.prune === false ? [] : locked.filter(v => !wanted.includes(v));
  // The table's release for a minor it lists; else whatever the lock pins (kept, and vendored).
  const gatewayApiOf = new Map(wanted.flatMap(v => {
    const g = knownGatewayApiVersion(v, table) ?? lockFile.istio[v]?.gatewayApi?.version;
    return g === undefined ? [] : [[v, g] as const];
  }));
  const gatewayApiPins = new Map<string, string>();
  for (const release of Object.values(lockFile.istio)) if (release.gatewayApi) gatewayApiPins.set(release.gatewayApi.version, release.gatewayApi.sha256);

  const versions: VersionPlan[] = [];
  for (const version of wanted) {
    const release = lockFile.istio[version];
    if (!release || opts.force) {
      versions.push({ version, release, fetch: ISTIO_CHARTS, reverify: [] });
      continue;
    }
    const g = gatewayApiOf.get(version);
    const state = checkVendored(root, version, release, g === undefined ? undefined : pinnedGatewayApi({ gatewayApiPins }, g));
    const refused = refusal(root, state);
    if (refused) throw refused;
    const fetch = ISTIO_CHARTS.filter(chart => ['missing', 'unpinned'].includes(state.charts[chart].state));
    const reverify = chartsIn(state, 'unrecorded');
    if (fetch.length || reverify.length) versions.push({ version, release, fetch, reverify });
  }
  const gatewayApiFetch: string[] = [];
  for (const g of new Set(gatewayApiOf.values())) {
    const entry = pinnedGatewayApi({ gatewayApiPins }, g);
    if (opts.force || !entry) {
      gatewayApiFetch.push(g);
      continue;
    }
    const state = gatewayApiState(root, entry);
    if (state.state === 'missing') gatewayApiFetch.push(g);
    else if (state.state !== 'ok') throw refusal(root, checkVendored(root, wanted.find(v => gatewayApiOf.get(v) === g)!, { charts: {} }, entry))!;
  }
  const lockUpToDate = wanted.every(v => {
    const release = lockFile.istio[v];
    return release !== undefined && unpinned(release, gatewayApiOf.has(v)).length === 0 && release.gatewayApi?.version === gatewayApiOf.get(v);
  });
  return { lockFile, wanted, removed, gatewayApiOf, gatewayApiPins, versions, gatewayApiFetch, lockUpToDate, tools: planTools(opts, lockFile) };
}

/** What step 2 staged. */
interface Staged {
  /** Charts each version pins for the first time. */
  readonly newPins: ReadonlyMap<string, Partial<Record<IstioChart, ChartLockEntry>>>;
  /** Charts re-verified per version (their records are written in place). */
  readonly reverified: ReadonlyMap<string, readonly StagedChart[]>;
  /** Gateway API releases fetched. */
  readonly gatewayApi: readonly StagedGatewayApi[];
  /** Tool CRDs fetched. */
  readonly tools: readonly StagedToolCrds[];
}

/** Step 2: fetch and verify everything the plan needs into the staging folder. */
async function stageAll(plan: VendorPlan, staging: string, sources: { charts: SourceSet; gatewayApi: readonly GatewayApiSource[]; tools: readonly ToolCrdSource[] }, log: (line: string) => void): Promise<Staged> {
  const newPins = new Map<string, Partial<Record<IstioChart, ChartLockEntry>>>();
  const reverified = new Map<string, StagedChart[]>();
  for (const v of plan.versions) {
    const stagedVersion = path.join(staging, `istio-${v.version}`);
    fs.mkdirSync(stagedVersion);
    const pins: Partial<Record<IstioChart, ChartLockEntry>> = {};
    for (const chart of v.fetch) {
      const pinned = v.release?.charts[chart];
      const s = await stageChart(sources.charts, chart, v.version, pinned, stagedVersion);
      writeVendorRecord(s.dir, s.digests, s.archive);
      if (!pinned) pins[chart] = s.entry;
      logVerified(log, s);
    }
    newPins.set(v.version, pins);
    const checked: StagedChart[] = [];
    const reverifyDir = path.join(staging, `reverify-${v.version}`);
    if (v.reverify.length) fs.mkdirSync(reverifyDir);
    for (const chart of v.reverify) {
      const s = await stageChart(sources.charts, chart, v.version, v.release!.charts[chart], reverifyDir);
      checked.push(s);
      logVerified(log, s);
    }
    reverified.set(v.version, checked);
  }
  const owners = (g: string) => list(plan.wanted.filter(v => plan.gatewayApiOf.get(v) === g).map(v => `istio["${v}"].gatewayApi`));
  const gatewayApi: StagedGatewayApi[] = [];
  for (const g of plan.gatewayApiFetch) {
    const s = await stageGatewayApi(sources.gatewayApi, g, plan.gatewayApiPins.get(g), owners(g), staging);
    gatewayApi.push(s);
    logGatewayApi(log, s);
  }
  const tools = await stageTools(plan.tools, plan.lockFile, staging, sources.tools, log);
  return { newPins, reverified, gatewayApi, tools };
}

/** Step 3: the lock as it will be, and a line for each version newly pinned. */
function nextLock(plan: VendorPlan, staged: Staged): { readonly istio: Record<string, PinnedRelease>; readonly toolCrds: Record<string, ToolCrdsLockEntry>; readonly pinned: readonly string[] } {
  const istio: Record<string, PinnedRelease> = {};
  for (const [v, release] of Object.entries(plan.lockFile.istio)) if (!plan.removed.includes(v)) istio[v] = release;
  const gatewayApiSha = (g: string) => plan.gatewayApiPins.get(g) ?? staged.gatewayApi.find(s => s.entry.version === g)!.entry.sha256;
  const pinned: string[] = [];
  for (const version of plan.wanted) {
    const before = plan.lockFile.istio[version];
    const charts = { ...before?.charts, ...staged.newPins.get(version) };
    const g = plan.gatewayApiOf.get(version);
    const gatewayApi: GatewayApiLockEntry | undefined = g === undefined ? undefined : { version: g, file: GATEWAY_API_FILE, sha256: gatewayApiSha(g) };
    const added = [
      ...ISTIO_CHARTS.filter(chart => !before?.charts[chart]),
      ...gatewayApi === undefined || (before?.gatewayApi?.version === g && before?.gatewayApi?.sha256 === gatewayApi.sha256) ? [] : [`Gateway API ${g}`],
    ];
    if (!added.length) continue;
    istio[version] = { charts, ...(gatewayApi ? { gatewayApi } : {}) };
    pinned.push(before ? `pinned ${list(added)} for Istio ${version} in ${LOCK_FILE}` : `locked Istio ${version} in ${LOCK_FILE}`);
  }
  const tools = nextToolCrds(plan.tools, plan.lockFile, staged.tools);
  return { istio, toolCrds: tools.toolCrds, pinned: [...pinned, ...tools.pinned] };
}

/** Step 4, once everything passed: move the staged charts and CRDs into place, remove what is no longer used, write the lock. */
function install(root: string, plan: VendorPlan, staged: Staged, lock: ReturnType<typeof nextLock>, staging: string, log: (line: string) => void): void {
  for (const v of plan.versions) {
    const stagedVersion = path.join(staging, `istio-${v.version}`);
    const target = versionDir(root, v.version);
    if (v.fetch.length === ISTIO_CHARTS.length) {
      replace(stagedVersion, target, path.join(staging, `replaced-${v.version}`));
      log(`unpacked into ${rel(root, target)}`);
    } else if (v.fetch.length) {
      // The charts that were vendored stay as they are: a render may be reading them.
      fs.mkdirSync(target, { recursive: true });
      for (const chart of v.fetch) {
        for (const name of [chart, chart + SUMS_SUFFIX, chart + ARCHIVE_SUFFIX]) {
          replace(path.join(stagedVersion, name), path.join(target, name), path.join(staging, `replaced-${v.version}-${name}`));
        }
      }
      log(`unpacked ${list(v.fetch)} into ${rel(root, target)}`);
    }
    const checked = staged.reverified.get(v.version) ?? [];
    for (const s of checked) writeVendorRecord(path.join(target, s.entry.name), s.digests, s.archive);
    if (checked.length) log(`re-verified ${list(checked.map(s => s.entry.name))} in ${rel(root, target)} against ${LOCK_FILE} and recorded their archives`);
  }
  for (const s of staged.gatewayApi) {
    const target = gatewayApiDir(root, s.entry.version);
    replace(s.dir, target, path.join(staging, `replaced-gateway-api-${s.entry.version}`));
    log(`vendored Gateway API ${s.entry.version} into ${rel(root, target)}`);
  }
  installTools(root, staged.tools, staging, log);
  for (const version of plan.removed) {
    const dir = versionDir(root, version);
    if (fs.existsSync(dir)) fs.renameSync(dir, path.join(staging, `removed-${version}`));
  }
  if (!lock.pinned.length && !plan.removed.length && !plan.tools.removed.length) return;
  writeLockFile(root, {
    sources: plan.lockFile.sources, gatewayApiSources: gatewayApiSourcesOf(plan.lockFile), istio: lock.istio,
    toolCrdSources: plan.lockFile.toolCrdSources, toolCrds: lock.toolCrds,
  });
  for (const line of lock.pinned) log(line);
  for (const v of plan.removed) log(`removed Istio ${v} from ${LOCK_FILE} and vendor/ (main.ts no longer uses it)`);
  removeTools(root, plan.tools.removed, staging, log);
  // Gateway API releases that no locked version uses any more leave vendor/ too.
  const used = new Set(Object.values(lock.istio).flatMap(r => r.gatewayApi ? [r.gatewayApi.version] : []));
  for (const g of plan.gatewayApiPins.keys()) {
    const dir = gatewayApiDir(root, g);
    if (used.has(g) || !fs.existsSync(dir)) continue;
    fs.renameSync(dir, path.join(staging, `removed-gateway-api-${g}`));
    log(`removed Gateway API ${g} from vendor/ (no locked Istio version uses it)`);
  }
}

/**
 * Makes vendor/ and the lock follow the versions main.ts uses: locked charts and
 * Gateway API CRDs that are missing are fetched and verified against the lock; new
 * versions, and charts or CRDs a version does not pin yet (a lock written before this
 * project rendered cni, ztunnel and the Gateway API CRDs), are fetched, verified against
 * their source (index.yaml, SHA256SUMS) and pinned, leaving what is pinned and vendored
 * untouched; versions no longer used leave the lock and vendor/ (unless `prune` is
 * false), and so do the Gateway API releases no locked version uses any more. The CRDs
 * of the tools main.ts uses (`tools`) are pinned and vendored likewise, and those of the
 * tools it no longer uses leave.
 *
 * Everything is staged in a temporary folder under vendor/ and moved into place (and
 * the lock written) only when everything has passed, so a failure leaves vendor/ and the
 * lock exactly as they were.
 */
export async function vendorCharts(opts: VendorOptions): Promise<VendoredReleases> {
  const { root } = opts;
  const log = opts.log ?? (() => undefined);
  const env = opts.env ?? process.env;
  const plan = planVendoring(opts);
  for (const version of plan.wanted) {
    const g = plan.gatewayApiOf.get(version);
    if (plan.versions.some(v => v.version === version) || (g !== undefined && plan.gatewayApiFetch.includes(g)) || plan.lockFile.istio[version]?.gatewayApi?.version !== g) continue;
    log(g === undefined
      ? `Istio ${version} charts are vendored and match ${LOCK_FILE} (no Gateway API release is listed for Istio ${version.split('.').slice(0, 2).join('.')}: none vendored)`
      : `Istio ${version} charts and Gateway API ${g} CRDs are vendored and match ${LOCK_FILE}`);
  }
  logToolsUpToDate(plan.tools, log);
  const toolsUpToDate = !plan.tools.fetch.length && !plan.tools.removed.length;
  if (!plan.versions.length && !plan.gatewayApiFetch.length && !plan.removed.length && plan.lockUpToDate && toolsUpToDate) return vendoredReleases(root, plan.wanted);
  const sources = {
    charts: new SourceSet(sourceList(plan.lockFile.sources, env).map(s => openSource(s, root))),
    gatewayApi: sourceList(gatewayApiSourcesOf(plan.lockFile), env, GATEWAY_API_MIRROR_ENV).map(s => openGatewayApiSource(s, root)),
    tools: toolSources(plan.lockFile, root, env),
  };
  await withStaging(root, async staging => {
    const staged = await stageAll(plan, staging, sources, log);
    install(root, plan, staged, nextLock(plan, staged), staging, log);
  });
  return vendoredReleases(root, plan.wanted);
}

/**
 * The tool CRDs alone: pins and vendors the tools of `opts.tools` (the same plan, staging
 * and verification as vendorCharts), leaving the lock's Istio versions and vendor/'s
 * charts alone; for a project that renders nothing, such as the one test/global-setup.ts
 * keeps the real tool CRDs in.
 */
export async function vendorToolCrds(opts: VendorOptions): Promise<void> {
  const { root } = opts;
  const log = opts.log ?? (() => undefined);
  const lockFile = readLockFile(root);
  const plan = planTools(opts, lockFile);
  logToolsUpToDate(plan, log);
  if (!plan.fetch.length && !plan.removed.length) return;
  const sources = toolSources(lockFile, root, opts.env ?? process.env);
  await withStaging(root, async staging => {
    const staged = await stageTools(plan, lockFile, staging, sources, log);
    const next = nextToolCrds(plan, lockFile, staged);
    installTools(root, staged, staging, log);
    if (!next.pinned.length && !plan.removed.length) return;
    writeLockFile(root, { ...lockFile, toolCrds: next.toolCrds });
    for (const line of next.pinned) log(line);
    removeTools(root, plan.removed, staging, log);
  });
}
