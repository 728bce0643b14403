import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../user-error';
import { fileDigests, FileDigest, treeSha256 } from './digest';
import { ChartLockEntry, ChartsLock, ISTIO_CHARTS, IstioChart, LOCK_FILE, versionDir } from './lock';
import { ArchiveRecord, readArchiveRecord, readSums } from './record';

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
  /**
   * Its files match the lock, but it was vendored before the archive it came from was
   * recorded, so the lock's archive sha256 cannot be compared without fetching it again.
   */
  | { readonly state: 'unrecorded' }
  /** Its files were changed after vendoring; `changes` names them. */
  | { readonly state: 'modified'; readonly changes: string }
  /** Its files are as vendored, but the lock no longer pins what they came from: the lock changed. */
  | { readonly state: 'lock-changed'; readonly mismatches: readonly LockMismatch[]; readonly archive?: ArchiveRecord };

/** How the vendored tree of the locked version compares with the lock, chart by chart. */
export interface VendorState {
  /** The lock compared against. */
  readonly lock: ChartsLock;
  /** Per chart. */
  readonly charts: { readonly [chart in IstioChart]: ChartState };
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

function chartState(chartDir: string, locked: ChartLockEntry): ChartState {
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

/**
 * Compares the unpacked charts of the locked version with the lock, without fetching:
 * file contents against the sums written at vendoring (hand edits), and the lock's
 * digests against what the charts were vendored from (edits of the lock).
 */
export function checkVendored(root: string, lock: ChartsLock): VendorState {
  const dir = versionDir(root, lock.istioVersion);
  const charts = {} as Record<IstioChart, ChartState>;
  for (const chart of ISTIO_CHARTS) charts[chart] = chartState(path.join(dir, chart), lock.charts[chart]);
  return { lock, charts };
}

/** The charts in one state. */
export function chartsIn(state: VendorState, which: ChartState['state']): IstioChart[] {
  return ISTIO_CHARTS.filter(chart => state.charts[chart].state === which);
}

function modifiedMessage(root: string, state: VendorState): string {
  const dir = versionDir(root, state.lock.istioVersion);
  const problems = ISTIO_CHARTS.flatMap(chart => {
    const s = state.charts[chart];
    return s.state === 'modified' ? [`${rel(root, path.join(dir, chart))} does not match ${LOCK_FILE} (${s.changes})`] : [];
  });
  return `vendored charts were changed after vendoring:\n  - ${problems.join('\n  - ')}\n` +
    'Charts are never edited in place: restore them with `npm run vendor -- --force`, ' +
    'or change what is rendered through the settings in main.ts.';
}

function lockChangedMessage(root: string, state: VendorState): string {
  const dir = versionDir(root, state.lock.istioVersion);
  const problems = ISTIO_CHARTS.flatMap(chart => {
    const s = state.charts[chart];
    if (s.state !== 'lock-changed') return [];
    const chartDir = rel(root, path.join(dir, chart));
    const vendored = (m: LockMismatch): string => {
      if (m.field === 'treeSha256') return `${chartDir} (unchanged since vendoring) has ${m.vendored}`;
      if (m.field === 'file') return `${chartDir} was unpacked from ${m.vendored}`;
      return `${chartDir} was unpacked from ${s.archive?.file} with sha256 ${m.vendored}`;
    };
    return s.mismatches.map(m => `istio["${state.lock.istioVersion}"].charts.${chart}.${m.field} is ${m.locked}, but ${vendored(m)}`);
  });
  return `${LOCK_FILE} was edited after the charts were vendored (the charts are as they were fetched; the lock is what changed):\n` +
    `  - ${problems.join('\n  - ')}\n` +
    `If the edit was a mistake, restore the lock from git: git checkout -- ${LOCK_FILE}. ` +
    'If the new lock is intended, fetch the charts again and verify them against it: npm run vendor -- --force';
}

/**
 * The error for charts that vendoring must not silently replace: files edited by hand
 * (the edit would be lost), or a lock edited after vendoring (only its author knows
 * which side is right). Undefined when neither applies.
 */
export function refusal(root: string, state: VendorState): UserError | undefined {
  const messages = [
    ...chartsIn(state, 'modified').length ? [modifiedMessage(root, state)] : [],
    ...chartsIn(state, 'lock-changed').length ? [lockChangedMessage(root, state)] : [],
  ];
  return messages.length ? new UserError(messages.join('\n')) : undefined;
}

/** The error for charts that need fetching (missing, or unrecorded) where nothing can be fetched. */
export function notVendoredError(root: string, state: VendorState): UserError {
  const { istioVersion } = state.lock;
  const missing = chartsIn(state, 'missing');
  if (missing.length) return new UserError(`Istio ${istioVersion} charts are not vendored (missing: ${missing.join(', ')}): run \`npm run vendor\``);
  return new UserError(
    `${rel(root, versionDir(root, istioVersion))} (${chartsIn(state, 'unrecorded').join(', ')}) was vendored by an older version of this project, ` +
    `which did not record the archive each chart was unpacked from, so the archive sha256 in ${LOCK_FILE} cannot be checked: ` +
    'run `npm run vendor` (or `npm run synth`) to re-verify them against the lock\'s sources; no chart file is replaced.',
  );
}
