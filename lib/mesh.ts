import { App, Chart } from 'cdk8s';
import { AppsChart } from './charts/apps';
import { GatewaysChart } from './charts/gateways';
import { IstioBaseChart } from './charts/istio-base';
import { IstiodChart } from './charts/istiod';
import { NamespaceSpec, NamespacesChart } from './charts/namespaces';
import { RenderContext } from './charts/release';
import { locateHelm, verifyHelm, withHermeticHelm } from './helm';
import { withLocalYamlLoad } from './local-yaml-load';
import { ExtendFunction } from './project';
import { PROJECT_ROOT } from './project-root';
import { applyScheduling } from './scheduling';
import { ISTIO_NAMESPACE, MeshSettings, ResolvedMeshSettings, resolveSettings } from './settings';
import { VendoredCharts, vendoredCharts } from './vendor/vendor';


/** Props of IstioMesh. */
export interface IstioMeshProps {
  /** The cluster's mesh settings. */
  readonly settings: MeshSettings;
  /** Project root holding vendor/ and node_modules/. @default PROJECT_ROOT */
  readonly root?: string;
  /** Environment to read ISTIO_CDK8S_HELM from. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Charts already verified by the caller. @default - verified here against the lock */
  readonly charts?: VendoredCharts;
  /** Adds the user's own objects to the last stage, `custom`. @default - no custom stage */
  readonly extend?: ExtendFunction;
}

/** The stage charts in apply order. */
export interface MeshStages {
  /** istio-system and gateway namespaces. */
  readonly namespaces: NamespacesChart;
  /** CRDs and the default-revision webhook. */
  readonly base: IstioBaseChart;
  /** The control plane. */
  readonly istiod: IstiodChart;
  /** The gateways. */
  readonly gateways: GatewaysChart;
  /** Injection-labelled application namespaces. */
  readonly apps: AppsChart;
  /** The user's own objects (main.ts's `extend`), when there is an extend function. */
  readonly custom?: Chart;
}

/** istio-system, then each gateway namespace once, with the labels its gateways ask for. */
function istioNamespaces(settings: ResolvedMeshSettings): NamespaceSpec[] {
  const labels = new Map<string, Record<string, string>>([[ISTIO_NAMESPACE, {}]]);
  for (const g of settings.gateways) {
    labels.set(g.namespace, { ...labels.get(g.namespace), ...g.namespaceLabels });
  }
  return [...labels].map(([name, l]) => ({ name, labels: l }));
}

/**
 * One Istio mesh on an App: the stage charts, each depending on the one before, so
 * cdk8s writes them as dist/0000-namespaces … dist/0004-apps in apply order.
 *
 * Not a Construct itself: the stages must be direct children of the App for cdk8s to
 * name their files after them (a nested chart's file name carries a path hash).
 */
export class IstioMesh {
  /** The settings after validation and defaults. */
  readonly settings: ResolvedMeshSettings;
  /** The stage charts. */
  readonly stages: MeshStages;

  constructor(app: App, props: IstioMeshProps) {
    const root = props.root ?? PROJECT_ROOT;
    const charts = props.charts ?? vendoredCharts(root);
    const settings = resolveSettings(props.settings, charts.lock.istioVersion);
    const helm = locateHelm({ root, env: props.env });
    verifyHelm(helm);
    this.settings = settings;
    this.stages = withHermeticHelm(helm, hermeticHelm => withLocalYamlLoad(() => {
      const context: RenderContext = { helmExecutable: hermeticHelm, kubeVersion: settings.kubeVersion };
      const namespaces = new NamespacesChart(app, 'namespaces', { namespaces: istioNamespaces(settings) });
      const base = new IstioBaseChart(app, 'istio-base', {
        chartDir: charts.dirs.base, revision: settings.revision, values: settings.values.base, context,
      });
      const istiod = new IstiodChart(app, 'istiod', {
        chartDir: charts.dirs.istiod, revision: settings.revision, scheduling: settings.istiodScheduling,
        images: settings.images, values: settings.values.istiod, context,
      });
      const gateways = new GatewaysChart(app, 'gateways', {
        chartDir: charts.dirs.gateway, revision: settings.revision, gateways: settings.gateways, context,
      });
      const apps = new AppsChart(app, 'apps', { namespaces: settings.appNamespaces, revision: settings.revision });
      return { namespaces, base, istiod, gateways, apps };
    }));

    const order: Chart[] = [this.stages.namespaces, this.stages.base, this.stages.istiod, this.stages.gateways, this.stages.apps];
    for (let i = 1; i < order.length; i++) order[i].addDependency(order[i - 1]);

    applyScheduling(this.stages.istiod.release.apiObjects, settings.istiodScheduling);
    settings.gateways.forEach((g, i) => applyScheduling(this.stages.gateways.releases[i].apiObjects, g.scheduling));

    if (props.extend) {
      // Last, after the app namespaces: the user's objects may live in them, and custom
      // resources must come after their CRDs (in an earlier file, applied first).
      const custom = new Chart(app, 'custom');
      custom.addDependency(this.stages.apps);
      this.stages = { ...this.stages, custom };
      props.extend(custom, this);
    }
  }
}
