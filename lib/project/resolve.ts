import { clustersOf, ProjectDefinition } from './definition';
import { ResolvedMeshSettings, resolveSettings } from '../settings';
import { InvalidSettingsError } from '../settings/problems';

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
  if (!problems.length) problems.push(...meshProblems(resolved));
  if (problems.length) throw new InvalidSettingsError(problems);
  return resolved;
}

/** Every Istio version any cluster uses (vendoring needs them all). */
export function projectVersions(clusters: readonly ResolvedCluster[]): string[] {
  return [...new Set(clusters.flatMap(c => c.settings.istioVersions))];
}

/**
 * What only the fleet as a whole can tell (Istio's multicluster install): within a mesh
 * id, cluster names are unique, every cluster names its network or none does, and a
 * mesh that spans networks has an east-west gateway in each; a network belongs to one mesh.
 */
export function meshProblems(clusters: readonly ResolvedCluster[]): string[] {
  const problems: string[] = [];
  const byMesh = new Map<string, ResolvedCluster[]>();
  for (const c of clusters) if (c.settings.mesh) byMesh.set(c.settings.mesh.id, [...(byMesh.get(c.settings.mesh.id) ?? []), c]);
  const meshOfNetwork = new Map<string, string>();
  for (const [id, members] of byMesh) {
    const names = new Map<string, string>();
    for (const c of members) {
      const clusterName = c.settings.mesh!.clusterName;
      const first = names.get(clusterName);
      if (first !== undefined) problems.push(`clusters.${c.name}.mesh.clusterName: "${clusterName}" is also clusters.${first}'s name in mesh ${id}: cluster names are unique within a mesh`);
      else names.set(clusterName, c.name!);
    }
    const networks = new Set(members.map(c => c.settings.mesh!.network));
    if (networks.has(undefined) && networks.size > 1) {
      problems.push(`mesh ${id}: clusters ${members.filter(c => !c.settings.mesh!.network).map(c => c.name).join(', ')} name no network while others do: set mesh.network in every cluster of the mesh, or in none`);
    } else if (networks.size > 1) {
      for (const network of networks) {
        const inNetwork = members.filter(c => c.settings.mesh!.network === network);
        if (!inNetwork.some(c => c.settings.gateways.some(g => g.kind === 'eastwest'))) {
          problems.push(`mesh ${id}: network ${network} (clusters ${inNetwork.map(c => c.name).join(', ')}) has no east-west gateway, and the mesh spans ${networks.size} networks: add a gateway of kind 'eastwest' to one of its clusters`);
        }
      }
    }
    for (const network of networks) {
      if (network === undefined) continue;
      const other = meshOfNetwork.get(network);
      if (other !== undefined && other !== id) problems.push(`network ${network} is in mesh ${other} and mesh ${id}: one mesh id per mesh, and a network belongs to one mesh`);
      meshOfNetwork.set(network, id);
    }
  }
  return problems;
}
