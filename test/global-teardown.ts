import * as fs from 'fs';
import { TEST_TMPDIR_ENV } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const dir = process.env[TEST_TMPDIR_ENV];
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
