/**
 * An error caused by the user's input (settings, charts, environment), not by a bug.
 *
 * Entry points print only its message (no stack trace) and exit non-zero; the message
 * names the problem and how to fix it.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** What a file-system error code means, and what to do about it. */
const SYSTEM_ERRORS: { readonly [code: string]: string } = {
  EACCES: 'permission denied; make it writable (or readable) for this user, or use another folder',
  EPERM: 'operation not permitted; check the file\'s permissions and attributes',
  EROFS: 'the file system is read-only; use a writable folder',
  ENOSPC: 'no space left on the device; free some space and run again',
  EDQUOT: 'disk quota exceeded; free some space and run again',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
  EEXIST: 'it already exists',
  ENOTEMPTY: 'the folder is not empty',
  EMFILE: 'too many open files; raise the limit (ulimit -n) and run again',
};

/**
 * One line for an error the operating system raised about a file (it carries `code`,
 * `syscall` and `path`), e.g. `cannot mkdir /srv/dist: permission denied (EACCES); …`;
 * undefined for any other error.
 */
export function describeSystemError(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException & { dest?: string };
  // Not `instanceof Error`: errors from Node's core can come from another realm (jest's sandbox).
  if (typeof err !== 'object' || err === null || typeof e.code !== 'string' || typeof e.syscall !== 'string') return undefined;
  const where = e.path ? ` ${e.path}${e.dest ? ` → ${e.dest}` : ''}` : '';
  // mkdir -p over a file says EEXIST: the file is in the way of the folder.
  const meaning = e.syscall === 'mkdir' && e.code === 'EEXIST'
    ? 'a file with that name is in the way of the folder; move it or choose another folder'
    : SYSTEM_ERRORS[e.code] ?? e.message;
  return `cannot ${e.syscall}${where}: ${meaning} (${e.code})`;
}
