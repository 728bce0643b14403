import * as mainTs from '../main';
import { clustersOf, readProject } from '../lib/project/definition';
import { resolveProject } from '../lib/project/resolve';
import { PROJECT_ROOT } from '../lib/project-root';
import { lockedVersions } from '../lib/vendoring/lock';
import { benchFleet } from '../tools/bench/synth-fleet';

// npm run bench's scaling table synthesizes fleets made from main.ts: they must stay valid
// projects whatever main.ts holds, or the bench fails where no test looks.
test('the bench\'s fleets made from main.ts resolve: N clusters with M app namespaces each', () => {
  const base = clustersOf(readProject(mainTs))[0].settings;
  const resolved = resolveProject(benchFleet(base, 3, 2), lockedVersions(PROJECT_ROOT));
  expect(resolved.map(c => c.name)).toEqual(['c0', 'c1', 'c2']);
  for (const c of resolved) expect(c.settings.appNamespaces.map(ns => ns.name)).toEqual(['app-0', 'app-1']);
});
