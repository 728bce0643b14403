import { createHash } from 'crypto';
import Ajv, { _, ErrorObject, ValidateFunction } from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import { FieldError, FieldPath } from '../field-error';
import { KUBERNETES_FORMATS, kubernetesStringFormat, RE2_PATTERNS } from './formats';
import { isJsonObject, JsonValue, SchemaNode } from './structural';
import { CHECK_RUNTIME, loadCachedValidator, storeCachedValidator } from './validator-cache';

/** The properties the API server accepts at the root of every object (and of embedded resources), declared or not. */
const OBJECT_ROOT_PROPERTIES: { readonly [name: string]: SchemaNode } = {
  apiVersion: { type: 'string' },
  kind: { type: 'string' },
  metadata: { type: 'object' },
};

/**
 * Rewrites a structural CRD schema into one ajv enforces as the API server does:
 * - fields a schema does not declare are errors (the server prunes them, and kubectl's
 *   default strict field validation refuses them), unless x-kubernetes-preserve-unknown-fields;
 * - x-kubernetes-int-or-string without its usual anyOf accepts an integer or a string;
 * - apiVersion, kind and metadata are always allowed at an object's root;
 * - a format is checked only when the server checks it, as the server checks it (formats.ts);
 * - metadata at the root (and in an embedded resource) is ObjectMeta, which the CRD's
 *   schema may only narrow (name, generateName), never prune.
 * Value validations (anyOf/oneOf/allOf/not) keep their structure: a structural schema
 * declares no fields there.
 */
function toAjvSchema(node: SchemaNode, isRoot: boolean, structural = true): SchemaNode {
  const out: { [keyword: string]: unknown } = { ...node };
  if (typeof node.format === 'string') {
    const isString = node.type === undefined || node.type === 'string';
    const checked = isString ? kubernetesStringFormat(node.format) : undefined;
    if (checked) out.format = checked;
    else delete out.format;
  }
  for (const combinator of ['anyOf', 'oneOf', 'allOf'] as const) {
    const branches = node[combinator];
    if (Array.isArray(branches)) out[combinator] = branches.map((b: SchemaNode) => toAjvSchema(b, false, false));
  }
  if (node.not && typeof node.not === 'object') out.not = toAjvSchema(node.not as SchemaNode, false, false);
  let properties = node.properties;
  const isResource = structural && (isRoot || node['x-kubernetes-embedded-resource'] === true);
  if (isResource) properties = { ...OBJECT_ROOT_PROPERTIES, ...properties, metadata: objectMeta(properties?.metadata) };
  if (properties) {
    out.properties = Object.fromEntries(Object.entries(properties).map(([name, child]) => [name, isResource && name === 'metadata' ? child : toAjvSchema(child, false, structural)]));
    if (structural && node.additionalProperties === undefined && !node['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  }
  if (node.items) out.items = toAjvSchema(node.items, false, structural);
  if (typeof node.additionalProperties === 'object') out.additionalProperties = toAjvSchema(node.additionalProperties, false, structural);
  if (node['x-kubernetes-int-or-string'] && node.type === undefined && node.anyOf === undefined) out.type = ['integer', 'string'];
  return out;
}

/** What a CRD may say of an object's metadata: constraints on name and generateName (apiextensions-apiserver validation of the schema). */
function objectMeta(declared: SchemaNode | undefined): SchemaNode {
  const narrowed = Object.fromEntries(['name', 'generateName'].flatMap(k => (declared?.properties?.[k] ? [[k, toAjvSchema(declared.properties[k], false, false)]] : [])));
  return { type: 'object', ...(Object.keys(narrowed).length ? { properties: narrowed } : {}) };
}

/**
 * ajv's options: the x-kubernetes-* keywords pass as annotations; formats and patterns
 * are the server's (formats.ts), referenced through the check runtime in the generated
 * code the disk cache keeps (validator-cache.ts).
 */
const AJV_OPTIONS = {
  strict: false, allErrors: true, logger: false, validateSchema: false,
  formats: KUBERNETES_FORMATS,
  code: { source: true, optimize: false, formats: _`require(${CHECK_RUNTIME}).KUBERNETES_FORMATS`, regExp: RE2_PATTERNS },
} as const;
const AJV_VERSION: string = require('ajv/package.json').version;

let ajv: Ajv | undefined;
// Keyed by the schema's content: the same schema read again (another folder, another
// check in the same process) is the same validator.
const compiled = new Map<string, ValidateFunction>();

/**
 * The compiled validator of a schema. Compiling a large CRD schema costs tens of
 * milliseconds (the Gateway API's, hundreds), on every synth and check of a fresh process;
 * ajv's standalone code of each is kept on disk (validator-cache.ts) under a digest of
 * the schema as given to ajv, ajv's version and its options, and loaded from there.
 */
function validatorOf(schema: SchemaNode): ValidateFunction {
  const ajvSchema = toAjvSchema(schema, true);
  const key = createHash('sha256').update(`${AJV_VERSION}\0${JSON.stringify({ ...AJV_OPTIONS, formats: Object.keys(KUBERNETES_FORMATS), code: { ...AJV_OPTIONS.code, formats: String(AJV_OPTIONS.code.formats), regExp: RE2_PATTERNS.code } })}\0${JSON.stringify(ajvSchema)}`).digest('hex');
  let validate = compiled.get(key) ?? loadCachedValidator(key);
  if (!validate) {
    ajv ??= new Ajv(AJV_OPTIONS);
    validate = ajv.compile(ajvSchema);
    storeCachedValidator(key, () => standaloneCode(ajv!, validate!));
  }
  compiled.set(key, validate);
  return validate;
}

/** Schema errors of an object (already defaulted) against a CRD version's schema, in the server's words. */
export function openApiErrors(schema: SchemaNode, value: JsonValue): FieldError[] {
  const validate = validatorOf(schema);
  return validate(value) ? [] : toFieldErrors(validate.errors ?? [], value);
}

/**
 * ajv's errors of one validation as the server's field errors, once each. The failures of
 * each branch of an anyOf/oneOf/not are left out: the server reports the combinator alone.
 */
export function toFieldErrors(errors: readonly ErrorObject[], root: unknown): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of errors.filter(e => !/\/(anyOf|oneOf|not)\//.test(e.schemaPath))) {
    const fe = toFieldError(e, root);
    const key = JSON.stringify(fe, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
    if (!seen.has(key)) out.push(fe);
    seen.add(key);
  }
  return out;
}

/** A JSON pointer into `root` as the server's field path (`/spec/ports/0` → `spec.ports[0]`), and the value there. */
export function resolvePointer(root: unknown, pointer: string): { readonly path: FieldPath; readonly value: unknown } {
  let path = FieldPath.ROOT;
  let node: unknown = root;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      path = path.index(Number(segment));
      node = node[Number(segment)];
    } else {
      path = path.child(segment);
      node = isJsonObject(node) ? node[segment] : undefined;
    }
  }
  return { path, value: node };
}

/** kube-openapi's `<path> in body …` phrasing. */
function inBody(path: FieldPath): string {
  return `${path.text || 'body'} in body`;
}

/** The JSON type name of a value, as kube-openapi names it in type errors. */
function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/**
 * One ajv error as the API server reports the same failure (apiextensions-apiserver
 * validation.ValidateCustomResource's mapping of kube-openapi errors to field errors).
 */
export function toFieldError(e: ErrorObject, root: unknown): FieldError {
  const { path, value: data } = resolvePointer(root, e.instancePath);
  const p = e.params as { [key: string]: unknown };
  // The server shows the whole failing value; an object or list is named by its type instead, to keep one line readable.
  const value = isJsonObject(data) ? 'object' : Array.isArray(data) ? 'array' : data;
  switch (e.keyword) {
    case 'format':
      return { path: path.text, type: 'TypeInvalid', value, detail: `${inBody(path)} must be of type ${String(p.format)}: ${JSON.stringify(data)}` };
    case 'required':
      return { path: path.child(String(p.missingProperty)).text, type: 'Required' };
    case 'additionalProperties':
      return { path: path.child(String(p.additionalProperty)).text, type: 'Unknown' };
    case 'enum':
      return { path: path.text, type: 'Unsupported', value, detail: `supported values: ${(p.allowedValues as unknown[]).map(v => JSON.stringify(v)).join(', ')}` };
    case 'type':
      return { path: path.text, type: 'TypeInvalid', value, detail: `${inBody(path)} must be of type ${String(p.type)}: "${jsonType(data)}"` };
    case 'maxLength':
      return { path: path.text, type: 'TooLong', detail: `may not be more than ${String(p.limit)} bytes` };
    case 'maxItems':
    case 'maxProperties':
      return { path: path.text, type: 'TooMany', value: Array.isArray(data) ? data.length : Object.keys(data as object).length, detail: `must have at most ${String(p.limit)} items` };
    case 'pattern':
      return { path: path.text, type: 'Invalid', value, detail: `${inBody(path)} should match '${String(p.pattern)}'` };
    case 'minLength':
      return { path: path.text, type: 'Invalid', value, detail: `${inBody(path)} should be at least ${String(p.limit)} chars long` };
    case 'minItems':
      return { path: path.text, type: 'Invalid', value, detail: `${inBody(path)} should have at least ${String(p.limit)} items` };
    case 'minProperties':
      return { path: path.text, type: 'Invalid', value, detail: `${inBody(path)} should have at least ${String(p.limit)} properties` };
    case 'maximum':
      return { path: path.text, type: 'Invalid', value, detail: `${inBody(path)} should be less than or equal to ${String(p.limit)}` };
    case 'exclusiveMaximum':
      return { path: path.text, type: 'Invalid', value, detail: `${inBody(path)} should be less than ${String(p.limit)}` };
    case 'minimum':
      return { path: path.text, type: 'Invalid', value, detail: `${inBody(path)} should be greater than or equal to ${String(p.limit)}` };
    case 'exclusiveMinimum':
      return { path: path.text, type: 'Invalid', value, detail: `${inBody(path)} should be greater than ${String(p.limit)}` };
    case 'multipleOf':
      return { path: path.text, type: 'Invalid', value, detail: `${inBody(path)} should be a multiple of ${String(p.multipleOf)}` };
    case 'uniqueItems':
      return { path: path.text, type: 'Invalid', value, detail: `${inBody(path)} shouldn't contain duplicates` };
    case 'oneOf':
      return { path: path.text, type: 'Invalid', value, detail: `${inBody(path)} must validate one and only one schema (oneOf)` };
    case 'anyOf':
      return { path: path.text, type: 'Invalid', value, detail: `${inBody(path)} must validate at least one schema (anyOf)` };
    case 'not':
      return { path: path.text, type: 'Invalid', value, detail: `${inBody(path)} must not validate the schema (not)` };
    default:
      return { path: path.text, type: 'Invalid', value, detail: `${inBody(path)} ${e.message ?? e.keyword}` };
  }
}
