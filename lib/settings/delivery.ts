import { DNS_LABEL } from './names';
import { asMap, Problems } from './problems';
import { DeliverySettings, MeshSettings, ResolvedDelivery } from './types';

/** A Git URL as Argo CD clones it: https, http, ssh (`ssh://`, or scp-style `git@host:path`). */
const GIT_URL = /^(https?:\/\/[^\s/]+\/\S+|ssh:\/\/\S+|[\w.-]+@[\w.-]+:\S+)$/;
/** The URLs Flux's GitRepository accepts (its CRD's pattern: `^(http|https|ssh)://.*$`). */
const FLUX_GIT_URL = /^(https?|ssh):\/\//;
/** An scp-style Git address: `[user@]host:path`. */
const SCP_STYLE = /^(?:([\w.-]+)@)?([\w.-]+):(?!\/\/)(\S+)$/;
/** A branch name (git check-ref-format's rules, simplified: no spaces, no `..`, no leading `-` or `/`). */
const BRANCH = /^(?![-/])(?!.*\.\.)[^\s~^:?*[\\]+(?<![/.])$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A key of a Secret's data (the API server's rule: letters, digits, `-`, `_`, `.`). */
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/** Each controller's own namespace, where its objects live by default. */
export const DELIVERY_NAMESPACES = { argocd: 'argocd', flux: 'flux-system' } as const;

/** Argo CD's name for the cluster it runs in. */
export const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';

/**
 * Every stage a cluster's folder can hold (lib/mesh.ts's stage charts, by their file
 * names; test/delivery.test.ts holds the two alike). Flux names a Kustomization after its
 * stage, so the longest of them bounds a fleet's cluster names.
 */
export const STAGE_NAMES = ['namespaces', 'istio-base', 'gateway-api', 'trust', 'istiod', 'cni', 'ztunnel', 'gateways', 'apps', 'policy', 'custom'] as const;

/** The longest value of a label, such as the `kustomize.toolkit.fluxcd.io/name` kustomize-controller puts on every object it applies. */
export const LABEL_VALUE_LIMIT = 63;

/** The longest stage name: the one whose Kustomization name is the longest. */
export const LONGEST_STAGE = STAGE_NAMES.reduce((a, b) => (b.length > a.length ? b : a));

/** The longest cluster name of a fleet delivered by Flux: `istio-<cluster>-<stage>` is a label value. */
export const FLUX_CLUSTER_NAME_LIMIT = LABEL_VALUE_LIMIT - 'istio-'.length - '-'.length - LONGEST_STAGE.length;

/** A folder below the repository root, as resolveDelivery writes it: no leading `./` (or lone `.`), no trailing `/`. */
function normalisePath(path: string): string {
  return path.replace(/^\.(\/|$)/, '').replace(/\/$/, '');
}

/** Checks one cluster's `delivery` (and what it implies for argoCdSyncWaves). */
export function checkDeliverySettings(p: Problems, input: MeshSettings): void {
  if (input.delivery === undefined) return;
  const d = asMap(input.delivery) as Partial<DeliverySettings>;
  if (typeof d.repoURL === 'string') {
    const scp = d.repoURL.match(SCP_STYLE);
    if (!GIT_URL.test(d.repoURL)) {
      p.add('delivery.repoURL', d.repoURL, 'is not a Git URL the controllers clone (https://host/org/repo.git, or ssh://git@host/org/repo.git)');
    } else if (d.tool === 'flux' && !FLUX_GIT_URL.test(d.repoURL)) {
      const hint = scp ? `: write ssh://${scp[1] !== undefined ? `${scp[1]}@` : ''}${scp[2]}/${scp[3]}` : '';
      p.add('delivery.repoURL', d.repoURL, `is an scp-style address, which Flux's GitRepository refuses (its url is http://, https:// or ssh://)${hint}`);
    }
  }
  if (typeof d.revision === 'string' && !BRANCH.test(d.revision)) p.add('delivery.revision', d.revision, 'is not a branch name');
  else if (d.tool === 'flux' && d.revision === 'HEAD') {
    p.add('delivery.revision', d.revision, 'is Git\'s name for the checked-out commit, not a branch: Flux\'s ref.branch names the branch to follow, such as main');
  }
  if (typeof d.path === 'string') {
    const normalised = normalisePath(d.path);
    const segments = normalised === '' ? [] : normalised.split('/');
    if (d.path.startsWith('/') || /\s/.test(d.path) || segments.includes('..')) {
      p.add('delivery.path', d.path, 'must be a folder below the repository root, such as . or platform/mesh');
    } else if (segments.some(s => s === '' || s === '.')) {
      p.add('delivery.path', d.path, 'has an empty segment (a//b, a/./b): name each folder once, such as platform/mesh');
    }
  }
  if (typeof d.namespace === 'string' && (d.namespace.length > 63 || !DNS_LABEL.test(d.namespace))) p.add('delivery.namespace', d.namespace, 'is not a valid namespace name');
  const dest = asMap(d.destination);
  if (d.tool === 'argocd') {
    if (dest.name !== undefined && dest.server !== undefined) p.add('delivery.destination', dest, 'names both a cluster name and a server: Argo CD takes one');
    if (dest.name === '') p.add('delivery.destination.name', dest.name, 'must name a cluster Argo CD knows (one of its cluster Secrets), or be left out for server');
    if (typeof dest.server === 'string' && !/^https:\/\/\S+$/.test(dest.server)) p.add('delivery.destination.server', dest.server, 'must be the cluster\'s API server URL (https://…)');
    if (dest.kubeConfigSecret !== undefined) p.add('delivery.destination.kubeConfigSecret', dest.kubeConfigSecret, 'is Flux\'s: Argo CD reaches clusters by name or server');
    if (d.secretRef !== undefined) {
      p.add('delivery.secretRef', d.secretRef, 'is Flux\'s: Argo CD takes a private repository\'s credentials from its own repository Secrets (label argocd.argoproj.io/secret-type: repository), not from the Application');
    }
    if (input.argoCdSyncWaves === false) p.add('argoCdSyncWaves', false, 'must stay on with delivery.tool \'argocd\': the sync waves are the order Argo CD applies the files in');
  }
  if (d.tool === 'flux') {
    for (const key of ['name', 'server'] as const) if (dest[key] !== undefined) p.add(`delivery.destination.${key}`, dest[key], 'is Argo CD\'s: Flux reaches another cluster through kubeConfigSecret');
    const secret = asMap(dest.kubeConfigSecret);
    if (dest.kubeConfigSecret !== undefined) {
      if (typeof secret.name !== 'string' || secret.name.length > 253 || !SUBDOMAIN.test(secret.name)) p.add('delivery.destination.kubeConfigSecret.name', secret.name, 'is not a valid Secret name');
      if (secret.key !== undefined && (typeof secret.key !== 'string' || secret.key.length > 253 || !SECRET_KEY.test(secret.key))) {
        p.add('delivery.destination.kubeConfigSecret.key', secret.key, 'is not a valid Secret key (letters, digits, \'-\', \'_\' and \'.\')');
      }
    }
    if (d.secretRef !== undefined && (typeof d.secretRef !== 'string' || d.secretRef.length > 253 || !SUBDOMAIN.test(d.secretRef))) {
      p.add('delivery.secretRef', d.secretRef, 'is not a valid Secret name');
    }
  }
}

/** `delivery` with defaults filled in. */
export function resolveDelivery(d: DeliverySettings): ResolvedDelivery {
  const destination = d.tool === 'argocd'
    ? (d.destination?.name !== undefined ? { name: d.destination.name } : { server: d.destination?.server ?? IN_CLUSTER_SERVER })
    : (d.destination?.kubeConfigSecret ? { kubeConfigSecret: { ...d.destination.kubeConfigSecret } } : {});
  return {
    tool: d.tool,
    repoURL: d.repoURL,
    revision: d.revision ?? 'main',
    path: normalisePath(d.path ?? '.'),
    namespace: d.namespace ?? DELIVERY_NAMESPACES[d.tool],
    destination,
    ...(d.tool === 'flux' && d.secretRef !== undefined ? { secretRef: d.secretRef } : {}),
  };
}
