// metadata as a Kubernetes 1.33 API server checks it when an object is created:
// k8s.io/apimachinery/pkg/api/validation/objectmeta.go ValidateObjectMetaAccessor with the
// name rule of the kind's strategy (kind-names.ts), plus the checks that run alongside it.
import { goQuote } from '../field-error';
import { FieldProblem, forbidden, GoSyntax, invalid, required, tooLong, wrongType } from './field-problem';
import { kindNameRules, ObjectLike } from './kind-names';
import { byteLength, isQualifiedName, isValidLabelValue, nameIsDNSLabel } from './names';

/** What decides the rules for one object. */
export interface MetadataContext {
  /** API group ('' for the core group). */
  readonly group: string;
  /** Kind. */
  readonly kind: string;
  /**
   * Whether the kind is namespaced; undefined when unknown (skip namespace-presence checks).
   * Note that `kubectl apply` fills in a missing namespace and the API server drops one from
   * a cluster-scoped object before validating: pass undefined to report only what reaches
   * the validator anyway.
   */
  readonly namespaced?: boolean;
  /** Whether it is a custom resource (served by a CRD). */
  readonly custom: boolean;
}

/** objectmeta.go TotalAnnotationSizeLimitB: keys and values together, in bytes. */
const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** core/v1 FinalizerKubernetes and meta/v1 FinalizerOrphanDependents, FinalizerDeleteDependents. */
const STANDARD_FINALIZERS: ReadonlySet<string> = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
  readonly controller?: boolean;
  readonly blockOwnerDeletion?: boolean;
}

interface ManagedFieldsEntry {
  readonly operation: string;
  readonly fieldsType: string;
}

/** metadata decoded as the API server decodes it into metav1.ObjectMeta (null and absent are zero values). */
interface ObjectMeta {
  readonly name: string;
  readonly generateName: string;
  readonly namespace: string;
  readonly generation: number;
  readonly labels: ReadonlyArray<readonly [string, string]>;
  readonly annotations: ReadonlyArray<readonly [string, string]>;
  readonly finalizers: readonly string[];
  readonly ownerReferences: readonly OwnerReference[];
  readonly managedFields: readonly ManagedFieldsEntry[];
}

function isMapping(value: unknown): value is ObjectLike {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Decodes metadata the way encoding/json fills metav1.ObjectMeta, collecting the type errors
 * that make the API server refuse the object before any validation runs.
 */
function decodeObjectMeta(meta: ObjectLike, wrong: FieldProblem[]): ObjectMeta {
  const str = (value: unknown, path: string, struct = 'ObjectMeta'): string => {
    if (value === undefined || value === null) return '';
    if (typeof value === 'string') return value;
    wrong.push(wrongType(path, value, 'string', struct));
    return '';
  };
  const stringMap = (field: 'labels' | 'annotations'): [string, string][] => {
    const value = meta[field];
    const path = `metadata.${field}`;
    if (value === undefined || value === null) return [];
    if (!isMapping(value)) {
      wrong.push(wrongType(path, value, 'map[string]string'));
      return [];
    }
    return Object.entries(value).map(([k, v]) => [k, str(v, path)]);
  };
  const list = (field: string, goType: string): unknown[] => {
    const value = meta[field];
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) return value;
    wrong.push(wrongType(`metadata.${field}`, value, goType));
    return [];
  };
  const objects = (field: string, goType: string): ObjectLike[] =>
    list(field, `[]${goType}`).flatMap(item => {
      if (item === null) return [{}];
      if (isMapping(item)) return [item];
      wrong.push(wrongType(`metadata.${field}`, item, goType));
      return [];
    });
  const bool = (value: unknown, path: string): boolean | undefined => {
    if (value === undefined || value === null || typeof value === 'boolean') return value ?? undefined;
    wrong.push(wrongType(path, value, 'bool', 'OwnerReference'));
    return undefined;
  };

  let generation = 0;
  if (meta.generation !== undefined && meta.generation !== null) {
    if (typeof meta.generation === 'number' && Number.isSafeInteger(meta.generation)) generation = meta.generation;
    else wrong.push(wrongType('metadata.generation', meta.generation, 'int64'));
  }
  const refPath = 'metadata.ownerReferences';
  return {
    name: str(meta.name, 'metadata.name'),
    generateName: str(meta.generateName, 'metadata.generateName'),
    namespace: str(meta.namespace, 'metadata.namespace'),
    generation,
    labels: stringMap('labels'),
    annotations: stringMap('annotations'),
    finalizers: list('finalizers', '[]string').map(f => str(f, 'metadata.finalizers')),
    ownerReferences: objects('ownerReferences', 'v1.OwnerReference').map(r => ({
      apiVersion: str(r.apiVersion, `${refPath}.apiVersion`, 'OwnerReference'),
      kind: str(r.kind, `${refPath}.kind`, 'OwnerReference'),
      name: str(r.name, `${refPath}.name`, 'OwnerReference'),
      uid: str(r.uid, `${refPath}.uid`, 'OwnerReference'),
      controller: bool(r.controller, `${refPath}.controller`),
      blockOwnerDeletion: bool(r.blockOwnerDeletion, `${refPath}.blockOwnerDeletion`),
    })),
    managedFields: objects('managedFields', 'v1.ManagedFieldsEntry').map(e => ({
      operation: str(e.operation, 'metadata.managedFields.operation', 'ManagedFieldsEntry'),
      fieldsType: str(e.fieldsType, 'metadata.managedFields.fieldsType', 'ManagedFieldsEntry'),
    })),
  };
}

/** objectmeta.go ValidateAnnotations: keys are qualified names in any case; all of it fits 256 KiB. */
function validateAnnotations(annotations: ObjectMeta['annotations']): FieldProblem[] {
  const out: FieldProblem[] = [];
  let size = 0;
  for (const [key, value] of annotations) {
    for (const msg of isQualifiedName(key.toLowerCase())) out.push(invalid('metadata.annotations', key, msg));
    size += byteLength(key) + byteLength(value);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) out.push(tooLong('metadata.annotations', TOTAL_ANNOTATION_SIZE_LIMIT));
  return out;
}

/** Go's %#v of a metav1.OwnerReference; a set pointer's address cannot be known offline. */
function goOwnerReference(ref: OwnerReference): string {
  const ptr = (b: boolean | undefined) => (b === undefined ? '(*bool)(nil)' : '(*bool)(<pointer>)');
  return `v1.OwnerReference{APIVersion:${goQuote(ref.apiVersion)}, Kind:${goQuote(ref.kind)}, Name:${goQuote(ref.name)}, UID:${goQuote(ref.uid)}, Controller:${ptr(ref.controller)}, BlockOwnerDeletion:${ptr(ref.blockOwnerDeletion)}}`;
}

/** schema.ParseGroupVersion's version, '' when the apiVersion has none or is malformed. */
function versionOf(apiVersion: string): string {
  if (apiVersion === '' || apiVersion === '/') return '';
  const slashes = apiVersion.split('/').length - 1;
  if (slashes === 0) return apiVersion;
  return slashes === 1 ? apiVersion.slice(apiVersion.indexOf('/') + 1) : '';
}

/** objectmeta.go ValidateOwnerReferences. */
function validateOwnerReferences(refs: readonly OwnerReference[]): FieldProblem[] {
  const path = 'metadata.ownerReferences';
  const out: FieldProblem[] = [];
  let firstController = '';
  for (const ref of refs) {
    if (versionOf(ref.apiVersion) === '') out.push(invalid(`${path}.apiVersion`, ref.apiVersion, 'version must not be empty'));
    if (ref.kind === '') out.push(invalid(`${path}.kind`, ref.kind, 'must not be empty'));
    if (ref.name === '') out.push(invalid(`${path}.name`, ref.name, 'must not be empty'));
    if (ref.uid === '') out.push(invalid(`${path}.uid`, ref.uid, 'must not be empty'));
    // BannedOwners: a core/v1 Event is deleted too often to own anything.
    if (ref.apiVersion === 'v1' && ref.kind === 'Event') out.push(invalid(path, new GoSyntax(goOwnerReference(ref)), '/v1, Kind=Event is disallowed from being an owner'));
    if (ref.controller !== true) continue;
    const controller = `${ref.kind}/${ref.name}`;
    if (firstController === '') {
      firstController = controller;
      continue;
    }
    const all = new GoSyntax(`[]v1.OwnerReference{${refs.map(goOwnerReference).join(', ')}}`);
    out.push(invalid(path, all, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${controller}`));
  }
  return out;
}

/** objectmeta.go ValidateFinalizers. */
function validateFinalizers(finalizers: readonly string[]): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const f of finalizers) for (const msg of isQualifiedName(f)) out.push(invalid('metadata.finalizers', f, msg));
  if (finalizers.includes('orphan') && finalizers.includes('foregroundDeletion')) {
    const value = new GoSyntax(`[]string{${finalizers.map(goQuote).join(', ')}}`);
    out.push(invalid('metadata.finalizers', value, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return out;
}

/** core validation.validateKubeFinalizerName: a finalizer without '/' must be one of Kubernetes' own. */
function validateKubeFinalizers(finalizers: readonly string[]): FieldProblem[] {
  return finalizers.flatMap((f, i) =>
    !f.includes('/') && !STANDARD_FINALIZERS.has(f)
      ? [invalid(`metadata.finalizers[${i}]`, f, 'name is neither a standard finalizer name nor is it fully qualified')]
      : []);
}

/** meta/v1 validation.ValidateManagedFields. */
function validateManagedFields(entries: readonly ManagedFieldsEntry[]): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const e of entries) {
    if (e.operation !== 'Apply' && e.operation !== 'Update') out.push(invalid('metadata.managedFields.operation', e.operation, 'must be `Apply` or `Update`'));
    if (e.fieldsType !== '' && e.fieldsType !== 'FieldsV1') out.push(invalid('metadata.managedFields.fieldsType', e.fieldsType, 'must be `FieldsV1`'));
  }
  return out;
}

/** field.ErrorList.ToAggregate: the API server reports each distinct message once. */
function distinct(problems: readonly FieldProblem[]): FieldProblem[] {
  const seen = new Set<string>();
  return problems.filter(p => {
    const key = `${p.path}: ${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Why a Kubernetes 1.33 API server would refuse to create `object` because of its metadata,
 * in its words; empty when it would not. A metadata field of the wrong JSON type is refused
 * when the request is decoded, so then only those are reported. Otherwise as
 * ValidateObjectMetaAccessor: generateName and name by the kind's rule (a generateName
 * without a name stands for the name the server would generate), namespace, generation,
 * labels, annotations, ownerReferences, finalizers and managedFields, then what the kind's
 * strategy adds (finalizer names for core-validated kinds, CronJob and PriorityClass names).
 */
export function validateObjectMetadata(object: { readonly [key: string]: unknown }, ctx: MetadataContext): FieldProblem[] {
  const raw = object.metadata;
  if (raw !== undefined && raw !== null && !isMapping(raw)) return [wrongType('metadata', raw, 'v1.ObjectMeta', ctx.kind)];
  const wrong: FieldProblem[] = [];
  const meta = decodeObjectMeta(raw ?? {}, wrong);
  if (wrong.length > 0) return distinct(wrong);

  const rules = kindNameRules(ctx.group, ctx.kind, ctx.custom);
  const nameFn = rules.name(object);
  const out: FieldProblem[] = [];
  if (meta.generateName !== '') {
    for (const msg of nameFn(meta.generateName, true)) out.push(invalid('metadata.generateName', meta.generateName, msg));
  }
  if (meta.name !== '') {
    for (const msg of nameFn(meta.name, false)) out.push(invalid('metadata.name', meta.name, msg));
  } else if (meta.generateName === '') {
    out.push(required('metadata.name', 'name or generateName is required'));
  }

  if (ctx.namespaced === false) {
    if (meta.namespace !== '') out.push(forbidden('metadata.namespace', 'not allowed on this type'));
  } else if (meta.namespace !== '') {
    for (const msg of nameIsDNSLabel(meta.namespace, false)) out.push(invalid('metadata.namespace', meta.namespace, msg));
  } else if (ctx.namespaced === true) {
    out.push(required('metadata.namespace'));
  }

  if (meta.generation < 0) out.push(invalid('metadata.generation', meta.generation, 'must be greater than or equal to 0'));
  for (const [key, value] of meta.labels) {
    for (const msg of isQualifiedName(key)) out.push(invalid('metadata.labels', key, msg));
    for (const msg of isValidLabelValue(value)) out.push(invalid('metadata.labels', value, msg));
  }
  out.push(...validateAnnotations(meta.annotations));
  out.push(...validateOwnerReferences(meta.ownerReferences));
  out.push(...validateFinalizers(meta.finalizers));
  out.push(...validateManagedFields(meta.managedFields));
  if (rules.kubeFinalizers) out.push(...validateKubeFinalizers(meta.finalizers));
  if (rules.extra && meta.name !== '') out.push(...rules.extra(object, meta.name));
  return distinct(out);
}
