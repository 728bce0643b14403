import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PROJECT_ROOT } from '../lib/project-root';
import { UserError } from '../lib/user-error';
import { ensureVendored } from '../lib/vendoring/ensure';
import { TOOL_CRDS_ROOT, vendorTestToolCrds } from './fixtures/tool-crds';

/** Where this run's temporary folders go; the workers inherit it, teardown removes it. */
export const TEST_TMPDIR_ENV = 'ISTIO_CDK8S_TEST_TMPDIR';

export default async function globalSetup(): Promise<void> {
  // Tests render the locked charts: vendor them once (from the lock's sources, offline) if missing.
  // A failure is a warning, not the end of the run: the tests that render then fail with
  // vendoredCharts()'s message, and those that need no locked charts (vendor.test.ts
  // builds its own repository) still run, e.g. in a clone without ../shared.
  try {
    await ensureVendored(PROJECT_ROOT);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    process.stderr.write(`\nwarning: the locked charts could not be vendored; tests that render will fail:\n${err.message}\n`);
  }
  // The real CRDs of the tools (cert-manager, External Secrets, Argo CD, Flux) that tests validate and type
  // objects with, in a project of their own: the project's lock pins only what main.ts uses.
  try {
    await vendorTestToolCrds(process.env);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    process.stderr.write(`\nwarning: the tool CRDs could not be vendored into ${path.relative(PROJECT_ROOT, TOOL_CRDS_ROOT)}; tests that validate with them will fail:\n${err.message}\n`);
  }
  // Jest gives test code its own copy of process.env, so a TMPDIR set while rendering does
  // not reach os.tmpdir(); one private TMPDIR for the whole run catches any leftover.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'istio-cdk8s-jest-'));
  process.env[TEST_TMPDIR_ENV] = dir;
  process.env.TMPDIR = dir;
}
