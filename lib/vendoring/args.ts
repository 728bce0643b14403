import { GATEWAY_API_MIRROR_ENV, MIRROR_ENV, TOOL_CRDS_MIRROR_ENV } from './source';
import { TOOL_NAMES } from './tool-crd-versions';

/** The help of `npm run vendor`: every option, and the environment variable it reads. */
export const VENDOR_USAGE = `usage: npm run vendor [-- [--force] [--tool NAME]...]
  (no flags)          make vendor/charts.lock.json and vendor/ follow main.ts: for every Istio
                      version main.ts names (istioVersion, or each of revisions), its charts
                      (base, istiod, gateway, cni, ztunnel) and its Gateway API CRDs are fetched,
                      verified against the lock (or, when not pinned yet, against their source's
                      index.yaml or SHA256SUMS) and pinned; so are the CRDs of the tools main.ts's
                      settings use (cert-manager for mesh.trust.certManager; external-secrets for
                      mesh.trust.externalSecret or mesh.remoteSecrets), for check and import only,
                      never rendered; versions and tools main.ts no longer uses leave the lock and
                      vendor/
  --force             fetch the locked charts, Gateway API CRDs and tool CRDs again and replace the
                      vendored ones (after a hand edit, or a lock that changed since vendoring)
  --tool NAME         also pin and vendor the CRDs of this tool, which main.ts does not use (to run
                      npm run import for it); the next npm run vendor without it drops them again.
                      Tools: ${TOOL_NAMES.join(', ')}
  -h, --help          print this help and do nothing else
environment: ${MIRROR_ENV}=<folder or URL> replaces the lock's list of chart sources
             ${GATEWAY_API_MIRROR_ENV}=<folder or URL> replaces its list of Gateway API sources
             ${TOOL_CRDS_MIRROR_ENV}=<folder or URL> replaces its list of tool CRD sources`;
