import { parseArgs } from 'util';
import { UserError } from '../user-error';
import { MIRROR_ENV } from './source';

/** The help of `npm run vendor`: every option, and the environment variable it reads. */
export const VENDOR_USAGE = `usage: npm run vendor [-- --force] [-- --version <istio version>]
  (no flags)          fetch and verify the charts pinned in vendor/charts.lock.json, if missing
                      (charts vendored without a record of their archive are re-verified)
  --force             fetch the locked charts again and replace the vendored ones (after a hand
                      edit, or a lock that changed since vendoring)
  --version <X>       re-lock to Istio X: fetch it from the first source that has it, pin its digests
  -h, --help          print this help and do nothing else
environment: ${MIRROR_ENV}=<folder or URL> replaces the lock's list of sources`;

/** What `npm run vendor` was asked to do. */
export interface VendorArgs {
  /** Print the usage and do nothing else. */
  readonly help: boolean;
  /** Replace vendored charts even when they match, or were changed. */
  readonly force: boolean;
  /** Re-lock to this Istio version. @default - keep the locked version */
  readonly version?: string;
}

/** Parses the command line of `npm run vendor`; a UserError (with the usage) for anything it does not know. */
export function parseVendorArgs(argv: readonly string[]): VendorArgs {
  // --help wins over everything else, as in every command of this project.
  if (argv.includes('--help') || argv.includes('-h')) return { help: true, force: false };
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { force: { type: 'boolean' }, version: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    });
    return { help: values.help ?? false, force: values.force ?? false, version: values.version };
  } catch (err) {
    throw new UserError(`${(err as Error).message}\n${VENDOR_USAGE}`);
  }
}
