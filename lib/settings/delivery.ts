import { DNS_LABEL } from './names';
import { asMap, Problems } from './problems';
import { DeliverySettings, MeshSettings, ResolvedDelivery } from './types';

/** A Git URL as Argo CD and Flux clone it: https, http, ssh (`ssh://`, `git@host:path`). */
const GIT_URL = /^(https?:\/\/[^\s/]+\/\S+|ssh:\/\/\S+|[\w.-]+@[\w.-]+:\S+)$/;
/** A branch name (git check-ref-format's rules, simplified: no spaces, no `..`, no leading `-` or `/`). */
const BRANCH = /^(?![-/])(?!.*\.\.)[^\s~^:?*[\\]+(?<![/.])$/;
/** A folder below the repository root. */
const REPO_PATH = /^(\.|(\.\/)?[^/\s][^\s]*?)\/?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Each controller's own namespace, where its objects live by default. */
export const DELIVERY_NAMESPACES = { argocd: 'argocd', flux: 'flux-system' } as const;

/** Argo CD's name for the cluster it runs in. */
export const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';

/** Checks one cluster's `delivery` (and what it implies for argoCdSyncWaves). */
export function checkDelivery(p: Problems, input: MeshSettings): void {
  if (input.delivery === undefined) return;
  const d = asMap(input.delivery) as Partial<DeliverySettings>;
  if (typeof d.repoURL === 'string' && !GIT_URL.test(d.repoURL)) p.add('delivery.repoURL', d.repoURL, 'is not a Git URL the controllers clone (https://host/org/repo.git, ssh://…, or git@host:org/repo.git)');
  if (typeof d.revision === 'string' && !BRANCH.test(d.revision)) p.add('delivery.revision', d.revision, 'is not a branch name');
  if (typeof d.path === 'string' && (!REPO_PATH.test(d.path) || d.path.split('/').includes('..') || d.path.startsWith('/'))) {
    p.add('delivery.path', d.path, 'must be a folder below the repository root, such as . or platform/mesh');
  }
  if (typeof d.namespace === 'string' && (d.namespace.length > 63 || !DNS_LABEL.test(d.namespace))) p.add('delivery.namespace', d.namespace, 'is not a valid namespace name');
  const dest = asMap(d.destination);
  if (d.tool === 'argocd') {
    if (dest.name !== undefined && dest.server !== undefined) p.add('delivery.destination', dest, 'names both a cluster name and a server: Argo CD takes one');
    if (typeof dest.server === 'string' && !/^https:\/\/\S+$/.test(dest.server)) p.add('delivery.destination.server', dest.server, 'must be the cluster\'s API server URL (https://…)');
    if (dest.kubeConfigSecret !== undefined) p.add('delivery.destination.kubeConfigSecret', dest.kubeConfigSecret, 'is Flux\'s: Argo CD reaches clusters by name or server');
    if (input.argoCdSyncWaves === false) p.add('argoCdSyncWaves', false, 'must stay on with delivery.tool \'argocd\': the sync waves are the order Argo CD applies the files in');
  }
  if (d.tool === 'flux') {
    for (const key of ['name', 'server'] as const) if (dest[key] !== undefined) p.add(`delivery.destination.${key}`, dest[key], 'is Argo CD\'s: Flux reaches another cluster through kubeConfigSecret');
    const secret = asMap(dest.kubeConfigSecret);
    if (dest.kubeConfigSecret !== undefined && (typeof secret.name !== 'string' || !SUBDOMAIN.test(secret.name))) p.add('delivery.destination.kubeConfigSecret.name', secret.name, 'is not a valid Secret name');
  }
}

/** `delivery` with defaults filled in. */
export function resolveDelivery(d: DeliverySettings): ResolvedDelivery {
  const path = (d.path ?? '.').replace(/^\.\/?/, '').replace(/\/$/, '');
  const destination = d.tool === 'argocd'
    ? (d.destination?.name !== undefined ? { name: d.destination.name } : { server: d.destination?.server ?? IN_CLUSTER_SERVER })
    : (d.destination?.kubeConfigSecret ? { kubeConfigSecret: { ...d.destination.kubeConfigSecret } } : {});
  return {
    tool: d.tool,
    repoURL: d.repoURL,
    revision: d.revision ?? 'main',
    path,
    namespace: d.namespace ?? DELIVERY_NAMESPACES[d.tool],
    destination,
  };
}
