import { FieldError, FieldPath } from '../field-error';
import { additionalPropertiesOf, isJsonObject, JsonValue, SchemaNode } from './structural';

const KIND = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/**
 * An object that `x-kubernetes-embedded-resource` marks as a whole Kubernetes object (a
 * template of one) needs an apiVersion and a kind (apiextensions-apiserver
 * schema/objectmeta validateEmbeddedResource).
 */
export function embeddedResourceErrors(schema: SchemaNode, value: JsonValue, path: FieldPath = FieldPath.ROOT): FieldError[] {
  const out: FieldError[] = [];
  const visit = (node: SchemaNode, v: JsonValue | undefined, at: FieldPath): void => {
    if (Array.isArray(v)) {
      if (node.items) v.forEach((item, i) => visit(node.items!, item, at.index(i)));
      return;
    }
    if (!isJsonObject(v)) return;
    if (node['x-kubernetes-embedded-resource']) out.push(...resourceErrors(v, at));
    const values = additionalPropertiesOf(node);
    for (const [k, child] of Object.entries(v)) {
      const prop = node.properties?.[k];
      if (prop) visit(prop, child, at.child(k));
      else if (values) visit(values, child, at.key(k));
    }
  };
  visit(schema, value, path);
  return out;
}

function resourceErrors(v: { readonly [key: string]: JsonValue }, at: FieldPath): FieldError[] {
  const out: FieldError[] = [];
  for (const field of ['apiVersion', 'kind'] as const) {
    const value = v[field];
    if (value === undefined || value === '') out.push({ path: at.child(field).text, type: 'Required', detail: 'must not be empty' });
    else if (typeof value !== 'string') out.push({ path: at.child(field).text, type: 'Invalid', value, detail: 'must be a string' });
    // schema.ParseGroupVersion: "v1" or "group/v1"; only a second slash is wrong.
    else if (field === 'apiVersion' && value.split('/').length > 2) out.push({ path: at.child(field).text, type: 'Invalid', value, detail: `unexpected GroupVersion string: ${value}` });
    else if (field === 'kind' && !KIND.test(value.toLowerCase())) out.push({ path: at.child(field).text, type: 'Invalid', value, detail: 'may have mixed case, but should otherwise match a DNS-1035 label' });
  }
  return out;
}
