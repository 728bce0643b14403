import { Manifest } from '../manifests';
import { parseApiVersion } from '../manifests';
import { isClusterScopedBuiltin } from '../manifests/cluster-scope';
import { CheckOptions, Crd, CrdIndex, validateCustomResource } from './crd-schema';
import { builtinListTypeErrors } from './builtin-list-types';
import { formatFieldError } from './field-error';
import { builtinStatus, validateBuiltin } from './kube-schema';
import { validateObjectMetadata } from './metadata';
import { violation, Violation } from './violation';

/** Whether objects of a kind live in a namespace. */
export type Scope = 'Namespaced' | 'Cluster';

/** What a manifest's apiVersion/kind turned out to be. */
export type KindInfo =
  | { readonly source: 'builtin'; readonly scope: Scope }
  | { readonly source: 'custom'; readonly scope: Scope; readonly crd: Crd }
  | { readonly source: 'unknown' };

/** The outcome of checking every object's kind and schema. */
export interface KindCheck {
  /** Schema, removed-API and unknown-kind violations. */
  readonly violations: readonly Violation[];
  /** What each manifest's kind is; the structure rules need scopes and CRDs. */
  readonly kinds: ReadonlyMap<Manifest, KindInfo>;
}

/**
 * Kinds a platform's own CRDs serve, which no file here defines: OpenShift ships Multus
 * (its NetworkAttachmentDefinition is how istio-cni joins pods there). They are allowed
 * unvalidated, namespaced, only when the settings name that platform.
 */
const PLATFORM_KINDS: { readonly [platform: string]: readonly string[] } = {
  openshift: ['k8s.cni.cncf.io/NetworkAttachmentDefinition'],
};

/**
 * metadata as the API server validates it for every object (name format per kind, labels,
 * annotations, finalizers). Namespace presence is the namespace-scope rule's: kubectl fills
 * in a missing one and the server drops a stray one, so only their format is checked here.
 */
function metadataViolations(m: Manifest, group: string, custom: boolean): Violation[] {
  return validateObjectMetadata(m.object, { group, kind: m.kind, custom }).map(p => violation(m, 'metadata', `${p.path}: ${p.message}`));
}

/**
 * Resolves every object's kind and validates it: a group served by a CRD in the folder
 * makes a custom resource (validated against that CRD); otherwise it must be a built-in kind
 * that the configured Kubernetes version still serves (validated against its OpenAPI schema
 * and server-side apply's list keys). Every object's metadata is validated too.
 */
export function checkKinds(manifests: readonly Manifest[], crds: CrdIndex, kubeVersion: string, platform?: string, options: CheckOptions = {}): KindCheck {
  const platformKinds = new Set(platform ? PLATFORM_KINDS[platform] ?? [] : []);
  const violations: Violation[] = [];
  const kinds = new Map<Manifest, KindInfo>();
  for (const m of manifests) {
    const { group, version } = parseApiVersion(m.apiVersion);
    if (crds.servesGroup(group)) {
      const crd = crds.find(group, m.kind);
      if (!crd) {
        const providers = crds.providersOf(group);
        const where = providers.length ? `in this folder or of ${providers.join(', ')} (vendored)` : 'in this folder';
        violations.push(violation(m, 'unknown-kind', `no CustomResourceDefinition ${where} defines kind ${m.kind} in group ${group}`));
        kinds.set(m, { source: 'unknown' });
        continue;
      }
      kinds.set(m, { source: 'custom', scope: crd.scope, crd });
      if (!options.schemaOnly) violations.push(...metadataViolations(m, group, true));
      const found = validateCustomResource(crd, version, m.object, options);
      for (const e of found.schema) violations.push(violation(m, 'crd-schema', formatFieldError(e)));
      for (const e of found.rules) violations.push(violation(m, 'crd-rule', formatFieldError(e)));
      for (const u of found.unsupported) {
        violations.push(violation(m, 'crd-rule-unsupported', `${u.path || 'the object'}: CustomResourceDefinition ${crd.manifest.name} has a rule check cannot evaluate (${u.reason}), so it cannot tell whether the API server accepts this object: ${u.rule}`));
      }
      continue;
    }
    if (platformKinds.has(`${group}/${m.kind}`)) {
      kinds.set(m, { source: 'builtin', scope: 'Namespaced' });
      continue;
    }
    const status = builtinStatus(m.apiVersion, m.kind, kubeVersion);
    if (status.kind === 'unknown') {
      violations.push(violation(m, 'unknown-kind', `apiVersion ${m.apiVersion} kind ${m.kind} is neither a built-in kind of Kubernetes ${kubeVersion} nor defined by a CustomResourceDefinition in this folder`));
      kinds.set(m, { source: 'unknown' });
      continue;
    }
    kinds.set(m, { source: 'builtin', scope: isClusterScopedBuiltin(group, m.kind) ? 'Cluster' : 'Namespaced' });
    if (status.kind === 'removed') {
      violations.push(violation(m, 'removed-api', `apiVersion ${m.apiVersion} is no longer served since Kubernetes ${status.removedIn} (configured: ${kubeVersion})`));
      continue;
    }
    if (!options.schemaOnly) violations.push(...metadataViolations(m, group, false));
    for (const e of [...validateBuiltin(m.object), ...(options.schemaOnly ? [] : builtinListTypeErrors(m.object))]) violations.push(violation(m, 'kube-schema', formatFieldError(e)));
  }
  return { violations, kinds };
}
