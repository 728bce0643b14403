import { Manifest, objectRef, parseApiVersion } from '../manifests';

/** objectRef, with the group added to the kind (`Gateway.networking.istio.io/…`). */
export function qualifiedRef(m: Pick<Manifest, 'apiVersion' | 'kind' | 'namespace' | 'name'>): string {
  const group = parseApiVersion(m.apiVersion).group;
  return objectRef({ ...m, kind: group ? `${m.kind}.${group}` : m.kind });
}
