import * as path from 'path';
import { isClusterScopedBuiltin } from '../manifests/cluster-scope';
import { ISTIO_NAMESPACE, ResolvedDelivery, ResolvedMeshSettings } from '../settings';
import { CACERTS } from '../stages/trust';
import type { ManifestFile } from '../synth/write-manifests';

/** One cluster's output as synth is about to write it: what the delivery objects are made from. */
export interface DeliveredCluster {
  /** Its name in main.ts's `clusters` (its folder of the output); undefined for the single form (the output itself). */
  readonly name?: string;
  /** Its resolved settings (`delivery` set). */
  readonly settings: ResolvedMeshSettings;
  /** Its files, in apply order, with their objects. */
  readonly files: readonly ManifestFile[];
}

/** An API group and kind. */
export interface GroupKind {
  /** The API group, `''` for the core group. */
  readonly group: string;
  /** The kind. */
  readonly kind: string;
}

/** A webhook configuration of a cluster's folder (whose caBundle istiod writes at run time). */
export interface WebhookConfiguration {
  /** MutatingWebhookConfiguration or ValidatingWebhookConfiguration. */
  readonly kind: string;
  /** Its name. */
  readonly name: string;
}

/** An object a stage's health check names: the one that writes istiod's CA. */
export interface ObjectReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
}

/** What the delivery objects of one cluster say about its folder. */
export interface ClusterFolder {
  /** The cluster's name in a fleet; undefined for the single form. */
  readonly cluster?: string;
  /** How its objects are named: `istio` (single form), `istio-<cluster>` (a fleet). */
  readonly label: string;
  /** Its delivery settings. */
  readonly delivery: ResolvedDelivery;
  /** On a remote cluster, its primary's name in `clusters` (applied before it). */
  readonly primary?: string;
  /** Its stage files (`NNNN-<stage>.k8s.yaml`), in apply order. */
  readonly files: readonly string[];
  /** Every namespace a namespaced object of the folder is in, sorted. */
  readonly namespaces: readonly string[];
  /** Every cluster-scoped kind of the folder, sorted by group, then kind. */
  readonly clusterScopedKinds: readonly GroupKind[];
  /** Its webhook configurations, sorted by kind, then name. */
  readonly webhookConfigurations: readonly WebhookConfiguration[];
  /** File → the cert-manager Certificate or External Secrets ExternalSecret in it that writes `cacerts` in istio-system (the trust stage's, when its CA is by reference). */
  readonly cacertsWriters: ReadonlyMap<string, ObjectReference>;
}

/** The webhook configurations istiod writes a caBundle into. */
const WEBHOOK_GROUP = 'admissionregistration.k8s.io';
const WEBHOOK_KINDS: readonly string[] = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

/** Code-unit order: the same on every machine, whatever its locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function groupOf(apiVersion: unknown): string {
  const v = String(apiVersion ?? '');
  return v.includes('/') ? v.slice(0, v.indexOf('/')) : '';
}

/** `istio` for the single form, `istio-<cluster>` in a fleet. */
export function clusterLabel(cluster: string | undefined): string {
  return cluster === undefined ? 'istio' : `istio-${cluster}`;
}

/**
 * Reads what the delivery objects need of one cluster's planned folder: its files, the
 * namespaces of its namespaced objects, its cluster-scoped kinds (built-in ones from the
 * list lib/manifests shares with check, custom ones from the CRDs in the folder; a kind
 * neither knows is cluster-scoped when its objects have no namespace, which check holds
 * them to), its webhook configurations and, per file, what writes istiod's CA.
 */
export function clusterFolder(c: DeliveredCluster): ClusterFolder {
  const delivery = c.settings.delivery;
  if (!delivery) throw new Error(`cluster ${c.name ?? '(single form)'} has no delivery settings`);
  const objects = c.files.flatMap(f => f.documents).filter((o): o is Record<string, any> => o !== null && typeof o === 'object');
  const crdScopes = new Map<string, string>();
  for (const o of objects) {
    if (o.kind === 'CustomResourceDefinition' && groupOf(o.apiVersion) === 'apiextensions.k8s.io') {
      crdScopes.set(`${o.spec?.group}/${o.spec?.names?.kind}`, String(o.spec?.scope));
    }
  }
  const clusterScoped = (o: Record<string, any>): boolean => {
    const group = groupOf(o.apiVersion);
    if (isClusterScopedBuiltin(group, String(o.kind))) return true;
    const crd = crdScopes.get(`${group}/${o.kind}`);
    if (crd !== undefined) return crd === 'Cluster';
    return !o.metadata?.namespace;
  };
  const namespaces = new Set<string>();
  const kinds = new Map<string, GroupKind>();
  const webhooks = new Map<string, WebhookConfiguration>();
  for (const o of objects) {
    const group = groupOf(o.apiVersion);
    const kind = String(o.kind);
    if (clusterScoped(o)) kinds.set(`${group}\0${kind}`, { group, kind });
    else if (o.metadata?.namespace) namespaces.add(String(o.metadata.namespace));
    if (group === WEBHOOK_GROUP && WEBHOOK_KINDS.includes(kind)) {
      const name = String(o.metadata?.name ?? '');
      webhooks.set(`${kind}\0${name}`, { kind, name });
    }
  }
  const cacertsWriters = new Map<string, ObjectReference>();
  for (const f of c.files) {
    const writer = f.documents.find((o): o is Record<string, any> => o !== null && typeof o === 'object' && writesCacerts(o as Record<string, any>));
    if (writer) cacertsWriters.set(f.file, { apiVersion: String(writer.apiVersion), kind: String(writer.kind), name: String(writer.metadata.name), namespace: ISTIO_NAMESPACE });
  }
  return {
    cluster: c.name,
    label: clusterLabel(c.name),
    delivery,
    ...(c.settings.mesh?.primary ? { primary: c.settings.mesh.primary.cluster } : {}),
    files: c.files.map(f => f.file),
    namespaces: [...namespaces].sort(compareText),
    clusterScopedKinds: [...kinds.values()].sort((a, b) => compareText(a.group, b.group) || compareText(a.kind, b.kind)),
    webhookConfigurations: [...webhooks.values()].sort((a, b) => compareText(a.kind, b.kind) || compareText(a.name, b.name)),
    cacertsWriters,
  };
}

/** Whether an object is the trust stage's writer of istiod's CA: a Certificate or an ExternalSecret making Secret cacerts in istio-system. */
function writesCacerts(o: Record<string, any>): boolean {
  if (o.metadata?.namespace !== ISTIO_NAMESPACE) return false;
  const group = groupOf(o.apiVersion);
  if (group === 'cert-manager.io' && o.kind === 'Certificate') return o.spec?.secretName === CACERTS;
  if (group === 'external-secrets.io' && o.kind === 'ExternalSecret') return (o.spec?.target?.name ?? o.metadata?.name) === CACERTS;
  return false;
}

/** The committed output folder, as the repository paths of the delivery objects name it (synth's -o does not change it). */
export const COMMITTED_OUTPUT = 'dist';

/**
 * A project file's path in the repository, below `delivery.path` (`dist/east`,
 * `platform/mesh/dist/east`); `parts` are below the output folder.
 */
export function repositoryPath(delivery: ResolvedDelivery, ...parts: readonly string[]): string {
  return path.posix.join(...[delivery.path, COMMITTED_OUTPUT, ...parts].filter(p => p !== ''));
}

/** A stage file's stage: `0003-istiod.k8s.yaml` → `istiod`. */
export function stageOf(file: string): string {
  return file.replace(/^\d+-/, '').replace(/\.k8s\.yaml$/, '');
}

