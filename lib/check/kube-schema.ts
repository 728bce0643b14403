import type { ErrorObject } from 'ajv';
import { parseApiVersion } from '../manifests';
import { FieldError } from './field-error';
import { removedIn } from './removed-apis';
import { toFieldErrors } from './schema/openapi';

/**
 * Where the built-in kinds' schemas come from: kubernetes-models 4.5.x carries validators
 * generated from the OpenAPI spec of Kubernetes 1.33.0 (its changelog: "Update schema
 * version to v1.33.0"). Its 5.x line moved to Kubernetes 1.36 and is ESM-only for Node 22+.
 * A test keeps `version` equal to package.json, so an upgrade must revisit `kubeVersion`.
 */
export const SCHEMA_SOURCE = { package: 'kubernetes-models', version: '4.5.1', kubeVersion: '1.33.0' } as const;

/** A kubernetes-models class: constructing it copies the object, `validate()` throws on schema errors. */
interface KindModel {
  new (data: object): { validate(): void };
  readonly apiVersion?: unknown;
  readonly kind?: unknown;
}

/** Thrown by `validate()`: ajv's ValidationError. */
interface ModelValidationError {
  readonly errors: readonly ErrorObject[];
}

// Manifest content becomes part of a module path: allow only what API names can contain.
const GROUP = /^([a-z0-9]([a-z0-9.-]*[a-z0-9])?)?$/;
const VERSION = /^v[0-9]+([a-z]+[0-9]+)?$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;

const models = new Map<string, KindModel | undefined>();

/** The major.minor of a version such as `1.33.0` or `v1.33.0`. */
function minorOf(kubeVersion: string): [number, number] {
  const [major, minor] = kubeVersion.replace(/^v/, '').split('.').map(Number);
  return [major, minor];
}

/** Loads the model of one kind on first use: each is a separate module, so a run pays only for the kinds it meets. */
function loadModel(apiVersion: string, kind: string): KindModel | undefined {
  const key = `${apiVersion}/${kind}`;
  if (models.has(key)) return models.get(key);
  const { group, version } = parseApiVersion(apiVersion);
  let model: KindModel | undefined;
  if (GROUP.test(group) && VERSION.test(version) && KIND.test(kind)) {
    const spec = group === '' ? `kubernetes-models/${version}/${kind}` : `kubernetes-models/${group}/${version}/${kind}`;
    try {
      const exported = (require(spec) as { readonly [name: string]: unknown })[kind] as KindModel | undefined;
      // Nested types (v1/Container) are modules too; only top-level kinds carry apiVersion and kind.
      if (typeof exported === 'function' && exported.apiVersion === apiVersion && exported.kind === kind) model = exported;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw err;
    }
  }
  models.set(key, model);
  return model;
}

/** How a built-in apiVersion/kind stands in the configured Kubernetes version. */
export type BuiltinStatus =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'removed'; readonly removedIn: string }
  | { readonly kind: 'served' };

/**
 * Loads the models of these kinds now (each is a module of its own, with its validator):
 * synth calls it while helm renders, so the first check of a fresh render does not wait
 * for them. Kinds without a model are skipped.
 */
export function preloadBuiltinModels(kinds: readonly (readonly [apiVersion: string, kind: string])[]): void {
  for (const [apiVersion, kind] of kinds) loadModel(apiVersion, kind);
}

/** Whether `apiVersion`/`kind` is a built-in kind that `kubeVersion` serves. */
export function builtinStatus(apiVersion: string, kind: string, kubeVersion: string): BuiltinStatus {
  if (!loadModel(apiVersion, kind)) return { kind: 'unknown' };
  const [major, minor] = minorOf(kubeVersion);
  const removed = removedIn(apiVersion, minor);
  return removed === undefined ? { kind: 'served' } : { kind: 'removed', removedIn: `${major}.${removed}` };
}

/** Schema errors of a built-in object, in the server's words; [] when valid or not a built-in kind. */
export function validateBuiltin(object: { readonly apiVersion?: unknown; readonly kind?: unknown }): FieldError[] {
  const model = loadModel(String(object.apiVersion), String(object.kind));
  if (!model) return [];
  try {
    new model(object).validate();
    return [];
  } catch (err) {
    const errors = (err as Partial<ModelValidationError>).errors;
    if (!Array.isArray(errors)) throw err;
    return toFieldErrors(errors, object);
  }
}

/** A note when the configured Kubernetes minor differs from the schemas' (checks still run, against 1.33). */
export function schemaVersionNote(kubeVersion: string): string | undefined {
  const [major, minor] = minorOf(kubeVersion);
  const [schemaMajor, schemaMinor] = minorOf(SCHEMA_SOURCE.kubeVersion);
  if (major === schemaMajor && minor === schemaMinor) return undefined;
  return `built-in kinds are validated against Kubernetes ${SCHEMA_SOURCE.kubeVersion} schemas (${SCHEMA_SOURCE.package} ${SCHEMA_SOURCE.version}), not ${kubeVersion}`;
}
