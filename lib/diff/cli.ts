import { CommandIO, runIfMain } from '../command';
import { PROJECT_ROOT } from '../project-root';
import { isIdentical } from './folders';
import { formatComparison } from './format';
import { GitOptions } from './git-ref';
import { formatMarkdown } from './markdown';
import { parseDiffArgs, USAGE } from './options';
import { compareTarget } from './targets';

/** Where `npm run diff` looks; tests point it at a fixture. */
export interface DiffCommandContext extends GitOptions {
  /** The project folder: its dist/, its git repository, where synth runs. */
  readonly root: string;
}

/**
 * `npm run diff [-- [--markdown] [--max-paths N] [--cluster NAME] [<git-ref> | <before-dir> <after-dir>]]`
 * in `ctx.root`. Returns diff(1)'s statuses, 0 identical and 1 different; errors are
 * thrown, for runCommand to print as one `error:` line with status 2.
 */
export async function diffCommand(argv: readonly string[], io: CommandIO, ctx: DiffCommandContext): Promise<number> {
  const opts = parseDiffArgs(argv);
  if (opts.help) {
    io.out(USAGE);
    return 0;
  }
  const comparison = compareTarget(opts.target, ctx.root, ctx, opts.cluster);
  const report = opts.maxPaths === undefined ? {} : { maxPaths: opts.maxPaths };
  const lines = opts.markdown ? formatMarkdown(comparison, report) : formatComparison(comparison, report);
  for (const line of lines) io.out(line);
  return isIdentical(comparison.diff) ? 0 : 1;
}

/** The command as the script runs it: this project, git from PATH. */
export function main(argv: readonly string[], io: CommandIO): Promise<number> {
  return diffCommand(argv, io, { root: PROJECT_ROOT });
}

// Status 2 for errors: 1 means "different", as for diff(1).
runIfMain(module, main, { errorStatus: 2 });
