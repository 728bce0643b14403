import type { Chart } from 'cdk8s';
import { nearestKey } from './settings/shape';
import type { MeshSettings } from './settings/types';
import { UserError } from './user-error';
// A type only: reading main.ts's exports must not load the generator (check and diff read them).
import type { IstioMesh } from './mesh';

/**
 * Adds the user's own objects beside Istio's. `chart` renders into the last file of
 * dist/, after the app namespaces; `mesh` gives the validated settings and the stages.
 */
export type ExtendFunction = (chart: Chart, mesh: IstioMesh) => void;

/** What main.ts exports. */
export interface ProjectDefinition {
  /** This cluster's mesh. */
  readonly settings: MeshSettings;
  /** The user's own objects. @default - none (no custom stage is rendered) */
  readonly extend?: ExtendFunction;
}

/** The exports synth reads from main.ts; others (shared constants) are the user's own. */
const KNOWN_EXPORTS = ['settings', 'extend'];

/**
 * Reads main.ts's exports as a ProjectDefinition. A missing `settings`, an `extend` that
 * is not a function, or an export named almost like one of them (`setting`, `extnd`)
 * is one clear error, since a mistyped export would silently render nothing.
 */
export function readProject(exports: { readonly [name: string]: unknown }): ProjectDefinition {
  const problems: string[] = [];
  for (const name of Object.keys(exports)) {
    if (KNOWN_EXPORTS.includes(name) || name === '__esModule') continue;
    const near = nearestKey(name, KNOWN_EXPORTS);
    if (near) problems.push(`main.ts exports "${name}": did you mean ${near}?`);
  }
  if (exports.settings === undefined) problems.push('main.ts must export `settings` (a MeshSettings object)');
  else if (typeof exports.settings !== 'object' || exports.settings === null) problems.push('main.ts exports `settings`, but it is not an object');
  if (exports.extend !== undefined && typeof exports.extend !== 'function') {
    problems.push('main.ts exports `extend`, but it is not a function: export function extend(chart: Chart, mesh: IstioMesh) { … }');
  }
  if (problems.length) throw new UserError(problems.join('; '));
  return { settings: exports.settings as MeshSettings, extend: exports.extend as ExtendFunction | undefined };
}
