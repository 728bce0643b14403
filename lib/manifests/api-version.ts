/** An apiVersion split into its API group ('' for the core group) and version. */
export interface GroupVersion {
  /** API group, '' for core (`v1`). */
  readonly group: string;
  /** Version within the group, e.g. `v1beta1`. */
  readonly version: string;
}

/** Splits `apps/v1` into `{ group: 'apps', version: 'v1' }` and `v1` into `{ group: '', version: 'v1' }`. */
export function parseApiVersion(apiVersion: string): GroupVersion {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** `group/Kind`, the key that identifies a kind across its versions (`/Namespace` for core). */
export function groupKind(group: string, kind: string): string {
  return `${group}/${kind}`;
}
