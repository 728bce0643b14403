import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ExtendFunction, placeInMain } from './project';
import { PROJECT_ROOT } from './project-root';
import { RenderedRelease } from './render/engine';
import { ISTIO_NAMESPACE, ResolvedMeshSettings } from './settings';
import { UserError } from './user-error';
import { AppsChart } from './stages/apps';
import { GatewayApiChart } from './stages/gateway-api';
import { GatewaysChart } from './stages/gateways';
import { IstioBaseChart } from './stages/istio-base';
import { IstiodChart } from './stages/istiod';
import { NamespaceSpec, NamespacesChart } from './stages/namespaces';
import { NodeAgentChart } from './stages/node-agent';
import { PolicyChart } from './stages/policy';
import { egressGatewayEndpoint } from './stages/egress';
import { CrossNetworkGateway } from './stages/eastwest';
import { MeshReleases } from './stages/releases';

/** Props of IstioMesh. */
export interface IstioMeshProps {
  /** The cluster's settings, validated and with defaults (resolveSettings). */
  readonly settings: ResolvedMeshSettings;
  /** Its releases, rendered (prepareMesh). */
  readonly releases: MeshReleases<RenderedRelease>;
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
  return [...labels].map(([name, l]) => ({ name, labels: l }));
}

/**
 * One Istio mesh: the stage charts, each depending on the one before, so cdk8s writes
 * them as 0000-namespaces … 0004-apps (and 0005-custom) in apply order.
 *
 * Construction does no I/O: settings are validated and releases rendered before
 * (prepareMesh). The stage charts are created beside this construct, in `scope` (the
 * App): cdk8s names a chart's file after its path, and a chart nested in this
 * construct would get a file name with a hash in it.
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
    const namespaces = new NamespacesChart(scope, 'namespaces', { namespaces: istioNamespaces(settings) });
    const base = new IstioBaseChart(scope, 'istio-base', { release: releases.base });
    const gatewayApi = props.gatewayApiCrds ? new GatewayApiChart(scope, 'gateway-api', { documents: props.gatewayApiCrds }) : undefined;
    const istiod = new IstiodChart(scope, 'istiod', { releases: releases.istiods, scheduling: settings.istiodScheduling });
    const nodeAgent = (id: string, release: RenderedRelease | undefined) =>
      release && new NodeAgentChart(scope, id, { release, scheduling: settings.nodeAgents.scheduling });
    const cni = nodeAgent('cni', releases.cni);
    const ztunnel = nodeAgent('ztunnel', releases.ztunnel);
    const gateways = new GatewaysChart(scope, 'gateways', { gateways: settings.gateways, releases: releases.gateways });
    const apps = new AppsChart(scope, 'apps', { namespaces: settings.appNamespaces });
    const egressGatewayIndex = settings.gateways.findIndex(g => g.name === settings.egress.gateway?.name);
    const policy = new PolicyChart(scope, 'policy', {
      mtls: settings.mtls,
      namespaces: settings.appNamespaces,
      egress: settings.egress,
      egressGateway: egressGatewayIndex >= 0 && settings.egress.hosts.length ? egressGatewayEndpoint(releases.gateways[egressGatewayIndex]) : undefined,
    });
    // Istio's install order: CRDs, istiod, istio-cni, ztunnel, gateways, then what uses them.
    settings.gateways.forEach((g, i) => {
      if (g.kind === 'eastwest') new CrossNetworkGateway(policy, `${g.name}-cross-network`, { release: releases.gateways[i] });
    });
    const order: Chart[] = [namespaces, base, gatewayApi, istiod, cni, ztunnel, gateways, apps, policy].filter((c): c is Chart => c !== undefined);
    let custom: Chart | undefined;
    if (props.extend) {
      // Last, after the app namespaces: the user's objects may live in them, and custom
      // resources must come after their CRDs (in an earlier file, applied first).
      custom = new Chart(scope, 'custom');
      order.push(custom);
    }
    for (let i = 1; i < order.length; i++) order[i].addDependency(order[i - 1]);
    this.stages = { namespaces, base, gatewayApi, istiod, cni, ztunnel, gateways, apps, policy, custom };
    if (custom) {
      try {
        props.extend!(custom, this);
      } catch (err) {
        // The user's code: one line naming where to look, as for any other bad input.
        const place = placeInMain(err, PROJECT_ROOT);
        throw new UserError(`extend() in main.ts failed${place ? ` at ${place}` : ''}: ${err instanceof Error ? err.message : String(err)}`);
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
  }
}

/** Argo CD's annotation for the order of a sync. */
export const ARGO_CD_SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
