import { Manifest, objectRef, parseApiVersion } from '../manifests';
import { ISTIO_NAMESPACE, ResolvedMeshSettings, ResolvedTrust } from '../settings';
import { violation, Violation } from './violation';

// A root of trust and remote credentials are rendered by reference, never as a key in git:
// istiod's CA (Istio's "plug in CA certificates": the Secret cacerts in istio-system) comes
// from a cert-manager Certificate or an External Secrets ExternalSecret, as main.ts's
// mesh.trust says, and is there before istiod starts. These rules prove it from the
// manifests alone; lib/check/fleet.ts proves what only the fleet as a whole can tell.

/** The Secret istiod reads its plug-in CA from. */
export const CACERTS = 'cacerts';

/** Istio's plug-in CA keys: the intermediate (from the cluster's key), and the mesh's root. */
export const PLUGIN_CA_KEYS = ['ca-cert.pem', 'ca-key.pem', 'cert-chain.pem'] as const;
export const ROOT_CERT_KEY = 'root-cert.pem';

/** What the trust rules compare the manifests with: main.ts's mesh.trust (not compared when absent). */
export type TrustExpectations = Partial<Pick<ResolvedMeshSettings, 'trust'>>;

/** A mapping of a manifest (anything else read as none). */
export function mappingOf(value: unknown): { readonly [key: string]: any } | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as { [key: string]: any } : undefined;
}

const isKind = (m: Manifest, group: string, kind: string) => m.kind === kind && parseApiVersion(m.apiVersion).group === group;

/** A core/v1 Secret. */
export const isSecret = (m: Manifest): boolean => m.kind === 'Secret' && m.apiVersion === 'v1';
/** A cert-manager Certificate (any version). */
export const isCertificate = (m: Manifest): boolean => isKind(m, 'cert-manager.io', 'Certificate');
/** An External Secrets ExternalSecret (any version). */
export const isExternalSecret = (m: Manifest): boolean => isKind(m, 'external-secrets.io', 'ExternalSecret');

/** The Secret an ExternalSecret writes: spec.target.name, or (as External Secrets defaults it) its own name. */
export function externalSecretTarget(m: Manifest): string {
  const name = mappingOf(mappingOf(m.object.spec)?.target)?.name;
  return typeof name === 'string' && name !== '' ? name : m.name;
}

/**
 * Whether an object writes a Secret `cacerts` by reference, in its own namespace: a
 * Certificate whose spec.secretName is cacerts, or an ExternalSecret whose target is
 * cacerts. Whichever the namespace: apply asks it of the namespace istiod runs in.
 */
export function writesCacertsByReference(m: Manifest): boolean {
  if (isCertificate(m)) return mappingOf(m.object.spec)?.secretName === CACERTS;
  if (isExternalSecret(m)) return externalSecretTarget(m) === CACERTS;
  return false;
}

/**
 * Whether an object writes istiod's `cacerts` in istio-system: a Certificate whose
 * spec.secretName is cacerts, an ExternalSecret whose target is cacerts, or the Secret
 * itself.
 */
export function writesCacerts(m: Manifest): boolean {
  if (m.namespace !== ISTIO_NAMESPACE) return false;
  return writesCacertsByReference(m) || (isSecret(m) && m.name === CACERTS);
}

/** The objects of a folder that write `cacerts`, in apply order. */
export function cacertsWriters(manifests: readonly Manifest[]): Manifest[] {
  return manifests.filter(writesCacerts);
}

/** An istiod Deployment: `istiod`, or `istiod-<revision>`, in istio-system. */
export function isIstiodDeployment(m: Manifest): boolean {
  return m.kind === 'Deployment' && parseApiVersion(m.apiVersion).group === 'apps' && m.namespace === ISTIO_NAMESPACE && (m.name === 'istiod' || m.name.startsWith('istiod-'));
}

/**
 * Where a finding about something missing is reported: the first istiod Deployment (what
 * the missing object is for), else istio-system's Namespace, else the folder's first object.
 */
export function anchorOf(manifests: readonly Manifest[]): Manifest | undefined {
  return manifests.find(isIstiodDeployment) ?? manifests.find(m => m.kind === 'Namespace' && m.name === ISTIO_NAMESPACE) ?? manifests[0];
}

/** `ClusterIssuer mesh1-root`: a Certificate's issuerRef (cert-manager defaults its kind to Issuer). */
export function issuerOf(m: Manifest): { readonly kind: string; readonly name: string; readonly group?: unknown } {
  const ref = mappingOf(mappingOf(m.object.spec)?.issuerRef) ?? {};
  return { kind: String(ref.kind ?? 'Issuer'), name: String(ref.name ?? ''), group: ref.group };
}

/** An ExternalSecret's secretStoreRef (External Secrets defaults its kind to SecretStore). */
export function storeOf(m: Manifest): { readonly kind: string; readonly name: string } {
  const ref = mappingOf(mappingOf(m.object.spec)?.secretStoreRef) ?? {};
  return { kind: String(ref.kind ?? 'SecretStore'), name: String(ref.name ?? '') };
}

/** `Kind name` of a store reference that names one (External Secrets defaults its kind to SecretStore). */
function storeRefOf(value: unknown): string[] {
  const ref = mappingOf(value);
  return ref?.name ? [`${ref.kind ?? 'SecretStore'} ${ref.name}`] : [];
}

/** spec.data and spec.dataFrom of an ExternalSecret (anything but a list read as none). */
function externalSecretLists(m: Manifest): { readonly data: readonly unknown[]; readonly dataFrom: readonly unknown[] } {
  const spec = mappingOf(m.object.spec);
  return { data: Array.isArray(spec?.data) ? spec.data : [], dataFrom: Array.isArray(spec?.dataFrom) ? spec.dataFrom : [] };
}

/**
 * Every store an ExternalSecret reads, as `Kind name`, once each: spec.secretStoreRef,
 * then the sourceRef.storeRef of items of spec.data and spec.dataFrom (which override it).
 */
export function externalSecretStores(m: Manifest): string[] {
  const { data, dataFrom } = externalSecretLists(m);
  const items = [...data, ...dataFrom].map(d => mappingOf(mappingOf(d)?.sourceRef)?.storeRef);
  return [...new Set([...storeRefOf(mappingOf(m.object.spec)?.secretStoreRef), ...items.flatMap(storeRefOf)])];
}

/** Every remote key an ExternalSecret reads, once each: spec.data's remoteRef.key, then spec.dataFrom's extract.key. */
export function externalSecretKeys(m: Manifest): string[] {
  const { data, dataFrom } = externalSecretLists(m);
  const keys = [...data.map(d => mappingOf(mappingOf(d)?.remoteRef)?.key), ...dataFrom.map(d => mappingOf(mappingOf(d)?.extract)?.key)];
  return [...new Set(keys.filter((k): k is string => typeof k === 'string'))];
}

/** One item of an ExternalSecret's spec.data. */
export interface ExternalSecretItem {
  /** Its position in spec.data. */
  readonly index: number;
  readonly secretKey: string;
  readonly key: string;
  /** remoteRef.property, if any. */
  readonly property?: string;
}

/** The items of an ExternalSecret's spec.data (anything malformed skipped: the CRD's schema refuses it). */
export function externalSecretItems(m: Manifest): ExternalSecretItem[] {
  const data = mappingOf(m.object.spec)?.data;
  if (!Array.isArray(data)) return [];
  return data.flatMap((item: unknown, index) => {
    const i = mappingOf(item);
    const ref = mappingOf(i?.remoteRef);
    if (typeof i?.secretKey !== 'string' || !ref) return [];
    return [{ index, secretKey: i.secretKey, key: String(ref.key ?? ''), ...(ref.property !== undefined ? { property: String(ref.property) } : {}) }];
  });
}

/** `key k, property p` (or just the key): a store reference, as messages show it. */
export function formatRemoteRef(key: string, property: string | undefined): string {
  return property === undefined ? `key ${key}` : `key ${key}, property ${property}`;
}

/** main.ts's mesh.trust, as messages name it. */
function describeTrust(trust: ResolvedTrust): string {
  switch (trust.source) {
    case 'cert-manager': return `cert-manager (${trust.issuer.kind} ${trust.issuer.name})`;
    case 'external-secret': return `External Secrets (${trust.store.kind} ${trust.store.name}, key ${trust.key}, root key ${trust.rootKey})`;
    case 'remote': return 'none of its own (a remote cluster)';
    default: return `'${trust.source}'`;
  }
}

/**
 * No Secret carries data: secret material committed to git is readable by everyone who
 * can read the repository, forever. A Secret without data (a service-account token Secret,
 * which Kubernetes fills) is fine; the values are never printed.
 */
export function checkSecretData(manifests: readonly Manifest[]): Violation[] {
  const out: Violation[] = [];
  for (const m of manifests) {
    if (!isSecret(m)) continue;
    const keys = [...new Set([...Object.keys(mappingOf(m.object.data) ?? {}), ...Object.keys(mappingOf(m.object.stringData) ?? {})])];
    if (keys.length) out.push(violation(m, 'secret-data', `Secret with data (keys: ${keys.join(', ')}): secret material must not be committed; reference it instead (an ExternalSecret, a cert-manager Certificate)`));
  }
  return out;
}

/** A Certificate writing cacerts, against mesh.trust's cert-manager issuer. */
function certificateProblems(m: Manifest, trust: Extract<ResolvedTrust, { source: 'cert-manager' }>): string[] {
  const problems: string[] = [];
  const issuer = issuerOf(m);
  if (issuer.kind !== trust.issuer.kind || issuer.name !== trust.issuer.name) {
    problems.push(`spec.issuerRef is ${issuer.kind} ${issuer.name}, but main.ts's mesh.trust names ${trust.issuer.kind} ${trust.issuer.name}`);
  }
  // cert-manager reads an absent group as its own.
  const group = issuer.group ?? 'cert-manager.io';
  if (group !== trust.issuer.group) {
    problems.push(`spec.issuerRef.group is ${JSON.stringify(group)}, but main.ts's mesh.trust names an issuer of group ${trust.issuer.group}`);
  }
  if (mappingOf(m.object.spec)?.isCA !== true) {
    problems.push('spec.isCA is not true: istiod signs workload certificates with cacerts, so it must be a CA certificate');
  }
  return problems;
}

/** An ExternalSecret writing cacerts, against mesh.trust's store and keys. */
function externalSecretProblems(m: Manifest, trust: Extract<ResolvedTrust, { source: 'external-secret' }>): string[] {
  const problems: string[] = [];
  const store = storeOf(m);
  if (store.kind !== trust.store.kind || store.name !== trust.store.name) {
    problems.push(`spec.secretStoreRef is ${store.kind} ${store.name}, but main.ts's mesh.trust names ${trust.store.kind} ${trust.store.name}`);
  }
  const items = externalSecretItems(m);
  const wanted = [...PLUGIN_CA_KEYS.map(k => ({ secretKey: k, key: trust.key })), { secretKey: ROOT_CERT_KEY, key: trust.rootKey }];
  for (const w of wanted) {
    const item = items.find(i => i.secretKey === w.secretKey);
    if (!item) {
      problems.push(`spec.data has no item for key ${w.secretKey}: istiod's plug-in CA is ${[...PLUGIN_CA_KEYS, ROOT_CERT_KEY].join(', ')}`);
    } else if (item.key !== w.key || item.property !== w.secretKey) {
      problems.push(`spec.data[${item.index}] (${w.secretKey}) reads ${formatRemoteRef(item.key, item.property)}, but main.ts's mesh.trust says ${formatRemoteRef(w.key, w.secretKey)}`);
    }
  }
  if (mappingOf(m.object.spec)?.dataFrom !== undefined) {
    problems.push('spec.dataFrom: the keys it writes into cacerts cannot be known offline; cacerts holds exactly the four keys of spec.data');
  }
  return problems;
}

/**
 * What writes `cacerts` is what main.ts's mesh.trust says: exactly one cert-manager
 * Certificate from its issuer, or one ExternalSecret from its store and keys; nothing with
 * 'self-signed' (istiod's own root), 'manual' (created outside dist/) or on a remote
 * cluster. Not compared when the expectations carry no trust.
 */
export function checkTrustSource(manifests: readonly Manifest[], expected: TrustExpectations): Violation[] {
  const trust = expected.trust;
  if (!trust) return [];
  const writers = cacertsWriters(manifests);
  const out: Violation[] = [];
  if (trust.source !== 'cert-manager' && trust.source !== 'external-secret') {
    const why = trust.source === 'remote'
      ? 'this is a remote cluster (mesh.primary): its primary\'s istiod signs its workloads, and no CA belongs here'
      : `main.ts's mesh.trust is ${describeTrust(trust)}${trust.source === 'manual' ? ' (you create cacerts outside dist/)' : ' (istiod makes its own root)'}: the settings must say where the CA comes from`;
    for (const w of writers) out.push(violation(w, 'trust-source', `writes Secret cacerts, istiod's CA, but ${why}`));
    return out;
  }
  if (writers.length === 0) {
    const anchor = anchorOf(manifests);
    if (anchor) out.push(violation(anchor, 'trust-source', `main.ts's mesh.trust is ${describeTrust(trust)}, but no object writes Secret cacerts in istio-system: istiod would make a self-signed root of its own`));
    return out;
  }
  for (const w of writers) {
    if (writers.length > 1) out.push(violation(w, 'trust-source', `one of ${writers.length} objects that write Secret cacerts in istio-system (${writers.map(objectRef).join(', ')}): exactly one may`));
    if (trust.source === 'cert-manager') {
      if (!isCertificate(w)) out.push(violation(w, 'trust-source', `writes Secret cacerts, but main.ts's mesh.trust is ${describeTrust(trust)}: a cert-manager Certificate writes it`));
      else out.push(...certificateProblems(w, trust).map(p => violation(w, 'trust-source', p)));
    } else if (!isExternalSecret(w)) {
      out.push(violation(w, 'trust-source', `writes Secret cacerts, but main.ts's mesh.trust is ${describeTrust(trust)}: an ExternalSecret writes it`));
    } else {
      out.push(...externalSecretProblems(w, trust).map(p => violation(w, 'trust-source', p)));
    }
  }
  return out;
}

/**
 * Every object that writes `cacerts` is in a file before the file of every istiod
 * Deployment: istiod mounts cacerts as optional, and started without it makes a
 * self-signed root of its own, which it keeps.
 */
export function checkTrustOrder(manifests: readonly Manifest[]): Violation[] {
  const istiods = manifests.filter(isIstiodDeployment);
  const out: Violation[] = [];
  for (const w of cacertsWriters(manifests)) {
    const first = istiods.find(d => d.file <= w.file);
    if (!first) continue;
    const where = first.file === w.file ? 'the same file' : `${first.file}, an earlier file`;
    out.push(violation(w, 'trust-order', `writes Secret cacerts, but istiod Deployment ${first.namespace}/${first.name} is in ${where}: istiod mounts cacerts as optional, so started first it makes a self-signed root of its own and keeps it; put this object in a file before istiod's`));
  }
  return out;
}
