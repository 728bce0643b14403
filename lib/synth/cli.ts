import * as path from 'path';
import * as mainTs from '../../main';
import { CommandIO, parseCommandArgs, runIfMain } from '../command';
import { staleImportsNote } from '../imports/generated-from';
import { NO_CACHE_ENV } from '../render/render-cache';
import { ProjectDefinition, readProject } from '../project/definition';
import { PROJECT_ROOT } from '../project-root';
import { typecheckMain } from '../project/typecheck';
import { readLock } from '../vendoring/lock';
import { summaryLine } from './changes';
import { outputDir, synthMesh } from './synth';

const USAGE = `usage: npm run synth [-- --quiet] [-- --output <folder>] [-- --no-cache]
  (no flags)          render main.ts into dist/ and print one summary line
  -q, --quiet         print nothing on success (errors still go to stderr)
  -o, --output <dir>  write there instead of dist/ (default: $CDK8S_OUTDIR, else dist)
  --no-cache          render every helm release, neither reading nor writing the render
                      cache (also: ${NO_CACHE_ENV}=1)
Validates the settings, vendors missing charts (npm run vendor), renders every release,
and replaces the output folder only when everything succeeded.`;

/** What the synth command needs from its caller; tests pass their own. */
export interface SynthCommandContext {
  /** Reads the project (main.ts's exports); called after --help, which needs no project. */
  readonly project: () => ProjectDefinition;
  /** Project root. */
  readonly root: string;
  /** Environment. */
  readonly env: NodeJS.ProcessEnv;
  /** Type-checks main.ts alongside rendering (rejects with its errors). @default - no type-check */
  readonly typecheck?: () => Promise<void>;
}

/** `npm run synth` (and `cdk8s synth`, which runs the same command). */
export async function synthCommand(argv: readonly string[], io: CommandIO, ctx: SynthCommandContext): Promise<number> {
  const started = performance.now();
  const parsed = parseCommandArgs(argv, io, USAGE, { 'quiet': { type: 'boolean', short: 'q' }, 'output': { type: 'string', short: 'o' }, 'no-cache': { type: 'boolean' } }, 0);
  if (!parsed) return 0;
  const { values } = parsed;
  const outdir = outputDir(ctx.root, ctx.env, values.output);
  const precondition = ctx.typecheck?.() ?? Promise.resolve();
  const result = await synthMesh(ctx.project(), { root: ctx.root, env: ctx.env, outdir, log: io.err, noCache: values['no-cache'], precondition });
  const note = staleImportsNote(ctx.root, readLock(ctx.root).istioVersion);
  if (note) io.err(`note: ${note}`);
  if (!values.quiet) {
    const name = path.relative(process.cwd(), outdir) || '.';
    io.out(summaryLine(`${name}/`, result, (performance.now() - started) / 1000));
  }
  return 0;
}

/** The command as the script runs it: main.ts of this project. */
export function main(argv: readonly string[], io: CommandIO): Promise<number> {
  return synthCommand(argv, io, { project: () => readProject(mainTs), root: PROJECT_ROOT, env: process.env, typecheck: () => typecheckMain(PROJECT_ROOT) });
}

runIfMain(module, main);
