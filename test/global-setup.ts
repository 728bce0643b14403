import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PROJECT_ROOT } from '../lib/project-root';
import { ensureVendored } from '../lib/vendor/vendor';

/** Where this run's temporary folders go; the workers inherit it, teardown removes it. */
export const TEST_TMPDIR_ENV = 'ISTIO_CDK8S_TEST_TMPDIR';

export default async function globalSetup(): Promise<void> {
  // Tests render the locked charts: vendor them once (from the lock's sources, offline) if missing.
  await ensureVendored(PROJECT_ROOT);
  // Jest gives test code its own copy of process.env, so a TMPDIR set while rendering does
  // not reach os.tmpdir(); one private TMPDIR for the whole run catches any leftover.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'istio-cdk8s-jest-'));
  process.env[TEST_TMPDIR_ENV] = dir;
  process.env.TMPDIR = dir;
}
