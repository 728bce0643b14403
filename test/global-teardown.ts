import * as fs from 'fs';
import { TEST_TMPDIR_ENV } from './global-setup';

// Every test cleans up after itself (cdk8s leaves a cdk8s-helm-* folder per Helm release
// and Testing.app() an outdir unless told otherwise): anything left here fails the run.
export default async function globalTeardown(): Promise<void> {
  const dir = process.env[TEST_TMPDIR_ENV];
  if (!dir) return;
  // tsx-<user> is tsx's transform cache, made by the CLIs the tests spawn: a cache, not a leftover.
  const leftovers = fs.readdirSync(dir).filter(f => !f.startsWith('tsx-'));
  fs.rmSync(dir, { recursive: true, force: true });
  if (leftovers.length) throw new Error(`tests left temporary files behind: ${leftovers.join(', ')}`);
}
