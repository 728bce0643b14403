import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { makeScratch, removeAbandonedScratch } from '../scratch';
import { UserError } from '../user-error';

/** The synth command (the one npm run synth and cdk8s synth run). */
const SYNTH_SCRIPT = path.join('lib', 'synth', 'synth.sh');

/**
 * Renders the project into a temporary folder, hands the folder to `use`, and removes
 * it afterwards, also when synth or `use` fails.
 *
 * Synth runs as a child process rather than being imported: the diff must not load
 * generator code (docs/design.md). It runs what npm run synth runs (lib/synth/synth.sh),
 * bundling into a folder of its own below .build/ (the bundle finds the project root
 * above itself), so that a synth running at the same time never reads a half-written
 * bundle. Its stdout goes to our stderr so that our
 * stdout holds only the report.
 */
export function withFreshSynth<T>(root: string, use: (dir: string) => T): T {
  const tmpPrefix = path.join(os.tmpdir(), 'istio-diff-');
  const buildPrefix = path.join(root, '.build', 'diff-');
  removeAbandonedScratch(tmpPrefix);
  removeAbandonedScratch(buildPrefix);
  const tmp = makeScratch(tmpPrefix);
  fs.mkdirSync(path.join(root, '.build'), { recursive: true });
  const buildDir = makeScratch(buildPrefix);
  try {
    // A folder below tmp, because synth stages its output beside the output folder.
    const outdir = path.join(tmp, 'dist');
    // Without the render cache: this is the check that dist/ is what the code renders, cache or not.
    run('sh', [SYNTH_SCRIPT, '--quiet', '--no-cache'], root, { CDK8S_OUTDIR: outdir, ISTIO_CDK8S_BUNDLE: path.join(buildDir, 'synth.js') });
    return use(outdir);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.rmSync(buildDir, { recursive: true, force: true });
  }
}

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): void {
  const result = spawnSync(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 2, 'inherit'] });
  if (result.error) throw new UserError(`cannot run synth: ${result.error.message}`);
  if (result.status !== 0) {
    const how = result.signal ? `signal ${result.signal}` : `exit ${result.status}`;
    throw new UserError(`synth failed (${how}); its messages are above`);
  }
}
