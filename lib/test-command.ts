import { spawnSync } from 'child_process';
import * as path from 'path';
import { CommandIO, runIfMain } from './command';
import { PROJECT_ROOT } from './project-root';

const USAGE = `usage: npm test [-- <jest options and test paths>]
Type-checks the whole project once (tsc --noEmit; jest's transformer does not), then runs
jest --ci. Anything after -- goes to jest, e.g.:
  npm test -- test/synth.test.ts      one file
  npm test -- -t 'check'              tests whose name matches
  npm test -- --json --outputFile=F   machine-readable results (CI)
To update snapshots after reading their diff: npx jest -u`;

function run(bin: string, args: readonly string[]): number {
  const r = spawnSync(path.join(PROJECT_ROOT, 'node_modules', '.bin', bin), args, { cwd: PROJECT_ROOT, stdio: 'inherit' });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

/** `npm test`: tsc, then jest with the caller's arguments. */
export function main(argv: readonly string[], io: CommandIO): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(USAGE);
    return 0;
  }
  // Incremental: a second run re-checks only what changed (the build info is a cache, in node_modules).
  const buildInfo = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'istio-cdk8s', 'tsbuildinfo');
  return run('tsc', ['--noEmit', '-p', PROJECT_ROOT, '--incremental', '--tsBuildInfoFile', buildInfo]) || run('jest', ['--ci', ...argv]);
}

runIfMain(module, main);
