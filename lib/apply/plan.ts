import { isCrd, Manifest, objectRef, parseApiVersion } from '../manifests';

/** One step of an apply, in order. */
export type ApplyStep =
  /** `kubectl wait --for=condition=Established` on these CRDs (by name). */
  | { readonly kind: 'wait-crds'; readonly crds: readonly string[]; readonly before: string }
  /** `kubectl rollout status` of these Deployments (namespace/name): istiod, whose webhooks must answer. */
  | { readonly kind: 'wait-rollout'; readonly deployments: readonly { readonly namespace: string; readonly name: string }[]; readonly before: string }
  /** `kubectl apply --server-side -f <file>`. */
  | { readonly kind: 'apply'; readonly file: string; readonly objects: readonly Manifest[] };

/** API groups served through Istio's CRDs and validated by istiod's webhook. */
const isIstioResource = (m: Manifest) => !isCrd(m) && parseApiVersion(m.apiVersion).group.endsWith('istio.io');

/** Gateway pods get their proxy from istiod's injector, which must answer when they are created. */
const isInjectedGateway = (m: Manifest) => m.kind === 'Deployment'
  && String(m.object.spec?.template?.metadata?.annotations?.['inject.istio.io/templates'] ?? '').split(',').includes('gateway');

/** istiod Deployments (one per revision): Istio's charts label them `app: istiod`. */
const isIstiod = (m: Manifest) => m.kind === 'Deployment' && m.object.metadata?.labels?.app === 'istiod';

/**
 * The steps that apply a folder in Istio's install order without racing the API server:
 * files in name order (the synth numbers them), and before a file, a wait for what it
 * needs and earlier files created — its custom resources' CRDs Established (the API
 * server serves a kind only then), and istiod rolled out before the first Istio
 * resource (its validating webhook fails closed) or gateway (its injector fills in
 * the proxy image).
 */
export function applyPlan(manifests: readonly Manifest[]): ApplyStep[] {
  const files = [...new Set(manifests.map(m => m.file))].sort();
  const crdOf = new Map<string, string>();
  const waitedCrds = new Set<string>();
  const istiods: { namespace: string; name: string }[] = [];
  let istiodWaited = false;
  const steps: ApplyStep[] = [];
  for (const file of files) {
    const objects = manifests.filter(m => m.file === file);
    const crds = [...new Set(objects.map(m => crdOf.get(`${parseApiVersion(m.apiVersion).group}/${m.kind}`)).filter((c): c is string => c !== undefined && !waitedCrds.has(c)))];
    if (crds.length) {
      steps.push({ kind: 'wait-crds', crds, before: file });
      crds.forEach(c => waitedCrds.add(c));
    }
    if (!istiodWaited && istiods.length && objects.some(m => isIstioResource(m) || isInjectedGateway(m))) {
      steps.push({ kind: 'wait-rollout', deployments: [...istiods], before: file });
      istiodWaited = true;
    }
    steps.push({ kind: 'apply', file, objects });
    for (const m of objects) {
      if (isCrd(m)) crdOf.set(`${m.object.spec?.group}/${m.object.spec?.names?.kind}`, m.name);
      if (isIstiod(m)) istiods.push({ namespace: m.namespace, name: m.name });
    }
  }
  return steps;
}

/** How a step reads in the progress output. */
export function describeStep(step: ApplyStep): string {
  switch (step.kind) {
    case 'wait-crds': return `wait for ${step.crds.length} CRD${step.crds.length === 1 ? '' : 's'} to be Established (${step.before} uses them)`;
    case 'wait-rollout': return `wait for the rollout of ${step.deployments.map(d => `${d.namespace}/${d.name}`).join(', ')} (${step.before} needs istiod's webhooks)`;
    case 'apply': return `apply ${step.file} (${step.objects.length} object${step.objects.length === 1 ? '' : 's'})`;
  }
}

/**
 * The objects of a file that a kubectl error message names: kubectl quotes the name
 * beside the kind or resource (`configmaps "x"`, `Kind=ConfigMap … "x"`), so both must appear.
 */
export function objectsNamedIn(message: string, objects: readonly Manifest[]): string[] {
  const text = message.toLowerCase();
  return objects
    .filter(m => text.includes(`"${m.name.toLowerCase()}"`) && text.includes(m.kind.toLowerCase()))
    .map(objectRef);
}
