import { MeshSettings, ResolvedMeshSettings, ResolvedRemoteSecret, ResolvedTrust } from '../settings';
import { FLUX_CLUSTER_NAME_LIMIT, LABEL_VALUE_LIMIT, LONGEST_STAGE } from '../settings/delivery';
import { TRUST_DEFAULTS } from '../settings/trust';

// What only the fleet as a whole can tell (Istio's multicluster install): who serves
// whom, who watches whom, and whether the clusters of a mesh share a root of trust.

/** One cluster of a fleet: its name in `clusters`, its settings as written and resolved. */
export interface FleetMember {
  readonly name: string;
  readonly input: MeshSettings;
  readonly settings: ResolvedMeshSettings;
}

/** A Secret's name (a DNS subdomain). */
const SECRET_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The name istioctl create-remote-secret gives a cluster's remote secret, before the cluster's name. */
const REMOTE_SECRET_PREFIX = 'istio-remote-secret-';

/** The root a trust source chains to, as text two clusters of one mesh must share. */
function rootReference(trust: ResolvedTrust): string | undefined {
  switch (trust.source) {
    case 'cert-manager': return `cert-manager ${trust.issuer.kind} ${trust.issuer.name}${trust.issuer.group === TRUST_DEFAULTS.issuerGroup ? '' : ` (${trust.issuer.group})`}`;
    case 'external-secret': return `${trust.store.kind} ${trust.store.name}, key ${trust.rootKey} (root-cert.pem)`;
    case 'manual': return 'manual';
    default: return undefined;
  }
}

/** The problems of one mesh's clusters (`members`, in the fleet's order). */
function meshMemberProblems(id: string, members: readonly FleetMember[], byName: ReadonlyMap<string, FleetMember>): string[] {
  const problems: string[] = [];
  const names = new Map<string, string>();
  for (const c of members) {
    const clusterName = c.settings.mesh!.clusterName;
    const first = names.get(clusterName);
    if (first !== undefined) problems.push(`clusters.${c.name}.mesh.clusterName: "${clusterName}" is also clusters.${first}'s name in mesh ${id}: cluster names are unique within a mesh`);
    else names.set(clusterName, c.name);
  }
  const networks = new Set(members.map(c => c.settings.mesh!.network));
  if (networks.has(undefined) && networks.size > 1) {
    problems.push(`mesh ${id}: clusters ${members.filter(c => !c.settings.mesh!.network).map(c => c.name).join(', ')} name no network while others do: set mesh.network in every cluster of the mesh, or in none`);
  } else if (networks.size > 1) {
    for (const network of networks) {
      const inNetwork = members.filter(c => c.settings.mesh!.network === network);
      if (!inNetwork.some(c => c.settings.gateways.some(g => g.kind === 'eastwest'))) {
        problems.push(`mesh ${id}: network ${network} (clusters ${inNetwork.map(c => c.name).join(', ')}) has no east-west gateway, and the mesh spans ${networks.size} networks: add a gateway of kind 'eastwest' to one of its clusters`);
      }
    }
  }
  // Primary-remote: a remote's primary is a primary of the same mesh, reachable through its east-west gateway.
  for (const c of members) {
    const primaryName = c.input.mesh?.primary;
    if (primaryName === undefined) continue;
    const primary = byName.get(primaryName);
    const field = `clusters.${c.name}.mesh.primary`;
    if (!primary) problems.push(`${field}: "${primaryName}" is not a cluster of main.ts's clusters (they are ${[...byName.keys()].join(', ')})`);
    else if (primary.settings.mesh?.id !== id) problems.push(`${field}: "${primaryName}" is not in mesh ${id}: a remote's primary is in its mesh`);
    else if (primary.input.mesh?.primary !== undefined) problems.push(`${field}: "${primaryName}" is itself a remote cluster: a remote is served by a primary (a cluster with istiod)`);
    else if (!primary.settings.gateways.some(g => g.kind === 'eastwest')) problems.push(`${field}: "${primaryName}" has no east-west gateway: its istiod is exposed to remote clusters through one (add a gateway of kind 'eastwest' to it)`);
  }
  // Several istiods of one mesh sign workloads that must trust each other: one root, by reference.
  const primaries = members.filter(c => c.input.mesh?.primary === undefined);
  if (primaries.length > 1) {
    const withIstiod = primaries.map(c => c.name).join(', ');
    for (const c of primaries.filter(m => m.input.mesh?.trust === undefined || m.input.mesh.trust === 'self-signed')) {
      problems.push(`clusters.${c.name}.mesh.trust: mesh ${id} has ${primaries.length} clusters with istiod (${withIstiod}), so they must share a root of trust: set trust to { certManager: … } or { externalSecret: … } (or 'manual'), the same root in each; 'self-signed' gives each istiod a root of its own`);
    }
    const roots = new Map<string, string[]>();
    for (const c of primaries) {
      const root = rootReference(c.settings.trust);
      if (root !== undefined) roots.set(root, [...(roots.get(root) ?? []), c.name]);
    }
    if (roots.size > 1) {
      problems.push(`mesh ${id}: its clusters chain to different roots (${[...roots].map(([root, cs]) => `${cs.join(', ')}: ${root}`).join('; ')}): every cluster of a mesh takes its CA from the same root (same issuer, or same store and rootKey)`);
    }
  }
  // The remotes' webhooks carry the default revision's label, and an istiod patches only those of its own revision.
  for (const c of primaries) {
    const remotes = members.filter(m => m.input.mesh?.primary === c.name);
    if (remotes.length && (c.input.revisions !== undefined || c.input.revision !== undefined)) {
      problems.push(`clusters.${c.name}.${c.input.revisions !== undefined ? 'revisions' : 'revision'}: ${c.name} serves remote clusters (${remotes.map(m => m.name).join(', ')}), whose injection webhooks its istiod keeps only for the unnamed default revision: a primary with remotes runs the single-revision form without a revision name`);
    }
  }
  // Who watches whom: each primary every other cluster of the mesh (multi-primary: every pair; primary-remote: its remotes).
  for (const c of primaries) {
    const watched = members.filter(m => m !== c);
    const field = `clusters.${c.name}.mesh.remoteSecrets`;
    for (const m of watched) {
      const clusterName = m.settings.mesh!.clusterName;
      // It names the Secret istiod reads (istio-remote-secret-<cluster>) and that Secret's key.
      if (c.input.mesh?.remoteSecrets !== undefined && (!SECRET_NAME.test(clusterName) || clusterName.length > 253 - REMOTE_SECRET_PREFIX.length)) {
        problems.push(`clusters.${m.name}.mesh.clusterName: "${clusterName}" names the remote secret ${REMOTE_SECRET_PREFIX}${clusterName} in ${c.name}, which is not a valid Secret name: use lowercase letters, digits, '-' and '.'`);
      }
    }
    if (watched.length && c.input.mesh?.remoteSecrets === undefined) {
      problems.push(`${field}: required: the istiod of ${c.name} watches ${watched.map(m => m.name).join(', ')} of mesh ${id}, and reads their API server credentials from a secret store: set remoteSecrets: { store: { kind, name }, keyPrefix }`);
    } else if (!watched.length && c.input.mesh?.remoteSecrets !== undefined) {
      problems.push(`${field}: ${c.name} is the only cluster of mesh ${id}: its istiod watches no other cluster; remove remoteSecrets`);
    }
  }
  return problems;
}

/**
 * Checks a fleet as a whole: within a mesh id, cluster names are unique, every cluster
 * names its network or none does, a mesh that spans networks has an east-west gateway in
 * each, a network belongs to one mesh; a remote names a primary of its mesh with an
 * east-west gateway; the clusters with istiod share a root of trust, by reference, and
 * the mesh one trust domain; each istiod that watches other clusters has a store for
 * their credentials.
 */
export function fleetProblems(members: readonly FleetMember[]): string[] {
  const problems: string[] = [];
  const byName = new Map(members.map(m => [m.name, m]));
  const byMesh = new Map<string, FleetMember[]>();
  for (const c of members) if (c.settings.mesh) byMesh.set(c.settings.mesh.id, [...(byMesh.get(c.settings.mesh.id) ?? []), c]);
  const meshOfNetwork = new Map<string, string>();
  for (const [id, inMesh] of byMesh) {
    problems.push(...meshMemberProblems(id, inMesh, byName));
    // Identities (and the principals policies name) are <trust domain>/ns/…/sa/…, mesh-wide.
    const domains = new Set(inMesh.map(c => c.settings.trustDomain));
    if (domains.size > 1) {
      problems.push(`mesh ${id}: its clusters name different trust domains (${inMesh.map(c => `${c.name}: ${c.settings.trustDomain}`).join(', ')}): one mesh has one trust domain, or a policy in one cluster does not recognise callers from another; set the same trustDomain in each`);
    }
    for (const network of new Set(inMesh.map(c => c.settings.mesh!.network))) {
      if (network === undefined) continue;
      const other = meshOfNetwork.get(network);
      if (other !== undefined && other !== id) problems.push(`network ${network} is in mesh ${other} and mesh ${id}: one mesh id per mesh, and a network belongs to one mesh`);
      meshOfNetwork.set(network, id);
    }
  }
  for (const c of members) {
    if (c.input.mesh?.primary !== undefined && c.settings.mesh === undefined) problems.push(`clusters.${c.name}.mesh.primary: needs mesh.id`);
  }
  problems.push(...deliveryProblems(members));
  return problems;
}

/**
 * The delivery objects of a fleet are applied once, to the cluster the controller runs
 * in: one tool, repoURL, revision, path, namespace and secretRef for every cluster (one
 * GitRepository or one set of Applications reads them), each its own destination (a
 * kubeconfig Secret by name and key), every cluster delivered or none; with Flux, each
 * cluster name short enough for the Kustomizations' names, which label every object.
 */
function deliveryProblems(members: readonly FleetMember[]): string[] {
  const delivered = members.filter(m => m.settings.delivery);
  if (!delivered.length) return [];
  const problems: string[] = [];
  if (delivered.length < members.length) {
    problems.push(`clusters ${members.filter(m => !m.settings.delivery).map(m => m.name).join(', ')} have no delivery while ${delivered.map(m => m.name).join(', ')} do: deliver every cluster of the fleet (one controller applies dist/delivery/) or none`);
  }
  const first = delivered[0];
  for (const key of ['tool', 'repoURL', 'revision', 'path', 'namespace', 'secretRef'] as const) {
    for (const m of delivered.slice(1)) {
      if (m.settings.delivery![key] !== first.settings.delivery![key]) {
        problems.push(`clusters.${m.name}.delivery.${key}: ${JSON.stringify(m.settings.delivery![key])} differs from clusters.${first.name}'s ${JSON.stringify(first.settings.delivery![key])}: the delivery objects of a fleet are applied by one controller from one repository (share them through the fleet's TypeScript)`);
      }
    }
  }
  const byDestination = new Map<string, string>();
  for (const m of delivered) {
    const d = m.settings.delivery!.destination;
    const secret = d.kubeConfigSecret;
    const key = d.name !== undefined ? `cluster ${d.name}` : d.server !== undefined ? `server ${d.server}`
      : secret ? `kubeconfig Secret ${secret.name} (${secret.key !== undefined ? `key ${secret.key}` : 'its default key'})` : 'the cluster Flux runs in';
    const other = byDestination.get(key);
    if (other !== undefined) problems.push(`clusters.${m.name}.delivery.destination: ${key} is also clusters.${other}'s: each cluster of the fleet is delivered to a cluster of its own (set destination)`);
    else byDestination.set(key, m.name);
  }
  // kustomize-controller labels every object it applies kustomize.toolkit.fluxcd.io/name: <Kustomization name>.
  for (const m of delivered) {
    const longest = `istio-${m.name}-${LONGEST_STAGE}`;
    if (m.settings.delivery!.tool === 'flux' && longest.length > LABEL_VALUE_LIMIT) {
      problems.push(`clusters: "${m.name}" is too long a cluster name for Flux (at most ${FLUX_CLUSTER_NAME_LIMIT} characters): its Kustomizations are named istio-<cluster>-<stage>, and kustomize-controller labels every object it applies with that name, a label value of at most ${LABEL_VALUE_LIMIT} characters (${longest} would be ${longest.length})`);
    }
  }
  return problems;
}

/**
 * Each cluster's settings with what the fleet decides filled in: a remote's primary, a
 * primary's remotes, and the remote secrets of every other cluster its istiod watches.
 * `members` passed fleetProblems.
 */
export function resolveFleet(members: readonly FleetMember[]): ResolvedMeshSettings[] {
  const byName = new Map(members.map(m => [m.name, m]));
  return members.map(c => {
    const mesh = c.settings.mesh;
    if (!mesh) return c.settings;
    const inMesh = members.filter(m => m.settings.mesh?.id === mesh.id);
    // Every istiod of the mesh but its own watches this cluster.
    const watchedBy = inMesh.filter(m => m !== c && m.input.mesh?.primary === undefined).map(m => m.name);
    const primaryName = c.input.mesh?.primary;
    if (primaryName !== undefined) {
      const primary = byName.get(primaryName)!;
      return { ...c.settings, mesh: { ...mesh, watchedBy, primary: { cluster: primary.name, clusterName: primary.settings.mesh!.clusterName, pilotAddress: c.input.mesh!.pilotAddress! } } };
    }
    const remotes = inMesh.filter(m => m.input.mesh?.primary === c.name).map(m => m.name);
    const source = c.input.mesh?.remoteSecrets;
    const remoteSecrets: ResolvedRemoteSecret[] = source === undefined ? [] : inMesh.filter(m => m !== c).map(m => ({
      clusterName: m.settings.mesh!.clusterName,
      store: { kind: source.store.kind, name: source.store.name },
      key: `${source.keyPrefix}${m.settings.mesh!.clusterName}`,
      ...(source.property !== undefined ? { property: source.property } : {}),
      refreshInterval: source.refreshInterval ?? TRUST_DEFAULTS.refreshInterval,
    }));
    return { ...c.settings, mesh: { ...mesh, remotes, watchedBy }, remoteSecrets };
  });
}
