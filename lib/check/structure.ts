import { Manifest } from '../manifests';
import { groupKind, parseApiVersion } from '../manifests';
import { KindInfo } from './kinds';
import { formatLabels, labelsOf, matchesLabelSelector } from './label-selectors';
import { podTemplateOf } from '../manifests/pod-templates';
import { violation, Violation } from './violation';
import { webhooksOf } from './webhooks';

/** Namespaces every cluster has, so nothing needs to create them. */
const BUILTIN_NAMESPACES = new Set(['default', 'kube-system']);

/** Every document is a mapping with apiVersion, kind and metadata.name; other rules skip those that are not. */
export function checkObjectShape(m: Manifest): Violation | undefined {
  const o: unknown = m.object;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return violation(m, 'object', `document ${m.index} is not a mapping`);
  const missing = [m.apiVersion ? '' : 'apiVersion', m.kind ? '' : 'kind', m.name ? '' : 'metadata.name'].filter(Boolean);
  return missing.length ? violation(m, 'object', `document ${m.index} has no ${missing.join(', ')}`) : undefined;
}

/** No two objects share API group, kind, namespace and name (the later one would overwrite the earlier). */
export function checkUnique(manifests: readonly Manifest[]): Violation[] {
  const seen = new Map<string, Manifest>();
  const out: Violation[] = [];
  for (const m of manifests) {
    const key = `${groupKind(parseApiVersion(m.apiVersion).group, m.kind)}/${m.namespace}/${m.name}`;
    const first = seen.get(key);
    if (first) out.push(violation(m, 'unique', `same group, kind, namespace and name as document ${first.index} of ${first.file}`));
    else seen.set(key, m);
  }
  return out;
}

/** Namespaced objects carry a namespace and cluster-scoped ones none (cdk8s stamps one on everything in a namespaced chart). */
export function checkNamespaceScope(manifests: readonly Manifest[], kinds: ReadonlyMap<Manifest, KindInfo>): Violation[] {
  const out: Violation[] = [];
  for (const m of manifests) {
    const info = kinds.get(m);
    if (!info || info.source === 'unknown') continue;
    if (info.scope === 'Namespaced' && !m.namespace) out.push(violation(m, 'namespace-scope', `${m.kind} is namespaced but has no metadata.namespace`));
    if (info.scope === 'Cluster' && m.namespace) out.push(violation(m, 'namespace-scope', `${m.kind} is cluster-scoped but has metadata.namespace ${m.namespace}`));
  }
  return out;
}

/** Every namespace an object lives in is created by a Namespace in an earlier file (apply order), or always exists. */
export function checkNamespaceOrder(manifests: readonly Manifest[]): Violation[] {
  const createdAt = new Map<string, Manifest>();
  for (const m of manifests) {
    if (m.kind === 'Namespace' && m.apiVersion === 'v1' && !createdAt.has(m.name)) createdAt.set(m.name, m);
  }
  const out: Violation[] = [];
  for (const m of manifests) {
    if (!m.namespace || BUILTIN_NAMESPACES.has(m.namespace)) continue;
    const ns = createdAt.get(m.namespace);
    // kubectl applies a file's objects in order: a namespace earlier in the same file is there in time.
    const before = ns !== undefined && (ns.file < m.file || (ns.file === m.file && ns.index < m.index));
    if (ns === undefined) out.push(violation(m, 'namespace-order', `namespace ${m.namespace} is not created by any file`));
    else if (!before) out.push(violation(m, 'namespace-order', `namespace ${m.namespace} is created in ${ns.file}${ns.file === m.file ? ', after this object' : ', not in an earlier file'}`));
  }
  return out;
}

/**
 * Every custom resource's CRD is in an earlier file: in the same `kubectl apply` run the CR
 * can reach the API server before the CRD is established ("no matches for kind"). A CRD
 * the cluster provides (a tool's own, CheckOptions.providedCrds) is there already.
 */
export function checkCrdOrder(manifests: readonly Manifest[], kinds: ReadonlyMap<Manifest, KindInfo>): Violation[] {
  const out: Violation[] = [];
  for (const m of manifests) {
    const info = kinds.get(m);
    // A CRD the cluster provides (a tool's own) is there before anything is applied.
    if (info?.source !== 'custom' || info.crd.providedBy) continue;
    const crdFile = info.crd.manifest.file;
    if (crdFile === m.file) out.push(violation(m, 'crd-order', `its CustomResourceDefinition ${info.crd.manifest.name} is in the same file; move one of them to another file`));
    else if (crdFile > m.file) out.push(violation(m, 'crd-order', `its CustomResourceDefinition ${info.crd.manifest.name} is in ${crdFile}, a later file`));
  }
  return out;
}

/**
 * Every webhook that calls a Service calls one that exists in the folder, on a port it
 * exposes, and whose selector matches the pod template of a workload in the folder (else
 * nothing answers: a revision tag whose revision's istiod is not rendered, say). A Service
 * without a selector has its endpoints managed elsewhere and is not followed.
 */
export function checkWebhookServices(manifests: readonly Manifest[]): Violation[] {
  const services = new Map<string, Manifest>();
  for (const m of manifests) if (m.kind === 'Service' && m.apiVersion === 'v1') services.set(`${m.namespace}/${m.name}`, m);
  const out: Violation[] = [];
  for (const { config: m, name, spec: w } of webhooksOf(manifests)) {
    const ref = w.clientConfig?.service;
    if (!ref) continue;
    const target = `${String(ref.namespace)}/${String(ref.name)}`;
    const service = services.get(target);
    if (!service) {
      out.push(violation(m, 'webhook-service', `webhook ${name} calls Service ${target}, which is not in this folder`));
      continue;
    }
    // The API defaults clientConfig.service.port to 443.
    const port = ref.port ?? 443;
    const ports = (Array.isArray(service.object.spec?.ports) ? service.object.spec.ports : []) as { port?: unknown }[];
    if (!ports.some(p => p.port === port)) out.push(violation(m, 'webhook-service', `webhook ${name} calls Service ${target} on port ${String(port)}, which the Service does not expose`));
    const selector = labelsOf(service.object.spec?.selector);
    if (Object.keys(selector).length === 0) continue;
    const backed = manifests.some(p => {
      const template = p.namespace === service.namespace ? podTemplateOf(p) : undefined;
      return template !== undefined && matchesLabelSelector({ matchLabels: selector }, labelsOf(template.metadata.labels));
    });
    if (!backed) out.push(violation(m, 'webhook-service', `webhook ${name} calls Service ${target}, whose selector ${formatLabels(selector)} matches no pod template in this folder`));
  }
  return out;
}
