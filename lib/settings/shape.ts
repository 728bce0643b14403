import type { ErrorObject, ValidateFunction } from 'ajv';
import { closest, distance } from 'fastest-levenshtein';

/** One problem with the shape of the settings: a field path and what is wrong there. */
export interface ShapeProblem {
  /** Where, as main.ts spells it: `gateways[0].name`, `appNamespaces[1].labels["team"]`. */
  readonly field: string;
  /** What is wrong, e.g. `unknown setting; did you mean appNamespaces?`. */
  readonly message: string;
}

/**
 * The schema's validator, compiled ahead of time (npm run settings-schema writes it from
 * mesh-settings.schema.json; a test proves both match the types).
 */
function validate(): ValidateFunction {
  return require('./mesh-settings.validator.cjs') as ValidateFunction;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A JSON pointer (`/gateways/0/name`) as a TypeScript-like path (`gateways[0].name`). */
export function fieldPath(pointer: string, extra?: string): string {
  const segments = pointer.split('/').slice(1).map(s => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) segments.push(extra);
  // The root itself: what main.ts exports.
  if (segments.length === 0) return 'settings';
  let out = '';
  for (const s of segments) {
    if (/^\d+$/.test(s)) out += `[${s}]`;
    else if (IDENTIFIER.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** The known key nearest to a mistyped one, if it is near enough to be what was meant. */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const sameCase = known.find(k => k.toLowerCase() === key.toLowerCase());
  if (sameCase) return sameCase;
  const best = closest(key, [...known]);
  // A third of the length: catches a dropped letter or a swap, not an unrelated word.
  return distance(key, best) <= Math.max(1, Math.floor(key.length / 3)) ? best : undefined;
}

function describeType(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'a map' : JSON.stringify(value);
}

const TYPE_NAMES: { readonly [t: string]: string } = {
  string: 'a string', number: 'a number', integer: 'a whole number', boolean: 'true or false', object: 'a map', array: 'a list',
};

function problemOf(e: ErrorObject): ShapeProblem {
  const params = e.params as Record<string, any>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const near = nearestKey(key, known);
      const hint = near ? `did you mean ${near}?` : known.length ? `known settings here: ${known.join(', ')}` : 'this map takes no keys';
      return { field: fieldPath(e.instancePath, key), message: `unknown setting; ${hint}` };
    }
    case 'required':
      return { field: fieldPath(e.instancePath, String(params.missingProperty)), message: 'is required' };
    case 'type': {
      const want = String(params.type).split(',').map(t => TYPE_NAMES[t] ?? t).join(' or ');
      return { field: fieldPath(e.instancePath), message: `${describeType(e.data)} must be ${want}` };
    }
    case 'enum':
      return { field: fieldPath(e.instancePath), message: `${JSON.stringify(e.data)} must be one of ${(params.allowedValues as unknown[]).join(', ')}` };
    default:
      return { field: fieldPath(e.instancePath), message: `${JSON.stringify(e.data)} ${e.message ?? 'is not valid'}` };
  }
}

/**
 * Checks the settings against the JSON schema generated from their TypeScript types
 * (lib/settings/mesh-settings.schema.json): unknown keys at any depth, missing required
 * fields, wrong types and values outside a union of literals: what `tsc` would reject
 * in main.ts, found at run time too, since esbuild and tsx do not type-check.
 */
export function shapeProblems(settings: unknown): ShapeProblem[] {
  const check = validate();
  if (check(settings)) return [];
  const seen = new Set<string>();
  const out: ShapeProblem[] = [];
  for (const e of check.errors ?? []) {
    const p = problemOf(e);
    const id = `${p.field}\0${p.message}`;
    if (!seen.has(id)) out.push(p);
    seen.add(id);
  }
  return out;
}
