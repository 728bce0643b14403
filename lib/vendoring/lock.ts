import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../user-error';

/** The Istio charts this project renders. */
export const ISTIO_CHARTS = ['base', 'istiod', 'gateway'] as const;

/** One of the Istio charts. */
export type IstioChart = typeof ISTIO_CHARTS[number];

/** What the lock pins for one chart. */
export interface ChartLockEntry {
  /** Chart name in the repository index. */
  readonly name: string;
  /** Chart version. */
  readonly version: string;
  /** Archive file name, as the repository index names it. */
  readonly file: string;
  /** sha256 of the archive, hex. */
  readonly sha256: string;
  /** sha256 over the unpacked files (sorted path + content digest), hex; detects hand edits. */
  readonly treeSha256: string;
}

/** One locked Istio release, as vendoring and synth use it: its charts, and where to fetch them. */
export interface ChartsLock {
  /** The pinned Istio release. */
  readonly istioVersion: string;
  /** Chart sources to try in order: folders (relative to the project root) or HTTP(S) repository URLs. */
  readonly sources: readonly string[];
  /** One entry per chart. */
  readonly charts: { readonly [chart in IstioChart]: ChartLockEntry };
}

/**
 * vendor/charts.lock.json: every Istio release main.ts uses, side by side (a canary
 * upgrade runs two), and the sources they come from. `npm run vendor` keeps it in step
 * with main.ts; synth only reads it.
 */
export interface LockFile {
  /** Chart sources to try in order. */
  readonly sources: readonly string[];
  /** Per Istio version, its charts. */
  readonly istio: { readonly [istioVersion: string]: { readonly charts: ChartsLock['charts'] } };
}

/** The lock file's path below the project root. */
export const LOCK_FILE = path.join('vendor', 'charts.lock.json');

/** Where a locked version's charts are unpacked, below the project root. */
export function versionDir(root: string, istioVersion: string): string {
  return path.join(root, 'vendor', `istio-${istioVersion}`);
}

const HEX64 = /^[0-9a-f]{64}$/;
const VERSION = /^\d+\.\d+\.\d+$/;

/** Versions in numeric order (1.9.0 before 1.10.0). */
function byVersion(a: string, b: string): number {
  const [pa, pb] = [a, b].map(v => v.split('.').map(Number));
  return pa[0] - pb[0] || pa[1] - pb[1] || pa[2] - pb[2];
}

/**
 * Reads and checks vendor/charts.lock.json. A lock of the single-release layout this
 * project wrote before (`istioVersion`, `charts`) is read as a lock of that one release.
 */
export function readLockFile(root: string): LockFile {
  const file = path.join(root, LOCK_FILE);
  let raw: any;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`cannot read ${LOCK_FILE}: ${(err as Error).message}. Restore it from git (git checkout -- ${LOCK_FILE}).`);
  }
  const bad = (what: string) => new UserError(`${LOCK_FILE} is malformed: ${what}. Restore it from git (git checkout -- ${LOCK_FILE}), then run npm run vendor`);
  if (raw && typeof raw.istioVersion === 'string' && raw.charts) raw = { sources: raw.sources, istio: { [raw.istioVersion]: { charts: raw.charts } } };
  if (!raw || !Array.isArray(raw.sources) || raw.sources.length === 0 || raw.sources.some((s: unknown) => typeof s !== 'string')) {
    throw bad('sources must be a non-empty list of folders or URLs');
  }
  if (!raw.istio || typeof raw.istio !== 'object') throw bad('istio must map Istio versions to their charts');
  for (const [version, release] of Object.entries<any>(raw.istio)) {
    if (!VERSION.test(version)) throw bad(`istio: "${version}" is not a version such as 1.30.3`);
    for (const chart of ISTIO_CHARTS) {
      const e = release?.charts?.[chart];
      if (!e || typeof e.file !== 'string' || typeof e.name !== 'string' || typeof e.version !== 'string' || !HEX64.test(e.sha256 ?? '') || !HEX64.test(e.treeSha256 ?? '')) {
        throw bad(`istio["${version}"].charts.${chart} needs name, version, file, sha256 and treeSha256 (64 hex digits)`);
      }
    }
  }
  return raw as LockFile;
}

/** The locked Istio versions, oldest first. */
export function lockedVersions(root: string): string[] {
  return Object.keys(readLockFile(root).istio).sort(byVersion);
}

/** One locked release: `version`, or the newest the lock pins. */
export function readLock(root: string, version?: string): ChartsLock {
  const lock = readLockFile(root);
  const versions = Object.keys(lock.istio).sort(byVersion);
  const istioVersion = version ?? versions[versions.length - 1];
  const release = istioVersion === undefined ? undefined : lock.istio[istioVersion];
  if (!release) {
    throw new UserError(`${LOCK_FILE} does not pin Istio ${istioVersion ?? '(any version)'} (it pins ${versions.join(', ') || 'nothing'}): run \`npm run vendor\`, which pins every version main.ts names`);
  }
  return { istioVersion, sources: lock.sources, charts: release.charts };
}

/** Writes the lock atomically (temporary file, then rename), versions in order. */
export function writeLockFile(root: string, lock: LockFile): void {
  const file = path.join(root, LOCK_FILE);
  const istio = Object.fromEntries(Object.keys(lock.istio).sort(byVersion).map(v => [v, lock.istio[v]]));
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify({ sources: lock.sources, istio }, null, 2) + '\n');
  fs.renameSync(tmp, file);
}
