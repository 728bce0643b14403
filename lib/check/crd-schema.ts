import { groupKind, isCrd, Manifest } from '../manifests';
import { evaluateRules, UnsupportedRule } from './cel/validator';
import { FieldError, FieldErrorType } from './field-error';
import { defaultedCopy } from './schema/defaulting';
import { embeddedResourceErrors } from './schema/embedded-resources';
import { listTypeErrors } from './schema/list-types';
import { openApiErrors } from './schema/openapi';
import type { ProvidedCrds } from './provided-crds';
import { JsonValue, SchemaNode } from './schema/structural';

/** One version of a CustomResourceDefinition. */
interface CrdVersion {
  /** Whether the API server serves this version. */
  readonly served: boolean;
  /** spec.versions[].schema.openAPIV3Schema. */
  readonly schema?: SchemaNode;
}

/** A CustomResourceDefinition found in the checked folder, or provided by the cluster. */
export interface Crd {
  /** The CRD object itself (its file orders it against its custom resources; a provided CRD's file is its vendored file). */
  readonly manifest: Manifest;
  /** Who provides it when the folder does not: `cert-manager v1.21.1` (a tool that installs its own CRDs). @default - the folder holds it */
  readonly providedBy?: string;
  /** spec.group. */
  readonly group: string;
  /** spec.names.kind. */
  readonly kind: string;
  /** spec.scope. */
  readonly scope: 'Namespaced' | 'Cluster';
  /** spec.versions by name. */
  readonly versions: ReadonlyMap<string, CrdVersion>;
}

/**
 * The CRDs of a folder, by the group and kind they define, and those the cluster
 * provides (`provided`: the vendored CRDs of the tools the lock pins) for the kinds no CRD
 * of the folder defines.
 */
export class CrdIndex {
  private readonly byGroupKind = new Map<string, Crd>();
  private readonly groups = new Set<string>();
  private readonly providers = new Map<string, Set<string>>();

  constructor(manifests: readonly Manifest[], provided: readonly ProvidedCrds[] = []) {
    this.add(manifests.filter(isCrd));
    for (const p of provided) this.add(p.crds, p.by);
  }

  private add(crds: readonly Manifest[], providedBy?: string): void {
    for (const m of crds) {
      const spec = (m.object.spec ?? {}) as { group?: string; names?: { kind?: string }; scope?: string; versions?: { name?: string; served?: boolean; schema?: { openAPIV3Schema?: SchemaNode } }[] };
      const group = String(spec.group ?? '');
      const kind = String(spec.names?.kind ?? '');
      const key = groupKind(group, kind);
      // A second CRD for the same kind is reported by the uniqueness rule (same name) or is invalid; the first wins.
      if (this.byGroupKind.has(key)) continue;
      this.groups.add(group);
      if (providedBy) (this.providers.get(group) ?? this.providers.set(group, new Set()).get(group)!).add(providedBy);
      this.byGroupKind.set(key, {
        manifest: m,
        ...(providedBy ? { providedBy } : {}),
        group,
        kind,
        scope: spec.scope === 'Cluster' ? 'Cluster' : 'Namespaced',
        versions: new Map((spec.versions ?? []).map(v => [String(v.name), { served: v.served === true, schema: v.schema?.openAPIV3Schema }])),
      });
    }
  }

  /** Whether some CRD in the folder (or provided) defines kinds in this API group. */
  servesGroup(group: string): boolean {
    return this.groups.has(group);
  }

  /** Who provides CRDs of this group besides the folder (`cert-manager v1.21.1`), for messages. */
  providersOf(group: string): string[] {
    return [...this.providers.get(group) ?? []];
  }

  /** The CRD that defines group/kind, if the folder has it. */
  find(group: string, kind: string): Crd | undefined {
    return this.byGroupKind.get(groupKind(group, kind));
  }
}

/** What the API server would say of a custom resource, in three parts. */
export interface CustomResourceFindings {
  /** OpenAPI schema, list-type and version errors. */
  readonly schema: readonly FieldError[];
  /** x-kubernetes-validations rules that failed or could not be evaluated on this object. */
  readonly rules: readonly FieldError[];
  /** Rules this evaluator cannot run, where they would have run. */
  readonly unsupported: readonly UnsupportedRule[];
}

/** How much of the API server's validation check does. */
export interface CheckOptions {
  /**
   * Only the OpenAPI schema, as a plain JSON-schema validator reads it: no defaults, CEL
   * rules, list types, formats or embedded resources, and no metadata or list keys of
   * built-in kinds. What check did before it followed the API server: `npm run bench`
   * measures what the rest costs. @default false
   */
  readonly schemaOnly?: boolean;
  /**
   * CRDs the cluster provides, which no file of the folder holds: the vendored CRDs of the
   * tools the lock pins (providedCrds). Their kinds are validated as custom resources and
   * need no CRD earlier in the folder. @default - none
   */
  readonly providedCrds?: readonly ProvidedCrds[];
}

/** Field errors that keep the server from running the CEL rules (apiextensions-apiserver strategy.go hasBlockingErr). */
const BLOCKING = new Set<FieldErrorType>(['Unsupported', 'Required', 'TooLong', 'TooMany', 'TypeInvalid']);

/**
 * Validates a custom resource as the API server does on create: the CRD must serve its
 * version; the schema's defaults are applied (to a copy) and non-nullable nulls dropped;
 * then the OpenAPI schema and the list types are checked and, unless a type, required,
 * enum or size error makes the object unfit for them, every CEL rule is evaluated.
 */
export function validateCustomResource(crd: Crd, version: string, object: object, options: CheckOptions = {}): CustomResourceFindings {
  const served = crd.versions.get(version);
  if (!served?.served) {
    const servedNames = [...crd.versions].filter(([, v]) => v.served).map(([name]) => name);
    return { schema: [{ path: 'apiVersion', type: 'Invalid', value: `${crd.group}/${version}`, detail: `version ${version} is not served by CustomResourceDefinition ${crd.manifest.name} (served: ${servedNames.join(', ') || 'none'})` }], rules: [], unsupported: [] };
  }
  if (!served.schema) return { schema: [], rules: [], unsupported: [] };
  if (options.schemaOnly) return { schema: openApiErrors(served.schema, object as JsonValue), rules: [], unsupported: [] };
  const value = defaultedCopy(object as JsonValue, served.schema);
  const schema = [...openApiErrors(served.schema, value), ...embeddedResourceErrors(served.schema, value), ...listTypeErrors(served.schema, value)];
  if (schema.some(e => BLOCKING.has(e.type))) {
    return { schema, rules: [{ path: '', type: 'Invalid', detail: 'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation' }], unsupported: [] };
  }
  const { errors, unsupported } = evaluateRules(served.schema, value);
  return { schema, rules: errors, unsupported };
}
