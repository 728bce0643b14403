import * as fs from 'fs';
import * as path from 'path';
import { parseOptions } from '../command';
import { UserError } from '../user-error';

/** What to compare. */
export type DiffTarget =
  /** dist/ with a fresh synthesis of the project. */
  | { readonly kind: 'fresh' }
  /** dist/ as committed at a git ref (before) with dist/ in the working tree (after). */
  | { readonly kind: 'ref'; readonly ref: string }
  /** Two manifest folders. */
  | { readonly kind: 'folders'; readonly before: string; readonly after: string };

/** The command line of `npm run diff`, checked and normalised. */
export interface DiffOptions {
  /** Print the usage and do nothing else. */
  readonly help: boolean;
  /** Print the report as GitHub-flavoured Markdown. */
  readonly markdown: boolean;
  /** Field changes shown per object. @default 20 (the report's own default) */
  readonly maxPaths?: number;
  /** What to compare. */
  readonly target: DiffTarget;
  /** In a fleet's output, compare only this cluster's folder. @default - every cluster */
  readonly cluster?: string;
}

/** The help text: every argument and option. */
export const USAGE = `usage: npm run diff [-- [--markdown] [--max-paths <N>] [--cluster NAME] [<git-ref> | <before-dir> <after-dir>]]
  (no arguments)            compare dist/ with a fresh synthesis: exit 1 when dist/ is stale
  <git-ref>                 compare dist/ as committed at the ref (HEAD, origin/main, a commit,
                            HEAD~2) with dist/ in the working tree
  <before-dir> <after-dir>  compare two manifest folders, object by object
  --markdown                print the report as GitHub Markdown, e.g. for a pull-request comment
  --max-paths <N>           field changes shown per object (default 20)
  --cluster NAME            in a fleet (dist/<cluster>/), compare only that cluster (default: all;
                            dist/delivery/ is no cluster: it is compared without --cluster)
  -h, --help                print this help and do nothing else
The report adds an upgrade section when the sides are different Istio versions, and an
authorization section when who may call whom changed (the AuthorizationPolicies' matrix,
as npm run check -- --authz prints it).
exit status: 0 identical, 1 different, 2 error`;

function isFolder(p: string): boolean {
  try {
    return fs.statSync(path.resolve(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Parses `npm run diff`'s arguments. One argument is a git ref; when it names an
 * existing folder instead, that is taken for a forgotten second folder and refused, as
 * guessing could compare the wrong things (a ref with a folder's name can be written
 * `<name>^0`).
 */
export function parseDiffArgs(argv: readonly string[]): DiffOptions {
  // --help wins over everything else, as in every command of this project.
  if (argv.includes('--help') || argv.includes('-h')) return { help: true, markdown: false, target: { kind: 'fresh' } };
  const { values, positionals } = parseOptions(argv, USAGE, {
    'markdown': { type: 'boolean' },
    'max-paths': { type: 'string' },
    'cluster': { type: 'string' },
  });
  const help = false;
  const markdown = values.markdown ?? false;

  const maxPaths = values['max-paths'] === undefined ? undefined : Number(values['max-paths']);
  if (maxPaths !== undefined && !(values['max-paths']!.trim() !== '' && Number.isInteger(maxPaths) && maxPaths >= 0)) {
    throw new UserError(`--max-paths wants a whole number, got "${values['max-paths']}"`);
  }
  if (values.cluster === '') throw new UserError('--cluster needs a cluster name (see npm run diff -- --help)');
  const common = { help, markdown, ...(maxPaths === undefined ? {} : { maxPaths }), ...(values.cluster === undefined ? {} : { cluster: values.cluster }) };

  switch (positionals.length) {
    case 0:
      return { ...common, target: { kind: 'fresh' } };
    case 1: {
      const [ref] = positionals;
      if (isFolder(ref)) {
        throw new UserError(`"${ref}" is a folder, and folders are compared two at a time: npm run diff -- <before-dir> <after-dir>`
          + ` (to compare dist/ with a git ref named "${ref}", write ${ref}^0)`);
      }
      return { ...common, target: { kind: 'ref', ref } };
    }
    case 2:
      return { ...common, target: { kind: 'folders', before: positionals[0], after: positionals[1] } };
    default:
      throw new UserError(`expected a git ref, two folders or nothing, got ${positionals.length} arguments (see npm run diff -- --help)`);
  }
}
