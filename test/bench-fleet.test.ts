import * as mainTs from '../main';
import { clustersOf, readProject } from '../lib/project/definition';
import { resolveProject } from '../lib/project/resolve';
import { PROJECT_ROOT } from '../lib/project-root';
import { MeshSettings } from '../lib/settings';
import { lockedVersions } from '../lib/vendoring/lock';
import { benchFleet } from '../tools/bench/synth-fleet';

// npm run bench's scaling table synthesizes fleets made from main.ts: they must stay valid
// projects whatever main.ts holds, or the bench fails where no test looks.
const main = clustersOf(readProject(mainTs))[0].settings;
const LOCKED = main.istioVersion;

test.each([
  ['main.ts\'s first cluster', main],
  // What a fleet's first cluster may hold besides: a network with its east-west gateway, a
  // shared root, remote secrets, delivery by Argo CD or Flux.
  ['a multi-network primary delivered by Argo CD', {
    istioVersion: LOCKED, gateways: [{ name: 'ew', namespace: 'istio-system', kind: 'eastwest' }],
    mesh: { id: 'm', network: 'n1', trust: { certManager: { issuer: { kind: 'ClusterIssuer', name: 'root' } } }, remoteSecrets: { store: { kind: 'ClusterSecretStore', name: 'vault' }, keyPrefix: 'istio/' } },
    delivery: { tool: 'argocd', repoURL: 'https://git.example.com/mesh.git' },
  }],
  ['a cluster delivered by Flux', { istioVersion: LOCKED, delivery: { tool: 'flux', repoURL: 'https://git.example.com/mesh.git' } }],
] as [string, MeshSettings][])('the bench\'s fleets made from %s resolve: N clusters with M app namespaces each', (_name, base) => {
  const resolved = resolveProject(benchFleet(base, 3, 2), lockedVersions(PROJECT_ROOT));
  expect(resolved.map(c => c.name)).toEqual(['c0', 'c1', 'c2']);
  for (const c of resolved) expect(c.settings.appNamespaces.map(ns => ns.name)).toEqual(['app-0', 'app-1']);
});
