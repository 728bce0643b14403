import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UserError } from '../user-error';

/**
 * Renders the project into a temporary folder, hands the folder to `use`, and removes
 * it afterwards, also when synth or `use` fails.
 *
 * Synth runs as a child process (`node --require tsx/cjs lib/synth/cli.ts`) rather than being
 * imported: the diff must not load generator code (DESIGN.md, decision 9). It is the
 * command npm run synth bundles, run from source (tsx) so that no bundle is shared with a
 * concurrent synth. Its stdout goes to our stderr so that our stdout
 * holds only the report.
 */
export function withFreshSynth<T>(root: string, use: (dir: string) => T): T {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'istio-diff-'));
  try {
    // A folder below tmp, because synth stages its output beside the output folder.
    const outdir = path.join(tmp, 'dist');
    const result = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'lib/synth/cli.ts', '--quiet'], {
      cwd: root,
      env: { ...process.env, CDK8S_OUTDIR: outdir },
      stdio: ['ignore', 2, 'inherit'],
    });
    if (result.error) throw new UserError(`cannot run synth: ${result.error.message}`);
    if (result.status !== 0) {
      const how = result.signal ? `signal ${result.signal}` : `exit ${result.status}`;
      throw new UserError(`synth failed (${how}); its messages are above`);
    }
    return use(outdir);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
