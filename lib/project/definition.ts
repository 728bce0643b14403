import { DELIVERY_FOLDER } from '../manifests/delivery-folder';
import { DNS_LABEL, RFC1123_RULE } from '../settings/names';
import { nearestKey } from '../settings/shape';
import type { MeshSettings } from '../settings/types';
import { UserError } from '../user-error';
// A type only: reading main.ts's exports must not load the generator (check and diff read them).
import type { ExtendFunction } from '../mesh';

export type { ExtendFunction };

/** What main.ts exports: one cluster's `settings`, or a fleet's `clusters`. */
export interface ProjectDefinition {
  /** This cluster's mesh, rendered into dist/. @default - none: `clusters` is given */
  readonly settings?: MeshSettings;
  /** Several clusters, cluster name → settings, each rendered into dist/<cluster>/. @default - none: `settings` is given */
  readonly clusters?: { readonly [cluster: string]: MeshSettings };
  /** The user's own objects. @default - none (no custom stage is rendered) */
  readonly extend?: ExtendFunction;
}

/** One cluster of a project: its name (none for the single-cluster form) and settings. */
export interface ClusterDefinition {
  /** Its name in `clusters`, and its folder below dist/; undefined for `settings` (dist/ itself). */
  readonly name?: string;
  /** Its settings. */
  readonly settings: MeshSettings;
}

/** The clusters of a project, in the order main.ts lists them. */
export function clustersOf(project: ProjectDefinition): ClusterDefinition[] {
  if (project.clusters) return Object.entries(project.clusters).map(([name, settings]) => ({ name, settings }));
  return [{ settings: project.settings! }];
}

/** Whether the project is a fleet (`clusters`): its output has a folder per cluster. */
export function isFleet(project: ProjectDefinition): boolean {
  return project.clusters !== undefined;
}

/** dist/'s folder of the Argo CD or Flux objects that apply the clusters' folders (no cluster may be named so); the readers' constant. */
export { DELIVERY_FOLDER };

/** The exports synth reads from main.ts; others (shared constants) are the user's own. */
const KNOWN_EXPORTS = ['settings', 'clusters', 'extend'];

/**
 * Reads main.ts's exports as a ProjectDefinition. Neither or both of `settings` and
 * `clusters`, an `extend` that is not a function, a cluster name that cannot be a
 * folder and a cluster name, or an export named almost like one of them (`setting`,
 * `extnd`) is one clear error, since a mistyped export would silently render nothing.
 */
export function readProject(exports: { readonly [name: string]: unknown }): ProjectDefinition {
  const problems: string[] = [];
  for (const name of Object.keys(exports)) {
    if (KNOWN_EXPORTS.includes(name) || name === '__esModule') continue;
    const near = nearestKey(name, KNOWN_EXPORTS);
    if (near) problems.push(`main.ts exports "${name}": did you mean ${near}?`);
  }
  const { settings, clusters } = exports;
  if (settings === undefined && clusters === undefined) {
    problems.push('main.ts must export `settings` (a MeshSettings object) or `clusters` (cluster name → MeshSettings)');
  } else if (settings !== undefined && clusters !== undefined) {
    problems.push('main.ts exports both `settings` and `clusters`: export one (put shared settings in a constant the clusters spread)');
  } else if (settings !== undefined && (typeof settings !== 'object' || settings === null)) {
    problems.push('main.ts exports `settings`, but it is not an object');
  } else if (clusters !== undefined) {
    if (typeof clusters !== 'object' || clusters === null || Array.isArray(clusters)) {
      problems.push('main.ts exports `clusters`, but it is not an object of cluster name → MeshSettings');
    } else if (Object.keys(clusters).length === 0) {
      problems.push('main.ts exports `clusters`, but it lists no cluster');
    } else {
      for (const [name, s] of Object.entries(clusters)) {
        if (name.length > 63 || !DNS_LABEL.test(name)) problems.push(`clusters: "${name}" is not a valid cluster name (${RFC1123_RULE}): it names a folder of dist/ and the cluster`);
        else if (name === DELIVERY_FOLDER) problems.push(`clusters: "${name}" is the name of dist/'s folder of delivery objects: name the cluster otherwise`);
        if (typeof s !== 'object' || s === null) problems.push(`clusters.${name}: not a MeshSettings object`);
      }
    }
  }
  if (exports.extend !== undefined && typeof exports.extend !== 'function') {
    problems.push('main.ts exports `extend`, but it is not a function: export function extend(chart: Chart, mesh: IstioMesh) { … }');
  }
  if (problems.length) throw new UserError(problems.join('; '));
  return {
    ...(settings !== undefined ? { settings: settings as MeshSettings } : {}),
    ...(clusters !== undefined ? { clusters: clusters as { [cluster: string]: MeshSettings } } : {}),
    extend: exports.extend as ExtendFunction | undefined,
  };
}
