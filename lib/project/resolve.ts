import { clustersOf, ProjectDefinition } from './definition';
import { ResolvedMeshSettings, resolveSettings } from '../settings';
import { InvalidSettingsError } from '../settings/problems';
import { fleetProblems, resolveFleet } from './fleet';

/** One cluster, its settings validated and resolved. */
export interface ResolvedCluster {
  /** Its name in `clusters`; undefined for the single-cluster form. */
  readonly name?: string;
  /** Its resolved settings. */
  readonly settings: ResolvedMeshSettings;
}

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
      resolved.push({ name: c.name, settings: resolveSettings(c.settings, lockedVersions, c.name) });
    } catch (err) {
      if (!(err instanceof InvalidSettingsError)) throw err;
      problems.push(...err.problems.map(p => `clusters.${c.name}.${p}`));
    }
  }
  if (problems.length) throw new InvalidSettingsError(problems);
  // Every cluster resolved: resolved[i] is clusters[i].
  const members = resolved.map((r, i) => ({ name: r.name!, input: clusters[i].settings, settings: r.settings }));
  problems.push(...fleetProblems(members));
  if (problems.length) throw new InvalidSettingsError(problems);
  return resolveFleet(members).map((settings, i) => ({ name: resolved[i].name, settings }));
}

/** Every Istio version any cluster uses (vendoring needs them all). */
export function projectVersions(clusters: readonly ResolvedCluster[]): string[] {
  return [...new Set(clusters.flatMap(c => c.settings.istioVersions))];
}
