// One order for a fleet's clusters wherever they are applied one after another (npm run
// apply, Flux's chained Kustomizations): a remote cluster's proxies reach its primary's
// istiod (Istio's primary-remote install starts with the primary), so it never comes first.

/**
 * The items in their given order, except that a remote cluster comes right after its
 * primary when the order names it before. A primary that never comes (not among the
 * items, or a cycle the settings refuse) leaves its remotes last rather than nowhere.
 */
export function primaryFirst<T>(items: readonly T[], clusterOf: (item: T) => string | undefined, primaryOf: (item: T) => string | undefined): T[] {
  const ordered: T[] = [];
  const waiting = new Map<string, T[]>();
  const place = (item: T): void => {
    ordered.push(item);
    const cluster = clusterOf(item);
    if (cluster === undefined) return;
    for (const remote of waiting.get(cluster) ?? []) place(remote);
    waiting.delete(cluster);
  };
  for (const item of items) {
    const primary = primaryOf(item);
    if (primary !== undefined && items.some(p => clusterOf(p) === primary) && !ordered.some(p => clusterOf(p) === primary)) {
      waiting.set(primary, [...(waiting.get(primary) ?? []), item]);
    } else {
      place(item);
    }
  }
  for (const remotes of waiting.values()) ordered.push(...remotes);
  return ordered;
}
