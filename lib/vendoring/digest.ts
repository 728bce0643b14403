import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** sha256 of bytes, hex. */
export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(dir, rel));
    else out.push(rel);
  }
  return out;
}

/** Digest of one file of a tree, for naming what changed. */
export interface FileDigest {
  /** Path relative to the tree, with '/'. */
  readonly path: string;
  /** sha256 of the content, hex. */
  readonly sha256: string;
}

/** Per-file digests of a folder, sorted by path (byte order, so the same everywhere). */
export function fileDigests(dir: string): FileDigest[] {
  return listFiles(dir)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map(rel => ({ path: rel, sha256: sha256(fs.readFileSync(path.join(dir, rel))) }));
}

/** One digest over a folder's files: paths and contents, independent of timestamps and modes. */
export function treeSha256(files: readonly FileDigest[]): string {
  return sha256(files.map(f => `${f.sha256}  ${f.path}\n`).join(''));
}

/**
 * The digests a `SHA256SUMS` file lists, by path (a leading `./` dropped): sha256sum's
 * `<hex>  <path>` (text) and `<hex> *<path>` (binary mode) lines; other lines are skipped.
 */
export function parseSha256Sums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([0-9a-fA-F]{64}) [ *](.+?)\s*$/.exec(line);
    if (m) sums.set(m[2].replace(/^\.\//, ''), m[1].toLowerCase());
  }
  return sums;
}
