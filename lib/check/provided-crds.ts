import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { isCrd, Manifest, parseManifests } from '../manifests';
import { UserError } from '../user-error';
import { LOCK_FILE, readLockFile, toolCrdsDir } from '../vendoring/lock';

/**
 * CRDs the cluster provides, which no file of the checked folder holds: those of the
 * tools the lock pins (cert-manager, External Secrets, …), which each tool installs
 * itself. Objects of their kinds are validated against them as against a CRD in the
 * folder, and need no CRD file before theirs.
 */
export interface ProvidedCrds {
  /** Who provides them, for messages: `cert-manager v1.21.1`. */
  readonly by: string;
  /** The CustomResourceDefinitions, each named by its vendored file (relative to the project root). */
  readonly crds: readonly Manifest[];
}

/**
 * The vendored CRDs of every tool the lock pins, verified against the lock's digests:
 * a file that is missing or differs is an error that says how to restore it (check
 * never fetches; `npm run vendor` does, and says which side changed).
 */
export function providedCrds(root: string): ProvidedCrds[] {
  const pinned = readLockFile(root).toolCrds ?? {};
  return Object.keys(pinned).sort().map(tool => {
    const entry = pinned[tool];
    const by = `${tool} ${entry.version}`;
    const crds = Object.keys(entry.files).sort().flatMap(file => {
      const rel = path.relative(root, path.join(toolCrdsDir(root, tool), ...file.split('/')));
      let data: Buffer;
      try {
        data = fs.readFileSync(path.join(root, rel));
      } catch {
        throw new UserError(`${rel} is not vendored: ${LOCK_FILE} pins the ${by} CRDs (toolCrds["${tool}"]), which check validates objects of their kinds with: run \`npm run vendor\``);
      }
      const actual = createHash('sha256').update(data).digest('hex');
      if (actual !== entry.files[file]) {
        throw new UserError(
          `${rel} has sha256 ${actual}, but ${LOCK_FILE} pins ${entry.files[file]} (toolCrds["${tool}"]): the file or the lock changed after vendoring. ` +
          '`npm run vendor` says which, and how to restore it.',
        );
      }
      return parseManifests(rel, data.toString('utf8')).filter(isCrd);
    });
    return { by, crds };
  });
}
