import { FieldError, FieldPath } from '../field-error';
import { additionalPropertiesOf, isJsonObject, JsonValue, SchemaNode } from './structural';

/**
 * The uniqueness that `x-kubernetes-list-type` promises (apiextensions-apiserver
 * schema/listtype): a `set` holds no value twice, a `map` no two items with the same
 * `x-kubernetes-list-map-keys`. The first repeat of each value is reported, at its index,
 * as the server reports it. Server-side apply depends on it: it merges such lists by key.
 */
export function listTypeErrors(schema: SchemaNode, value: JsonValue, path: FieldPath = FieldPath.ROOT): FieldError[] {
  const out: FieldError[] = [];
  walk(schema, value, path, out);
  return out;
}

function walk(schema: SchemaNode, value: JsonValue | undefined, path: FieldPath, out: FieldError[]): void {
  if (Array.isArray(value)) {
    const listType = schema['x-kubernetes-list-type'];
    if (listType === 'set') out.push(...duplicatesOf(value).map(i => ({ path: path.index(i).text, type: 'Duplicate' as const, value: value[i] })));
    if (listType === 'map') out.push(...listMapErrors(schema, value, path));
    if (schema.items) value.forEach((item, i) => walk(schema.items!, item, path.index(i), out));
  } else if (isJsonObject(value)) {
    const values = additionalPropertiesOf(schema);
    for (const [k, v] of Object.entries(value)) {
      const prop = schema.properties?.[k];
      if (prop) walk(prop, v, path.child(k), out);
      else if (values) walk(values, v, path.key(k), out);
    }
  }
}

/** Go's json.Marshal of a value: object keys sorted, so equal objects give equal text. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isJsonObject(v)) return `{${Object.keys(v).sort().map(k => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'undefined';
}

/** Indices of the second occurrence of each value that occurs more than once. */
function duplicatesOf(values: readonly unknown[]): number[] {
  const seen = new Map<string, number>();
  const out: number[] = [];
  values.forEach((v, i) => {
    const key = canonical(v);
    const times = seen.get(key) ?? 0;
    if (times === 1) out.push(i);
    seen.set(key, times + 1);
  });
  return out;
}

function listMapErrors(schema: SchemaNode, items: readonly JsonValue[], path: FieldPath): FieldError[] {
  const bad = items.findIndex(x => x !== null && !isJsonObject(x));
  if (bad >= 0) return [{ path: path.index(bad).text, type: 'Invalid', value: items[bad], detail: 'must be an object for an array of list-type map' }];
  const keyFields = schema['x-kubernetes-list-map-keys'] ?? [];
  // An item without a key field counts as its own value ("unspecified"), as in the server.
  const keys = items.map(x => {
    const key: { [field: string]: JsonValue } = {};
    if (isJsonObject(x)) for (const f of keyFields) if (f in x) key[f] = x[f];
    return key;
  });
  return duplicatesOf(keys).map(i => ({ path: path.index(i).text, type: 'Duplicate' as const, value: keys[i] }));
}
