import * as path from 'path';
import * as mainTs from '../../main';
import { checkManifestList } from '../../lib/check/check';
import { providedCrds } from '../../lib/check/provided-crds';
import { loadManifestFolder } from '../../lib/manifests';
import { resolveProject } from '../../lib/project/resolve';
import { readProject } from '../../lib/project/definition';
import { PROJECT_ROOT } from '../../lib/project-root';
import { lockedVersions } from '../../lib/vendoring/lock';

// One check of dist/ in a fresh process, as `npm run check` does it (every cluster of
// main.ts), or with --schema-only as check worked before it followed the API server:
// prints the in-process time (modules loaded on first use count) as JSON for `npm run bench`.
const started = performance.now();
const schemaOnly = process.argv.includes('--schema-only');
let violations = 0;
// The CRDs of the tools the lock pins, read (and their files verified) as npm run check reads them.
const provided = providedCrds(PROJECT_ROOT);
for (const cluster of resolveProject(readProject(mainTs), lockedVersions(PROJECT_ROOT))) {
  const dir = cluster.name === undefined ? path.join(PROJECT_ROOT, 'dist') : path.join(PROJECT_ROOT, 'dist', cluster.name);
  violations += checkManifestList(loadManifestFolder(dir).manifests, cluster.settings, { schemaOnly, providedCrds: provided }).length;
}
process.stdout.write(JSON.stringify({ checkMs: performance.now() - started, violations }) + '\n');
