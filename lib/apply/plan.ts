import { isCrd, Manifest, objectRef, parseApiVersion } from '../manifests';
import { podTemplateOf, usesGatewayTemplate } from '../manifests';
import type { ResolvedTrust } from '../settings';
import { CACERTS, externalSecretKeys, externalSecretStores, isCertificate, issuerOf, writesCacertsByReference } from '../check/trust';
import { UserError } from '../user-error';

/** A workload whose rollout a step waits for. */
export interface Workload {
  readonly kind: 'Deployment' | 'DaemonSet';
  readonly namespace: string;
  readonly name: string;
}

/** An object in the folder that writes istiod's CA Secret, and whose Ready condition says it did. */
export interface CaWriter {
  readonly kind: 'Certificate' | 'ExternalSecret';
  /** Its resource for kubectl, fully qualified (another group may serve a kind of the same name). */
  readonly resource: 'certificates.cert-manager.io' | 'externalsecrets.external-secrets.io';
  readonly name: string;
  /** Where it comes from, as `Kind name`: the Certificate's issuer, the ExternalSecret's stores. */
  readonly from: readonly string[];
  /** The ExternalSecret's store keys (none for a Certificate). */
  readonly keys: readonly string[];
}

/** One step of an apply, in order. */
export type ApplyStep =
  /** `kubectl wait --for=condition=Established` on these CRDs (by name). */
  | { readonly kind: 'wait-crds'; readonly crds: readonly string[]; readonly before: string }
  /** `kubectl rollout status` of these workloads, and why. */
  | { readonly kind: 'wait-rollout'; readonly workloads: readonly Workload[]; readonly reason: string; readonly before: string }
  /**
   * Before the first istiod starts: its CA, Secret `<namespace>/cacerts`, with every key
   * istiod reads (`kubectl get` of its key names until one layout is complete), after the
   * Ready condition of each writer (`kubectl wait`); no writers: the user creates it (trust 'manual').
   */
  | { readonly kind: 'wait-ca'; readonly namespace: string; readonly writers: readonly CaWriter[]; readonly before: string }
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
 * A cert-manager Certificate or External Secrets ExternalSecret that writes Secret
 * `<namespace>/cacerts`, as check's trust rules read it (lib/check/trust.ts): apply waits
 * for what check proves is there.
 */
function caWriterOf(m: Manifest, namespace: string): CaWriter | undefined {
  if (m.namespace !== namespace || !writesCacertsByReference(m)) return undefined;
  if (isCertificate(m)) {
    const issuer = issuerOf(m);
    return { kind: 'Certificate', resource: 'certificates.cert-manager.io', name: m.name, from: issuer.name ? [`${issuer.kind} ${issuer.name}`] : [], keys: [] };
  }
  return { kind: 'ExternalSecret', resource: 'externalsecrets.external-secrets.io', name: m.name, from: externalSecretStores(m), keys: externalSecretKeys(m) };
}

/** What the settings of the folder's cluster say, where its manifests cannot. */
export interface PlanSettings {
  /**
   * Where istiod's CA comes from: 'manual' has no object in the folder, so only the
   * settings tell that istiod must wait for `cacerts`.
   * @default - unknown: decided from the folder's objects alone
   */
  readonly trust?: ResolvedTrust;
}

/**
 * Before the first istiod file: the wait for istiod's CA, when something writes it (a
 * Certificate or ExternalSecret in an earlier file) or the settings say the user does.
 * istiod mounts `cacerts` as optional: started without it, it makes a root of its own and
 * keeps it, and the clusters of a mesh never trust each other.
 */
function caWait(manifests: readonly Manifest[], file: string, istiods: readonly Manifest[], settings: PlanSettings): ApplyStep | undefined {
  const namespace = istiods[0].namespace;
  const writers = manifests.map(m => ({ m, writer: caWriterOf(m, namespace) })).filter(w => w.writer !== undefined);
  const late = writers.find(w => w.m.file >= file);
  if (late) {
    throw new UserError(`${late.m.file}: ${objectRef(late.m)} writes Secret ${namespace}/${CACERTS}, istiod's CA, but istiod starts in ${late.m.file === file ? 'the same file' : `an earlier file, ${file}`}: without the Secret istiod makes a root of its own and keeps it; move it to a file before ${file}`);
  }
  if (writers.length) return { kind: 'wait-ca', namespace, writers: writers.map(w => w.writer!), before: file };
  const source = settings.trust?.source;
  if (source === 'manual') return { kind: 'wait-ca', namespace, writers: [], before: file };
  if (source === 'cert-manager' || source === 'external-secret') {
    const kind = source === 'cert-manager' ? 'cert-manager Certificate' : 'ExternalSecret';
    throw new UserError(`the settings take istiod's CA from ${source}, but no ${kind} before ${file} writes Secret ${namespace}/${CACERTS}: the folder was rendered from other settings; run npm run synth (npm run diff shows what changed)`);
  }
  return undefined;
}

/**
 * The steps that apply a folder in Istio's install order without racing the API server:
 * files in name order (the synth numbers them), and before a file, a wait for what it
 * needs and earlier files created: its custom resources' CRDs Established (the API
 * server serves a kind only then); istiod rolled out before the first Istio resource
 * (its validating webhook fails closed) or gateway (its injector fills in the proxy);
 * istio-cni and ztunnel rolled out before the first namespace whose pods join the mesh;
 * istiod's CA Secret complete before the first istiod starts (see caWait).
 */
export function applyPlan(manifests: readonly Manifest[], settings: PlanSettings = {}): ApplyStep[] {
  const files = [...new Set(manifests.map(m => m.file))].sort();
  const crdOf = new Map<string, string>();
  const waitedCrds = new Set<string>();
  const istiods: Workload[] = [];
  const nodeAgents: Workload[] = [];
  let istiodWaited = false;
  let nodeAgentsWaited = false;
  let caWaited = false;
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
    const ownIstiods = objects.filter(isIstiod);
    if (!caWaited && ownIstiods.length) {
      const wait = caWait(manifests, file, ownIstiods, settings);
      if (wait) steps.push(wait);
      caWaited = true;
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
    case 'wait-ca': {
      const writers = step.writers.map(w => `${w.kind} ${step.namespace}/${w.name} Ready, then `).join('');
      const byHand = step.writers.length ? '' : ' (trust \'manual\': created by hand)';
      return `wait for istiod's CA: ${writers}Secret ${step.namespace}/${CACERTS}${byHand} with every key istiod reads (${step.before} starts istiod)`;
    }
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
