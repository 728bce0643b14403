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

/**
 * What vendoring leaves beside a Gateway API CRD file, in its folder
 * `vendor/gateway-api-<version>/`: the file as fetched (its sha256 and source), so a
 * later check tells a hand-edited file (its digest is no longer the recorded one) from
 * an edited lock (the file is as fetched, the lock's digest is not its digest).
 */
export const GATEWAY_API_RECORD = 'fetched.json';

/** The Gateway API file a folder holds, as fetched. */
export interface GatewayApiRecord {
  /** Gateway API release. */
  readonly version: string;
  /** File name in the folder. */
  readonly file: string;
  /** sha256 of the file as fetched, hex: verified against the source's SHA256SUMS (folders) and the lock. */
  readonly sha256: string;
  /** The source it came from (a folder or URL), for messages only. */
  readonly source: string;
}

/** Writes the record into a Gateway API folder. */
export function writeGatewayApiRecord(dir: string, record: GatewayApiRecord): void {
  const { version, file, sha256, source } = record;
  writeAtomically(`${dir}/${GATEWAY_API_RECORD}`, JSON.stringify({ version, file, sha256, source }, null, 2) + '\n');
}

/** The record of a Gateway API folder; undefined when it is missing or unreadable. */
export function readGatewayApiRecord(dir: string): GatewayApiRecord | undefined {
  let record: Partial<GatewayApiRecord>;
  try {
    record = JSON.parse(fs.readFileSync(`${dir}/${GATEWAY_API_RECORD}`, 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof record?.version !== 'string' || typeof record.file !== 'string' || !HEX64.test(record.sha256 ?? '')) return undefined;
  return { version: record.version, file: record.file, sha256: record.sha256!, source: String(record.source ?? '') };
}
