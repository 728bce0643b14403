import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import { UserError } from '../user-error';

/** How git is run. */
export interface GitOptions {
  /** The git program: a path, or a name looked up on PATH. @default 'git' */
  readonly git?: string;
}

/** A folder's manifest files as committed at a ref. */
export interface CommittedFolder {
  /** The commit the ref names, abbreviated (`1a2b3c4`), for the report's header. */
  readonly commit: string;
  /** File name → bytes: the folder's *.yaml and *.yml files (not its subfolders'). */
  readonly files: ReadonlyMap<string, Buffer>;
}

/** The same rule as manifestFiles (lib/manifests/read.ts), so both sides of a diff hold the same kind of files. */
const MANIFEST_FILE = /\.ya?ml$/;

// Variables that would point git at another repository than the one at `root` (they are
// set, for one, while a git hook runs). Without them, `cwd` alone decides.
const REPOSITORY_VARIABLES = [
  'GIT_DIR', 'GIT_WORK_TREE', 'GIT_COMMON_DIR', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_NAMESPACE', 'GIT_PREFIX',
];

function gitEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C' };
  for (const name of REPOSITORY_VARIABLES) delete env[name];
  return env;
}

/** Runs git in `root`; a git that cannot be started is a UserError, any exit status is returned. */
function git(root: string, args: readonly string[], opts: GitOptions, input?: Buffer): SpawnSyncReturns<Buffer> {
  const program = opts.git ?? 'git';
  const result = spawnSync(program, args, {
    cwd: root,
    env: gitEnvironment(),
    input,
    // dist/ is about 1 MB today; the default (1 MB) would cut it off.
    maxBuffer: 1 << 30,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    // spawn says ENOENT for a missing working folder too.
    if (code === 'ENOENT' && !fs.existsSync(root)) throw new UserError(`no such folder: ${root}`);
    if (code === 'ENOENT') {
      throw new UserError(`cannot run ${program}: git is not installed (or not on PATH); comparing with a git ref needs it`);
    }
    throw new UserError(`cannot run ${program}: ${result.error.message}`);
  }
  return result;
}

function firstLine(text: Buffer): string {
  return text.toString('utf8').trim().split('\n')[0] ?? '';
}

/** Fails unless `root` is inside a git work tree. */
function checkRepository(root: string, opts: GitOptions): void {
  const r = git(root, ['rev-parse', '--is-inside-work-tree'], opts);
  if (r.status === 0 && r.stdout.toString().trim() === 'true') return;
  const reason = firstLine(r.stderr);
  if (r.status === 0 || /not a git repository/i.test(reason)) {
    throw new UserError(`${root} is not in a git repository: a git ref needs one (to compare two folders, give both)`);
  }
  // Another refusal, e.g. "detected dubious ownership": git's own words say what to do.
  throw new UserError(`git cannot read the repository at ${root}: ${reason.replace(/^fatal: /, '')}`);
}

/** The full commit id `ref` names, or a UserError naming the ref. */
function resolveCommit(root: string, ref: string, opts: GitOptions): string {
  const r = git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], opts);
  const sha = r.stdout.toString().trim();
  if (r.status !== 0 || !/^[0-9a-f]{40,64}$/.test(sha)) {
    throw new UserError(`unknown git ref "${ref}": not a branch, tag or commit of the repository at ${root}`
      + ' (a remote branch such as origin/main needs a `git fetch` first; a shallow clone may lack old commits)');
  }
  return sha;
}

/** name → blob id of the manifest files directly in `folder` at `commit`. */
function listManifestBlobs(root: string, commit: string, folder: string, where: string, opts: GitOptions): Map<string, string> {
  // Paths are relative to cwd (root), as they are for the working tree side.
  // Recursive: a fleet's dist/ has a folder per cluster (`<cluster>/<file>`, one level deep).
  const r = git(root, ['ls-tree', '-r', '-z', commit, '--', `${folder}/`], opts);
  if (r.status !== 0) throw new UserError(`git ls-tree failed in ${root}: ${firstLine(r.stderr)}`);
  const blobs = new Map<string, string>();
  let entries = 0;
  for (const entry of r.stdout.toString('utf8').split('\0')) {
    if (!entry) continue;
    entries++;
    // `<mode> <type> <object>\t<path>`
    const tab = entry.indexOf('\t');
    const [, type, object] = entry.slice(0, tab).split(' ');
    const name = entry.slice(tab + 1).slice(folder.length + 1);
    if (type === 'blob' && MANIFEST_FILE.test(name) && name.split('/').length <= 2) blobs.set(name, object);
  }
  if (!entries) throw new UserError(`no ${folder}/ folder at ${where}: nothing committed there to compare with`);
  return blobs;
}

/**
 * Reads blobs with one `git cat-file --batch`: a process per file would cost more
 * than the reading. Its output is, per object, `<id> <type> <size>\n<content>\n`.
 */
function readBlobs(root: string, ids: readonly string[], opts: GitOptions): Buffer[] {
  if (!ids.length) return [];
  const r = git(root, ['cat-file', '--batch'], opts, Buffer.from(`${ids.join('\n')}\n`));
  if (r.status !== 0) throw new UserError(`git cat-file failed in ${root}: ${firstLine(r.stderr)}`);
  const out = r.stdout;
  const blobs: Buffer[] = [];
  let at = 0;
  for (const id of ids) {
    const eol = out.indexOf(0x0a, at);
    const header = out.subarray(at, eol).toString('utf8').split(' ');
    if (header[0] !== id || header[1] !== 'blob') throw new UserError(`git cat-file: cannot read ${id} in ${root}: ${header.join(' ')}`);
    const size = Number(header[2]);
    blobs.push(out.subarray(eol + 1, eol + 1 + size));
    at = eol + 1 + size + 1;
  }
  return blobs;
}

/**
 * The manifest files of `folder` (relative to `root`) as committed at `ref` (`HEAD`,
 * `origin/main`, a commit id, `HEAD~2` …), read from the repository at `root`: nothing is
 * written anywhere, not even a temporary file. Git runs with `root` as its working
 * folder, whatever the process's own.
 *
 * UserErrors: git not installed, `root` not in a repository, an unknown ref, no such
 * folder at that commit.
 */
export function readCommittedFolder(root: string, ref: string, folder = 'dist', opts: GitOptions = {}): CommittedFolder {
  // git would read `-x` as an option; no ref starts with a dash (git check-ref-format).
  if (ref.startsWith('-')) throw new UserError(`"${ref}" is not a git ref`);
  checkRepository(root, opts);
  const commit = resolveCommit(root, ref, opts);
  const short = git(root, ['rev-parse', '--short', commit], opts).stdout.toString().trim() || commit.slice(0, 12);
  const blobs = listManifestBlobs(root, commit, folder, `${ref} (${short})`, opts);
  const names = [...blobs.keys()];
  const contents = readBlobs(root, names.map(n => blobs.get(n)!), opts);
  return { commit: short, files: new Map(names.map((n, i) => [n, contents[i]])) };
}
