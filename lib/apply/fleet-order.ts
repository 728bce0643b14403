import { primaryFirst } from '../manifests/primary-first';

// The order of a fleet's clusters in one apply. A remote cluster's proxies reach its
// primary's istiod (Istio's primary-remote install starts with the primary), so applied
// before its primary it would run without a control plane; the rest keep main.ts's order,
// which is the order its author reads.

/** A cluster of main.ts, as the order reads it. */
export interface FleetCluster {
  /** Its name in main.ts's `clusters` (its folder); undefined for the single-cluster form. */
  readonly name?: string;
  /** On a remote cluster: its primary's name in `clusters`. */
  readonly primary?: string;
}

/**
 * The clusters in main.ts's order (folders main.ts does not name after them, in name
 * order), each remote cluster moved after its primary: its proxies reach the primary's
 * istiod (Istio's primary-remote install starts with the primary).
 */
export function fleetOrder<T extends { readonly cluster?: string }>(targets: readonly T[], settings: readonly FleetCluster[]): T[] {
  const rank = (t: T) => {
    const i = settings.findIndex(s => s.name !== undefined && s.name === t.cluster);
    return i < 0 ? settings.length : i;
  };
  const byMain = [...targets].sort((a, b) => rank(a) - rank(b));
  const primaryOf = (t: T) => settings.find(s => s.name !== undefined && s.name === t.cluster)?.primary;
  return primaryFirst(byMain, t => t.cluster, primaryOf);
}
