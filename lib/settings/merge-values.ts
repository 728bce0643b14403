import type { HelmValues } from './types';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Deep-merges Helm values the way helm merges `-f` files: maps merge key by key,
 * anything else (lists included) from `override` replaces `base`.
 */
export function mergeValues(base: HelmValues, override: HelmValues | undefined): HelmValues {
  if (!override) return base;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? mergeValues(current, value) : value;
  }
  return out;
}
