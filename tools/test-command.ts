import { spawn } from 'child_process';
import * as path from 'path';
import { CommandIO, runIfMain } from '../lib/command';
import { PROJECT_ROOT } from '../lib/project-root';
import { recordTypecheckPassed, typecheckInputsDigest, typecheckIsCurrent } from './typecheck-stamp';

const USAGE = `usage: npm test [-- <jest options and test paths>]
Type-checks the whole project (tsc --noEmit; jest's transformer does not) while jest --ci
runs; fails if either fails. Anything after -- goes to jest, e.g.:
  npm test -- test/synth.test.ts      one file
  npm test -- -t 'check'              tests whose name matches
  npm test -- --json --outputFile=F   machine-readable results (CI)
To update snapshots after reading their diff: npx jest -u`;

/** Runs a tool from node_modules/.bin; resolves to its exit status. */
function run(bin: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(PROJECT_ROOT, 'node_modules', '.bin', bin), args, { cwd: PROJECT_ROOT, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', code => resolve(code ?? 1));
  });
}

/**
 * `npm test`: tsc and jest side by side (tsc is one process; jest's workers leave room
 * while they wait on helm and child processes), jest with the caller's arguments.
 */
export async function main(argv: readonly string[], io: CommandIO): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(USAGE);
    return 0;
  }
  // Incremental: a second run re-checks only what changed (the build info is a cache, in node_modules).
  const buildInfo = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'istio-cdk8s', 'tsbuildinfo');
  // Sources identical to those of the last clean check (a re-run of the tests): the same
  // verdict, without tsc's ~3 s of parsing on the 2 cores jest needs.
  const before = typecheckInputsDigest(PROJECT_ROOT);
  const typecheck = typecheckIsCurrent(PROJECT_ROOT, before)
    ? Promise.resolve(0)
    : run('tsc', ['--noEmit', '-p', PROJECT_ROOT, '--incremental', '--tsBuildInfoFile', buildInfo]);
  const [tsc, jest] = await Promise.all([typecheck, run('jest', ['--ci', ...argv])]);
  if (tsc !== 0) io.err('error: tsc found type errors (above)');
  // Recorded only when nothing changed while tsc ran.
  else if (typecheckInputsDigest(PROJECT_ROOT) === before) recordTypecheckPassed(PROJECT_ROOT, before);
  return tsc || jest;
}

runIfMain(module, main);
