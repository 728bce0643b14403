import * as path from 'path';
import { loadManifestFolder, Manifest } from '../manifests';
import { ISTIO_NAMESPACE, ResolvedMeshSettings } from '../settings';
import { UserError } from '../user-error';
import { labelsOf } from './label-selectors';
import {
  anchorOf, cacertsWriters, externalSecretItems, formatRemoteRef, isCertificate, isExternalSecret, issuerOf,
  mappingOf, ROOT_CERT_KEY, storeOf,
} from './trust';
import { violation, Violation } from './violation';

// What only the fleet as a whole can tell, from every cluster's folder and settings at
// once (Istio's multicluster install): that the clusters of a mesh that run istiod chain
// to one root, and that each istiod has the credentials of exactly the clusters it watches.

/** The label istiod discovers remote secrets by (as `istioctl create-remote-secret` sets it). */
export const MULTICLUSTER_LABEL = 'istio/multiCluster';
/** The annotation naming the cluster a remote secret gives access to. */
export const CLUSTER_ANNOTATION = 'networking.istio.io/cluster';

/** What the fleet rules read of a cluster's settings: its mesh, trust and remote secrets (none when absent). */
export type FleetExpectations = Partial<Pick<ResolvedMeshSettings, 'mesh' | 'trust' | 'remoteSecrets'>>;

/** One cluster of the fleet as the fleet rules see it. */
export interface FleetCluster {
  /** Its name in main.ts's `clusters` (its folder); undefined for the single-cluster form. */
  readonly name?: string;
  /** Its resolved settings. */
  readonly expected: FleetExpectations;
  /** Its folder's objects; undefined when not read (its findings cannot be made, nor compared with). */
  readonly manifests?: readonly Manifest[];
}

/** A finding of a fleet rule: a violation, and the cluster whose folder holds it. */
export interface FleetFinding {
  readonly cluster?: string;
  readonly violation: Violation;
}

/** The fleet rules' findings: violations fail the check, warnings do not. */
export interface FleetCheck {
  readonly violations: readonly FleetFinding[];
  readonly warnings: readonly FleetFinding[];
}

/** How messages name a cluster: its name in `clusters`, else its name in the mesh. */
const labelOf = (c: FleetCluster): string => c.name ?? c.expected.mesh?.clusterName ?? 'this cluster';

/** A cluster runs istiod unless it is a remote (mesh.primary). */
const runsIstiod = (c: FleetCluster): boolean => c.expected.mesh?.primary === undefined;

/** The root one cacerts writer (or its absence) chains to. */
interface Root {
  /** Equal for writers that reference the same root. */
  readonly key: string;
  /** This object's own root, as the start of a message: `issuer ClusterIssuer mesh1-root`. */
  readonly own: string;
  /** The same seen from another cluster: `east's cacerts comes from ClusterIssuer mesh1-root`. */
  readonly from: (cluster: string) => string;
}

function rootOf(m: Manifest | undefined, cluster: FleetCluster): Root {
  const label = labelOf(cluster);
  if (m === undefined) {
    return { key: `self-signed\0${label}`, own: `no object writes cacerts, so istiod of ${label} makes a self-signed root of its own`, from: c => `${c}'s istiod makes a self-signed root of its own (no object writes cacerts)` };
  }
  if (isCertificate(m)) {
    const { kind, name, group } = issuerOf(m);
    // cert-manager reads an absent group as its own; an external issuer's group is part of its identity.
    const issuerGroup = group === undefined ? 'cert-manager.io' : String(group);
    const text = `${kind} ${name}${issuerGroup === 'cert-manager.io' ? '' : ` (${issuerGroup})`}`;
    return { key: `cert-manager\0${issuerGroup}\0${kind}\0${name}`, own: `issuer ${text}`, from: c => `${c}'s cacerts comes from ${text}` };
  }
  if (isExternalSecret(m)) {
    const store = storeOf(m);
    const root = externalSecretItems(m).find(i => i.secretKey === ROOT_CERT_KEY);
    if (!root) return { key: `unknown\0${label}\0${m.file}\0${m.index}`, own: `no ${ROOT_CERT_KEY} in spec.data`, from: c => `${c}'s cacerts has no ${ROOT_CERT_KEY}` };
    const text = `${store.kind} ${store.name}, ${formatRemoteRef(root.key, root.property)}`;
    return { key: `external-secret\0${store.kind}\0${store.name}\0${root.key}\0${root.property ?? ''}`, own: `${ROOT_CERT_KEY} from ${text}`, from: c => `${c}'s cacerts comes from ${text}` };
  }
  return { key: `secret\0${label}\0${m.file}\0${m.index}`, own: 'cacerts is a Secret of its own', from: c => `${c}'s cacerts is a Secret of its own` };
}

/**
 * The clusters of a mesh that run istiod chain to one root: their cacerts writers name the
 * same issuer (Certificates), or the same store and root-cert.pem reference
 * (ExternalSecrets). A cluster whose `cacerts` is 'manual' cannot be proven: a warning.
 */
function checkTrustRoot(clusters: readonly FleetCluster[]): FleetCheck {
  const violations: FleetFinding[] = [];
  const warnings: FleetFinding[] = [];
  const byMesh = new Map<string, FleetCluster[]>();
  for (const c of clusters) {
    const id = c.expected.mesh?.id;
    if (id !== undefined && runsIstiod(c)) byMesh.set(id, [...(byMesh.get(id) ?? []), c]);
  }
  for (const [id, members] of byMesh) {
    if (members.length < 2) continue;
    const entries: { cluster: FleetCluster; manifest: Manifest; root: Root }[] = [];
    for (const c of members) {
      if (!c.manifests) continue;
      const writers = cacertsWriters(c.manifests);
      const anchor = anchorOf(c.manifests);
      if (writers.length === 0 && c.expected.trust?.source === 'manual') {
        const others = members.filter(o => o !== c).map(labelOf).join(', ');
        if (anchor) warnings.push({ cluster: c.name, violation: violation(anchor, 'manual-trust', `main.ts's mesh.trust is 'manual': cacerts is created outside dist/, so check cannot prove that ${labelOf(c)} chains to the same root as the other clusters of mesh ${id} (${others})`) });
      } else if (writers.length === 0) {
        if (anchor) entries.push({ cluster: c, manifest: anchor, root: rootOf(undefined, c) });
      } else {
        for (const w of writers) entries.push({ cluster: c, manifest: w, root: rootOf(w, c) });
      }
    }
    const groups = new Map<string, typeof entries>();
    for (const e of entries) groups.set(e.root.key, [...(groups.get(e.root.key) ?? []), e]);
    if (groups.size < 2) continue;
    // The root most of them share is the reference; with no such majority, each is compared with one that differs.
    const sizes = [...groups.values()].map(g => g.length).sort((a, b) => b - a);
    const reference = sizes[0] > sizes[1] ? [...groups.values()].find(g => g.length === sizes[0])![0] : undefined;
    for (const e of entries) {
      if (reference && e.root.key === reference.root.key) continue;
      const other = reference ?? entries.find(o => o.root.key !== e.root.key)!;
      violations.push({ cluster: e.cluster.name, violation: violation(e.manifest, 'trust-root', `${e.root.own}, but ${other.root.from(labelOf(other.cluster))}: the clusters of mesh ${id} must chain to one root`) });
    }
  }
  return { violations, warnings };
}

/**
 * The metadata of the Secret an ExternalSecret writes: its template's, or, without a
 * template, the ExternalSecret's own labels and annotations (External Secrets copies them).
 */
function targetMetadata(m: Manifest): { readonly [key: string]: any } | undefined {
  const template = mappingOf(mappingOf(mappingOf(m.object.spec)?.target)?.template);
  return template ? mappingOf(template.metadata) : mappingOf(m.object.metadata);
}

/** The ExternalSecrets in istio-system that write a Secret istiod discovers as a remote secret. */
export function remoteSecretProducers(manifests: readonly Manifest[]): Manifest[] {
  return manifests.filter(m => isExternalSecret(m) && m.namespace === ISTIO_NAMESPACE && labelsOf(targetMetadata(m)?.labels)[MULTICLUSTER_LABEL] === 'true');
}

/**
 * Each istiod has the credentials of exactly the clusters it watches, computed from every
 * cluster's settings (every other cluster of its mesh: each pair in multi-primary, its
 * remotes in primary-remote): one remote secret each, none for a cluster outside its mesh
 * or for its own, none twice, each naming its cluster alike in its annotation and its key,
 * each from the store and key main.ts's mesh.remoteSecrets says. A remote cluster has none.
 */
function checkRemoteSecrets(clusters: readonly FleetCluster[]): FleetFinding[] {
  const out: FleetFinding[] = [];
  for (const c of clusters) {
    if (!c.manifests) continue;
    const label = labelOf(c);
    const push = (m: Manifest, detail: string) => out.push({ cluster: c.name, violation: violation(m, 'remote-secrets', detail) });
    const producers = remoteSecretProducers(c.manifests);
    const mesh = c.expected.mesh;
    if (!runsIstiod(c)) {
      for (const p of producers) push(p, `a remote secret on ${label}, a remote cluster (its control plane is istiod of ${mesh!.primary!.cluster}): no istiod here reads it; remove it`);
      continue;
    }
    const others = mesh ? clusters.filter(o => o !== c && o.expected.mesh?.id === mesh.id) : [];
    const watched = others.map(o => o.expected.mesh!.clusterName);
    const found = new Map<string, Manifest>();
    for (const p of producers) {
      const items = externalSecretItems(p);
      const keys = items.map(i => i.secretKey);
      const annotation = labelsOf(targetMetadata(p)?.annotations)[CLUSTER_ANNOTATION];
      const template = mappingOf(mappingOf(mappingOf(p.object.spec)?.target)?.template);
      if (mappingOf(p.object.spec)?.dataFrom !== undefined) push(p, 'spec.dataFrom: the keys of a remote secret name the clusters istiod watches, and cannot be known offline; use spec.data');
      if (template?.data !== undefined || template?.templateFrom !== undefined) push(p, 'spec.target.template.data or templateFrom: a template can drop or rename the kubeconfig key istiod reads; give the template metadata only');
      if (keys.length === 0) push(p, `no spec.data item: istiod reads one kubeconfig per key, named by its cluster, and this remote secret names none`);
      if (annotation === undefined) push(p, `no annotation ${CLUSTER_ANNOTATION} on the Secret it writes (spec.target.template.metadata): a remote secret names its cluster there and in its key`);
      else if (keys.length > 0 && (keys.length !== 1 || keys[0] !== annotation)) push(p, `annotation ${CLUSTER_ANNOTATION} names ${annotation}, but its key${keys.length === 1 ? ' is' : 's are'} ${keys.join(', ')}: istiod reads the kubeconfig under the cluster's name, so both name the same cluster`);
      for (const item of items) {
        const k = item.secretKey;
        if (k === mesh?.clusterName) {
          push(p, `a remote secret for ${k}, istiod's own cluster: istiod watches its own cluster through its service account; remove it`);
        } else if (!watched.includes(k)) {
          push(p, mesh
            ? `a remote secret for ${k}, which is not another cluster of mesh ${mesh.id} (${watched.length ? `istiod of ${label} watches ${watched.join(', ')}` : `it has no other cluster`}): remove it, or add ${k} to the mesh`
            : `a remote secret for ${k}, but ${label} is in no mesh (mesh.id): its istiod watches no other cluster; remove it`);
        } else if (found.has(k)) {
          const first = found.get(k)!;
          push(p, `a second remote secret for ${k} (the first is ${first.kind}/${first.namespace}/${first.name} in ${first.file}): istiod watches each cluster once`);
        } else {
          found.set(k, p);
          const want = c.expected.remoteSecrets?.find(r => r.clusterName === k);
          const store = storeOf(p);
          if (want && (store.kind !== want.store.kind || store.name !== want.store.name || item.key !== want.key || item.property !== want.property)) {
            push(p, `reads ${k}'s credentials from ${store.kind} ${store.name}, ${formatRemoteRef(item.key, item.property)}, but main.ts's mesh.remoteSecrets says ${want.store.kind} ${want.store.name}, ${formatRemoteRef(want.key, want.property)}`);
          }
        }
      }
    }
    const anchor = anchorOf(c.manifests);
    for (const k of watched.filter(w => !found.has(w))) {
      if (anchor) push(anchor, `istiod of ${label} watches ${k} (mesh ${mesh!.id}), but ${label}'s folder has no remote secret for ${k}: an ExternalSecret in istio-system whose Secret is labelled ${MULTICLUSTER_LABEL}: "true", with key ${k}`);
    }
  }
  return out;
}

/** Findings in the fleet's order of clusters, then apply order. */
function inOrder(findings: readonly FleetFinding[], clusters: readonly FleetCluster[]): FleetFinding[] {
  const rank = new Map(clusters.map((c, i) => [c.name, i]));
  return [...findings].sort((a, b) => (rank.get(a.cluster)! - rank.get(b.cluster)!)
    || (a.violation.file < b.violation.file ? -1 : a.violation.file > b.violation.file ? 1 : a.violation.index - b.violation.index));
}

/**
 * The fleet rules, over every cluster at once (`clusters` in main.ts's order; a project of
 * one cluster is a fleet of one): trust-root and remote-secrets, and the manual-trust
 * warning.
 */
export function checkFleet(clusters: readonly FleetCluster[]): FleetCheck {
  const root = checkTrustRoot(clusters);
  return {
    violations: inOrder([...root.violations, ...checkRemoteSecrets(clusters)], clusters),
    warnings: inOrder(root.warnings, clusters),
  };
}

/**
 * The fleet rules as `npm run check` runs them: `checked` holds the folders it read (the
 * clusters `--cluster` selected); the fleet's other clusters' folders below `dir` are read
 * too, when they are there, to compare with, and only the checked clusters' findings kept.
 */
export function checkFleetFolders(clusters: readonly { readonly name?: string; readonly settings: FleetExpectations }[], checked: ReadonlyMap<string | undefined, readonly Manifest[]>, dir: string): FleetCheck {
  const members: FleetCluster[] = clusters.map(c => {
    let manifests = checked.get(c.name);
    if (!manifests && c.name !== undefined) {
      try {
        manifests = loadManifestFolder(path.join(dir, c.name)).manifests;
      } catch (err) {
        // Not there (or unreadable): not compared with; checking that folder says why.
        if (!(err instanceof UserError)) throw err;
      }
    }
    return { name: c.name, expected: c.settings, manifests };
  });
  const found = checkFleet(members);
  const keep = (f: FleetFinding) => checked.has(f.cluster);
  return { violations: found.violations.filter(keep), warnings: found.warnings.filter(keep) };
}
