import { FieldChange } from './fields';
import { flowValue } from './flow';

/** Longest value shown on both sides of `old → new`; longer ones only say that they changed. */
const SHORT_VALUE = 80;

/** Widest added or removed value; longer ones are shortened with `…` after their first keys. */
const ITEM_WIDTH = 100;

/** The value on one line when it fits in SHORT_VALUE characters, else undefined. */
function shortValue(v: unknown): string | undefined {
  if (typeof v === 'string') return v.length <= SHORT_VALUE && !v.includes('\n') ? flowValue(v, Infinity) : undefined;
  // Rendered within the limit, so a replaced subtree of any size costs little; a value
  // that itself holds `…` is merely reported as changed.
  const text = flowValue(v, SHORT_VALUE);
  return text.includes('…') || text.length > SHORT_VALUE ? undefined : text;
}

/** `+3 −1 lines`: enough to size a change to an embedded config (mesh config, injection template). */
function lineDelta(before: string, after: string): string {
  const remaining = new Map<string, number>();
  for (const line of before.split('\n')) remaining.set(line, (remaining.get(line) ?? 0) + 1);
  let added = 0;
  for (const line of after.split('\n')) {
    const n = remaining.get(line) ?? 0;
    if (n > 0) remaining.set(line, n - 1);
    else added++;
  }
  const removed = [...remaining.values()].reduce((sum, n) => sum + n, 0);
  return `+${added} −${removed} lines`;
}

/**
 * One line per field change, e.g. `spec.replicas: 1 → 2`,
 * `spec.template.spec.tolerations[2]: added {key: infra, operator: Exists}`.
 * Added and removed values are shown in YAML flow form, shortened past ~100 characters;
 * a changed value is shown when both sides are short, else its size is (`+3 −1 lines`).
 */
export function formatField(f: FieldChange): string {
  if (f.summarises) return `${f.path}: (changed, ${f.summarises} fields)`;
  switch (f.kind) {
    case 'reordered':
      return `${f.path}: (reordered)`;
    case 'added':
      return `${f.path}: added ${flowValue(f.after, ITEM_WIDTH)}`;
    case 'removed':
      return `${f.path}: removed ${flowValue(f.before, ITEM_WIDTH)}`;
    case 'changed': {
      const before = shortValue(f.before);
      const after = shortValue(f.after);
      if (before !== undefined && after !== undefined) return `${f.path}: ${before} → ${after}`;
      if (typeof f.before === 'string' && typeof f.after === 'string' && (f.before + f.after).includes('\n')) {
        return `${f.path}: (changed, ${lineDelta(f.before, f.after)})`;
      }
      return `${f.path}: (changed)`;
    }
  }
}
