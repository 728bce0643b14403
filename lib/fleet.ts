import { ClusterDefinition, clustersOf, ProjectDefinition } from './project';
import { ResolvedMeshSettings, resolveSettings } from './settings';
import { UserError } from './user-error';

/** One cluster, its settings validated and resolved. */
export interface ResolvedCluster {
  /** Its name in `clusters`; undefined for the single-cluster form. */
  readonly name?: string;
  /** Its resolved settings. */
  readonly settings: ResolvedMeshSettings;
}

const PROBLEM = '  - ';

/**
 * Validates every cluster of a project: one error listing every problem of every
 * cluster, each field named from `clusters.<name>.` in a fleet, as in the single form.
 */
export function resolveProject(project: ProjectDefinition, lockedVersions: readonly string[]): ResolvedCluster[] {
  const clusters = clustersOf(project);
  if (clusters.length === 1 && clusters[0].name === undefined) return [{ settings: resolveSettings(clusters[0].settings, lockedVersions) }];
  const problems: string[] = [];
  const resolved: ResolvedCluster[] = [];
  for (const c of clusters) {
    try {
      resolved.push({ name: c.name, settings: resolveSettings(c.settings, lockedVersions) });
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      problems.push(...clusterProblems(c, err.message));
    }
  }
  if (problems.length) throw new UserError(`invalid settings (main.ts):\n${problems.map(p => `${PROBLEM}${p}`).join('\n')}`);
  return resolved;
}

/** A cluster's problem lines, each field prefixed with `clusters.<name>.`. */
function clusterProblems(c: ClusterDefinition, message: string): string[] {
  const lines = message.split('\n').filter(l => l.startsWith(PROBLEM)).map(l => l.slice(PROBLEM.length));
  const prefix = `clusters.${c.name}`;
  if (lines.length === 0) return [`${prefix}: ${message}`];
  return lines.map(l => `${prefix}.${l}`);
}

/** Every Istio version any cluster uses (vendoring needs them all). */
export function projectVersions(clusters: readonly ResolvedCluster[]): string[] {
  return [...new Set(clusters.flatMap(c => c.settings.istioVersions))];
}
