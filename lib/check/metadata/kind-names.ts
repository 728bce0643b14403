// Which name rule each kind's create strategy applies in Kubernetes 1.33: the ValidateNameFunc
// its Validate passes to ValidateObjectMeta (kubernetes/kubernetes pkg/apis/*/validation),
// and whether that is core's ValidateObjectMeta, which also refuses unqualified finalizers.
import { groupKind } from '../../manifests';
import { FieldProblem, forbidden, invalid } from './field-problem';
import {
  isValidPathSegmentName,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  NameValidator,
  validatePathSegmentName,
} from './names';
import { ipAddressName } from './ip-address';

/** An object as read from a manifest. */
export type ObjectLike = { readonly [key: string]: unknown };

/** How the API server validates one kind's metadata on create. */
export interface KindNameRules {
  /** The ValidateNameFunc for metadata.name and metadata.generateName. */
  readonly name: (object: ObjectLike) => NameValidator;
  /**
   * Whether the strategy uses k8s.io/kubernetes/pkg/apis/core/validation.ValidateObjectMeta,
   * which refuses a finalizer without '/' unless it is one of Kubernetes' own.
   */
  readonly kubeFinalizers: boolean;
  /** Checks of the name beyond its format that the same Validate makes. */
  readonly extra?: (object: ObjectLike, name: string) => FieldProblem[];
}

const subdomain = (): NameValidator => nameIsDNSSubdomain;
const dnsLabel = (): NameValidator => nameIsDNSLabel;
const dns1035Label = (): NameValidator => nameIsDNS1035Label;
// rbac validation.ValidateRBACName ignores the prefix flag: a generateName is a whole segment too.
const rbacName = (): NameValidator => name => isValidPathSegmentName(name);
const pathSegment = (): NameValidator => validatePathSegmentName;

/** Core's ValidateObjectMeta with a DNS-1123 subdomain: most built-in kinds. */
const CORE_SUBDOMAIN: KindNameRules = { name: subdomain, kubeFinalizers: true };
/** apimachinery's own ValidateObjectMeta with a DNS-1123 subdomain. */
const GENERIC_SUBDOMAIN: KindNameRules = { name: subdomain, kubeFinalizers: false };
const RBAC: KindNameRules = { name: rbacName, kubeFinalizers: true };

/** batch validation.ValidateCronJobCreate: the controller appends 11 characters (`-<minute>`) for its Jobs. */
function cronJobNameLength(_object: ObjectLike, name: string): FieldProblem[] {
  return Buffer.byteLength(name, 'utf8') > 52 ? [invalid('metadata.name', name, 'must be no more than 52 characters')] : [];
}

// scheduling/v1 IsKnownSystemPriorityClass: the classes the API server creates itself.
const SYSTEM_PRIORITY_CLASSES: { readonly [name: string]: number } = {
  'system-node-critical': 2000001000,
  'system-cluster-critical': 2000000000,
};

/** scheduling validation.ValidatePriorityClass: the 'system-' prefix is reserved. */
function systemPriorityClass(object: ObjectLike, name: string): FieldProblem[] {
  if (!name.startsWith('system-')) return [];
  // Absent fields are Go's zero values.
  const value = typeof object.value === 'number' ? object.value : 0;
  const globalDefault = object.globalDefault === true;
  const known = SYSTEM_PRIORITY_CLASSES[name];
  let error: string | undefined;
  if (known === undefined) error = `${name} is not a known system priority class`;
  else if (known !== value) error = `value of ${name} PriorityClass must be ${known}`;
  else if (globalDefault) error = `globalDefault of ${name} PriorityClass must be false`;
  return error ? [forbidden('metadata.name', `priority class names with 'system-' prefix are reserved for system use only. error: ${error}`)] : [];
}

/** apiextensions validation.ValidateCustomResourceDefinition's nameValidationFn. */
function crdName(object: ObjectLike): NameValidator {
  const spec = (object.spec ?? {}) as { names?: { plural?: unknown }; group?: unknown };
  // A missing or non-string plural or group reads as empty, which no name matches.
  const plural = typeof spec.names?.plural === 'string' ? spec.names.plural : '';
  const group = typeof spec.group === 'string' ? spec.group : '';
  return (name, prefix) => {
    const errs = nameIsDNSSubdomain(name, prefix);
    if (name !== `${plural}.${group}`) errs.push('must be spec.names.plural+"."+spec.group');
    return errs;
  };
}

/** `group/Kind` → rules, for the built-in kinds of the groups `npm run check` serves. */
const KIND_RULES: ReadonlyMap<string, KindNameRules> = new Map<string, KindNameRules>([
  // core/v1 — pkg/apis/core/validation/validation.go
  [groupKind('', 'Pod'), CORE_SUBDOMAIN], // ValidatePodCreate: ValidatePodName = NameIsDNSSubdomain
  [groupKind('', 'PodTemplate'), CORE_SUBDOMAIN], // ValidatePodTemplate: ValidatePodName
  [groupKind('', 'ReplicationController'), CORE_SUBDOMAIN], // ValidateReplicationController: ValidateReplicationControllerName = NameIsDNSSubdomain
  [groupKind('', 'Service'), { name: dns1035Label, kubeFinalizers: true }], // ValidateService: ValidateServiceName = NameIsDNS1035Label
  [groupKind('', 'Endpoints'), CORE_SUBDOMAIN], // ValidateEndpoints: ValidateEndpointsName = NameIsDNSSubdomain
  [groupKind('', 'Node'), CORE_SUBDOMAIN], // ValidateNode: ValidateNodeName = NameIsDNSSubdomain
  [groupKind('', 'Namespace'), { name: dnsLabel, kubeFinalizers: true }], // ValidateNamespace: ValidateNamespaceName = NameIsDNSLabel
  [groupKind('', 'LimitRange'), CORE_SUBDOMAIN], // ValidateLimitRange: ValidateLimitRangeName = NameIsDNSSubdomain
  [groupKind('', 'ResourceQuota'), CORE_SUBDOMAIN], // ValidateResourceQuota: ValidateResourceQuotaName = NameIsDNSSubdomain
  [groupKind('', 'Secret'), CORE_SUBDOMAIN], // ValidateSecret: ValidateSecretName = NameIsDNSSubdomain
  [groupKind('', 'ConfigMap'), CORE_SUBDOMAIN], // ValidateConfigMap: ValidateConfigMapName = NameIsDNSSubdomain
  [groupKind('', 'ServiceAccount'), CORE_SUBDOMAIN], // ValidateServiceAccount: ValidateServiceAccountName = NameIsDNSSubdomain
  [groupKind('', 'PersistentVolume'), CORE_SUBDOMAIN], // ValidatePersistentVolume: ValidatePersistentVolumeName = NameIsDNSSubdomain
  [groupKind('', 'PersistentVolumeClaim'), CORE_SUBDOMAIN], // ValidatePersistentVolumeClaim: ValidatePersistentVolumeName
  [groupKind('', 'Event'), CORE_SUBDOMAIN], // ValidateEventCreate: NameIsDNSSubdomain
  // apps/v1 — pkg/apis/apps/validation/validation.go
  [groupKind('apps', 'Deployment'), CORE_SUBDOMAIN], // ValidateDeployment: ValidateDeploymentName = NameIsDNSSubdomain
  [groupKind('apps', 'ReplicaSet'), CORE_SUBDOMAIN], // ValidateReplicaSet: ValidateReplicaSetName = NameIsDNSSubdomain
  [groupKind('apps', 'DaemonSet'), CORE_SUBDOMAIN], // ValidateDaemonSet: ValidateDaemonSetName = NameIsDNSSubdomain
  // Pods take their hostname from it, so since 1.27 (kubernetes#114172) it is a label.
  [groupKind('apps', 'StatefulSet'), { name: dnsLabel, kubeFinalizers: true }], // ValidateStatefulSet: ValidateStatefulSetName = NameIsDNSLabel
  [groupKind('apps', 'ControllerRevision'), CORE_SUBDOMAIN], // ValidateControllerRevision: ValidateControllerRevisionName = NameIsDNSSubdomain
  // batch/v1 — pkg/apis/batch/validation/validation.go
  [groupKind('batch', 'Job'), CORE_SUBDOMAIN], // ValidateJob: ValidateReplicationControllerName
  [groupKind('batch', 'CronJob'), { ...CORE_SUBDOMAIN, extra: cronJobNameLength }], // ValidateCronJobCreate: ValidateReplicationControllerName, ≤ 52
  // rbac.authorization.k8s.io/v1 — pkg/apis/rbac/validation/validation.go
  [groupKind('rbac.authorization.k8s.io', 'Role'), RBAC], // ValidateRole: ValidateRBACName = path.IsValidPathSegmentName
  [groupKind('rbac.authorization.k8s.io', 'ClusterRole'), RBAC], // ValidateClusterRole: ValidateRBACName
  [groupKind('rbac.authorization.k8s.io', 'RoleBinding'), RBAC], // ValidateRoleBinding: ValidateRBACName
  [groupKind('rbac.authorization.k8s.io', 'ClusterRoleBinding'), RBAC], // ValidateClusterRoleBinding: ValidateRBACName
  // admissionregistration.k8s.io/v1 — pkg/apis/admissionregistration/validation/validation.go
  [groupKind('admissionregistration.k8s.io', 'ValidatingWebhookConfiguration'), GENERIC_SUBDOMAIN], // validateValidatingWebhookConfiguration: genericvalidation.NameIsDNSSubdomain
  [groupKind('admissionregistration.k8s.io', 'MutatingWebhookConfiguration'), GENERIC_SUBDOMAIN], // validateMutatingWebhookConfiguration: genericvalidation.NameIsDNSSubdomain
  [groupKind('admissionregistration.k8s.io', 'ValidatingAdmissionPolicy'), GENERIC_SUBDOMAIN], // validateValidatingAdmissionPolicy: genericvalidation.NameIsDNSSubdomain
  [groupKind('admissionregistration.k8s.io', 'ValidatingAdmissionPolicyBinding'), GENERIC_SUBDOMAIN], // validateValidatingAdmissionPolicyBinding: genericvalidation.NameIsDNSSubdomain
  // apiextensions.k8s.io/v1 — apiextensions-apiserver pkg/apis/apiextensions/validation/validation.go
  [groupKind('apiextensions.k8s.io', 'CustomResourceDefinition'), { name: crdName, kubeFinalizers: false }], // ValidateCustomResourceDefinition: nameValidationFn
  // policy/v1 — its strategy validates only the spec (pkg/registry/policy/poddisruptionbudget),
  // so the name gets what apiserver rest.BeforeCreate requires of every object.
  [groupKind('policy', 'PodDisruptionBudget'), { name: pathSegment, kubeFinalizers: false }], // rest.BeforeCreate: path.ValidatePathSegmentName
  // networking.k8s.io/v1 — pkg/apis/networking/validation/validation.go
  [groupKind('networking.k8s.io', 'Ingress'), CORE_SUBDOMAIN], // validateIngress: ValidateIngressName = NameIsDNSSubdomain
  [groupKind('networking.k8s.io', 'IngressClass'), CORE_SUBDOMAIN], // ValidateIngressClass: ValidateIngressClassName = NameIsDNSSubdomain
  [groupKind('networking.k8s.io', 'NetworkPolicy'), CORE_SUBDOMAIN], // ValidateNetworkPolicy: ValidateNetworkPolicyName = NameIsDNSSubdomain
  [groupKind('networking.k8s.io', 'ServiceCIDR'), CORE_SUBDOMAIN], // ValidateServiceCIDR: NameIsDNSSubdomain
  [groupKind('networking.k8s.io', 'IPAddress'), { name: () => ipAddressName, kubeFinalizers: true }], // ValidateIPAddress: ValidateIPAddressName
  // autoscaling/v2 — pkg/apis/autoscaling/validation/validation.go
  [groupKind('autoscaling', 'HorizontalPodAutoscaler'), CORE_SUBDOMAIN], // ValidateHorizontalPodAutoscaler: ValidateHorizontalPodAutoscalerName = ValidateReplicationControllerName
  // scheduling.k8s.io/v1 — pkg/apis/scheduling/validation/validation.go
  [groupKind('scheduling.k8s.io', 'PriorityClass'), { ...CORE_SUBDOMAIN, extra: systemPriorityClass }], // ValidatePriorityClass: NameIsDNSSubdomain, 'system-' reserved
  // storage.k8s.io/v1 — pkg/apis/storage/validation/validation.go
  [groupKind('storage.k8s.io', 'StorageClass'), CORE_SUBDOMAIN], // ValidateStorageClass: ValidateClassName = NameIsDNSSubdomain
  [groupKind('storage.k8s.io', 'VolumeAttachment'), CORE_SUBDOMAIN], // ValidateVolumeAttachment: ValidateClassName
  [groupKind('storage.k8s.io', 'CSIDriver'), CORE_SUBDOMAIN], // ValidateCSIDriver: ValidateCSIDriverName = NameIsDNSSubdomain
  [groupKind('storage.k8s.io', 'CSINode'), CORE_SUBDOMAIN], // ValidateCSINode: ValidateNodeName
  [groupKind('storage.k8s.io', 'CSIStorageCapacity'), CORE_SUBDOMAIN], // ValidateCSIStorageCapacity: NameIsDNSSubdomain
  [groupKind('storage.k8s.io', 'VolumeAttributesClass'), CORE_SUBDOMAIN], // ValidateVolumeAttributesClass: ValidateClassName
  // coordination.k8s.io/v1 — pkg/apis/coordination/validation/validation.go (apimachinery's ValidateObjectMeta)
  [groupKind('coordination.k8s.io', 'Lease'), GENERIC_SUBDOMAIN], // ValidateLease: validation.NameIsDNSSubdomain
  // discovery.k8s.io/v1 — pkg/apis/discovery/validation/validation.go
  [groupKind('discovery.k8s.io', 'EndpointSlice'), CORE_SUBDOMAIN], // ValidateEndpointSlice: ValidateEndpointSliceName = NameIsDNSSubdomain
]);

/**
 * Custom resources: apiextensions-apiserver customResourceValidator.Validate passes
 * NameIsDNSSubdomain to apimachinery's ValidateObjectMetaAccessor; unqualified finalizers
 * only draw a warning there.
 */
const CUSTOM_RESOURCE: KindNameRules = GENERIC_SUBDOMAIN;

/**
 * A built-in kind not in the table: DNS-1123 subdomain, the rule nearly every strategy
 * uses. The finalizer rule is not assumed: it would refuse what the kind may accept.
 */
const OTHER_BUILTIN: KindNameRules = GENERIC_SUBDOMAIN;

/** The name rules for a kind: its table entry, or those of custom resources or other built-ins. */
export function kindNameRules(group: string, kind: string, custom: boolean): KindNameRules {
  if (custom) return CUSTOM_RESOURCE;
  return KIND_RULES.get(groupKind(group, kind)) ?? OTHER_BUILTIN;
}

/** The `group/Kind` keys of the table, for tests and documentation. */
export function kindsWithNameRules(): string[] {
  return [...KIND_RULES.keys()];
}
