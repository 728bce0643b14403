import * as mainTs from '../../main';
import { clustersOf, ProjectDefinition, readProject } from '../../lib/project/definition';
import { MeshSettings } from '../../lib/settings';
import { synthMesh } from '../../lib/synth/synth';

/**
 * A fleet made from main.ts's (first) cluster for the scaling table: N clusters, each a
 * mesh of its own with its own name (so istiod's values, and its render, differ per
 * cluster, as in a real fleet), and M app namespaces each. Separate meshes, because
 * clusters of one mesh need a shared root and remote secrets from a store whose CRDs
 * main.ts may not vendor: the table measures rendering at scale, not trust.
 */
export function benchFleet(base: MeshSettings, clusters: number, namespaces: number): ProjectDefinition {
  const appNamespaces = Array.from({ length: namespaces }, (_, i) => ({ name: `app-${i}` }));
  // Each a mesh, a network and a delivery destination of its own: what ties the clusters of
  // one mesh together (remote secrets, a primary) has no place, and what must differ per
  // cluster (a network, where the controller delivers) is made to.
  const { delivery, ...rest } = base;
  const one = (name: string): MeshSettings => ({
    ...rest,
    mesh: {
      id: `bench-${name}`, clusterName: name,
      ...(base.mesh?.network ? { network: `${base.mesh.network}-${name}` } : {}),
      ...(base.mesh?.trust && !base.mesh.primary ? { trust: base.mesh.trust } : {}),
    },
    ...(delivery ? { delivery: { ...delivery, destination: delivery.tool === 'flux' ? { kubeConfigSecret: { name: `${name}-kubeconfig` } } : { name } } } : {}),
    appNamespaces,
  });
  return { clusters: Object.fromEntries(Array.from({ length: clusters }, (_, i) => [`c${i}`, one(`c${i}`)])) };
}

// One synthesis of such a fleet in a fresh process: argv = outdir, clusters, namespaces.
if (require.main === module) {
  const [outdir, clusters, namespaces] = process.argv.slice(2);
  const base = clustersOf(readProject(mainTs))[0].settings;
  synthMesh(benchFleet(base, Number(clusters), Number(namespaces)), { outdir, log: () => undefined }).catch((err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 1;
  });
}
