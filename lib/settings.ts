import { UserError } from './user-error';

/** The namespace of the Istio control plane; Istio's charts and docs assume it. */
export const ISTIO_NAMESPACE = 'istio-system';

/** Helm values: a free-form tree passed to a chart as `-f values.yaml`. */
export type HelmValues = { readonly [key: string]: unknown };

/** How a toleration matches a taint's value. */
export type TolerationOperator = 'Exists' | 'Equal';

/** The taint effect a toleration matches. */
export type TolerationEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

/** A Kubernetes pod toleration (core/v1 Toleration). */
export interface Toleration {
  /** Taint key to tolerate. @default - every key (operator must be `Exists`) */
  readonly key?: string;
  /** How the taint's value is matched. @default 'Equal' */
  readonly operator?: TolerationOperator;
  /** Taint value to match with `Equal`; must be empty with `Exists`. @default '' */
  readonly value?: string;
  /** Taint effect to tolerate. @default - every effect */
  readonly effect?: TolerationEffect;
  /** Seconds a `NoExecute` taint is tolerated before eviction. @default - forever */
  readonly tolerationSeconds?: number;
}

/** Where pods may be scheduled: added to every pod template it applies to. */
export interface Scheduling {
  /** Node labels a pod requires. @default {} */
  readonly nodeSelector?: { readonly [label: string]: string };
  /** Taints a pod tolerates, added to those a chart already sets. @default [] */
  readonly tolerations?: readonly Toleration[];
}

/** Per-component scheduling; a field set here replaces the mesh-wide field for that component. */
export interface ComponentScheduling {
  /** Scheduling for istiod. @default - the mesh-wide scheduling */
  readonly istiod?: Scheduling;
  /** Scheduling for every gateway. @default - the mesh-wide scheduling */
  readonly gateways?: Scheduling;
}

/** Which way traffic flows through a gateway. */
export type GatewayKind = 'ingress' | 'egress';

/** Kubernetes Service type of a gateway. */
export type GatewayServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer';

/** One gateway, rendered from Istio's `gateway` chart. */
export interface GatewaySettings {
  /** Helm release name; also the Deployment and Service name. */
  readonly name: string;
  /** Namespace the gateway runs in; created by the namespaces stage. */
  readonly namespace: string;
  /** Ingress or egress gateway. */
  readonly kind: GatewayKind;
  /** Service type. @default 'LoadBalancer' for ingress, 'ClusterIP' for egress */
  readonly serviceType?: GatewayServiceType;
  /** Fixed replica count (turns the chart's autoscaler off). @default - the chart's HorizontalPodAutoscaler (1 to 5) */
  readonly replicas?: number;
  /** Extra labels on the gateway's namespace. @default {} */
  readonly namespaceLabels?: { readonly [label: string]: string };
  /** Extra values for this gateway's release, merged over the computed ones. @default {} */
  readonly values?: HelmValues;
}

/** An application namespace whose pods get Istio sidecars. */
export interface AppNamespace {
  /** Namespace name. */
  readonly name: string;
  /** Extra labels; the injection label is managed and may not be set here. @default {} */
  readonly labels?: { readonly [label: string]: string };
}

/** Where Istio's images come from. */
export interface ImageSettings {
  /** Registry and path of Istio images. @default - the chart's (docker.io/istio) */
  readonly hub?: string;
  /** Image tag. @default - the chart's (the Istio version) */
  readonly tag?: string;
}

/** Extra Helm values per release, merged over the computed ones. */
export interface ExtraValues {
  /** Values for the `base` release. @default {} */
  readonly base?: HelmValues;
  /** Values for the `istiod` release. @default {} */
  readonly istiod?: HelmValues;
}

/** Everything that describes one cluster's mesh. */
export interface MeshSettings {
  /** Istio version; must be the one pinned in vendor/charts.lock.json. */
  readonly istioVersion: string;
  /** Kubernetes version the charts are rendered for (`helm template --kube-version`). @default '1.33.0' */
  readonly kubeVersion?: string;
  /** Control-plane revision; when set, app namespaces get `istio.io/rev=<revision>`. @default - the default revision (`istio-injection=enabled`) */
  readonly revision?: string;
  /** Scheduling added to every Istio workload. @default - none */
  readonly scheduling?: Scheduling;
  /** Per-component scheduling overrides. @default - none */
  readonly componentScheduling?: ComponentScheduling;
  /** Gateways to render. @default DEFAULT_GATEWAYS */
  readonly gateways?: readonly GatewaySettings[];
  /** Application namespaces labelled for sidecar injection. @default [] */
  readonly appNamespaces?: readonly AppNamespace[];
  /** Image hub and tag overrides. @default - the chart's */
  readonly images?: ImageSettings;
  /** Extra Helm values for anything else. @default {} */
  readonly values?: ExtraValues;
}

/** The default gateways: Istio's documented ingress and egress gateway layout. */
export const DEFAULT_GATEWAYS: readonly GatewaySettings[] = [
  { name: 'istio-ingressgateway', namespace: 'istio-ingress', kind: 'ingress' },
  { name: 'istio-egressgateway', namespace: 'istio-egress', kind: 'egress' },
];

/** The default Kubernetes version to render for. */
export const DEFAULT_KUBE_VERSION = '1.33.0';

/** Lowest Kubernetes minor version each Istio minor supports (Istio's support matrix). */
const MIN_KUBE_VERSION: { readonly [istioMinor: string]: string } = {
  '1.29': '1.31',
  '1.30': '1.32',
};

/** A gateway with every default filled in. */
export interface ResolvedGateway extends GatewaySettings {
  /** Service type after defaults. */
  readonly serviceType: GatewayServiceType;
  /** Scheduling after component overrides. */
  readonly scheduling: Required<Scheduling>;
}

/** MeshSettings with every default filled in, as the stage charts consume them. */
export interface ResolvedMeshSettings {
  /** Istio version. */
  readonly istioVersion: string;
  /** Kubernetes version. */
  readonly kubeVersion: string;
  /** Revision ('' for the default revision). */
  readonly revision: string;
  /** Scheduling for istiod. */
  readonly istiodScheduling: Required<Scheduling>;
  /** Gateways. */
  readonly gateways: readonly ResolvedGateway[];
  /** Application namespaces. */
  readonly appNamespaces: readonly AppNamespace[];
  /** Image overrides. */
  readonly images: ImageSettings;
  /** Extra values. */
  readonly values: ExtraValues;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const KUBE_VERSION = /^v?(\d+)\.(\d+)\.(\d+)$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const RFC1123_RULE = "RFC 1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters";
const OPERATORS = ['Exists', 'Equal'];
const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const KINDS = ['ingress', 'egress'];
const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer'];
/** Labels this project sets on app namespaces itself. */
const INJECTION_LABELS = ['istio-injection', 'istio.io/rev'];

/** Collects every problem, so one run reports them all. */
class Problems {
  readonly list: string[] = [];
  add(field: string, value: unknown, rule: string): void {
    this.list.push(`${field}: ${JSON.stringify(value)} ${rule}`);
  }
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
  if (labels === undefined) return;
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
    p.add(field, labels, 'must be a map of label key to string value');
    return;
  }
  for (const [key, value] of Object.entries(labels)) {
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) p.add(`${field} key`, key, keyProblem);
    if (typeof value !== 'string' || value.length > 63 || (value !== '' && !LABEL_NAME.test(value))) {
      p.add(`${field}[${JSON.stringify(key)}]`, value, 'is not a valid label value (empty, or alphanumerics, \'-\', \'_\' or \'.\', starting and ending with an alphanumeric, at most 63 characters)');
    }
  }
}

function checkToleration(p: Problems, field: string, t: Toleration): void {
  const operator = t.operator ?? 'Equal';
  if (!OPERATORS.includes(operator)) p.add(`${field}.operator`, t.operator, `must be one of ${OPERATORS.join(', ')}`);
  if (t.effect !== undefined && !EFFECTS.includes(t.effect)) p.add(`${field}.effect`, t.effect, `must be one of ${EFFECTS.join(', ')} (or unset for every effect)`);
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
  if (!s) return;
  checkLabels(p, `${field}.nodeSelector`, s.nodeSelector);
  if (s.tolerations !== undefined && !Array.isArray(s.tolerations)) {
    p.add(`${field}.tolerations`, s.tolerations, 'must be a list');
    return;
  }
  (s.tolerations ?? []).forEach((t, i) => checkToleration(p, `${field}.tolerations[${i}]`, t));
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

/**
 * Validates settings against the locked Istio version and fills in defaults.
 *
 * Throws one UserError that lists every problem (field, bad value, rule); nothing is
 * rendered before this passes.
 */
export function resolveSettings(settings: MeshSettings, lockedIstioVersion: string): ResolvedMeshSettings {
  const p = new Problems();
  if (settings.istioVersion !== lockedIstioVersion) {
    p.add('istioVersion', settings.istioVersion, `is not the locked version ${lockedIstioVersion} (vendor/charts.lock.json); use "${lockedIstioVersion}", or re-lock with: npm run vendor -- --version ${settings.istioVersion}`);
  }
  const kubeVersion = settings.kubeVersion ?? DEFAULT_KUBE_VERSION;
  checkKubeVersion(p, kubeVersion, lockedIstioVersion);
  const revision = settings.revision ?? '';
  if (revision !== '') checkDnsLabel(p, 'revision', revision);

  checkScheduling(p, 'scheduling', settings.scheduling);
  checkScheduling(p, 'componentScheduling.istiod', settings.componentScheduling?.istiod);
  checkScheduling(p, 'componentScheduling.gateways', settings.componentScheduling?.gateways);

  const images = settings.images ?? {};
  if (images.hub !== undefined && (typeof images.hub !== 'string' || images.hub === '' || /\s|\/$/.test(images.hub))) {
    p.add('images.hub', images.hub, 'must be a registry path such as docker.io/istio (no spaces, no trailing /)');
  }
  if (images.tag !== undefined && (typeof images.tag !== 'string' || !IMAGE_TAG.test(images.tag) || images.tag === 'latest')) {
    p.add('images.tag', images.tag, 'must be a pinned image tag (not "latest")');
  }

  const gateways = settings.gateways ?? DEFAULT_GATEWAYS;
  const gatewayNames = new Set<string>();
  const gatewayNamespaceLabels = new Map<string, Map<string, string>>();
  gateways.forEach((g, i) => {
    const field = `gateways[${i}]`;
    checkDnsLabel(p, `${field}.name`, g.name);
    checkDnsLabel(p, `${field}.namespace`, g.namespace);
    if (gatewayNames.has(g.name)) p.add(`${field}.name`, g.name, 'is used by another gateway (gateway names must be unique)');
    gatewayNames.add(g.name);
    if (!KINDS.includes(g.kind)) p.add(`${field}.kind`, g.kind, `must be one of ${KINDS.join(', ')}`);
    if (g.serviceType !== undefined && !SERVICE_TYPES.includes(g.serviceType)) {
      p.add(`${field}.serviceType`, g.serviceType, `must be one of ${SERVICE_TYPES.join(', ')}`);
    }
    if (g.replicas !== undefined && (!Number.isInteger(g.replicas) || g.replicas < 1)) {
      p.add(`${field}.replicas`, g.replicas, 'must be a whole number of at least 1');
    }
    checkLabels(p, `${field}.namespaceLabels`, g.namespaceLabels);
    if (g.namespaceLabels?.['istio-injection'] === 'disabled') {
      p.add(`${field}.namespaceLabels["istio-injection"]`, 'disabled', 'is not allowed: gateway pods use image "auto", which only sidecar injection fills in');
    }
    const seen = gatewayNamespaceLabels.get(g.namespace) ?? new Map<string, string>();
    for (const [k, v] of Object.entries(g.namespaceLabels ?? {})) {
      if (seen.has(k) && seen.get(k) !== v) {
        p.add(`${field}.namespaceLabels[${JSON.stringify(k)}]`, v, `conflicts with ${JSON.stringify(seen.get(k))} set by another gateway in namespace ${g.namespace}`);
      }
      seen.set(k, v);
    }
    gatewayNamespaceLabels.set(g.namespace, seen);
  });

  const istioNamespaces = new Set([ISTIO_NAMESPACE, ...gateways.map(g => g.namespace)]);
  const appNamespaces = settings.appNamespaces ?? [];
  const appNames = new Set<string>();
  appNamespaces.forEach((ns, i) => {
    const field = `appNamespaces[${i}]`;
    checkDnsLabel(p, `${field}.name`, ns.name);
    if (istioNamespaces.has(ns.name)) p.add(`${field}.name`, ns.name, 'is an Istio namespace (istio-system or a gateway namespace); app namespaces must be separate');
    if (appNames.has(ns.name)) p.add(`${field}.name`, ns.name, 'is listed twice');
    appNames.add(ns.name);
    checkLabels(p, `${field}.labels`, ns.labels);
    for (const managed of INJECTION_LABELS) {
      if (ns.labels && managed in ns.labels) {
        p.add(`${field}.labels[${JSON.stringify(managed)}]`, ns.labels[managed], 'is managed by this project (set revision in the settings instead)');
      }
    }
  });

  if (p.list.length > 0) {
    throw new UserError(`invalid settings (main.ts):\n  - ${p.list.join('\n  - ')}`);
  }

  const meshScheduling = settings.scheduling ?? {};
  const forComponent = (override: Scheduling | undefined): Required<Scheduling> => ({
    nodeSelector: override?.nodeSelector ?? meshScheduling.nodeSelector ?? {},
    tolerations: override?.tolerations ?? meshScheduling.tolerations ?? [],
  });
  const gatewayScheduling = forComponent(settings.componentScheduling?.gateways);
  return {
    istioVersion: settings.istioVersion,
    kubeVersion: kubeVersion.replace(/^v/, ''),
    revision,
    istiodScheduling: forComponent(settings.componentScheduling?.istiod),
    gateways: gateways.map(g => ({
      ...g,
      serviceType: g.serviceType ?? (g.kind === 'ingress' ? 'LoadBalancer' : 'ClusterIP'),
      scheduling: gatewayScheduling,
    })),
    appNamespaces,
    images,
    values: settings.values ?? {},
  };
}
