import { Manifest, parseApiVersion } from '../../manifests';
import { formatField } from '../field-line';
import { diffFields } from '../fields';
import { isRecord, pairObjects, strings } from './pairs';

/** What changed in one webhook present on both sides. */
export interface WebhookChange {
  /** The webhook's name, e.g. `rev.namespace.sidecar-injector.istio.io`. */
  readonly name: string;
  /** Rules only the new webhook has, as readable text (ruleText). */
  readonly rulesAdded: readonly string[];
  /** Rules only the old webhook had. */
  readonly rulesRemoved: readonly string[];
  /** Every other change (selectors, failurePolicy, clientConfig, matchConditions …) as field lines, paths from the webhook. */
  readonly fields: readonly string[];
}

/** What changed in one Mutating- or ValidatingWebhookConfiguration. */
export interface WebhookConfigChange {
  /** `kind/-/name`. */
  readonly ref: string;
  /** Set when the whole configuration is new or gone; its webhooks are then all added or removed. */
  readonly status?: 'added' | 'removed';
  /** Names of webhooks only the new side has. */
  readonly added: readonly string[];
  /** Names of webhooks only the old side has. */
  readonly removed: readonly string[];
  /** Webhooks on both sides that differ. */
  readonly changed: readonly WebhookChange[];
}

const WEBHOOK_KINDS = new Set(['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']);

function isWebhookConfig(m: Manifest): boolean {
  return WEBHOOK_KINDS.has(m.kind) && parseApiVersion(m.apiVersion).group === 'admissionregistration.k8s.io';
}

type Webhook = { readonly [key: string]: unknown };

function webhooksOf(m: Manifest | undefined): Map<string, Webhook> {
  const out = new Map<string, Webhook>();
  const list: unknown = m?.object.webhooks;
  if (Array.isArray(list)) {
    list.forEach((w, i) => {
      if (!isRecord(w)) return;
      const name = typeof w.name === 'string' ? w.name : `#${i}`;
      if (!out.has(name)) out.set(name, w);
    });
  }
  return out;
}

function listText(values: readonly string[]): string {
  const shown = values.map(v => (v === '' ? '""' : v));
  return shown.length === 1 ? shown[0] : `[${shown.join(', ')}]`;
}

/**
 * A webhook rule as one line: `CREATE, UPDATE on networking.istio.io/*\/*`, i.e.
 * operations on apiGroups/apiVersions/resources (lists in brackets, the core group
 * as `""`), with the scope when the rule sets one.
 */
export function ruleText(rule: unknown): string {
  if (!isRecord(rule)) return JSON.stringify(rule);
  const target = [rule.apiGroups, rule.apiVersions, rule.resources].map(v => listText(strings(v))).join('/');
  const scope = typeof rule.scope === 'string' ? ` (scope ${rule.scope})` : '';
  return `${strings(rule.operations).join(', ') || '(no operations)'} on ${target}${scope}`;
}

/** The webhook without what is compared separately (rules) or is not rendered by us (the CA bundle istiod injects). */
function comparable(w: Webhook): Webhook {
  const { rules: _rules, ...rest } = w;
  if (isRecord(rest.clientConfig)) {
    const { caBundle: _ca, ...clientConfig } = rest.clientConfig;
    return { ...rest, clientConfig };
  }
  return rest;
}

function webhookChange(name: string, a: Webhook, b: Webhook): WebhookChange | undefined {
  const rulesA = (Array.isArray(a.rules) ? a.rules : []).map(ruleText);
  const rulesB = (Array.isArray(b.rules) ? b.rules : []).map(ruleText);
  const rulesAdded = rulesB.filter(r => !rulesA.includes(r));
  const rulesRemoved = rulesA.filter(r => !rulesB.includes(r));
  const fields = diffFields(comparable(a), comparable(b)).map(formatField);
  return rulesAdded.length || rulesRemoved.length || fields.length ? { name, rulesAdded, rulesRemoved, fields } : undefined;
}

/**
 * Per webhook configuration that differs: webhooks added and removed (by name), and per
 * webhook on both sides its rules added and removed, and its other changed fields
 * (namespaceSelector, objectSelector, failurePolicy, clientConfig.service …; not the
 * caBundle).
 */
export function webhookChanges(before: readonly Manifest[], after: readonly Manifest[]): WebhookConfigChange[] {
  const out: WebhookConfigChange[] = [];
  for (const pair of pairObjects(before, after, isWebhookConfig)) {
    const old = webhooksOf(pair.before);
    const now = webhooksOf(pair.after);
    const added = [...now.keys()].filter(n => !old.has(n));
    const removed = [...old.keys()].filter(n => !now.has(n));
    const changed: WebhookChange[] = [];
    for (const [name, b] of now) {
      const a = old.get(name);
      const change = a && webhookChange(name, a, b);
      if (change) changed.push(change);
    }
    const status = !pair.before ? 'added' : !pair.after ? 'removed' : undefined;
    if (status || added.length || removed.length || changed.length) {
      out.push({ ref: pair.ref, ...(status ? { status } : {}), added, removed, changed });
    }
  }
  return out;
}
