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
