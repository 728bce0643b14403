import * as path from 'path';
import * as mainTs from '../../main';
import { CommandIO, parseCommandArgs, runIfMain } from '../command';
import { readProject } from '../project';
import { PROJECT_ROOT } from '../project-root';
import { MeshSettings, resolveSettings } from '../settings';
import { UserError } from '../user-error';
import { lockedVersions } from '../vendoring/lock';
import { checkManifestList, loadManifestFolder } from './check';
import { schemaVersionNote } from './kube-schema';
import { formatViolation } from './violation';
import { checkWarnings } from './warnings';

const USAGE = `usage: npm run check [-- <folder>]
  <folder>            manifest folder to check (default: dist)
Validates every object offline: Kubernetes schemas of built-in kinds, CRD schemas of custom
resources, and this project's structure rules (namespaces, CRD order, webhooks and the pods
and config they select, scheduling, pinned images) against the settings in main.ts. Exits 1 on
any violation.`;

/** What the check command reads besides its arguments; tests pass their own. */
export interface CheckCommandContext {
  /** Reads the settings dist/ was rendered from; called after --help, which needs none. */
  readonly settings: () => MeshSettings;
  /** Project root (vendor/charts.lock.json, dist/). */
  readonly root: string;
}

/** `npm run check`. */
export function checkCommand(argv: readonly string[], io: CommandIO, ctx: CheckCommandContext): number {
  const parsed = parseCommandArgs(argv, io, USAGE, {});
  if (!parsed) return 0;
  if (parsed.positionals.length > 1) throw new UserError(`expected at most one folder, got ${parsed.positionals.length}\n${USAGE}`);
  const dir = path.resolve(parsed.positionals[0] ?? path.join(ctx.root, 'dist'));
  const resolved = resolveSettings(ctx.settings(), lockedVersions(ctx.root));
  const note = schemaVersionNote(resolved.kubeVersion);
  if (note) io.err(`note: ${note}`);

  const folder = loadManifestFolder(dir);
  const violations = checkManifestList(folder.manifests, resolved);
  for (const v of violations) io.out(formatViolation(v));
  const warnings = checkWarnings(folder.manifests);
  for (const w of warnings) io.out(`warning: ${formatViolation(w)}`);
  const name = path.relative(process.cwd(), dir) || '.';
  const warned = warnings.length ? `, ${warnings.length} warning${warnings.length === 1 ? '' : 's'}` : '';
  io.out(`check: ${folder.manifests.length} objects in ${folder.files.length} files of ${name}, ${violations.length} violation${violations.length === 1 ? '' : 's'}${warned}`);
  return violations.length > 0 ? 1 : 0;
}

/** The command as the script runs it: this project's main.ts and dist/. */
export function main(argv: readonly string[], io: CommandIO): number {
  return checkCommand(argv, io, { settings: () => readProject(mainTs).settings, root: PROJECT_ROOT });
}

runIfMain(module, main);
