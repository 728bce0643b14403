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

