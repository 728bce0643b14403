import { parseArgs } from 'util';
import { UserError } from '../user-error';
import { GATEWAY_API_MIRROR_ENV, MIRROR_ENV } from './source';

/** The help of `npm run vendor`: every option, and the environment variable it reads. */
export const VENDOR_USAGE = `usage: npm run vendor [-- --force]
  (no flags)          make vendor/charts.lock.json and vendor/ follow main.ts: for every Istio
                      version main.ts names (istioVersion, or each of revisions), its charts
                      (base, istiod, gateway, cni, ztunnel) and its Gateway API CRDs are fetched,
                      verified against the lock (or, when not pinned yet, against their source's
                      index.yaml or SHA256SUMS) and pinned; versions main.ts no longer names leave
                      the lock and vendor/
  --force             fetch the locked charts and Gateway API CRDs again and replace the vendored
                      ones (after a hand edit, or a lock that changed since vendoring)
  -h, --help          print this help and do nothing else
environment: ${MIRROR_ENV}=<folder or URL> replaces the lock's list of chart sources
             ${GATEWAY_API_MIRROR_ENV}=<folder or URL> replaces its list of Gateway API sources`;

/** What `npm run vendor` was asked to do. */
export interface VendorArgs {
  /** Print the usage and do nothing else. */
  readonly help: boolean;
  /** Replace vendored charts even when they match, or were changed. */
  readonly force: boolean;
}

/** Parses the command line of `npm run vendor`; a UserError (with the usage) for anything it does not know. */
export function parseVendorArgs(argv: readonly string[]): VendorArgs {
  // --help wins over everything else, as in every command of this project.
  if (argv.includes('--help') || argv.includes('-h')) return { help: true, force: false };
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    });
    return { help: values.help ?? false, force: values.force ?? false };
  } catch (err) {
    throw new UserError(`${(err as Error).message}\n${VENDOR_USAGE}`);
  }
}
