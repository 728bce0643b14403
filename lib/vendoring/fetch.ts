import * as path from 'path';
import { UserError } from '../user-error';
import { fileDigests, FileDigest, sha256, treeSha256 } from './digest';
import { ChartLockEntry, IstioChart, LOCK_FILE } from './lock';
import { ArchiveRecord } from './record';
import { ChartSource, findInIndex, IndexEntry, MIRROR_ENV, SourceUnavailable } from './source';
import { BadArchive, unpackChart } from './unpack';

/** The sources of one run, each one's index.yaml read at most once. */
export class SourceSet {
  private readonly indexes = new Map<ChartSource, Promise<string>>();
  constructor(readonly sources: readonly ChartSource[]) {}

  /** The source's index.yaml. */
  index(source: ChartSource): Promise<string> {
    let index = this.indexes.get(source);
    if (!index) {
      index = source.readIndex();
      this.indexes.set(source, index);
    }
    return index;
  }
}

interface Fetched {
  readonly archive: Buffer;
  readonly source: ChartSource;
  readonly entry: IndexEntry;
}

/** Fetches one archive from the first source that has it, verifying its digests. */
async function fetchArchive(sources: SourceSet, chart: IstioChart, version: string, pinned: string | undefined): Promise<Fetched> {
  const reasons: string[] = [];
  for (const source of sources.sources) {
    let entry: IndexEntry | undefined;
    let archive: Buffer;
    try {
      entry = findInIndex(await sources.index(source), chart, version);
      if (!entry) {
        reasons.push(`${source.name}: its index.yaml has no ${chart} ${version}`);
        continue;
      }
      archive = await source.readArchive(entry.url);
    } catch (err) {
      if (!(err instanceof SourceUnavailable)) throw err;
      reasons.push(`${source.name}: ${err.message}`);
      continue;
    }
    const file = path.basename(entry.url);
    const actual = sha256(archive);
    // A source that has the archive but serves a wrong one is an error, not a reason to
    // try the next source: a tampered mirror must be noticed, not routed around.
    if (entry.digest && entry.digest !== actual) {
      throw new UserError(
        `chart ${chart}: ${file} from ${source.name} has sha256 ${actual}, but that repository's index.yaml says ${entry.digest}: ` +
        'the archive is corrupt or was replaced. Nothing was written; fix or replace the source.',
      );
    }
    if (pinned && pinned !== actual) {
      throw new UserError(
        `chart ${chart}: ${file} from ${source.name} has sha256 ${actual}, but ${LOCK_FILE} pins ${pinned}. Nothing was written. ` +
        `If that source is trusted and the change intended (another repository, a re-released chart), re-pin it: remove istio["${version}"].charts.${chart} from ${LOCK_FILE}, then npm run vendor`,
      );
    }
    return { archive, source, entry };
  }
  throw new UserError(
    `chart ${chart} ${version} could not be fetched from any source:\n  - ${reasons.join('\n  - ')}\n` +
    `Set ${MIRROR_ENV} to a folder or URL that holds Istio's charts (index.yaml and .tgz files), or fix "sources" in ${LOCK_FILE}.`,
  );
}

/** A chart fetched, verified and unpacked into a staging folder. */
export interface StagedChart {
  /** The unpacked chart folder. */
  readonly dir: string;
  /** Its files' digests, to record beside it. */
  readonly digests: readonly FileDigest[];
  /** The archive it was unpacked from, to record beside it. */
  readonly archive: ArchiveRecord;
  /** What a lock pins for it. */
  readonly entry: ChartLockEntry;
}

/**
 * Fetches one chart, verifies the archive (against the source's index and, when
 * `pinned` is given, the lock), unpacks it below `stagingDir` and, when pinned, checks
 * that the files are those the lock records.
 */
export async function stageChart(sources: SourceSet, chart: IstioChart, version: string, pinned: ChartLockEntry | undefined, stagingDir: string): Promise<StagedChart> {
  const fetched = await fetchArchive(sources, chart, version, pinned?.sha256);
  const file = path.basename(fetched.entry.url);
  let dir: string;
  try {
    dir = await unpackChart(fetched.archive, stagingDir, chart, version);
  } catch (err) {
    if (!(err instanceof BadArchive)) throw err;
    throw new UserError(`chart ${chart}: ${file} from ${fetched.source.name} cannot be used: ${err.message}. Nothing was written.`);
  }
  const digests = fileDigests(dir);
  const tree = treeSha256(digests);
  if (pinned && pinned.treeSha256 !== tree) {
    throw new UserError(`chart ${chart}: ${file} from ${fetched.source.name} matches its pinned sha256 but unpacks to other files than ${LOCK_FILE} records; the lock was edited by hand. Restore it from git (git checkout -- ${LOCK_FILE}), or re-pin it: remove istio["${version}"].charts.${chart} from ${LOCK_FILE}, then npm run vendor`);
  }
  const archiveSha256 = sha256(fetched.archive);
  return {
    dir,
    digests,
    archive: { file, sha256: archiveSha256, source: fetched.source.name },
    entry: { name: chart, version, file, sha256: archiveSha256, treeSha256: tree },
  };
}
