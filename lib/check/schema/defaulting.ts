import { additionalPropertiesOf, isJsonObject, JsonValue, SchemaNode } from './structural';

/**
 * What the API server validates is not what was sent: on decode it drops `null` from
 * fields that are neither nullable nor defaulted, then applies the schema's defaults
 * (apiextensions-apiserver schema/defaulting: PruneNonNullableNullsWithoutDefaults, then
 * Default). Several CEL rules read defaulted fields (an HTTPRoute path match's `type`), and
 * a value valid only once defaulted (a Gateway address without `type`) must pass. The
 * input is not changed: dist/ keeps what the user wrote.
 */
export function defaultedCopy(value: JsonValue, schema: SchemaNode): JsonValue {
  const copy = structuredClone(value) as JsonValue;
  pruneNulls(copy, schema);
  applyDefaults(copy, schema);
  return copy;
}

type Mutable = { [key: string]: JsonValue | undefined };

function fieldSchema(name: string, schema: SchemaNode | undefined): SchemaNode | undefined {
  if (!schema) return undefined;
  return schema.properties?.[name] ?? additionalPropertiesOf(schema);
}

function isNonNullableNull(v: unknown, s: SchemaNode | undefined): boolean {
  return v === null && s !== undefined && s.nullable !== true;
}

function pruneNulls(x: JsonValue | undefined, schema: SchemaNode | undefined): void {
  if (Array.isArray(x)) {
    for (const item of x) pruneNulls(item, schema?.items);
  } else if (isJsonObject(x)) {
    const obj = x as Mutable;
    for (const [k, v] of Object.entries(obj)) {
      const s = fieldSchema(k, schema);
      if (isNonNullableNull(v, s) && s?.default === undefined) delete obj[k];
      else pruneNulls(v, s);
    }
  }
}

function applyDefaults(x: JsonValue | undefined, schema: SchemaNode | undefined): void {
  if (!schema) return;
  if (Array.isArray(x)) {
    const list = x as (JsonValue | undefined)[];
    for (let i = 0; i < list.length; i++) {
      if (isNonNullableNull(list[i], schema.items) && schema.items?.default !== undefined) list[i] = structuredClone(schema.items.default) as JsonValue;
      applyDefaults(list[i], schema.items);
    }
  } else if (isJsonObject(x)) {
    const obj = x as Mutable;
    for (const [k, prop] of Object.entries(schema.properties ?? {})) {
      if (prop.default === undefined) continue;
      if (!(k in obj) || isNonNullableNull(obj[k], prop)) obj[k] = structuredClone(prop.default) as JsonValue;
    }
    const values = additionalPropertiesOf(schema);
    for (const k of Object.keys(obj)) {
      const prop = schema.properties?.[k];
      if (prop) {
        applyDefaults(obj[k], prop);
      } else if (values) {
        if (isNonNullableNull(obj[k], values) && values.default !== undefined) obj[k] = structuredClone(values.default) as JsonValue;
        applyDefaults(obj[k], values);
      }
    }
  }
}
