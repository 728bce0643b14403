// Kubernetes label selectors (metav1.LabelSelector) and label sets, evaluated the way the
// API server does: the check proves which webhooks see which objects from dist/ alone.

/** Labels as Kubernetes stores them: key → value. */
export type Labels = { readonly [key: string]: string };

/** One `matchExpressions` entry. */
export interface LabelSelectorRequirement {
  readonly key?: unknown;
  readonly operator?: unknown;
  readonly values?: unknown;
}

/** A `metav1.LabelSelector` as it appears in a manifest (fields unchecked). */
export interface LabelSelectorLike {
  readonly matchLabels?: unknown;
  readonly matchExpressions?: unknown;
}

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/** A manifest's label map as strings; anything that is not a mapping is no labels. */
export function labelsOf(value: unknown): Labels {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const out: { [key: string]: string } = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined && v !== null) out[k] = String(v);
  return out;
}

/** `a=1,b=2`, or `(none)`: how messages show a label set. */
export function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(',') : '(none)';
}

/**
 * Why the API server would refuse a selector, or undefined when it is valid: In and NotIn
 * need values, Exists and DoesNotExist take none, no other operator exists.
 */
export function labelSelectorProblem(selector: unknown): string | undefined {
  if (selector === undefined || selector === null) return undefined;
  if (typeof selector !== 'object' || Array.isArray(selector)) return 'is not a mapping';
  const s = selector as LabelSelectorLike;
  if (s.matchLabels !== undefined && s.matchLabels !== null && (typeof s.matchLabels !== 'object' || Array.isArray(s.matchLabels))) return 'matchLabels is not a mapping';
  if (s.matchExpressions === undefined || s.matchExpressions === null) return undefined;
  if (!Array.isArray(s.matchExpressions)) return 'matchExpressions is not a list';
  for (const [i, r] of (s.matchExpressions as LabelSelectorRequirement[]).entries()) {
    const where = `matchExpressions[${i}]`;
    if (typeof r?.key !== 'string' || r.key === '') return `${where} has no key`;
    const values = r.values ?? [];
    if (!Array.isArray(values)) return `${where} values is not a list`;
    if (!OPERATORS.has(String(r.operator))) return `${where} has operator ${JSON.stringify(r.operator)} (In, NotIn, Exists or DoesNotExist)`;
    if ((r.operator === 'In' || r.operator === 'NotIn') && values.length === 0) return `${where} (${r.key} ${r.operator}) needs values`;
    if ((r.operator === 'Exists' || r.operator === 'DoesNotExist') && values.length > 0) return `${where} (${r.key} ${r.operator}) must have no values`;
  }
  return undefined;
}

/**
 * Whether `labels` satisfy a label selector: every matchLabels entry and every
 * matchExpressions requirement (AND). An absent or empty selector matches everything, as
 * in an admission webhook's namespaceSelector and objectSelector. An invalid selector
 * (see labelSelectorProblem) matches nothing: the API server would not accept it.
 */
export function matchesLabelSelector(selector: unknown, labels: Labels): boolean {
  if (selector === undefined || selector === null) return true;
  if (labelSelectorProblem(selector)) return false;
  const s = selector as LabelSelectorLike;
  for (const [key, value] of Object.entries(labelsOf(s.matchLabels))) {
    if (labels[key] !== value) return false;
  }
  for (const r of (Array.isArray(s.matchExpressions) ? s.matchExpressions : []) as LabelSelectorRequirement[]) {
    const key = r.key as string;
    const values = ((r.values ?? []) as unknown[]).map(String);
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    switch (r.operator) {
      case 'In': if (!has || !values.includes(labels[key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
    }
  }
  return true;
}

/** The labels whose keys are in `keys`. */
export function pickLabels(labels: Labels, keys: ReadonlySet<string>): Labels {
  return Object.fromEntries(Object.entries(labels).filter(([k]) => keys.has(k)));
}
