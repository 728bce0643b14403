import { ResolvedCluster } from '../project/resolve';
import { UserError } from '../user-error';

/**
 * The clusters a command works on: every one, or the one `--cluster` names. A name that
 * is not a cluster, or `--cluster` for a project of one cluster, is an error naming the
 * clusters there are.
 */
export function selectClusters(clusters: readonly ResolvedCluster[], wanted: string | undefined): readonly ResolvedCluster[] {
  if (wanted === undefined) return clusters;
  if (clusters.every(c => c.name === undefined)) throw new UserError(`--cluster ${wanted}: main.ts exports one cluster's \`settings\`, not \`clusters\`; leave --cluster out`);
  const found = clusters.find(c => c.name === wanted);
  if (!found) throw new UserError(`--cluster ${wanted}: main.ts has no such cluster (clusters: ${clusters.map(c => c.name).join(', ')})`);
  return [found];
}
