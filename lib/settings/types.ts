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

/** How a namespace's pods join the mesh: a sidecar in every pod, or ambient (ztunnel per node, waypoints for L7). */
export type DataplaneMode = 'sidecar' | 'ambient';

/** How workloads accept traffic: mutual TLS only, or plaintext too (while clients migrate). */
export type MtlsMode = 'STRICT' | 'PERMISSIVE';

/** Platforms the Istio charts have profiles for (CNI paths, GKE's ResourceQuota …): an offline render cannot detect them. */
export type Platform = 'gke' | 'k3d' | 'k3s' | 'microk8s' | 'minikube' | 'openshift';

/** Per-component scheduling; a field set here replaces the mesh-wide field for that component. */
export interface ComponentScheduling {
  /**
   * Scheduling for the node agents (istio-cni and ztunnel DaemonSets). They must run on
   * every node with meshed pods, so the mesh-wide scheduling never applies to them:
   * only what is set here restricts them.
   * @default - none: every Linux node, tolerating every taint (the charts' defaults)
   */
  readonly nodeAgents?: Scheduling;
  /** Scheduling for istiod. @default - the mesh-wide scheduling */
  readonly istiod?: Scheduling;
  /** Scheduling for every gateway. @default - the mesh-wide scheduling */
  readonly gateways?: Scheduling;
}

/** Which way traffic flows through a gateway. */
export type GatewayKind = 'ingress' | 'egress' | 'eastwest';

/** Kubernetes Service type of a gateway. */
export type GatewayServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer';

/** One gateway, rendered from Istio's `gateway` chart. */
export interface GatewaySettings {
  /** Helm release name; also the Deployment and Service name. */
  readonly name: string;
  /** Namespace the gateway runs in; created by the namespaces stage. */
  readonly namespace: string;
  /**
   * Ingress, egress, or `eastwest`: the network gateway of Istio's multi-network install
   * (the chart's `networkGateway`, for the cluster's `mesh.network`), through which other
   * networks reach this cluster's services.
   */
  readonly kind: GatewayKind;
  /** Service type. @default 'LoadBalancer' for ingress and eastwest, 'ClusterIP' for egress */
  readonly serviceType?: GatewayServiceType;
  /** Fixed replica count (turns the chart's autoscaler off). @default - the chart's HorizontalPodAutoscaler (1 to 5) */
  readonly replicas?: number;
  /** Extra labels on the gateway's namespace. @default {} */
  readonly namespaceLabels?: { readonly [label: string]: string };
  /** Extra values for this gateway's release, merged over the computed ones. @default {} */
  readonly values?: HelmValues;
  /**
   * The revision or revision tag whose istiod injects this gateway (canary form only);
   * the gateway chart of that revision's Istio version renders it.
   * @default - the default tag (or the mesh's revision in the single-revision form)
   */
  readonly revision?: string;
}

/**
 * Who may call workloads of the mesh: `'open'` (Istio's default: anyone in the mesh),
 * `'namespace-isolation'` (each app namespace accepts its own namespace and what it
 * declares in `allow`), `'deny-by-default'` (a mesh-wide allow-nothing policy: only what
 * the namespaces declare).
 */
export type AuthorizationMode = 'open' | 'namespace-isolation' | 'deny-by-default';

/** The callers an allow admits: any of them (the lists are alternatives). */
export interface AllowFrom {
  /** Workloads of these namespaces (app namespaces or Istio namespaces of this mesh). @default [] */
  readonly namespaces?: readonly string[];
  /** Workloads running as these service accounts, as `namespace/name`. @default [] */
  readonly serviceAccounts?: readonly string[];
  /** These ingress gateways of the settings (by name): traffic they route in. @default [] */
  readonly gateways?: readonly string[];
}

/** What an allow admits the callers to: all of it, unless narrowed. */
export interface AllowTo {
  /** Workload ports (the target port, not the Service port; a waypoint matches the Service's port: in a waypoint namespace name both where they differ). @default - every port */
  readonly ports?: readonly number[];
  /** HTTP methods (L7: a sidecar, or an ambient namespace's waypoint, enforces them). @default - every method */
  readonly methods?: readonly string[];
  /** HTTP paths, exact or with a `*` prefix or suffix as Istio matches them (L7, like methods). @default - every path */
  readonly paths?: readonly string[];
}

/** One AuthorizationPolicy rule of an app namespace: callers, and what they may call. */
export interface AuthorizationAllow {
  /** The callers. */
  readonly from: AllowFrom;
  /** What they may call. @default - everything in the namespace */
  readonly to?: AllowTo;
}

/** An application namespace whose pods get Istio sidecars. */
export interface AppNamespace {
  /** Namespace name. */
  readonly name: string;
  /** Extra labels; the injection label is managed and may not be set here. @default {} */
  readonly labels?: { readonly [label: string]: string };
  /**
   * The revision or revision tag whose istiod injects this namespace's pods (canary form
   * only): labels the namespace `istio.io/rev=<revision or tag>`.
   * @default - the default tag (`istio-injection=enabled`)
   */
  readonly revision?: string;
  /** How its pods join the mesh: sidecars, or ambient (`istio.io/dataplane-mode=ambient`). @default - the mesh's mode */
  readonly dataplane?: DataplaneMode;
  /**
   * Render a waypoint (a Gateway API `Gateway` of class `istio-waypoint`) in this ambient
   * namespace and label the namespace `istio.io/use-waypoint` to use it, for L7 policy.
   * @default false
   */
  readonly waypoint?: boolean;
  /**
   * mTLS for this namespace's workloads when it differs from the mesh's: `PERMISSIVE` for
   * workloads whose clients still send plaintext (a namespace-level PeerAuthentication).
   * @default - the mesh's mtls
   */
  readonly mtls?: MtlsMode;
  /**
   * Who else may call this namespace's workloads, beyond its own namespace (with
   * `authorization: 'namespace-isolation'`) or at all (with `'deny-by-default'`).
   * @default []
   */
  readonly allow?: readonly AuthorizationAllow[];
}

/** One istiod revision of the canary form, running beside the others. */
export interface RevisionSettings {
  /** Revision name: istiod's release is `istiod-<name>`, its pods inject `istio.io/rev=<name>`. */
  readonly name: string;
  /** Istio version of this revision; `npm run vendor` pins it in vendor/charts.lock.json. */
  readonly istioVersion: string;
  /** Image hub and tag of this revision. @default - the mesh-wide images, else the chart's */
  readonly images?: ImageSettings;
  /** Extra values for this revision's istiod release, merged over values.istiod. @default {} */
  readonly values?: HelmValues;
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
  /** Values for the `istiod` release(s). @default {} */
  readonly istiod?: HelmValues;
  /** Values for the `istio-cni` release. @default {} */
  readonly cni?: HelmValues;
  /** Values for the `ztunnel` release. @default {} */
  readonly ztunnel?: HelmValues;
}

/** Whether sidecars let workloads reach hosts the mesh does not know (Istio's meshConfig.outboundTrafficPolicy.mode). */
export type OutboundTrafficPolicy = 'ALLOW_ANY' | 'REGISTRY_ONLY';

/** An external host the mesh may call over TLS, routed through the egress gateway. */
export interface EgressHost {
  /** Its DNS name, e.g. `api.example.com` (no wildcard: the gateway matches it by SNI). */
  readonly host: string;
  /** Its TLS port. @default 443 */
  readonly port?: number;
}

/** Outbound traffic of the mesh. */
export interface EgressSettings {
  /**
   * `REGISTRY_ONLY`: sidecars refuse hosts that are neither a Service nor a declared
   * host. `ALLOW_ANY` (Istio's default) lets them through.
   * @default 'ALLOW_ANY'
   */
  readonly outboundTrafficPolicy?: OutboundTrafficPolicy;
  /** External hosts: a ServiceEntry each, routed through the egress gateway when there is one. @default [] */
  readonly hosts?: readonly EgressHost[];
  /**
   * The egress gateway (by name) the hosts are routed through.
   * @default - the mesh's egress gateway when it has exactly one; with none, hosts get ServiceEntries only
   */
  readonly gateway?: string;
}

/** Settings for debugging on a real cluster; none belongs in production. */
export interface DebugSettings {
  /**
   * Run every injected proxy (sidecars and gateways) privileged, so `tcpdump` works
   * inside it: the seed's way of seeing mTLS on the wire. `npm run check` warns while
   * it is on.
   * @default false
   */
  readonly privilegedProxies?: boolean;
}

/** A cert-manager issuer, by group, kind and name (cert-manager's `issuerRef`). */
export interface IssuerReference {
  /** The issuer's API group: cert-manager's own, or an external issuer's (`awspca.cert-manager.io`). @default 'cert-manager.io' */
  readonly group?: string;
  /** `ClusterIssuer`, `Issuer` (then one in `istio-system`), or an external issuer's kind (`AWSPCAClusterIssuer`). */
  readonly kind: string;
  /** The issuer's name. */
  readonly name: string;
}

/** An External Secrets store, by kind and name (`secretStoreRef`). */
export interface SecretStoreReference {
  /** `ClusterSecretStore`, or `SecretStore` (then one in `istio-system`). */
  readonly kind: 'ClusterSecretStore' | 'SecretStore';
  /** The store's name. */
  readonly name: string;
}

/**
 * This cluster's intermediate CA as a cert-manager `Certificate` (`isCA: true`) whose
 * Secret is `cacerts`, in cert-manager's `tls.crt`/`tls.key`/`ca.crt` layout, which
 * istiod reads as its plug-in CA (`ca.crt` as the root every cluster trusts).
 */
export interface CertManagerTrust {
  /**
   * The issuer that signs the intermediate. Its CA certificate (what cert-manager writes
   * as `ca.crt`) is the mesh's root: the same issuer in every cluster of the mesh.
   */
  readonly issuer: IssuerReference;
  /** Lifetime of the intermediate CA certificate (a Go duration). @default '8760h' (a year) */
  readonly duration?: string;
  /** How long before expiry cert-manager renews it; istiod reloads a renewed `cacerts` by itself. @default '720h' (30 days), or a third of a shorter duration */
  readonly renewBefore?: string;
}

/**
 * This cluster's intermediate CA from a secret store, as an External Secrets
 * `ExternalSecret` that writes `cacerts` with Istio's four keys.
 */
export interface ExternalSecretTrust {
  /** The store that holds the certificates. */
  readonly store: SecretStoreReference;
  /** The store key of this cluster's intermediate CA: properties `ca-cert.pem`, `ca-key.pem` and `cert-chain.pem`. */
  readonly key: string;
  /**
   * The store key whose property `root-cert.pem` is the mesh's root certificate, the same
   * in every cluster of the mesh.
   * @default - `key` (required when several clusters of the mesh have a CA)
   */
  readonly rootKey?: string;
  /** How often External Secrets re-reads the store. @default '1h' */
  readonly refreshInterval?: string;
}

/**
 * Where istiod's CA (Istio's `cacerts` Secret in istio-system) comes from:
 * `'self-signed'` (istiod makes its own root: a mesh of one cluster), `'manual'` (you
 * create `cacerts` before istiod starts), cert-manager, or External Secrets.
 */
export type TrustSource =
  | 'self-signed'
  | 'manual'
  | { readonly certManager: CertManagerTrust }
  | { readonly externalSecret: ExternalSecretTrust };

/**
 * Where istiod finds the credentials (a kubeconfig) of the other clusters it watches,
 * each rendered as an `ExternalSecret` that writes the Secret istiod discovers
 * (label `istio/multiCluster: "true"`), as `istioctl create-remote-secret` would.
 */
export interface RemoteSecretsSource {
  /** The store that holds the kubeconfigs. */
  readonly store: SecretStoreReference;
  /** The kubeconfig for cluster X is at store key `<keyPrefix><X's clusterName>`. */
  readonly keyPrefix: string;
  /** The property of each key that holds the kubeconfig. @default - the key's whole value */
  readonly property?: string;
  /** How often External Secrets re-reads the store. @default '1h' */
  readonly refreshInterval?: string;
}

/** Where this cluster sits in a multi-cluster mesh (Istio's multicluster install). */
export interface MeshIdentity {
  /** The mesh's id (istiod's `global.meshID`): the same in every cluster of one mesh. */
  readonly id: string;
  /**
   * This cluster's name in the mesh (`global.multiCluster.clusterName`).
   * @default - the cluster's name in main.ts's `clusters`; required with `settings`
   */
  readonly clusterName?: string;
  /**
   * The cluster's network (`global.network`, and `topology.istio.io/network` on
   * istio-system) when the mesh spans networks; an `eastwest` gateway connects it.
   * @default - none: the mesh is on one network
   */
  readonly network?: string;
  /**
   * Where istiod's CA comes from. Clusters of one mesh that run istiod must share a root:
   * with more than one, a source other than `'self-signed'`, the same in each. A remote
   * cluster has none (its primary's istiod signs its workloads).
   * @default 'self-signed' for a cluster whose mesh has one istiod; required otherwise
   */
  readonly trust?: TrustSource;
  /**
   * Where this cluster's istiod reads the credentials of the other clusters of its mesh
   * (every other cluster in multi-primary; its remotes in primary-remote).
   * @default - none: a mesh of one cluster; required when istiod watches other clusters
   */
  readonly remoteSecrets?: RemoteSecretsSource;
  /**
   * Makes this a remote cluster (Istio's primary-remote): no istiod of its own, served by
   * the istiod of this cluster of the fleet (its name in `clusters`), which must be in the
   * same mesh and have an `eastwest` gateway.
   * @default - none: this cluster runs its own istiod (a primary)
   */
  readonly primary?: string;
  /**
   * On a remote cluster: the IP address of the primary's east-west gateway, where its
   * proxies and webhooks reach istiod (`global.remotePilotAddress`; a DNS name would make
   * the chart's `istiod` Service an ExternalName, which webhooks cannot call).
   * @default - none: required with `primary`
   */
  readonly pilotAddress?: string;
}

/** Where a cluster's folder is applied: Argo CD's `destination` (name or server), or Flux's kubeconfig Secret. */
export interface DeliveryDestination {
  /** Argo CD: the cluster's name as Argo CD knows it (one of its cluster Secrets). Give this or `server`. @default - none */
  readonly name?: string;
  /** Argo CD: the cluster's API server URL as Argo CD knows it. @default 'https://kubernetes.default.svc' (Argo CD's own cluster), when `name` is not given */
  readonly server?: string;
  /**
   * Flux: a Secret in the Kustomizations' namespace holding a kubeconfig of the target
   * cluster (the Kustomization's `kubeConfig.secretRef`): its `name`, and the `key` the
   * kubeconfig is under (letters, digits, `-`, `_`, `.`), which Flux reads from `value`,
   * else `value.yaml`, when not given.
   * @default - none: the cluster Flux runs in
   */
  readonly kubeConfigSecret?: { readonly name: string; readonly key?: string };
}

/**
 * The GitOps objects that apply this project's output: an Argo CD Application (and
 * AppProject) per cluster, or Flux Kustomizations per stage and a GitRepository, rendered
 * into dist/delivery/ and applied once to the cluster the controller runs in.
 */
export interface DeliverySettings {
  /** The controller. */
  readonly tool: 'argocd' | 'flux';
  /** The Git repository that holds this project (its dist/ committed). */
  readonly repoURL: string;
  /** The branch the controller follows (Argo CD's `targetRevision`, Flux's `ref.branch`). @default 'main' */
  readonly revision?: string;
  /** Where this project is in the repository, for the paths the objects name. @default '.' (the repository's root) */
  readonly path?: string;
  /** The controller's namespace, where its objects live. @default 'argocd' for Argo CD, 'flux-system' for Flux */
  readonly namespace?: string;
  /** Where this cluster's folder is applied. @default - the cluster the controller runs in */
  readonly destination?: DeliveryDestination;
  /**
   * Flux: a Secret in `namespace` with the credentials of a private repository (the
   * GitRepository's `secretRef`: `username` and `password`, or `identity` and
   * `known_hosts` for ssh). Refused with Argo CD, which takes a repository's credentials
   * from its own repository Secrets.
   * @default - none: a public repository
   */
  readonly secretRef?: string;
}

/** Everything that describes one cluster's mesh. */
export interface MeshSettings {
  /**
   * Istio version of the single-revision form; `npm run vendor` pins it in
   * vendor/charts.lock.json. Give either this or `revisions`.
   * @default - none: required unless `revisions` is given
   */
  readonly istioVersion?: string;
  /**
   * The canary form: istiod revisions side by side, each of its own Istio version (at most
   * two minor versions apart). Give either this or `istioVersion`.
   * @default - none: the single-revision form
   */
  readonly revisions?: readonly RevisionSettings[];
  /**
   * Revision tags of the canary form, tag → revision name. `default` is required: it
   * injects `istio-injection=enabled` namespaces and unlabelled gateways, and its revision
   * validates Istio resources. Moving a tag moves every namespace that uses it.
   * @default - none
   */
  readonly tags?: { readonly [tag: string]: string };
  /** Dataplane mode of the mesh: `ambient` adds ztunnel and istio-cni, and labels app namespaces for ambient. @default 'sidecar' */
  readonly mode?: DataplaneMode;
  /** Run istio-cni (no privileged istio-init container in pods). Implied by ambient mode. @default - false in sidecar mode, true in ambient mode */
  readonly cni?: boolean;
  /**
   * Mesh-wide mTLS, a PeerAuthentication `default` in istio-system: STRICT refuses
   * plaintext between workloads (secure by default); PERMISSIVE accepts it.
   * @default 'STRICT'
   */
  readonly mtls?: MtlsMode;
  /** Outbound traffic: the outbound policy and the external hosts, through the egress gateway. @default - ALLOW_ANY, no hosts */
  readonly egress?: EgressSettings;
  /**
   * Who may call the mesh's workloads, rendered as AuthorizationPolicies in the policy
   * stage (zero trust past mTLS: mTLS says who the caller is, authorization what it may call).
   * @default 'namespace-isolation'
   */
  readonly authorization?: AuthorizationMode;
  /**
   * Render the authorization policies in dry run (`istio.io/dry-run: "true"`): sidecars
   * and waypoints log and count what they would deny, and deny nothing, the way to move a
   * running mesh from `'open'` (istiod gives ztunnel no dry-run policy: ambient namespaces
   * stay open meanwhile).
   * @default false
   */
  readonly authorizationDryRun?: boolean;
  /** The mesh's trust domain (`meshConfig.trustDomain`): the first part of every workload's identity, as policies name it. @default 'cluster.local' */
  readonly trustDomain?: string;
  /**
   * Namespaces of this mesh that this project does not render, whose workloads an allow
   * may still name as callers (with their service accounts): another team's injected
   * namespaces, or namespaces that exist only in other clusters of the mesh (identities
   * are per namespace and service account, mesh-wide). `check` accepts rules that name
   * them and no other unknown namespace.
   * @default []
   */
  readonly externalNamespaces?: readonly string[];
  /** Membership of a multi-cluster mesh: mesh id, cluster name, network. @default - a mesh of one cluster (Istio's defaults) */
  readonly mesh?: MeshIdentity;
  /** The platform, for the charts' platform profiles. @default - none (generic Kubernetes) */
  readonly platform?: Platform;
  /** Render the Gateway API CRDs of the Istio release in use (standard channel). @default - true in ambient mode, false in sidecar mode */
  readonly gatewayApi?: boolean;
  /** Kubernetes version the charts are rendered for (`helm template --kube-version`). @default '1.33.0' */
  readonly kubeVersion?: string;
  /** Control-plane revision of the single-revision form; when set, app namespaces get `istio.io/rev=<revision>`. @default - the default revision (`istio-injection=enabled`) */
  readonly revision?: string;
  /** Scheduling added to every Istio workload. @default - none */
  readonly scheduling?: Scheduling;
  /** Per-component scheduling overrides. @default - none */
  readonly componentScheduling?: ComponentScheduling;
  /** Gateways to render. @default - an ingress gateway istio-ingressgateway in istio-ingress (LoadBalancer) and an egress gateway istio-egressgateway in istio-egress (ClusterIP) */
  readonly gateways?: readonly GatewaySettings[];
  /** Application namespaces labelled for sidecar injection. @default [] */
  readonly appNamespaces?: readonly AppNamespace[];
  /** Image hub and tag overrides. @default - the chart's */
  readonly images?: ImageSettings;
  /** Extra Helm values for anything else. @default {} */
  readonly values?: ExtraValues;
  /** Debugging aids (never in production). @default - none */
  readonly debug?: DebugSettings;
  /**
   * Annotate every object with its file's number as an Argo CD sync wave
   * (`argocd.argoproj.io/sync-wave`), so one Application syncs the files in order.
   * @default - true with `delivery.tool: 'argocd'`, else false
   */
  readonly argoCdSyncWaves?: boolean;
  /**
   * Render the Argo CD or Flux objects that apply this cluster's folder in order, into
   * dist/delivery/. In a fleet every cluster names the same tool, repoURL, revision,
   * path, namespace and secretRef, each its own destination.
   * @default - none: no delivery objects
   */
  readonly delivery?: DeliverySettings;
}

/** A gateway with every default filled in. */
export interface ResolvedGateway extends GatewaySettings {
  /** Service type after defaults. */
  readonly serviceType: GatewayServiceType;
  /** Scheduling after component overrides. */
  readonly scheduling: Required<Scheduling>;
  /** The gateway chart's `revision` value (its pods' `istio.io/rev`): a revision or tag, '' for the default. */
  readonly revision: string;
  /** Istio version of the revision that injects it: the gateway chart of this version renders it. */
  readonly istioVersion: string;
  /** The network an east-west gateway connects (the cluster's mesh.network). */
  readonly network?: string;
}

/** An app namespace with its final labels. */
export interface ResolvedAppNamespace {
  /** Namespace name. */
  readonly name: string;
  /** Its labels: the user's, and the injection or ambient (and waypoint) labels. */
  readonly labels: { readonly [label: string]: string };
  /** A waypoint to render in it. */
  readonly waypoint: boolean;
  /** Its own mTLS mode, when it differs from the mesh's. */
  readonly mtls?: MtlsMode;
  /** How its pods join the mesh. */
  readonly dataplane: DataplaneMode;
  /** Who else may call it. */
  readonly allow: readonly AuthorizationAllow[];
}

/** Outbound traffic with defaults filled in. */
export interface ResolvedEgress {
  /** The mesh config's outbound traffic policy. */
  readonly outboundTrafficPolicy: OutboundTrafficPolicy;
  /** The external hosts, ports filled in. */
  readonly hosts: readonly Required<EgressHost>[];
  /** The egress gateway the hosts are routed through, if any. */
  readonly gateway?: ResolvedGateway;
}

/** The node agents (DaemonSets on every node) to render. */
export interface ResolvedNodeAgents {
  /** Render istio-cni (`istio-cni` release). */
  readonly cni: boolean;
  /** Render ztunnel (ambient). */
  readonly ztunnel: boolean;
  /** Their Istio version: the version of the revision they follow. */
  readonly istioVersion: string;
  /** The revision they follow (the oldest; '' for the unnamed one). */
  readonly revision: string;
  /** Where they run: istio-system, or kube-system on OpenShift (as Istio's OpenShift profile expects). */
  readonly namespace: string;
  /** Scheduling for them (componentScheduling.nodeAgents only). */
  readonly scheduling: Required<Scheduling>;
}

/** One istiod to render. */
export interface ResolvedRevision {
  /** Revision name ('' for the default revision of the single-revision form). */
  readonly name: string;
  /** Istio version. */
  readonly istioVersion: string;
  /** Revision tags that point at it (rendered by its istiod release). */
  readonly tags: readonly string[];
  /** Image overrides. */
  readonly images: ImageSettings;
  /** Extra values for its istiod release. */
  readonly values: HelmValues;
}

/** Where istiod's CA comes from, with defaults filled in. */
export type ResolvedTrust =
  /** istiod makes its own root (a mesh of one istiod). */
  | { readonly source: 'self-signed' }
  /** The user creates `cacerts` before istiod starts. */
  | { readonly source: 'manual' }
  /** A remote cluster: no CA of its own, its primary's istiod signs its workloads. */
  | { readonly source: 'remote' }
  /** A cert-manager Certificate writes `cacerts`. */
  | { readonly source: 'cert-manager'; readonly issuer: Required<IssuerReference>; readonly duration: string; readonly renewBefore: string }
  /** An ExternalSecret writes `cacerts`. */
  | { readonly source: 'external-secret'; readonly store: SecretStoreReference; readonly key: string; readonly rootKey: string; readonly refreshInterval: string };

/** One other cluster whose API server this cluster's istiod watches, and where its credentials come from. */
export interface ResolvedRemoteSecret {
  /** The watched cluster's name in the mesh (`mesh.clusterName`): the Secret's key and cluster annotation. */
  readonly clusterName: string;
  /** The store holding its kubeconfig. */
  readonly store: SecretStoreReference;
  /** The store key of its kubeconfig. */
  readonly key: string;
  /** The key's property holding the kubeconfig. @default - the key's whole value */
  readonly property?: string;
  /** How often External Secrets re-reads the store. */
  readonly refreshInterval: string;
}

/** A remote cluster's control plane: the primary that serves it. */
export interface ResolvedPrimary {
  /** The primary's name in `clusters`. */
  readonly cluster: string;
  /** The primary's name in the mesh (its `mesh.clusterName`). */
  readonly clusterName: string;
  /** Where this cluster's proxies reach istiod: the primary's east-west gateway. */
  readonly pilotAddress: string;
}

/** Multi-cluster membership with defaults filled in. */
export interface ResolvedMeshIdentity {
  /** The mesh's id. */
  readonly id: string;
  /** This cluster's name in the mesh. */
  readonly clusterName: string;
  /** Its network, when the mesh names networks. */
  readonly network?: string;
  /** On a remote cluster: the primary that serves it. @default - none: a primary */
  readonly primary?: ResolvedPrimary;
  /** On a primary: the clusters of the fleet it serves as their remote control plane (Istio's `externalIstiod`). */
  readonly remotes: readonly string[];
  /** The clusters of the fleet whose istiod watches this cluster's API server (through a remote secret). @default [] */
  readonly watchedBy: readonly string[];
}

/** DeliverySettings with defaults filled in. */
export interface ResolvedDelivery {
  readonly tool: 'argocd' | 'flux';
  readonly repoURL: string;
  readonly revision: string;
  /** The project's folder in the repository, normalised: '' for the root, else `a/b` (no leading ./, no trailing /). */
  readonly path: string;
  readonly namespace: string;
  /** Argo CD: the Application's destination (name or server). Flux: the kubeconfig Secret, if any. */
  readonly destination: DeliveryDestination;
  /** Flux: the GitRepository's credentials Secret, if any. */
  readonly secretRef?: string;
}

/** MeshSettings with every default filled in, as the stage charts consume them. */
export interface ResolvedMeshSettings {
  /** The Istio version of the CRDs and cluster-wide base objects: the newest version in use. */
  readonly istioVersion: string;
  /** Every Istio version in use, oldest first. */
  readonly istioVersions: readonly string[];
  /** Kubernetes version. */
  readonly kubeVersion: string;
  /** The istiod revisions, in the settings' order. */
  readonly revisions: readonly ResolvedRevision[];
  /** The revision that validates Istio resources (base chart's defaultRevision): the default tag's, or the single revision. */
  readonly defaultRevision: string;
  /** Scheduling for istiod. */
  readonly istiodScheduling: Required<Scheduling>;
  /** Dataplane mode of the mesh. */
  readonly mode: DataplaneMode;
  /** Mesh-wide mTLS mode. */
  readonly mtls: MtlsMode;
  /** Who may call the mesh's workloads. */
  readonly authorization: AuthorizationMode;
  /** Whether the policies are rendered in dry run. */
  readonly authorizationDryRun: boolean;
  /** The mesh's trust domain. */
  readonly trustDomain: string;
  /** Namespaces of the mesh that are not rendered here, which allows may name. */
  readonly externalNamespaces: readonly string[];
  /** Outbound traffic. */
  readonly egress: ResolvedEgress;
  /** Multi-cluster identity, when set. */
  readonly mesh?: ResolvedMeshIdentity;
  /** Where istiod's CA comes from. */
  readonly trust: ResolvedTrust;
  /** The other clusters this cluster's istiod watches (their remote secrets), in the fleet's order. */
  readonly remoteSecrets: readonly ResolvedRemoteSecret[];
  /** The platform profile, if any. */
  readonly platform?: Platform;
  /** Whether the Gateway API CRDs are rendered. */
  readonly gatewayApi: boolean;
  /** istio-cni and ztunnel. */
  readonly nodeAgents: ResolvedNodeAgents;
  /** Gateways. */
  readonly gateways: readonly ResolvedGateway[];
  /** Application namespaces. */
  readonly appNamespaces: readonly ResolvedAppNamespace[];
  /** Extra values. */
  readonly values: ExtraValues;
  /** Debugging aids. */
  readonly debug: Required<DebugSettings>;
  /** Argo CD sync-wave annotations. */
  readonly argoCdSyncWaves: boolean;
  /** The delivery objects to render for this cluster. @default - none */
  readonly delivery?: ResolvedDelivery;
}
