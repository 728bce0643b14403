import { UserError } from '../user-error';
import { DEFAULT_GATEWAYS, DEFAULT_KUBE_VERSION, ISTIO_NAMESPACE, MIN_KUBE_VERSION, RESERVED_NAMESPACES } from './defaults';
import { shapeProblems } from './shape';
import { MeshSettings, ResolvedMeshSettings, Scheduling, Toleration } from './types';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const KUBE_VERSION = /^v?(\d+)\.(\d+)\.(\d+)$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const RFC1123_RULE = "RFC 1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters";
const RFC1035_RULE = "RFC 1035 label: lowercase letters, digits and '-', starting with a letter and ending with a letter or digit";

/** Helm refuses longer release names (they end up in labels with suffixes). */
const HELM_RELEASE_NAME_MAX = 53;
/** istiod's release is `istiod-<revision>`, so the revision gets what is left. */
const REVISION_MAX = HELM_RELEASE_NAME_MAX - 'istiod-'.length;
/**
 * Chart values that typed settings own: set through `values` they would contradict what
 * the settings say (and what check and the tests expect), so they are refused, naming
 * the setting to use instead.
 */
const OWNED_VALUES: { readonly [release: string]: ReadonlyArray<readonly [path: string, setting: string]> } = {
  gateway: [['name', 'the gateway\'s name'], ['revision', 'revision'], ['service.type', 'serviceType'], ['replicaCount', 'replicas']],
  istiod: [['revision', 'revision'], ['global.istioNamespace', 'nothing: Istio runs in istio-system']],
  base: [['defaultRevision', 'revision']],
};

function checkOwnedValues(p: Problems, field: string, values: unknown, release: keyof typeof OWNED_VALUES): void {
  for (const [valuePath, setting] of OWNED_VALUES[release]) {
    let v: unknown = values;
    for (const key of valuePath.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
    if (v !== undefined) p.add(`${field}.${valuePath}`, v, `is set by ${setting} in the settings; use that instead of values`);
  }
}

/** Labels this project sets on app namespaces itself. */
const INJECTION_LABELS = ['istio-injection', 'istio.io/rev'];

/**
 * Collects every problem, so one run reports them all. A field whose shape is already
 * wrong (unknown, wrong type) gets no second message from the rules below.
 */
class Problems {
  readonly list: string[] = [];
  private readonly shapeFields: string[] = [];

  addShape(field: string, message: string): void {
    this.list.push(`${field}: ${message}`);
    this.shapeFields.push(field);
  }

  add(field: string, value: unknown, rule: string): void {
    const covered = this.shapeFields.some(f => field === f || field.startsWith(`${f}.`) || field.startsWith(`${f}[`));
    if (!covered) this.list.push(`${field}: ${JSON.stringify(value)} ${rule}`);
  }
}

/** Values of the wrong shape were reported already; the rules read them as empty. */
function asList<T>(v: readonly T[] | undefined): readonly T[] {
  return Array.isArray(v) ? v : [];
}

function asMap<T extends object>(v: T | undefined): Partial<T> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : {};
}

function checkDnsLabel(p: Problems, field: string, value: unknown): void {
  if (typeof value !== 'string' || value.length > 63 || !DNS_LABEL.test(value)) {
    p.add(field, value, `is not a valid name (${RFC1123_RULE})`);
  }
}

function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return 'has an invalid prefix (must be a DNS subdomain, RFC 1123, at most 253 characters)';
  }
  if (name.length > 63 || !LABEL_NAME.test(name)) {
    return 'is not a valid label key (name part: alphanumerics, \'-\', \'_\' or \'.\', starting and ending with an alphanumeric, at most 63 characters)';
  }
  return undefined;
}

function checkLabels(p: Problems, field: string, labels: unknown): void {
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) return;
  for (const [key, value] of Object.entries(labels)) {
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) p.add(`${field} key`, key, keyProblem);
    if (typeof value !== 'string' || value.length > 63 || (value !== '' && !LABEL_NAME.test(value))) {
      p.add(`${field}[${JSON.stringify(key)}]`, value, 'is not a valid label value (empty, or alphanumerics, \'-\', \'_\' or \'.\', starting and ending with an alphanumeric, at most 63 characters)');
    }
  }
}

function checkToleration(p: Problems, field: string, t: Partial<Toleration>): void {
  const operator = t.operator ?? 'Equal';
  if (t.key !== undefined && t.key !== '') {
    const keyProblem = labelKeyProblem(t.key);
    if (keyProblem) p.add(`${field}.key`, t.key, keyProblem);
  } else if (operator !== 'Exists') {
    p.add(`${field}.operator`, t.operator ?? 'Equal', 'must be Exists when the key is empty (a toleration for every taint)');
  }
  if (operator === 'Exists' && t.value !== undefined && t.value !== '') {
    p.add(`${field}.value`, t.value, 'must be empty when the operator is Exists');
  }
  if (t.tolerationSeconds !== undefined) {
    if (!Number.isInteger(t.tolerationSeconds)) p.add(`${field}.tolerationSeconds`, t.tolerationSeconds, 'must be a whole number of seconds');
    if (t.effect !== 'NoExecute') p.add(`${field}.tolerationSeconds`, t.tolerationSeconds, 'is only allowed with effect NoExecute');
  }
}

function checkScheduling(p: Problems, field: string, s: Scheduling | undefined): void {
  const scheduling = asMap(s);
  checkLabels(p, `${field}.nodeSelector`, scheduling.nodeSelector);
  asList(scheduling.tolerations).forEach((t, i) => checkToleration(p, `${field}.tolerations[${i}]`, asMap(t)));
}

function checkKubeVersion(p: Problems, kubeVersion: string, istioVersion: string): void {
  const m = KUBE_VERSION.exec(kubeVersion);
  if (!m) {
    p.add('kubeVersion', kubeVersion, 'must be a Kubernetes version such as 1.33.0');
    return;
  }
  const istioMinor = istioVersion.split('.').slice(0, 2).join('.');
  const min = MIN_KUBE_VERSION[istioMinor];
  if (!min) return;
  const [minMajor, minMinor] = min.split('.').map(Number);
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (major < minMajor || (major === minMajor && minor < minMinor)) {
    p.add('kubeVersion', kubeVersion, `is too old for Istio ${istioVersion}, which needs Kubernetes ${min} or later`);
  }
}

function checkGateways(p: Problems, settings: MeshSettings, revision: string): void {
  // Objects istiod's chart creates in istio-system under these names: a gateway of the
  // same name there would overwrite them (its Deployment, Service, ServiceAccount …).
  const suffix = revision ? `-${revision}` : '';
  const istiodNames = new Set([`istiod${suffix}`, `istio-sidecar-injector${suffix}`, 'istio', 'istio-reader-service-account']);
  const gatewayNames = new Set<string>();
  const gatewayNamespaceLabels = new Map<string, Map<string, string>>();
  asList(settings.gateways).forEach((gateway, i) => {
    const g = asMap(gateway);
    const field = `gateways[${i}]`;
    // The name becomes the helm release, the Deployment and the Service (an RFC 1035 label).
    if (typeof g.name !== 'string' || !DNS_1035_LABEL.test(g.name)) {
      p.add(`${field}.name`, g.name, `is not a valid gateway name (${RFC1035_RULE}; it names the gateway's Service)`);
    } else if (g.name.length > HELM_RELEASE_NAME_MAX) {
      p.add(`${field}.name`, g.name, `is ${g.name.length} characters long: at most ${HELM_RELEASE_NAME_MAX}, since it is the gateway's Helm release name`);
    }
    checkDnsLabel(p, `${field}.namespace`, g.namespace);
    if (g.namespace === ISTIO_NAMESPACE && typeof g.name === 'string' && istiodNames.has(g.name)) {
      p.add(`${field}.name`, g.name, `collides with istiod's objects of that name in ${ISTIO_NAMESPACE}: rename the gateway or give it its own namespace`);
    }
    if (typeof g.namespace === 'string' && RESERVED_NAMESPACES.includes(g.namespace)) {
      p.add(`${field}.namespace`, g.namespace, 'is a Kubernetes system namespace: give the gateway a namespace of its own');
    }
    if (typeof g.name === 'string' && gatewayNames.has(g.name)) p.add(`${field}.name`, g.name, 'is used by another gateway (gateway names must be unique)');
    if (typeof g.name === 'string') gatewayNames.add(g.name);
    if (g.replicas !== undefined && (!Number.isInteger(g.replicas) || g.replicas < 1)) {
      p.add(`${field}.replicas`, g.replicas, 'must be a whole number of at least 1');
    }
    checkOwnedValues(p, `${field}.values`, g.values, 'gateway');
    checkLabels(p, `${field}.namespaceLabels`, g.namespaceLabels);
    const labels = asMap(g.namespaceLabels);
    if (labels['istio-injection'] === 'disabled') {
      p.add(`${field}.namespaceLabels["istio-injection"]`, 'disabled', 'is not allowed: gateway pods use image "auto", which only sidecar injection fills in');
    }
    const seen = gatewayNamespaceLabels.get(String(g.namespace)) ?? new Map<string, string>();
    for (const [k, v] of Object.entries(labels)) {
      if (seen.has(k) && seen.get(k) !== v) {
        p.add(`${field}.namespaceLabels[${JSON.stringify(k)}]`, v, `conflicts with ${JSON.stringify(seen.get(k))} set by another gateway in namespace ${g.namespace}`);
      }
      seen.set(k, String(v));
    }
    gatewayNamespaceLabels.set(String(g.namespace), seen);
  });
}

function checkAppNamespaces(p: Problems, settings: MeshSettings, gatewayNamespaces: readonly unknown[]): void {
  const istioNamespaces = new Set([ISTIO_NAMESPACE, ...gatewayNamespaces]);
  const appNames = new Set<string>();
  asList(settings.appNamespaces).forEach((namespace, i) => {
    const ns = asMap(namespace);
    const field = `appNamespaces[${i}]`;
    checkDnsLabel(p, `${field}.name`, ns.name);
    if (istioNamespaces.has(ns.name)) p.add(`${field}.name`, ns.name, 'is an Istio namespace (istio-system or a gateway namespace); app namespaces must be separate');
    if (typeof ns.name === 'string' && RESERVED_NAMESPACES.includes(ns.name)) {
      p.add(`${field}.name`, ns.name, 'is a Kubernetes system namespace: sidecars there would break the cluster\'s own components; leave it out of appNamespaces');
    }
    if (typeof ns.name === 'string' && appNames.has(ns.name)) p.add(`${field}.name`, ns.name, 'is listed twice');
    if (typeof ns.name === 'string') appNames.add(ns.name);
    checkLabels(p, `${field}.labels`, ns.labels);
    const labels = asMap(ns.labels);
    for (const managed of INJECTION_LABELS) {
      if (!(managed in labels)) continue;
      const why = managed === 'istio-injection' && labels[managed] === 'disabled'
        ? 'would take the namespace out of the mesh: app namespaces are meshed by definition; to leave a namespace out, remove it from appNamespaces (a namespace not listed gets no injection label)'
        : 'is managed by this project (it follows revision in the settings)';
      p.add(`${field}.labels[${JSON.stringify(managed)}]`, labels[managed], why);
    }
  });
}

/**
 * Validates settings against the locked Istio version and fills in defaults.
 *
 * `settings` is typed, but comes from a main.ts that nothing type-checked at run time
 * (esbuild strips types): its shape is checked first, against the schema generated from
 * the types. Throws one UserError that lists every problem (field, bad value, rule);
 * nothing is rendered before this passes.
 */
export function resolveSettings(settings: MeshSettings, lockedIstioVersion: string): ResolvedMeshSettings {
  const p = new Problems();
  for (const s of shapeProblems(settings)) p.addShape(s.field, s.message);
  const input = asMap(settings) as MeshSettings;

  if (typeof input.istioVersion === 'string' && input.istioVersion !== lockedIstioVersion) {
    p.add('istioVersion', input.istioVersion, `is not the locked version ${lockedIstioVersion} (vendor/charts.lock.json); use "${lockedIstioVersion}", or re-lock with: npm run vendor -- --version ${input.istioVersion}`);
  }
  const kubeVersion = typeof input.kubeVersion === 'string' ? input.kubeVersion : DEFAULT_KUBE_VERSION;
  checkKubeVersion(p, kubeVersion, lockedIstioVersion);
  const revision = typeof input.revision === 'string' ? input.revision : '';
  if (revision !== '') {
    checkDnsLabel(p, 'revision', revision);
    if (revision.length > REVISION_MAX) {
      p.add('revision', revision, `is ${revision.length} characters long: at most ${REVISION_MAX}, since istiod's Helm release is istiod-<revision> (at most ${HELM_RELEASE_NAME_MAX})`);
    }
  }

  checkScheduling(p, 'scheduling', input.scheduling);
  const components = asMap(input.componentScheduling);
  checkScheduling(p, 'componentScheduling.istiod', components.istiod);
  checkScheduling(p, 'componentScheduling.gateways', components.gateways);

  const images = asMap(input.images);
  if (typeof images.hub === 'string' && (images.hub === '' || /\s|\/$/.test(images.hub))) {
    p.add('images.hub', images.hub, 'must be a registry path such as docker.io/istio (no spaces, no trailing /)');
  }
  if (typeof images.tag === 'string' && (!IMAGE_TAG.test(images.tag) || images.tag === 'latest')) {
    p.add('images.tag', images.tag, 'must be a pinned image tag (not "latest")');
  }

  const extraValues = asMap(input.values);
  checkOwnedValues(p, 'values.istiod', extraValues.istiod, 'istiod');
  checkOwnedValues(p, 'values.base', extraValues.base, 'base');

  const gateways = input.gateways ?? DEFAULT_GATEWAYS;
  checkGateways(p, { ...input, gateways }, revision);
  checkAppNamespaces(p, input, asList(gateways).map(g => asMap(g).namespace));

  if (p.list.length > 0) {
    throw new UserError(`invalid settings (main.ts):\n  - ${p.list.join('\n  - ')}`);
  }

  const meshScheduling = input.scheduling ?? {};
  const forComponent = (override: Scheduling | undefined): Required<Scheduling> => ({
    nodeSelector: override?.nodeSelector ?? meshScheduling.nodeSelector ?? {},
    tolerations: override?.tolerations ?? meshScheduling.tolerations ?? [],
  });
  const gatewayScheduling = forComponent(input.componentScheduling?.gateways);
  return {
    istioVersion: input.istioVersion,
    kubeVersion: kubeVersion.replace(/^v/, ''),
    revision,
    istiodScheduling: forComponent(input.componentScheduling?.istiod),
    gateways: gateways.map(g => ({
      ...g,
      serviceType: g.serviceType ?? (g.kind === 'ingress' ? 'LoadBalancer' : 'ClusterIP'),
      scheduling: gatewayScheduling,
    })),
    appNamespaces: input.appNamespaces ?? [],
    images: input.images ?? {},
    values: input.values ?? {},
  };
}
