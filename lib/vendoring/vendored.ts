import * as path from 'path';
import { ChartsLock, ISTIO_CHARTS, IstioChart, readLock, versionDir } from './lock';
import { checkVendored, gatewayApiFile, isOk, notVendoredError, refusal } from './state';

// The read side of vendoring, what synth and the constructs use: the vendored tree as
// the lock pins it, verified. What `npm run vendor` writes is vendor.ts's; ensure.ts is
// synth's way in, which vendors what is missing.

/** The vendored Gateway API CRDs of one Istio version. */
export interface VendoredGatewayApi {
  /** Gateway API release, e.g. `v1.5.1`. */
  readonly version: string;
  /** Absolute path of its `standard-install.yaml` (verified against the lock). */
  readonly file: string;
  /** sha256 of the file as the lock pins it: the render cache's key for it. */
  readonly sha256: string;
}

/** The vendored charts and Gateway API CRDs of one Istio version, verified against the lock. */
export interface VendoredCharts {
  /** The lock they match. */
  readonly lock: ChartsLock;
  /** Unpacked chart folder per chart. */
  readonly dirs: { readonly [chart in IstioChart]: string };
  /** The Gateway API CRDs that go with this Istio version. @default - none: the Gateway API table does not list its minor */
  readonly gatewayApi?: VendoredGatewayApi;
}

function chartsOf(root: string, lock: ChartsLock): VendoredCharts {
  const dir = versionDir(root, lock.istioVersion);
  const dirs = Object.fromEntries(ISTIO_CHARTS.map(chart => [chart, path.join(dir, chart)])) as Record<IstioChart, string>;
  const g = lock.gatewayApi;
  return { lock, dirs, ...(g ? { gatewayApi: { version: g.version, file: gatewayApiFile(root, g), sha256: g.sha256 } } : {}) };
}

/** The vendored charts of each Istio version, verified against the lock. */
export type VendoredReleases = ReadonlyMap<string, VendoredCharts>;

/**
 * Checks the vendored charts and Gateway API CRDs of one locked version (default: the
 * newest) synchronously, against the lock alone; for the constructs, which cannot fetch.
 */
export function vendoredCharts(root: string, version?: string): VendoredCharts {
  const lock = readLock(root, version);
  const state = checkVendored(root, lock.istioVersion, lock);
  const refused = refusal(root, state);
  if (refused) throw refused;
  if (!isOk(state)) throw notVendoredError(root, state);
  return chartsOf(root, lock);
}

/** Verifies the vendored charts of every version in `versions` (all locked). */
export function vendoredReleases(root: string, versions: readonly string[]): VendoredReleases {
  return new Map(versions.map(v => [v, vendoredCharts(root, v)]));
}
