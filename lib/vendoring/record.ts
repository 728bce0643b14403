import * as fs from 'fs';
import { FileDigest } from './digest';

/**
 * What vendoring leaves beside each unpacked chart folder `<version dir>/<chart>`:
 *
 * - `<chart>.sha256sums`: a digest per file, as unpacked, so a later check can name the
 *   files edited by hand, and can tell a changed tree from a changed lock;
 * - `<chart>.archive.json`: the archive the folder was unpacked from, so an archive
 *   digest edited into the lock shows even though the archive itself is not kept.
 *
 * Neither is ever read by the renderer; both are git-ignored with the charts.
 */

/** Suffix of the per-file digests written beside a chart folder. */
export const SUMS_SUFFIX = '.sha256sums';

/** Suffix of the archive record written beside a chart folder. */
export const ARCHIVE_SUFFIX = '.archive.json';

/** The archive a chart folder was unpacked from. */
export interface ArchiveRecord {
  /** Archive file name, as the source's index.yaml named it. */
  readonly file: string;
  /** sha256 of the archive, hex: verified against the lock and the index when it was fetched. */
  readonly sha256: string;
  /** The source it came from (a folder or URL), for messages only. */
  readonly source: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Replaces a file in one step, so a reader never sees half of it. */
function writeAtomically(file: string, content: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

/** Writes both records of a chart folder (`chartDir` is the folder itself). */
export function writeVendorRecord(chartDir: string, digests: readonly FileDigest[], archive: ArchiveRecord): void {
  writeAtomically(chartDir + SUMS_SUFFIX, digests.map(d => `${d.sha256}  ${d.path}\n`).join(''));
  const { file, sha256, source } = archive;
  writeAtomically(chartDir + ARCHIVE_SUFFIX, JSON.stringify({ file, sha256, source }, null, 2) + '\n');
}

/** The per-file digests recorded when the chart was vendored, in their recorded order; undefined if there are none. */
export function readSums(chartDir: string): FileDigest[] | undefined {
  const file = chartDir + SUMS_SUFFIX;
  if (!fs.existsSync(file)) return undefined;
  const sums: FileDigest[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (m) sums.push({ path: m[2], sha256: m[1] });
  }
  return sums;
}

/**
 * The archive a chart folder was unpacked from; undefined when the folder was vendored
 * before this record existed, or the record is unreadable (both mean: re-verify).
 */
export function readArchiveRecord(chartDir: string): ArchiveRecord | undefined {
  let record: Partial<ArchiveRecord>;
  try {
    record = JSON.parse(fs.readFileSync(chartDir + ARCHIVE_SUFFIX, 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof record?.file !== 'string' || !HEX64.test(record.sha256 ?? '')) return undefined;
  return { file: record.file, sha256: record.sha256!, source: String(record.source ?? '') };
}
