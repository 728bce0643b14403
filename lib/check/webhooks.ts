import { Manifest, parseApiVersion } from '../manifests';
import { LabelSelectorLike, LabelSelectorRequirement, Labels, labelSelectorProblem, labelsOf, matchesLabelSelector } from './label-selectors';
import { violation, Violation } from './violation';

/** The label the API server sets on every namespace, to its name (it cannot be removed or changed). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** The two admission webhook configuration kinds. */
export type WebhookConfigurationKind = 'MutatingWebhookConfiguration' | 'ValidatingWebhookConfiguration';

/** One rule of a webhook: which requests it is called for. */
interface RuleWithOperationsLike {
  readonly operations?: unknown;
  readonly apiGroups?: unknown;
  readonly apiVersions?: unknown;
  readonly resources?: unknown;
}

/** One webhook of a webhook configuration, as admissionregistration.k8s.io/v1 renders it; only the fields read here. */
export interface WebhookLike {
  readonly name?: unknown;
  readonly namespaceSelector?: unknown;
  readonly objectSelector?: unknown;
  readonly rules?: unknown;
  readonly clientConfig?: { readonly url?: unknown; readonly service?: { readonly namespace?: unknown; readonly name?: unknown; readonly port?: unknown } };
}

/** A webhook and the configuration it is in. */
export interface Webhook {
  /** The MutatingWebhookConfiguration or ValidatingWebhookConfiguration. */
  readonly config: Manifest;
  /** webhooks[].name. */
  readonly name: string;
  /** The webhook as rendered. */
  readonly spec: WebhookLike;
}

/** Whether `m` is an admission webhook configuration (of admissionregistration.k8s.io, not a look-alike kind). */
export function isWebhookConfiguration(m: Manifest, kind?: WebhookConfigurationKind): boolean {
  if (parseApiVersion(m.apiVersion).group !== 'admissionregistration.k8s.io') return false;
  return kind ? m.kind === kind : m.kind === 'MutatingWebhookConfiguration' || m.kind === 'ValidatingWebhookConfiguration';
}

/** Every webhook of every configuration of `kind` (both kinds when none), in manifest order. */
export function webhooksOf(manifests: readonly Manifest[], kind?: WebhookConfigurationKind): Webhook[] {
  return manifests
    .filter(m => isWebhookConfiguration(m, kind))
    .flatMap(config => (Array.isArray(config.object.webhooks) ? config.object.webhooks as WebhookLike[] : [])
      .filter(spec => typeof spec === 'object' && spec !== null)
      .map(spec => ({ config, name: String(spec.name), spec })));
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const covers = (list: readonly string[], value: string): boolean => list.includes('*') || list.includes(value);

/**
 * Whether the webhook's rules send it the request: an `operation` on a `resource` of
 * `group` (any version). A resource matches by name or by a wildcard rule.
 */
export function webhookCovers(w: Webhook, operation: string, group: (g: string) => boolean, resource?: string): boolean {
  const rules = (Array.isArray(w.spec.rules) ? w.spec.rules : []) as RuleWithOperationsLike[];
  return rules.some(r => {
    const groups = strings(r.apiGroups);
    const resources = strings(r.resources);
    return covers(strings(r.operations), operation)
      && (groups.includes('*') || groups.some(group))
      && strings(r.apiVersions).length > 0
      && (resource === undefined || resources.some(x => x === resource || x === '*' || x === '*/*'));
  });
}

/** Whether the webhook is called for an object with `objectLabels` in a namespace with `namespaceLabels`. */
export function webhookSelects(w: Webhook, namespaceLabels: Labels, objectLabels: Labels): boolean {
  return matchesLabelSelector(w.spec.namespaceSelector, namespaceLabels) && matchesLabelSelector(w.spec.objectSelector, objectLabels);
}

/**
 * The labels of each namespace as the API server stores them: those of its Namespace in
 * the folder, and kubernetes.io/metadata.name, which the API server sets to the name.
 */
export class NamespaceLabels {
  private readonly declared = new Map<string, Manifest>();

  constructor(manifests: readonly Manifest[]) {
    for (const m of manifests) {
      if (m.kind === 'Namespace' && m.apiVersion === 'v1' && !this.declared.has(m.name)) this.declared.set(m.name, m);
    }
  }

  /** The Namespaces the folder creates, in manifest order (the first of each name). */
  get namespaces(): Manifest[] {
    return [...this.declared.values()];
  }

  /** The labels of namespace `name`'s Namespace object in the folder, without the name label. */
  declaredOf(name: string): Labels {
    return labelsOf(this.declared.get(name)?.object.metadata?.labels);
  }

  /** The labels namespace `name` has in the cluster; a namespace not in the folder has only its name label. */
  of(name: string): Labels {
    return { ...this.declaredOf(name), [NAMESPACE_NAME_LABEL]: name };
  }
}

/** The label keys any of the webhooks' selectors read: the labels worth showing in a message about them. */
export function selectorKeys(webhooks: readonly Webhook[]): Set<string> {
  const keys = new Set<string>();
  for (const w of webhooks) {
    for (const selector of [w.spec.namespaceSelector, w.spec.objectSelector] as (LabelSelectorLike | undefined)[]) {
      if (typeof selector !== 'object' || selector === null) continue;
      Object.keys(labelsOf(selector.matchLabels)).forEach(k => keys.add(k));
      for (const r of (Array.isArray(selector.matchExpressions) ? selector.matchExpressions : []) as LabelSelectorRequirement[]) {
        if (typeof r?.key === 'string') keys.add(r.key);
      }
    }
  }
  return keys;
}

/** `config (webhook, webhook), config (webhook)`: matching webhooks, grouped by configuration. */
export function describeWebhooks(webhooks: readonly Webhook[]): string {
  const byConfig = new Map<string, string[]>();
  for (const w of webhooks) byConfig.set(w.config.name, [...(byConfig.get(w.config.name) ?? []), w.name]);
  return [...byConfig].map(([config, names]) => `${config} (${names.join(', ')})`).join(', ');
}

/** Every webhook's namespaceSelector and objectSelector is one the API server accepts (otherwise it refuses the configuration). */
export function checkWebhookSelectors(manifests: readonly Manifest[]): Violation[] {
  const out: Violation[] = [];
  for (const w of webhooksOf(manifests)) {
    for (const field of ['namespaceSelector', 'objectSelector'] as const) {
      const problem = labelSelectorProblem(w.spec[field]);
      if (problem) out.push(violation(w.config, 'webhook-selector', `webhook ${w.name} ${field}: ${problem}`));
    }
  }
  return out;
}
