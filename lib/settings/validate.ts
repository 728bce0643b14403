import { DNS_1035_LABEL, HELM_RELEASE_NAME_MAX, RFC1035_RULE } from './names';
import { asList, asMap, checkDnsLabel, InvalidSettingsError, Problems } from './problems';
import { checkNamespaceDataplane, DATAPLANE_LABELS, DataplanePlan, resolveDataplane } from './dataplane';
import { resolveRevisions, RevisionPlan } from './revisions';
import { DEFAULT_GATEWAYS, DEFAULT_KUBE_VERSION, ISTIO_NAMESPACE, MIN_KUBE_VERSION, RESERVED_NAMESPACES } from './defaults';
import { shapeProblems } from './shape';
import { checkEgress } from './egress';
import { checkMeshIdentity } from './mesh-identity';
import { checkPrimaryRemote } from './primary-remote';
import { checkTrust } from './trust';
import { checkDeliverySettings } from './delivery';
import { checkAuthorization } from './authorization';
import { OWNED_VALUES } from './owned-values';
import { MeshSettings, Scheduling, Toleration } from './types';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const KUBE_VERSION = /^v?(\d+)\.(\d+)\.(\d+)$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/**
 * Chart values that typed settings own (owned-values.ts, the table the release builders
 * set them from): set through `values` they would contradict what the settings say (and
 * what check and the tests expect), so they are refused, naming the setting to use instead.
 */
function checkOwnedValues(p: Problems, field: string, values: unknown, release: keyof typeof OWNED_VALUES): void {
  for (const { path: valuePath, setting } of OWNED_VALUES[release]) {
    let v: unknown = values;
    for (const key of valuePath) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
    const shown = valuePath.map(k => (/^[A-Za-z_]\w*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`)).join('');
    if (v !== undefined) p.add(`${field}${shown}`, v, `is set by ${setting} in the settings; use that instead of values`);
  }
}

function checkImages(p: Problems, field: string, images: unknown): void {
  const i = asMap(images as object) as { hub?: unknown; tag?: unknown };
  if (typeof i.hub === 'string' && (i.hub === '' || /\s|\/$/.test(i.hub))) {
    p.add(`${field}.hub`, i.hub, 'must be a registry path such as docker.io/istio (no spaces, no trailing /)');
  }
  if (typeof i.tag === 'string' && (!IMAGE_TAG.test(i.tag) || i.tag === 'latest')) {
    p.add(`${field}.tag`, i.tag, 'must be a pinned image tag (not "latest")');
  }
}

/** Labels this project sets on app namespaces itself. */
const INJECTION_LABELS = ['istio-injection', 'istio.io/rev', ...DATAPLANE_LABELS];

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

function checkGateways(p: Problems, settings: MeshSettings, plan: RevisionPlan): void {
  // Objects istiod's chart creates in istio-system under these names: a gateway of the
  // same name there would overwrite them (its Deployment, Service, ServiceAccount …).
  const istiodNames = new Set(['istio', 'istio-reader-service-account', ...plan.revisions.flatMap(r => {
    const suffix = r.name ? `-${r.name}` : '';
    return [`istiod${suffix}`, `istio-sidecar-injector${suffix}`, `istio${suffix}`, ...r.tags.map(t => `istiod-revision-tag-${t}`)];
  })]);
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
    checkRevisionRef(p, `${field}.revision`, g.revision, plan);
    checkLabels(p, `${field}.namespaceLabels`, g.namespaceLabels);
    const labels = asMap(g.namespaceLabels);
    if (labels['istio-injection'] === 'disabled') {
      p.add(`${field}.namespaceLabels["istio-injection"]`, 'disabled', 'is not allowed: gateway pods use image "auto", which only sidecar injection fills in');
    } else {
      // An injection label on the namespace would select another injector than the gateway's revision.
      for (const managed of ['istio-injection', 'istio.io/rev']) {
        if (managed in labels) p.add(`${field}.namespaceLabels[${JSON.stringify(managed)}]`, labels[managed], 'would choose the injector of the gateway\'s namespace: set the gateway\'s revision instead');
      }
      for (const managed of DATAPLANE_LABELS) {
        if (managed in labels) p.add(`${field}.namespaceLabels[${JSON.stringify(managed)}]`, labels[managed], 'is managed by this project: gateways run their own proxies, in sidecar and ambient meshes alike');
      }
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

/** A namespace's or gateway's `revision`: only in the canary form, and it must name a revision or a tag. */
function checkRevisionRef(p: Problems, field: string, ref: unknown, plan: RevisionPlan): void {
  if (ref === undefined) return;
  if (!plan.canary) {
    p.add(field, ref, 'is only for the canary form (revisions and tags); the single-revision form labels everything for its one revision');
  } else if (typeof ref === 'string' && plan.target(ref) === undefined) {
    const names = [...plan.revisions.map(r => r.name), ...plan.revisions.flatMap(r => r.tags)];
    p.add(field, ref, `names no revision or tag (known: ${names.join(', ')})`);
  }
}

function checkAppNamespaces(p: Problems, settings: MeshSettings, gatewayNamespaces: readonly unknown[], plan: RevisionPlan, dp: DataplanePlan): void {
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
    checkRevisionRef(p, `${field}.revision`, ns.revision, plan);
    checkNamespaceDataplane(p, field, ns, dp);
    const labels = asMap(ns.labels);
    for (const managed of INJECTION_LABELS) {
      if (!(managed in labels)) continue;
      const why = managed === 'istio-injection' && labels[managed] === 'disabled'
        ? 'would take the namespace out of the mesh: app namespaces are meshed by definition; to leave a namespace out, remove it from appNamespaces (a namespace not listed gets no injection label)'
        : DATAPLANE_LABELS.includes(managed)
          ? 'is managed by this project (set dataplane or waypoint on the namespace instead)'
          : 'is managed by this project (set the namespace\'s revision, or the mesh\'s, instead)';
      p.add(`${field}.labels[${JSON.stringify(managed)}]`, labels[managed], why);
    }
  });
}

/** Settings that passed validation, with the plans validation made of them (revisions, data plane). */
export interface ValidatedSettings {
  /** The settings as given. */
  readonly input: MeshSettings;
  /** Revisions, tags and the Istio versions they use. */
  readonly plan: RevisionPlan;
  /** Data plane: mode, platform, node agents, Gateway API. */
  readonly dataplane: DataplanePlan;
  /** The Kubernetes version to render for. */
  readonly kubeVersion: string;
  /** The gateways (the default two when none are given). */
  readonly gateways: NonNullable<MeshSettings['gateways']>;
}

/**
 * Validates settings against the locked Istio versions.
 *
 * `settings` is typed, but comes from a main.ts that nothing type-checked at run time
 * (esbuild strips types): its shape is checked first, against the schema generated from
 * the types. Throws one UserError that lists every problem (field, bad value, rule);
 * nothing is rendered before this passes.
 */
export function validateSettings(settings: MeshSettings, locked: string | readonly string[], cluster?: string): ValidatedSettings {
  const lockedVersions = typeof locked === 'string' ? [locked] : locked;
  const p = new Problems();
  for (const s of shapeProblems(settings)) p.addShape(s.field, s.message);
  const input = asMap(settings) as MeshSettings;

  const plan = resolveRevisions(p, input, lockedVersions);
  const kubeVersion = typeof input.kubeVersion === 'string' ? input.kubeVersion : DEFAULT_KUBE_VERSION;
  for (const version of plan.istioVersions) checkKubeVersion(p, kubeVersion, version);

  checkScheduling(p, 'scheduling', input.scheduling);
  const components = asMap(input.componentScheduling);
  checkScheduling(p, 'componentScheduling.istiod', components.istiod);
  checkScheduling(p, 'componentScheduling.gateways', components.gateways);
  checkScheduling(p, 'componentScheduling.nodeAgents', components.nodeAgents);

  checkImages(p, 'images', input.images);
  asList(input.revisions).forEach((r, i) => {
    checkImages(p, `revisions[${i}].images`, asMap(r).images);
    checkOwnedValues(p, `revisions[${i}].values`, asMap(r).values, 'istiod');
  });

  const extraValues = asMap(input.values);
  checkOwnedValues(p, 'values.istiod', extraValues.istiod, 'istiod');
  checkOwnedValues(p, 'values.base', extraValues.base, 'base');
  checkOwnedValues(p, 'values.cni', extraValues.cni, 'cni');
  checkOwnedValues(p, 'values.ztunnel', extraValues.ztunnel, 'ztunnel');

  const gateways = input.gateways ?? DEFAULT_GATEWAYS;
  checkGateways(p, { ...input, gateways }, plan);
  checkMeshIdentity(p, input, cluster);
  checkTrust(p, input);
  checkPrimaryRemote(p, input, cluster);
  checkDeliverySettings(p, input);
  checkEgress(p, input, asList(gateways).map(g => asMap(g)), [...asList(gateways).map(g => asMap(g).namespace), ...asList(input.appNamespaces).map(ns => asMap(ns).name), ISTIO_NAMESPACE]);
  const nodeAgentScheduling = { nodeSelector: asMap(components.nodeAgents).nodeSelector ?? {}, tolerations: asList(asMap(components.nodeAgents).tolerations) };
  const dp = resolveDataplane(p, input, plan, nodeAgentScheduling as Required<Scheduling>);
  checkAppNamespaces(p, input, asList(gateways).map(g => asMap(g).namespace), plan, dp);
  checkAuthorization(p, input, gateways, ns => (ns.dataplane ?? dp.mode) === 'ambient');

  if (p.list.length > 0) {
    throw new InvalidSettingsError(p.list);
  }
  return { input, plan, dataplane: dp, kubeVersion, gateways };
}
