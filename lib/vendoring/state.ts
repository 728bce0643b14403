import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../user-error';
import { fileDigests, FileDigest, sha256, treeSha256 } from './digest';
import { ChartLockEntry, gatewayApiDir, GatewayApiLockEntry, ISTIO_CHARTS, IstioChart, LOCK_FILE, PinnedRelease, versionDir } from './lock';
import { ArchiveRecord, GATEWAY_API_RECORD, GatewayApiRecord, readArchiveRecord, readGatewayApiRecord, readSums } from './record';

/** A lock field that disagrees with what the chart was vendored from. */
export interface LockMismatch {
  /** The field of `charts.<chart>` in the lock. */
  readonly field: 'file' | 'sha256' | 'treeSha256';
  /** What the lock says now. */
  readonly locked: string;
  /** What the vendored chart was unpacked from (file, sha256) or consists of (treeSha256). */
  readonly vendored: string;
}

/** How one vendored chart compares with the lock. */
export type ChartState =
  /** Unchanged since vendoring, and vendored from exactly what the lock pins. */
  | { readonly state: 'ok' }
  /** Not vendored for the locked version. */
  | { readonly state: 'missing' }
  /** Not pinned by the lock (locked before this project rendered it): `npm run vendor` pins it. */
  | { readonly state: 'unpinned' }
  /**
   * Its files match the lock, but it was vendored before the archive it came from was
   * recorded, so the lock's archive sha256 cannot be compared without fetching it again.
   */
  | { readonly state: 'unrecorded' }
  /** Its files were changed after vendoring; `changes` names them. */
  | { readonly state: 'modified'; readonly changes: string }
  /** Its files are as vendored, but the lock no longer pins what they came from: the lock changed. */
  | { readonly state: 'lock-changed'; readonly mismatches: readonly LockMismatch[]; readonly archive?: ArchiveRecord };

/** How the vendored Gateway API CRD file compares with the lock. */
export type GatewayApiState =
  /** As fetched, and what the lock pins. */
  | { readonly state: 'ok' }
  /** Not vendored. */
  | { readonly state: 'missing' }
  /** Changed after vendoring. */
  | { readonly state: 'modified'; readonly changes: string }
  /** As fetched, but the lock pins another digest: the lock changed. */
  | { readonly state: 'lock-changed'; readonly locked: string; readonly vendored: string; readonly record?: GatewayApiRecord };

/** How the vendored tree of one locked version compares with the lock. */
export interface VendorState {
  /** The Istio version. */
  readonly istioVersion: string;
  /** Per chart. */
  readonly charts: { readonly [chart in IstioChart]: ChartState };
  /** The pinned Gateway API CRDs and how their vendored file compares; undefined when nothing is pinned for this version. */
  readonly gatewayApi?: { readonly entry: GatewayApiLockEntry; readonly state: GatewayApiState };
}

function rel(root: string, p: string): string {
  return path.relative(root, p) || '.';
}

/** Names the files that differ from the sums written when the chart was vendored. */
function changedFiles(digests: readonly FileDigest[], sums: readonly FileDigest[] | undefined): string {
  if (!sums) return 'its files differ';
  const then = new Map(sums.map(d => [d.path, d.sha256]));
  const now = new Map(digests.map(d => [d.path, d.sha256]));
  const changed = [
    ...[...now].filter(([p, d]) => then.has(p) && then.get(p) !== d).map(([p]) => `changed ${p}`),
    ...[...now.keys()].filter(p => !then.has(p)).map(p => `added ${p}`),
    ...[...then.keys()].filter(p => !now.has(p)).map(p => `removed ${p}`),
  ];
  return changed.length ? changed.slice(0, 5).join(', ') + (changed.length > 5 ? `, and ${changed.length - 5} more` : '') : 'its files differ';
}

function chartState(chartDir: string, locked: ChartLockEntry | undefined): ChartState {
  if (!locked) return { state: 'unpinned' };
  if (!fs.existsSync(chartDir)) return { state: 'missing' };
  const digests = fileDigests(chartDir);
  const tree = treeSha256(digests);
  const sums = readSums(chartDir);
  // The sums say what was unpacked: a tree that differs from them was edited. Without
  // sums (deleted by hand) the lock is all there is to compare with.
  const vendoredTree = sums ? treeSha256(sums) : locked.treeSha256;
  if (tree !== vendoredTree) return { state: 'modified', changes: changedFiles(digests, sums) };

  const mismatches: LockMismatch[] = [];
  if (tree !== locked.treeSha256) mismatches.push({ field: 'treeSha256', locked: locked.treeSha256, vendored: tree });
  const archive = readArchiveRecord(chartDir);
  if (archive && archive.file !== locked.file) mismatches.push({ field: 'file', locked: locked.file, vendored: archive.file });
  if (archive && archive.sha256 !== locked.sha256) mismatches.push({ field: 'sha256', locked: locked.sha256, vendored: archive.sha256 });
  if (mismatches.length) return { state: 'lock-changed', mismatches, archive };
  return archive ? { state: 'ok' } : { state: 'unrecorded' };
}

/** The vendored Gateway API file of a lock entry: `vendor/gateway-api-<version>/standard-install.yaml`. */
export function gatewayApiFile(root: string, entry: GatewayApiLockEntry): string {
  return path.join(gatewayApiDir(root, entry.version), entry.file);
}

/** Compares a vendored Gateway API file with its record (hand edits) and the lock (lock edits). */
export function gatewayApiState(root: string, entry: GatewayApiLockEntry): GatewayApiState {
  const file = gatewayApiFile(root, entry);
  if (!fs.existsSync(file)) return { state: 'missing' };
  const actual = sha256(fs.readFileSync(file));
  const record = readGatewayApiRecord(gatewayApiDir(root, entry.version));
  if (record && record.sha256 !== actual) return { state: 'modified', changes: `changed ${entry.file}: sha256 ${actual}, fetched as ${record.sha256}` };
  // Without its record, a file that is not what the lock pins cannot be told from a lock edit: call it changed.
  if (!record && actual !== entry.sha256) return { state: 'modified', changes: `changed ${entry.file}: sha256 ${actual}, and no ${GATEWAY_API_RECORD} says what was fetched` };
  if (actual !== entry.sha256) return { state: 'lock-changed', locked: entry.sha256, vendored: actual, record };
  return { state: 'ok' };
}

/**
 * Compares the unpacked charts and the Gateway API file of one locked version with the
 * lock, without fetching: file contents against the records written at vendoring (hand
 * edits), and the lock's digests against what was vendored (edits of the lock).
 * `gatewayApi` is the Gateway API entry to check (default: the release's own).
 */
export function checkVendored(root: string, istioVersion: string, release: PinnedRelease, gatewayApi: GatewayApiLockEntry | undefined = release.gatewayApi): VendorState {
  const dir = versionDir(root, istioVersion);
  const charts = {} as Record<IstioChart, ChartState>;
  for (const chart of ISTIO_CHARTS) charts[chart] = chartState(path.join(dir, chart), release.charts[chart]);
  return { istioVersion, charts, gatewayApi: gatewayApi && { entry: gatewayApi, state: gatewayApiState(root, gatewayApi) } };
}

/** The charts in one state. */
export function chartsIn(state: VendorState, which: ChartState['state']): IstioChart[] {
  return ISTIO_CHARTS.filter(chart => state.charts[chart].state === which);
}

/** Whether every chart and the Gateway API file are pinned, vendored and as the lock says. */
export function isOk(state: VendorState): boolean {
  return ISTIO_CHARTS.every(chart => state.charts[chart].state === 'ok') && (state.gatewayApi === undefined || state.gatewayApi.state.state === 'ok');
}

/** "the charts", "the Gateway API CRDs" or both, by which of them are concerned. */
function whatOf(charts: boolean, gatewayApi: boolean): string {
  return charts && gatewayApi ? 'the charts and the Gateway API CRDs' : gatewayApi ? 'the Gateway API CRDs' : 'the charts';
}

function modifiedMessage(root: string, state: VendorState): string {
  const dir = versionDir(root, state.istioVersion);
  const problems = ISTIO_CHARTS.flatMap(chart => {
    const s = state.charts[chart];
    return s.state === 'modified' ? [`${rel(root, path.join(dir, chart))} does not match ${LOCK_FILE} (${s.changes})`] : [];
  });
  const g = state.gatewayApi;
  if (g?.state.state === 'modified') problems.push(`${rel(root, gatewayApiFile(root, g.entry))} does not match ${LOCK_FILE} (${g.state.changes})`);
  const what = whatOf(chartsIn(state, 'modified').length > 0, g?.state.state === 'modified');
  return `vendored ${what.replace(/^the /, '').replace(' and the ', ' and ')} were changed after vendoring:\n  - ${problems.join('\n  - ')}\n` +
    'Vendored files are never edited in place: restore them with `npm run vendor -- --force`, ' +
    'or change what is rendered through the settings in main.ts.';
}

function lockChangedMessage(root: string, state: VendorState): string {
  const dir = versionDir(root, state.istioVersion);
  const problems = ISTIO_CHARTS.flatMap(chart => {
    const s = state.charts[chart];
    if (s.state !== 'lock-changed') return [];
    const chartDir = rel(root, path.join(dir, chart));
    const vendored = (m: LockMismatch): string => {
      if (m.field === 'treeSha256') return `${chartDir} (unchanged since vendoring) has ${m.vendored}`;
      if (m.field === 'file') return `${chartDir} was unpacked from ${m.vendored}`;
      return `${chartDir} was unpacked from ${s.archive?.file} with sha256 ${m.vendored}`;
    };
    return s.mismatches.map(m => `istio["${state.istioVersion}"].charts.${chart}.${m.field} is ${m.locked}, but ${vendored(m)}`);
  });
  const g = state.gatewayApi;
  if (g?.state.state === 'lock-changed') {
    const from = g.state.record?.source ? ` (unchanged since it was fetched from ${g.state.record.source})` : '';
    problems.push(`istio["${state.istioVersion}"].gatewayApi.sha256 is ${g.state.locked}, but ${rel(root, gatewayApiFile(root, g.entry))}${from} has ${g.state.vendored}`);
  }
  const what = whatOf(chartsIn(state, 'lock-changed').length > 0, g?.state.state === 'lock-changed');
  return `${LOCK_FILE} was edited after ${what} were vendored (${what} are as they were fetched; the lock is what changed):\n` +
    `  - ${problems.join('\n  - ')}\n` +
    `If the edit was a mistake, restore the lock from git: git checkout -- ${LOCK_FILE}. ` +
    `If the new lock is intended, fetch ${what} again and verify them against it: npm run vendor -- --force`;
}

/**
 * The error for files that vendoring must not silently replace: edited by hand (the
 * edit would be lost), or a lock edited after vendoring (only its author knows which
 * side is right). Undefined when neither applies.
 */
export function refusal(root: string, state: VendorState): UserError | undefined {
  const g = state.gatewayApi?.state.state;
  const messages = [
    ...chartsIn(state, 'modified').length || g === 'modified' ? [modifiedMessage(root, state)] : [],
    ...chartsIn(state, 'lock-changed').length || g === 'lock-changed' ? [lockChangedMessage(root, state)] : [],
  ];
  return messages.length ? new UserError(messages.join('\n')) : undefined;
}

/** The error for a pinned version whose charts or Gateway API file need fetching (missing, or unrecorded) where nothing can be fetched. */
export function notVendoredError(root: string, state: VendorState): UserError {
  const { istioVersion } = state;
  const missing: string[] = chartsIn(state, 'missing');
  const g = state.gatewayApi;
  const gatewayMissing = g?.state.state === 'missing';
  if (missing.length) {
    if (gatewayMissing) missing.push(`Gateway API CRDs ${g!.entry.version}`);
    return new UserError(`Istio ${istioVersion} charts are not vendored (missing: ${missing.join(', ')}): run \`npm run vendor\``);
  }
  if (gatewayMissing) {
    return new UserError(`the Gateway API CRDs of Istio ${istioVersion} are not vendored (missing: ${rel(root, gatewayApiFile(root, g!.entry))}): run \`npm run vendor\``);
  }
  return new UserError(
    `${rel(root, versionDir(root, istioVersion))} (${chartsIn(state, 'unrecorded').join(', ')}) was vendored by an older version of this project, ` +
    `which did not record the archive each chart was unpacked from, so the archive sha256 in ${LOCK_FILE} cannot be checked: ` +
    'run `npm run vendor` (or `npm run synth`) to re-verify them against the lock\'s sources; no chart file is replaced.',
  );
}
