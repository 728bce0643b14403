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

/** vendor/charts.lock.json. */
export interface ChartsLock {
  /** The pinned Istio release. */
  readonly istioVersion: string;
  /** Chart sources to try in order: folders (relative to the project root) or HTTP(S) repository URLs. */
  readonly sources: readonly string[];
  /** One entry per chart. */
  readonly charts: { readonly [chart in IstioChart]: ChartLockEntry };
}

/** The lock file's path below the project root. */
export const LOCK_FILE = path.join('vendor', 'charts.lock.json');

/** Where a locked version's charts are unpacked, below the project root. */
export function versionDir(root: string, istioVersion: string): string {
  return path.join(root, 'vendor', `istio-${istioVersion}`);
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Reads and checks vendor/charts.lock.json. */
export function readLock(root: string): ChartsLock {
  const file = path.join(root, LOCK_FILE);
  let lock: ChartsLock;
  try {
    lock = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`cannot read ${LOCK_FILE}: ${(err as Error).message}. Restore it from git (git checkout -- ${LOCK_FILE}).`);
  }
  const bad = (what: string) => new UserError(`${LOCK_FILE} is malformed: ${what}. Restore it from git, or re-lock with: npm run vendor -- --version <istio version>`);
  if (typeof lock.istioVersion !== 'string' || !/^\d+\.\d+\.\d+/.test(lock.istioVersion)) throw bad('istioVersion must be a version such as 1.30.3');
  if (!Array.isArray(lock.sources) || lock.sources.length === 0 || lock.sources.some(s => typeof s !== 'string')) throw bad('sources must be a non-empty list of folders or URLs');
  for (const chart of ISTIO_CHARTS) {
    const e = lock.charts?.[chart];
    if (!e || typeof e.file !== 'string' || typeof e.name !== 'string' || typeof e.version !== 'string' || !HEX64.test(e.sha256 ?? '') || !HEX64.test(e.treeSha256 ?? '')) {
      throw bad(`charts.${chart} needs name, version, file, sha256 and treeSha256 (64 hex digits)`);
    }
  }
  return lock;
}

/** Writes the lock atomically (temporary file, then rename). */
export function writeLock(root: string, lock: ChartsLock): void {
  const file = path.join(root, LOCK_FILE);
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(lock, null, 2) + '\n');
  fs.renameSync(tmp, file);
}
