import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** Folders whose TypeScript (and imported JSON) tsconfig.json includes, besides main.ts. */
const SOURCE_DIRS = ['lib', 'tools', 'test', 'imports'];

/** Files outside the sources that decide the type-check: its options and the type packages' versions. */
const SETTINGS_FILES = ['tsconfig.json', 'package-lock.json', 'main.ts'];

/**
 * A digest of everything `tsc --noEmit` reads from the project: the sources tsconfig.json
 * includes (path and content), tsconfig.json, and package-lock.json (the versions of
 * TypeScript and of every type package). Equal digests mean an equal verdict.
 */
export function typecheckInputsDigest(root: string): string {
  const hash = createHash('sha256');
  const files = [...SETTINGS_FILES];
  for (const dir of SOURCE_DIRS) {
    const abs = path.join(root, dir);
    if (!fs.existsSync(abs)) continue;
    for (const rel of fs.readdirSync(abs, { recursive: true }) as string[]) {
      if (/\.(ts|json)$/.test(rel) && !rel.split(path.sep).includes('node_modules')) files.push(path.join(dir, rel));
    }
  }
  for (const file of files.sort()) {
    const abs = path.join(root, file);
    if (!fs.existsSync(abs) || !fs.statSync(abs).isFile()) continue;
    hash.update(`${file}\0`).update(fs.readFileSync(abs)).update('\0');
  }
  return hash.digest('hex');
}

/** Where the digest of the last clean type-check is kept (a cache: deleting it costs one full check). */
export function typecheckStampFile(root: string): string {
  return path.join(root, 'node_modules', '.cache', 'istio-cdk8s', 'typecheck-passed');
}

/** Whether the sources are exactly those of the last type-check that passed. */
export function typecheckIsCurrent(root: string, digest: string): boolean {
  try {
    return fs.readFileSync(typecheckStampFile(root), 'utf8') === digest;
  } catch {
    return false;
  }
}

/** Records a passed type-check of the sources with this digest. */
export function recordTypecheckPassed(root: string, digest: string): void {
  try {
    fs.mkdirSync(path.dirname(typecheckStampFile(root)), { recursive: true });
    fs.writeFileSync(typecheckStampFile(root), digest);
  } catch {
    // Only a cache: the next run checks again.
  }
}
