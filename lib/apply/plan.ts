import { isCrd, Manifest, objectRef, parseApiVersion } from '../manifests';
import { podTemplateOf, usesGatewayTemplate } from '../manifests';
import { UserError } from '../user-error';

/** A workload whose rollout a step waits for. */
export interface Workload {
  readonly kind: 'Deployment' | 'DaemonSet';
  readonly namespace: string;
  readonly name: string;
}

/** One step of an apply, in order. */
export type ApplyStep =
  /** `kubectl wait --for=condition=Established` on these CRDs (by name). */
  | { readonly kind: 'wait-crds'; readonly crds: readonly string[]; readonly before: string }
  /** `kubectl rollout status` of these workloads, and why. */
  | { readonly kind: 'wait-rollout'; readonly workloads: readonly Workload[]; readonly reason: string; readonly before: string }
  /** `kubectl apply --server-side -f <file>`. */
  | { readonly kind: 'apply'; readonly file: string; readonly objects: readonly Manifest[] };

const groupOf = (m: Manifest) => parseApiVersion(m.apiVersion).group;

/** Resources of Istio's API groups, validated by istiod's webhook (fail closed). */
const isIstioResource = (m: Manifest) => !isCrd(m) && (groupOf(m) === 'istio.io' || groupOf(m).endsWith('.istio.io'));

/** Gateway pods get their proxy from istiod's injector, which must answer when they are created. */
const isInjectedGateway = (m: Manifest) => {
  const template = m.kind === 'Deployment' ? podTemplateOf(m) : undefined;
  return template !== undefined && usesGatewayTemplate(template.metadata);
};

/** istiod Deployments (one per revision): Istio's charts label them `app: istiod`. */
const isIstiod = (m: Manifest) => m.kind === 'Deployment' && groupOf(m) === 'apps' && m.object.metadata?.labels?.app === 'istiod';

/** The node agents: istio-cni and ztunnel DaemonSets (charts label them `app: istio-cni-node` / `app: ztunnel`). */
const NODE_AGENTS = ['istio-cni-node', 'ztunnel'];
const isNodeAgent = (m: Manifest) => m.kind === 'DaemonSet' && (NODE_AGENTS.includes(String(m.object.metadata?.labels?.app)) || NODE_AGENTS.includes(m.name));

/** A namespace whose pods join the mesh (injection or ambient): their traffic needs the node agents. */
const isMeshNamespace = (m: Manifest) => {
  const labels = m.object.metadata?.labels ?? {};
  return m.kind === 'Namespace' && (labels['istio-injection'] === 'enabled' || labels['istio.io/rev'] !== undefined || labels['istio.io/dataplane-mode'] === 'ambient');
};

/**
 * The steps that apply a folder in Istio's install order without racing the API server:
 * files in name order (the synth numbers them), and before a file, a wait for what it
 * needs and earlier files created: its custom resources' CRDs Established (the API
 * server serves a kind only then); istiod rolled out before the first Istio resource
 * (its validating webhook fails closed) or gateway (its injector fills in the proxy);
 * istio-cni and ztunnel rolled out before the first namespace whose pods join the mesh.
 */
export function applyPlan(manifests: readonly Manifest[]): ApplyStep[] {
  const files = [...new Set(manifests.map(m => m.file))].sort();
  const crdOf = new Map<string, string>();
  const waitedCrds = new Set<string>();
  const istiods: Workload[] = [];
  const nodeAgents: Workload[] = [];
  let istiodWaited = false;
  let nodeAgentsWaited = false;
  const steps: ApplyStep[] = [];
  for (const file of files) {
    const objects = manifests.filter(m => m.file === file);
    const ownCrds = new Map(objects.filter(isCrd).map(m => [`${m.object.spec?.group}/${m.object.spec?.names?.kind}`, m.name]));
    const early = objects.find(m => ownCrds.has(`${groupOf(m)}/${m.kind}`));
    if (early) {
      throw new UserError(`${file}: ${objectRef(early)} is in the same file as its CRD, which one kubectl apply cannot serve yet; move it to a later file (npm run check reports this as crd-order)`);
    }
    const crds = [...new Set(objects.map(m => crdOf.get(`${groupOf(m)}/${m.kind}`)).filter((c): c is string => c !== undefined && !waitedCrds.has(c)))];
    if (crds.length) {
      steps.push({ kind: 'wait-crds', crds, before: file });
      crds.forEach(c => waitedCrds.add(c));
    }
    if (!istiodWaited && istiods.length && objects.some(m => isIstioResource(m) || isInjectedGateway(m))) {
      steps.push({ kind: 'wait-rollout', workloads: [...istiods], reason: 'needs istiod\'s webhooks', before: file });
      istiodWaited = true;
    }
    if (!nodeAgentsWaited && nodeAgents.length && objects.some(isMeshNamespace)) {
      steps.push({ kind: 'wait-rollout', workloads: [...nodeAgents], reason: 'has mesh namespaces, whose pods need the node agents', before: file });
      nodeAgentsWaited = true;
    }
    steps.push({ kind: 'apply', file, objects });
    for (const m of objects) {
      if (isCrd(m)) crdOf.set(`${m.object.spec?.group}/${m.object.spec?.names?.kind}`, m.name);
      if (isIstiod(m)) istiods.push({ kind: 'Deployment', namespace: m.namespace, name: m.name });
      if (isNodeAgent(m)) nodeAgents.push({ kind: 'DaemonSet', namespace: m.namespace, name: m.name });
    }
  }
  return steps;
}

/** How a step reads in the progress output. */
export function describeStep(step: ApplyStep): string {
  switch (step.kind) {
    case 'wait-crds': return `wait for ${step.crds.length} CRD${step.crds.length === 1 ? '' : 's'} to be Established (${step.before} uses them)`;
    case 'wait-rollout': return `wait for the rollout of ${step.workloads.map(w => `${w.namespace}/${w.name}`).join(', ')} (${step.before} ${step.reason})`;
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
