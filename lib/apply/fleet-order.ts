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
  const ordered: T[] = [];
  const waiting = new Map<string, T[]>();
  const place = (t: T): void => {
    ordered.push(t);
    for (const remote of waiting.get(t.cluster!) ?? []) place(remote);
    waiting.delete(t.cluster!);
  };
  for (const t of byMain) {
    const primary = primaryOf(t);
    if (primary !== undefined && byMain.some(p => p.cluster === primary) && !ordered.some(p => p.cluster === primary)) {
      waiting.set(primary, [...(waiting.get(primary) ?? []), t]);
    } else {
      place(t);
    }
  }
  // A primary that never came (a cycle main.ts's rules refuse): its remotes go last rather than nowhere.
  for (const remotes of waiting.values()) ordered.push(...remotes);
  return ordered;
}
