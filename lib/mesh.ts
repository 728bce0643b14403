import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { RenderedRelease } from './render/engine';
import { EgressGatewayEndpoint } from './render/gateway-endpoints';
import { MeshReleases } from './render/mesh-releases';
import { ISTIO_NAMESPACE, ResolvedMeshSettings } from './settings';
import { AppsChart } from './stages/apps';
import { GatewayApiChart } from './stages/gateway-api';
import { GatewaysChart } from './stages/gateways';
import { IstioBaseChart } from './stages/istio-base';
import { IstiodChart } from './stages/istiod';
import { CONTROL_PLANE_CLUSTERS, NamespaceSpec, NamespacesChart } from './stages/namespaces';
import { NodeAgentChart } from './stages/node-agent';
import { PolicyChart } from './stages/policy';
import { CrossNetworkGateway, ExposedIstiod } from './stages/eastwest';
import { MeshAuthorization } from './stages/authorization';
import { rendersTrust, TrustChart } from './stages/trust';
import { protectFromPruning } from './delivery/prune';

/**
 * Adds the user's own objects beside Istio's. `chart` renders into the last file of
 * dist/ (of each cluster's folder), after the app namespaces; `mesh` gives the validated
 * settings, the stages and, in a fleet, the cluster's name.
 */
export type ExtendFunction = (chart: Chart, mesh: IstioMesh) => void;

/** An exception thrown by the user's extend function, kept as its cause (synth says where in main.ts). */
export class ExtendError extends Error {
  constructor(readonly cause: unknown) {
    super(`extend() failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'ExtendError';
  }
}

/**
 * Props of IstioMesh: what prepareMesh makes of a cluster's settings, with all I/O done.
 * In a cdk8s app of your own:
 *
 * ```ts
 * const settings = resolveSettings(mySettings, lockedVersions(PROJECT_ROOT)); // lib/settings, lib/vendoring/lock
 * const props = await prepareMesh(settings, { extend });                      // lib/render/prepare-mesh
 * new IstioMesh(app, 'mesh', props);
 * app.synth();
 * ```
 */
export interface IstioMeshProps {
  /** The cluster's settings, validated and with defaults (resolveSettings). */
  readonly settings: ResolvedMeshSettings;
  /** Its releases, rendered (prepareMesh). */
  readonly releases: MeshReleases<RenderedRelease>;
  /** Where the egress hosts are routed through, read from the egress gateway's release. @default - no egress gateway route */
  readonly egressGateway?: EgressGatewayEndpoint;
  /** The Gateway API CRDs, parsed, when settings.gatewayApi. @default - none */
  readonly gatewayApiCrds?: readonly object[];
  /** Adds the user's own objects to a last stage, `custom`. @default - no custom stage */
  readonly extend?: ExtendFunction;
  /** The cluster's name in a fleet (main.ts's `clusters`). @default - none: the single-cluster form */
  readonly cluster?: string;
}

/** The stage charts in apply order. */
export interface MeshStages {
  /** istio-system and gateway namespaces. */
  readonly namespaces: NamespacesChart;
  /** CRDs and the default-revision webhook. */
  readonly base: IstioBaseChart;
  /** The Gateway API CRDs, when rendered. */
  readonly gatewayApi?: GatewayApiChart;
  /** istiod's CA and the credentials of the clusters it watches, by reference, when the settings call for them. */
  readonly trust?: TrustChart;
  /** The control plane. */
  readonly istiod: IstiodChart;
  /** istio-cni, when it runs. */
  readonly cni?: NodeAgentChart;
  /** ztunnel, in ambient mode. */
  readonly ztunnel?: NodeAgentChart;
  /** The gateways. */
  readonly gateways: GatewaysChart;
  /** Injection-labelled application namespaces. */
  readonly apps: AppsChart;
  /** mTLS (PeerAuthentication) for the mesh and exceptions per namespace; egress hosts and their routes. */
  readonly policy: PolicyChart;
  /** The user's own objects (main.ts's `extend`), when there is an extend function. */
  readonly custom?: Chart;
}

/** istio-system, then each gateway namespace once, with the labels its gateways ask for. */
function istioNamespaces(settings: ResolvedMeshSettings): NamespaceSpec[] {
  // istiod finds the cluster's network from istio-system's label (Istio's multi-network install).
  const network: Record<string, string> = settings.mesh?.network ? { 'topology.istio.io/network': settings.mesh.network } : {};
  const labels = new Map<string, Record<string, string>>([[ISTIO_NAMESPACE, network]]);
  for (const g of settings.gateways) {
    labels.set(g.namespace, { ...labels.get(g.namespace), ...g.namespaceLabels });
  }
  // A remote cluster names the cluster whose istiod serves it (Istio's primary-remote install).
  const primary = settings.mesh?.primary;
  const annotations = (name: string) => (primary && name === ISTIO_NAMESPACE ? { annotations: { [CONTROL_PLANE_CLUSTERS]: primary.clusterName } } : {});
  return [...labels].map(([name, l]) => ({ name, labels: l, ...annotations(name) }));
}

/**
 * One Istio mesh: a chart per apply stage (namespaces, istio-base, gateway-api, trust, istiod,
 * cni, ztunnel, gateways, apps, policy, custom; the optional ones only when rendered),
 * each depending on the one before, so they are written as numbered files in apply
 * order (0000-namespaces.k8s.yaml, …).
 *
 * The stage charts are this construct's children: they cannot collide with charts of
 * the App's own. synth names each file by its stage (app.synth() would name it by its
 * path, with a hash). Construction does no I/O: settings are validated and releases
 * rendered before (prepareMesh); problems found in the rendered releases are reported
 * through node validations, which synth turns into one error.
 */
export class IstioMesh extends Construct {
  /** The settings, validated, with defaults. */
  readonly settings: ResolvedMeshSettings;
  /** The stage charts. */
  readonly stages: MeshStages;
  /** The cluster's name in a fleet; undefined in the single-cluster form. */
  readonly cluster?: string;

  constructor(scope: Construct, id: string, props: IstioMeshProps) {
    super(scope, id);
    const { settings, releases } = props;
    this.settings = settings;
    this.cluster = props.cluster;
    const namespaces = new NamespacesChart(this, 'namespaces', { namespaces: istioNamespaces(settings) });
    const base = new IstioBaseChart(this, 'istio-base', { release: releases.base });
    const gatewayApi = props.gatewayApiCrds ? new GatewayApiChart(this, 'gateway-api', { documents: props.gatewayApiCrds }) : undefined;
    const readerToken = (settings.mesh?.watchedBy.length ?? 0) > 0;
    const trust = rendersTrust(settings.trust, settings.remoteSecrets, readerToken)
      ? new TrustChart(this, 'trust', { trust: settings.trust, clusterName: settings.mesh?.clusterName, remoteSecrets: settings.remoteSecrets, readerToken })
      : undefined;
    const istiod = new IstiodChart(this, 'istiod', { releases: releases.istiods, scheduling: settings.istiodScheduling });
    const nodeAgent = (id: string, release: RenderedRelease | undefined) =>
      release && new NodeAgentChart(this, id, { release, scheduling: settings.nodeAgents.scheduling });
    const cni = nodeAgent('cni', releases.cni);
    const ztunnel = nodeAgent('ztunnel', releases.ztunnel);
    const gateways = new GatewaysChart(this, 'gateways', { gateways: settings.gateways, releases: releases.gateways });
    const apps = new AppsChart(this, 'apps', { namespaces: settings.appNamespaces });
    const policy = new PolicyChart(this, 'policy', {
      mtls: settings.mtls,
      namespaces: settings.appNamespaces,
      egress: settings.egress,
      egressGateway: props.egressGateway,
    });
    // Istio's install order: CRDs, istiod, istio-cni, ztunnel, gateways, then what uses them.
    settings.gateways.forEach((g, i) => {
      if (g.kind === 'eastwest') new CrossNetworkGateway(policy, `${g.name}-cross-network`, { release: releases.gateways[i] });
    });
    // Who may call whom, past mTLS (after the app namespaces the policies live in).
    new MeshAuthorization(policy, 'authorization', {
      mode: settings.authorization,
      dryRun: settings.authorizationDryRun,
      trustDomain: settings.trustDomain,
      mtls: settings.mtls,
      namespaces: settings.appNamespaces,
      gateways: settings.gateways.map((gateway, i) => ({ gateway, release: releases.gateways[i] })),
    });
    // A primary serving remote clusters exposes istiod through its (first) east-west gateway.
    const exposer = settings.gateways.findIndex(g => g.kind === 'eastwest');
    if (settings.mesh?.remotes.length && exposer >= 0) {
      const serving = settings.revisions.find(r => r.name === settings.defaultRevision) ?? settings.revisions[0];
      new ExposedIstiod(policy, 'exposed-istiod', { release: releases.gateways[exposer], istiodService: serving.name ? `istiod-${serving.name}` : 'istiod' });
    }
    const order: Chart[] = [namespaces, base, gatewayApi, trust, istiod, cni, ztunnel, gateways, apps, policy].filter((c): c is Chart => c !== undefined);
    let custom: Chart | undefined;
    if (props.extend) {
      // Last, after the app namespaces: the user's objects may live in them, and custom
      // resources must come after their CRDs (in an earlier file, applied first).
      custom = new Chart(this, 'custom');
      order.push(custom);
    }
    for (let i = 1; i < order.length; i++) order[i].addDependency(order[i - 1]);
    this.stages = { namespaces, base, gatewayApi, trust, istiod, cni, ztunnel, gateways, apps, policy, custom };
    if (custom) {
      try {
        props.extend!(custom, this);
      } catch (err) {
        throw new ExtendError(err);
      }
    }
    if (settings.argoCdSyncWaves) {
      // Argo CD applies one wave after another, waiting for health between them: the
      // file order, kept when all files are synced as one Application.
      order.forEach((chart, wave) => {
        for (const o of chart.node.findAll()) {
          if (o instanceof ApiObject && Chart.of(o) === chart) o.metadata.addAnnotation(ARGO_CD_SYNC_WAVE, String(wave));
        }
      });
    }
    // Delivered by a GitOps tool that prunes: namespaces and CRDs are never pruned with what they hold.
    if (settings.delivery) protectFromPruning(order, settings.delivery.tool);
  }
}

/** Argo CD's annotation for the order of a sync. */
export const ARGO_CD_SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
