import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { PROJECT_ROOT } from '../project-root';
import { UserError } from '../user-error';
import { diffFolders, FolderDiff, isIdentical } from './folders';
import { formatDiff } from './format';
import { withFreshSynth } from './fresh';

const USAGE = `usage: npm run diff [-- <before-dir> <after-dir>]
  (no arguments)            compare dist/ with a fresh synthesis: exit 1 when dist/ is stale
  <before-dir> <after-dir>  compare two manifest folders, object by object
  --max-paths <N>           field paths shown per object (default 20)
exit status: 0 identical, 1 different, 2 error`;


function run(argv: readonly string[], out: (line: string) => void): number {
  let parsed: { values: { help?: boolean; 'max-paths'?: string }; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { help: { type: 'boolean', short: 'h' }, 'max-paths': { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UserError(`${(err as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const maxPaths = values['max-paths'] === undefined ? undefined : Number(values['max-paths']);
  if (maxPaths !== undefined && !(Number.isInteger(maxPaths) && maxPaths >= 0)) {
    throw new UserError(`--max-paths wants a whole number, got "${values['max-paths']}"`);
  }

  if (positionals.length === 2) {
    const [before, after] = positionals;
    const d = diffFolders(before, after);
    if (isIdentical(d)) {
      out(`diff: ${before} and ${after} are identical (${d.objectsAfter} objects)`);
      return 0;
    }
    out(`diff: ${before} → ${after}`);
    formatDiff(d, { maxPaths }).forEach(line => out(line));
    return 1;
  }
  if (positionals.length !== 0) throw new UserError(`expected two folders or none, got ${positionals.length}\n${USAGE}`);

  const dist = path.join(PROJECT_ROOT, 'dist');
  // Checked first: a missing dist/ should fail before a synth that takes seconds.
  if (!fs.existsSync(dist)) throw new UserError('no dist/ folder: run `npm run synth` and commit dist/');
  const d: FolderDiff = withFreshSynth(PROJECT_ROOT, fresh => diffFolders(dist, fresh));
  if (isIdentical(d)) {
    out(`diff: dist/ is up to date (${d.objectsAfter} objects)`);
    return 0;
  }
  out('diff: dist/ is stale: run `npm run synth` and commit dist/');
  out('(before = dist/ on disk, after = fresh synthesis)');
  formatDiff(d, { maxPaths }).forEach(line => out(line));
  return 1;
}

// Not runMain: its exit status 1 would read as "different"; statuses follow diff(1).
try {
  process.exitCode = run(process.argv.slice(2), line => process.stdout.write(`${line}\n`));
} catch (err) {
  process.stderr.write(err instanceof UserError ? `error: ${err.message}\n` : `${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 2;
}
