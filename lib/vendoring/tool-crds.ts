import * as fs from 'fs';
import * as path from 'path';
import { isCrd, parseManifests } from '../manifests';
import { UserError } from '../user-error';
import { parseSha256Sums, sha256 } from './digest';
import { LOCK_FILE, LockFile, ToolCrdsLockEntry, toolCrdsDir } from './lock';
import { httpGet, isUrl, readSourceFile, SourceUnavailable, TOOL_CRDS_MIRROR_ENV } from './source';
import { TOOL_CRDS_TABLE_FILE, ToolCrdsRelease, ToolCrdsTable, ToolName, toolCrdsRelease } from './tool-crd-versions';

// The CRDs of the tools a mesh is delivered and secured with (cert-manager, External
// Secrets, …): sources, fetching with verification, the record beside the vendored
// files, and how the vendored files compare with the lock. vendor.ts plans, stages and
// installs them with the charts; lib/check/provided-crds.ts reads them.

/**
 * A source of tool CRDs, laid out as `../shared/crds`: `<tool>/<path>` for each file, and
 * a `SHA256SUMS` at its root (`<sha256>  ./<tool>/<path>` per line) that vouches for each
 * file, as a chart repository's index.yaml vouches for its archives. A folder (relative
 * to the project root) or an HTTP(S) base URL with the same layout.
 */
export interface ToolCrdSource {
  /** How the source is named in messages (as written in the lock, or the mirror variable). */
  readonly name: string;
  /** One file of a tool, and the sha256 the source's SHA256SUMS gives for it. */
  read(tool: string, file: string): Promise<{ readonly data: Buffer; readonly published: string }>;
}

/** The sums file at a source's root. */
export const TOOL_CRD_SUMS = 'SHA256SUMS';

class ToolCrdSourceImpl implements ToolCrdSource {
  private sums?: Promise<Map<string, string>>;
  constructor(readonly name: string, private readonly get: (rel: string) => Promise<Buffer>) {}

  async read(tool: string, file: string): Promise<{ data: Buffer; published: string }> {
    const rel = `${tool}/${file}`;
    this.sums ??= this.get(TOOL_CRD_SUMS).then(data => parseSha256Sums(data.toString('utf8')));
    const published = (await this.sums).get(rel);
    if (!published) throw new SourceUnavailable(`its ${TOOL_CRD_SUMS} lists no ./${rel}`);
    return { data: await this.get(rel), published };
  }
}

/** Opens a tool CRD source: an http(s) URL, or a folder relative to the project root. */
export function openToolCrdSource(spec: string, root: string): ToolCrdSource {
  if (isUrl(spec)) return new ToolCrdSourceImpl(spec, async rel => httpGet(`${spec.replace(/\/+$/, '')}/${rel}`));
  const dir = path.resolve(root, spec);
  return new ToolCrdSourceImpl(spec, async rel => readSourceFile(path.join(dir, ...rel.split('/'))));
}

/** How a tool's lock entry is named in messages. */
function owner(tool: string): string {
  return `toolCrds["${tool}"]`;
}

/** "cert-manager v1.21.1". */
export function toolTitle(tool: string, version: string): string {
  return `${tool} ${version}`;
}

/** Whether the lock's entry pins exactly the release the table names (its version and its files). */
export function pinsRelease(entry: ToolCrdsLockEntry | undefined, release: ToolCrdsRelease): boolean {
  if (!entry || entry.version !== release.version) return false;
  const pinned = Object.keys(entry.files).sort();
  const wanted = [...release.files].sort();
  return pinned.length === wanted.length && pinned.every((f, i) => f === wanted[i]);
}

/** Whether two lock entries pin the same files with the same digests. */
export function sameToolPins(a: ToolCrdsLockEntry | undefined, b: ToolCrdsLockEntry): boolean {
  if (!a || a.version !== b.version) return false;
  const files = Object.keys(a.files);
  return files.length === Object.keys(b.files).length && files.every(f => a.files[f] === b.files[f]);
}

/** The release the table names for a tool; a UserError naming the table when it lists none. */
export function releaseOf(tool: ToolName, table: ToolCrdsTable): ToolCrdsRelease {
  const release = toolCrdsRelease(tool, table);
  if (!release) throw new UserError(`no CRD release of ${tool} is known: add it to TOOL_CRDS in ${TOOL_CRDS_TABLE_FILE}`);
  return release;
}

/**
 * Checks that a fetched file is what its name says: YAML holding at least one
 * CustomResourceDefinition. A page of HTML or an empty file is refused.
 */
function crdProblem(file: string, data: Buffer): string | undefined {
  try {
    const docs = parseManifests(file, data.toString('utf8'));
    return docs.some(isCrd) ? undefined : 'it holds no CustomResourceDefinition';
  } catch (err) {
    return `it is not valid YAML (${(err as Error).message.split('\n')[0]})`;
  }
}

/** Fetches one file of a tool from the first source that has it, verified against that source's SHA256SUMS and the lock's pin. */
async function fetchToolFile(sources: readonly ToolCrdSource[], tool: ToolName, version: string, file: string, pinned: string | undefined): Promise<{ data: Buffer; source: string }> {
  const what = `${toolTitle(tool, version)} CRDs: ${file}`;
  const reasons: string[] = [];
  for (const source of sources) {
    let read: { readonly data: Buffer; readonly published: string };
    try {
      read = await source.read(tool, file);
    } catch (err) {
      if (!(err instanceof SourceUnavailable)) throw err;
      reasons.push(`${source.name}: ${err.message}`);
      continue;
    }
    const actual = sha256(read.data);
    // A source that has the file but serves a wrong one is an error, not a reason to try
    // the next source: a tampered mirror must be noticed, not routed around.
    if (read.published !== actual) {
      throw new UserError(
        `${what} from ${source.name} has sha256 ${actual}, but that source's ${TOOL_CRD_SUMS} says ${read.published}: ` +
        'the file is corrupt or was replaced. Nothing was written; fix or replace the source.',
      );
    }
    if (pinned && pinned !== actual) {
      throw new UserError(
        `${what} from ${source.name} has sha256 ${actual}, but ${LOCK_FILE} pins ${pinned} (${owner(tool)}.files["${file}"]). Nothing was written. ` +
        `If that source is trusted and the change intended (another mirror, a re-released file), re-pin it: remove ${owner(tool)} from ${LOCK_FILE}, then npm run vendor`,
      );
    }
    const problem = crdProblem(file, read.data);
    if (problem) throw new UserError(`${what} from ${source.name} cannot be used: ${problem}. Nothing was written.`);
    return { data: read.data, source: source.name };
  }
  throw new UserError(
    `${what} could not be fetched from any source:\n  - ${reasons.join('\n  - ')}\n` +
    `Set ${TOOL_CRDS_MIRROR_ENV} to a folder or URL (<tool>/<file> and ${TOOL_CRD_SUMS}), or fix "toolCrdSources" in ${LOCK_FILE}.`,
  );
}

/**
 * What vendoring leaves beside a tool's CRD files, in `vendor/crds/<tool>/`: the files as
 * fetched (their sha256 and source), so a later check tells a hand-edited file (its
 * digest is no longer the recorded one) from an edited lock (the file is as fetched, the
 * lock's digest is not its digest).
 */
export const TOOL_CRDS_RECORD = 'fetched.json';

/** A tool's CRD files as fetched. */
export interface ToolCrdsRecord {
  /** The tool's release. */
  readonly version: string;
  /** Per file: its sha256 as fetched (verified against the source's SHA256SUMS and the lock), and the source it came from. */
  readonly files: { readonly [file: string]: { readonly sha256: string; readonly source: string } };
}

function writeToolCrdsRecord(dir: string, record: ToolCrdsRecord): void {
  fs.writeFileSync(path.join(dir, TOOL_CRDS_RECORD), JSON.stringify(record, null, 2) + '\n');
}

/** The record of a tool's folder; undefined when it is missing or unreadable. */
export function readToolCrdsRecord(dir: string): ToolCrdsRecord | undefined {
  try {
    const record = JSON.parse(fs.readFileSync(path.join(dir, TOOL_CRDS_RECORD), 'utf8'));
    if (typeof record?.version !== 'string' || !record.files || typeof record.files !== 'object') return undefined;
    return record as ToolCrdsRecord;
  } catch {
    return undefined;
  }
}

/** One tool's CRDs fetched, verified and written into a staging folder with their record. */
export interface StagedToolCrds {
  /** The tool. */
  readonly tool: ToolName;
  /** The staged folder, `<staging>/crds-<tool>`. */
  readonly dir: string;
  /** What the lock pins for it. */
  readonly entry: ToolCrdsLockEntry;
  /** The record written beside the files. */
  readonly record: ToolCrdsRecord;
}

/**
 * Fetches every file of a tool's release, verifies each (against its source's
 * SHA256SUMS, and `pinned` when given: the lock's entry for this very release) and writes
 * them with their record below `stagingDir`.
 */
export async function stageToolCrds(sources: readonly ToolCrdSource[], tool: ToolName, release: ToolCrdsRelease, pinned: ToolCrdsLockEntry | undefined, stagingDir: string): Promise<StagedToolCrds> {
  const dir = path.join(stagingDir, `crds-${tool}`);
  fs.mkdirSync(dir);
  const files: Record<string, string> = {};
  const recorded: Record<string, { sha256: string; source: string }> = {};
  for (const file of release.files) {
    const fetched = await fetchToolFile(sources, tool, release.version, file, pinned?.files[file]);
    const target = path.join(dir, ...file.split('/'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, fetched.data);
    files[file] = sha256(fetched.data);
    recorded[file] = { sha256: files[file], source: fetched.source };
  }
  const record = { version: release.version, files: recorded };
  writeToolCrdsRecord(dir, record);
  return { tool, dir, entry: { version: release.version, files }, record };
}

/** A file whose digest in the lock is not the digest of the file vendored for it. */
export interface ToolLockMismatch {
  /** The file's path below the tool's folder. */
  readonly file: string;
  /** What the lock pins. */
  readonly locked: string;
  /** What the vendored file (unchanged since it was fetched) has. */
  readonly vendored: string;
}

/** How a tool's vendored CRD files compare with the lock. */
export type ToolCrdsState =
  /** As fetched, and what the lock pins. */
  | { readonly state: 'ok' }
  /** Some files are not vendored. */
  | { readonly state: 'missing'; readonly files: readonly string[] }
  /** Changed after vendoring: `changes` names the files. */
  | { readonly state: 'modified'; readonly changes: readonly string[] }
  /** As fetched, but the lock pins other digests: the lock changed. */
  | { readonly state: 'lock-changed'; readonly mismatches: readonly ToolLockMismatch[]; readonly record?: ToolCrdsRecord };

function rel(root: string, p: string): string {
  return path.relative(root, p) || '.';
}

/** Compares a tool's vendored files with their record (hand edits) and the lock (lock edits), without fetching. */
export function toolCrdsState(root: string, tool: string, entry: ToolCrdsLockEntry): ToolCrdsState {
  const dir = toolCrdsDir(root, tool);
  const record = readToolCrdsRecord(dir);
  const missing: string[] = [];
  const changes: string[] = [];
  const mismatches: ToolLockMismatch[] = [];
  for (const [file, locked] of Object.entries(entry.files)) {
    const abs = path.join(dir, ...file.split('/'));
    if (!fs.existsSync(abs)) {
      missing.push(file);
      continue;
    }
    const actual = sha256(fs.readFileSync(abs));
    const fetched = record?.files[file]?.sha256;
    if (fetched !== undefined && fetched !== actual) changes.push(`changed ${file}: sha256 ${actual}, fetched as ${fetched}`);
    // Without its record, a file that is not what the lock pins cannot be told from a lock edit: call it changed.
    else if (fetched === undefined && actual !== locked) changes.push(`changed ${file}: sha256 ${actual}, and no ${TOOL_CRDS_RECORD} says what was fetched`);
    else if (actual !== locked) mismatches.push({ file, locked, vendored: actual });
  }
  if (changes.length) return { state: 'modified', changes };
  if (missing.length) return { state: 'missing', files: missing };
  if (mismatches.length) return { state: 'lock-changed', mismatches, record };
  return { state: 'ok' };
}

/**
 * The error for a tool's vendored files that vendoring must not silently replace: edited
 * by hand (the edit would be lost), or a lock edited after vendoring (only its author
 * knows which side is right). Undefined when neither applies.
 */
export function toolCrdsRefusal(root: string, tool: string, entry: ToolCrdsLockEntry, state: ToolCrdsState): UserError | undefined {
  const dir = toolCrdsDir(root, tool);
  const title = `${toolTitle(tool, entry.version)} CRDs`;
  if (state.state === 'modified') {
    return new UserError(
      `the vendored ${title} were changed after vendoring:\n  - ${state.changes.map(c => `${rel(root, dir)}: ${c}`).join('\n  - ')}\n` +
      'Vendored files are never edited in place: restore them with `npm run vendor -- --force`.',
    );
  }
  if (state.state === 'lock-changed') {
    const problems = state.mismatches.map(m => {
      const from = state.record?.files[m.file]?.source;
      return `${owner(tool)}.files["${m.file}"] is ${m.locked}, but ${rel(root, path.join(dir, m.file))}${from ? ` (unchanged since it was fetched from ${from})` : ''} has ${m.vendored}`;
    });
    return new UserError(
      `${LOCK_FILE} was edited after the ${title} were vendored (they are as they were fetched; the lock is what changed):\n  - ${problems.join('\n  - ')}\n` +
      `If the edit was a mistake, restore the lock from git: git checkout -- ${LOCK_FILE}. ` +
      'If the new lock is intended, fetch them again and verify them against it: npm run vendor -- --force',
    );
  }
  return undefined;
}

/** The tools a lock pins, by name. */
export function pinnedTools(lock: LockFile): string[] {
  return Object.keys(lock.toolCrds ?? {}).sort();
}
