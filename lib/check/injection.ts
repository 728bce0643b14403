import { Manifest } from '../manifests';
import { ISTIO_NAMESPACE } from '../settings';
import { formatLabels, Labels, labelsOf, pickLabels } from './label-selectors';
import { containersOf, PodTemplate, podTemplateOf } from '../manifests/pod-templates';
import { violation, Violation } from './violation';
import { describeWebhooks, NamespaceLabels, selectorKeys, Webhook, webhookCovers, webhookSelects, webhooksOf } from './webhooks';

// Which istiod injects which pods, proven by evaluating the injection webhooks' selectors
// (docs/design.md, decision 14). With canary revisions and revision tags, several
// MutatingWebhookConfigurations select pods by the same few labels; a pod two of them
// select is injected by whichever the API server calls first, one none selects runs
// without a proxy.

/** Istio names every injection webhook `<prefix>sidecar-injector.istio.io` (mutatingwebhook.yaml, revision-tags-mwc.yaml). */
export const INJECTOR_SUFFIX = 'sidecar-injector.istio.io';

/** Namespace label: `enabled` asks the default revision (or the `default` tag) to inject. */
const INJECTION_LABEL = 'istio-injection';
/** Namespace or pod label: a revision or tag name asks that one to inject. */
const REVISION_LABEL = 'istio.io/rev';
/** Pod label: `true` asks for injection in a namespace without injection labels; `false` refuses it. */
const INJECT_LABEL = 'sidecar.istio.io/inject';
/** The labels Istio's injection selectors read, shown in messages even when no webhook reads them. */
const ISTIO_KEYS = [INJECTION_LABEL, REVISION_LABEL, INJECT_LABEL];

/** Namespaces no injector may touch: Kubernetes' own, and Istio's control plane. */
export const SYSTEM_NAMESPACES: readonly string[] = ['kube-system', ISTIO_NAMESPACE];

/** The injection webhooks of the folder: named `*sidecar-injector.istio.io` and called on pod creation. */
function injectorsOf(manifests: readonly Manifest[]): Webhook[] {
  return webhooksOf(manifests, 'MutatingWebhookConfiguration')
    .filter(w => w.name.endsWith(INJECTOR_SUFFIX) && webhookCovers(w, 'CREATE', g => g === '', 'pods'));
}

/** The injection webhooks that are called for a pod with `podLabels` created in a namespace with `namespaceLabels`. */
function injectorsFor(injectors: readonly Webhook[], namespaceLabels: Labels, podLabels: Labels): Webhook[] {
  return injectors.filter(w => webhookSelects(w, namespaceLabels, podLabels));
}

/** Whether a namespace asks for injection by label (an app namespace). */
function namespaceAsksForInjection(labels: Labels): boolean {
  return labels[INJECTION_LABEL] === 'enabled' || REVISION_LABEL in labels;
}

/** Whether a pod template asks for injection: `sidecar.istio.io/inject: "true"`, or a container with image `auto` (a gateway). */
function podAsksForInjection(template: PodTemplate): boolean {
  return labelsOf(template.metadata.labels)[INJECT_LABEL] === 'true'
    || labelsOf(template.metadata.annotations)[INJECT_LABEL] === 'true'
    || containersOf(template.spec).some(c => c.container.image === 'auto');
}

/** What the injectors see, for messages: `pod labels …; namespace x labels …`, only keys a selector reads. */
class LabelFormatter {
  private readonly keys: Set<string>;

  constructor(injectors: readonly Webhook[], private readonly namespaces: NamespaceLabels) {
    this.keys = new Set([...ISTIO_KEYS, ...selectorKeys(injectors)]);
  }

  namespace(name: string): string {
    return `namespace ${name} labels ${formatLabels(pickLabels(this.namespaces.of(name), this.keys))}`;
  }

  pod(labels: Labels): string {
    return `pod labels ${formatLabels(pickLabels(labels, this.keys))}`;
  }
}

/** `not injected` or `overlapping injectors`, or undefined for exactly one. */
function exactlyOne(matches: readonly Webhook[], what: string): string | undefined {
  if (matches.length === 0) return `not injected: no ${INJECTOR_SUFFIX} webhook selects ${what}`;
  if (matches.length > 1) return `overlapping injectors: ${describeWebhooks(matches)} all select ${what}`;
  return undefined;
}

/**
 * Every app namespace (labelled istio-injection=enabled or istio.io/rev) and every workload
 * that asks for injection (gateways) is selected by exactly one injection webhook: a plain
 * pod in the namespace, the workload's pod template in its namespace.
 */
/**
 * When pods ask for a revision or tag (`istio.io/rev` on the pod, else on its namespace),
 * the one injector that picks them up must be that revision's or tag's (its
 * configuration labelled `istio.io/rev` or `istio.io/tag` with it): a namespace label
 * can otherwise hand a gateway of one revision to another revision's injector.
 */
function wrongRevision(match: Webhook, wanted: string | undefined): string | undefined {
  if (!wanted) return undefined;
  const labels = labelsOf(match.config.object.metadata?.labels);
  const owner = labels['istio.io/tag'] ?? labels['istio.io/rev'];
  if (owner === undefined || owner === wanted) return undefined;
  return `asks for revision or tag ${wanted} (istio.io/rev) but is injected by ${match.config.kind}/${match.config.name} of ${labels['istio.io/tag'] !== undefined ? 'tag' : 'revision'} ${owner}`;
}

export function checkInjection(manifests: readonly Manifest[]): Violation[] {
  const namespaces = new NamespaceLabels(manifests);
  const injectors = injectorsOf(manifests);
  const show = new LabelFormatter(injectors, namespaces);
  const out: Violation[] = [];
  for (const ns of namespaces.namespaces) {
    // Injection there is system-injection's concern, which forbids it.
    if (SYSTEM_NAMESPACES.includes(ns.name)) continue;
    if (!namespaceAsksForInjection(namespaces.declaredOf(ns.name))) continue;
    const matches = injectorsFor(injectors, namespaces.of(ns.name), {});
    const problem = exactlyOne(matches, `a pod without labels in it (${show.namespace(ns.name)})`)
      ?? wrongRevision(matches[0], namespaces.of(ns.name)['istio.io/rev']);
    if (problem) out.push(violation(ns, 'injection', problem));
  }
  for (const m of manifests) {
    const template = podTemplateOf(m);
    // Without a namespace it breaks namespace-scope; where it would run is not known.
    if (!template || !m.namespace || !podAsksForInjection(template)) continue;
    const podLabels = labelsOf(template.metadata.labels);
    const matches = injectorsFor(injectors, namespaces.of(m.namespace), podLabels);
    let problem = exactlyOne(matches, `its pods (${show.pod(podLabels)}; ${show.namespace(m.namespace)})`)
      ?? wrongRevision(matches[0], podLabels['istio.io/rev'] ?? namespaces.of(m.namespace)['istio.io/rev']);
    if (problem && podLabels[INJECT_LABEL] === undefined && labelsOf(template.metadata.annotations)[INJECT_LABEL] === 'true') {
      problem += `; ${INJECT_LABEL} is an annotation here, but webhooks select on labels`;
    }
    if (problem) out.push(violation(m, 'injection', problem));
  }
  return out;
}

/**
 * No injection webhook selects a pod without labels in kube-system or istio-system
 * (whether or not the folder creates them: kube-system always exists), nor the pod
 * template of a workload there that does not ask for injection (istiod itself). A pod
 * labelled sidecar.istio.io/inject=true opts in explicitly, which Istio allows anywhere.
 */
export function checkSystemInjection(manifests: readonly Manifest[]): Violation[] {
  const namespaces = new NamespaceLabels(manifests);
  const injectors = injectorsOf(manifests);
  const show = new LabelFormatter(injectors, namespaces);
  const out: Violation[] = [];
  for (const ns of SYSTEM_NAMESPACES) {
    const matches = injectorsFor(injectors, namespaces.of(ns), {});
    for (const config of new Set(matches.map(w => w.config))) {
      const names = matches.filter(w => w.config === config).map(w => w.name).join(', ');
      out.push(violation(config, 'system-injection', `webhook ${names} selects a pod without labels in system namespace ${ns} (${show.namespace(ns)})`));
    }
  }
  for (const m of manifests) {
    if (!SYSTEM_NAMESPACES.includes(m.namespace)) continue;
    const template = podTemplateOf(m);
    if (!template || podAsksForInjection(template)) continue;
    const podLabels = labelsOf(template.metadata.labels);
    const matches = injectorsFor(injectors, namespaces.of(m.namespace), podLabels);
    if (matches.length) out.push(violation(m, 'system-injection', `injected by ${describeWebhooks(matches)} in system namespace ${m.namespace}, though it does not ask for injection (${show.pod(podLabels)}; ${show.namespace(m.namespace)})`));
  }
  return out;
}
