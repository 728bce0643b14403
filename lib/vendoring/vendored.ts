import * as path from 'path';
import { UserError } from '../user-error';
import { GATEWAY_API_TABLE_FILE, GATEWAY_API_VERSIONS, GatewayApiTable, gatewayApiVersionFor } from './gateway-api-versions';
import { byVersion, ChartsLock, ISTIO_CHARTS, IstioChart, LOCK_FILE, readLock, readLockFile, unpinned, unpinnedError, versionDir } from './lock';
import { checkVendored, gatewayApiFile, isOk, notVendoredError, refusal } from './state';

// The read side of vendoring, what synth and the constructs use: the vendored tree as
// the lock pins it, verified. What `npm run vendor` writes is vendor.ts's.

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
  /** The Gateway API CRDs that go with this Istio version. */
  readonly gatewayApi: VendoredGatewayApi;
}

function chartsOf(root: string, lock: ChartsLock): VendoredCharts {
  const dir = versionDir(root, lock.istioVersion);
  const dirs = Object.fromEntries(ISTIO_CHARTS.map(chart => [chart, path.join(dir, chart)])) as Record<IstioChart, string>;
  const { version, sha256 } = lock.gatewayApi;
  return { lock, dirs, gatewayApi: { version, file: gatewayApiFile(root, lock.gatewayApi), sha256 } };
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

/**
 * For synth: every version main.ts uses must be locked, completely, with the Gateway
 * API release `gatewayApiVersions` names (synth never changes the lock); its charts and
 * CRDs are vendored when missing (or re-verified when vendored without an archive
 * record), and refused when they or the lock were changed.
 */
export async function ensureVendored(
  root: string,
  env: NodeJS.ProcessEnv = process.env,
  log?: (line: string) => void,
  versions?: readonly string[],
  gatewayApiVersions: GatewayApiTable = GATEWAY_API_VERSIONS,
): Promise<VendoredReleases> {
  const lockFile = readLockFile(root);
  const locked = Object.keys(lockFile.istio).sort(byVersion);
  const wanted = versions ?? locked;
  const unlocked = wanted.filter(v => !locked.includes(v));
  if (unlocked.length) {
    throw new UserError(`main.ts uses Istio ${unlocked.join(', ')}, which ${LOCK_FILE} does not pin (it pins ${locked.join(', ')}): run \`npm run vendor\` to fetch, verify and pin it, then synth again`);
  }
  const incomplete = wanted.filter(v => unpinned(lockFile.istio[v]).length).map(v => [v, lockFile.istio[v]] as const);
  if (incomplete.length) throw unpinnedError(incomplete);
  const stale = wanted.flatMap(v => {
    const g = gatewayApiVersionFor(v, gatewayApiVersions);
    const pinned = lockFile.istio[v].gatewayApi!.version;
    return pinned === g ? [] : [`Istio ${v} with Gateway API ${pinned}, but ${GATEWAY_API_TABLE_FILE} pairs Istio ${v.split('.').slice(0, 2).join('.')} with ${g}`];
  });
  if (stale.length) {
    throw new UserError(`${LOCK_FILE} pins ${stale.join('; and ')}: run \`npm run vendor\` to fetch, verify and pin it (synth never changes the lock), then synth again`);
  }
  let ok = true;
  for (const version of wanted) {
    const state = checkVendored(root, version, lockFile.istio[version]);
    const refused = refusal(root, state);
    if (refused) throw refused;
    ok &&= isOk(state);
  }
  if (ok) return vendoredReleases(root, wanted);
  // Loaded only when something must be fetched: the write side.
  const { vendorCharts } = require('./vendor') as typeof import('./vendor');
  return vendorCharts({ root, env, log, versions: wanted, prune: false, gatewayApiVersions });
}
