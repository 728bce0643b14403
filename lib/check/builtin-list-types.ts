import { FieldError, FieldPath } from './field-error';
import { isJsonObject, JsonValue } from './schema/structural';

/**
 * The associative lists of the built-in kinds: those server-side apply merges by key
 * (`x-kubernetes-list-type: map`) or by value (`set`). An applied object that repeats a
 * key is refused (`.spec.template.spec.containers[name="c"].env: duplicate entries for key
 * [name="FOO"]`), even where a plain create would take it — and `npm run apply`, Argo CD
 * and Flux all apply server-side. builtin-list-types.json is the structured-merge-diff
 * schema the API server's server-side apply uses (client-go's applyconfigurations, cut
 * down to the paths that lead to such a list; its `source` names the commit).
 */
const SCHEMA: ListTypeSchema = require('./builtin-list-types.json');

interface ListTypeSchema {
  readonly source: string;
  /** `apiVersion/kind` → type name. */
  readonly kinds: { readonly [kind: string]: string };
  /** Type name → its fields that lead to associative lists. */
  readonly types: { readonly [type: string]: { readonly [field: string]: FieldShape } };
}

/**
 * A field on the way to an associative list: an object of `type`; a list (`map` with `keys`
 * and the defaults server-side apply keys an item by, `set`, or an `atomic`/`granular` one
 * whose items lead further); or a `map` of values of that type.
 */
interface FieldShape {
  readonly type?: string;
  readonly list?: 'map' | 'set' | 'atomic' | 'granular';
  readonly keys?: readonly string[];
  readonly keyDefaults?: { readonly [key: string]: JsonValue };
  readonly map?: string;
}

/** Repeated keys (and items missing a key without default) in an object's associative lists. */
export function builtinListTypeErrors(object: { readonly apiVersion?: unknown; readonly kind?: unknown }): FieldError[] {
  const type = SCHEMA.kinds[`${String(object.apiVersion)}/${String(object.kind)}`];
  if (!type) return [];
  const out: FieldError[] = [];
  walk(type, object as JsonValue, FieldPath.ROOT, out);
  return out;
}

function walk(type: string, value: JsonValue | undefined, path: FieldPath, out: FieldError[]): void {
  const fields = SCHEMA.types[type];
  if (!fields || !isJsonObject(value)) return;
  for (const [name, shape] of Object.entries(fields)) {
    const v = value[name];
    if (v === undefined || v === null) continue;
    const at = path.child(name);
    if (shape.map !== undefined) {
      if (isJsonObject(v)) for (const [k, item] of Object.entries(v)) walk(shape.map, item, at.key(k), out);
    } else if (shape.list === undefined) {
      if (shape.type) walk(shape.type, v, at, out);
    } else if (Array.isArray(v)) {
      if (shape.list === 'set') duplicates(v.map(canonical)).forEach(i => out.push({ path: at.index(i).text, type: 'Duplicate', value: v[i] }));
      if (shape.list === 'map') out.push(...keyErrors(shape.keys ?? [], shape.keyDefaults ?? {}, v, at));
      if (shape.list !== 'set' && shape.type) v.forEach((item, i) => walk(shape.type!, item, at.index(i), out));
    }
  }
}

function keyErrors(keys: readonly string[], defaults: { readonly [key: string]: JsonValue }, items: readonly JsonValue[], at: FieldPath): FieldError[] {
  const out: FieldError[] = [];
  const keyed: string[] = [];
  const shown: { [key: string]: JsonValue }[] = [];
  items.forEach((item, i) => {
    const key: { [key: string]: JsonValue } = {};
    for (const k of keys) {
      const v = isJsonObject(item) ? item[k] : undefined;
      if (v !== undefined && v !== null) key[k] = v;
      else if (k in defaults) key[k] = defaults[k];
      else out.push({ path: at.index(i).child(k).text, type: 'Required', detail: `server-side apply keys ${at.text.split('.').pop()} by ${keys.join(', ')}` });
    }
    keyed.push(canonical(key));
    shown.push(key);
  });
  for (const i of duplicates(keyed)) out.push({ path: at.index(i).text, type: 'Duplicate', value: shown[i] });
  return out;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isJsonObject(v)) return `{${Object.keys(v).sort().map(k => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** Indices of the second occurrence of each repeated value. */
function duplicates(keys: readonly string[]): number[] {
  const seen = new Map<string, number>();
  const out: number[] = [];
  keys.forEach((k, i) => {
    const n = seen.get(k) ?? 0;
    if (n === 1) out.push(i);
    seen.set(k, n + 1);
  });
  return out;
}
