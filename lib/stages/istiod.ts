import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { RenderedRelease } from '../render/engine';
import { HelmRelease } from '../render/helm-release';
import { ReleaseRequest } from '../render/release-request';
import { applyScheduling } from '../scheduling';
import { HelmValues, ISTIO_NAMESPACE, ResolvedMeshSettings } from '../settings';
import { mergeValues } from '../values';
import { ChartSource } from './chart-source';

/** The `istiod` release: the control plane, with scheduling and images passed as the chart's own values. */
export function istiodRelease(settings: ResolvedMeshSettings, chart: ChartSource): ReleaseRequest {
  const { hub, tag } = settings.images;
  const image = { ...(hub ? { hub } : {}), ...(tag ? { tag } : {}) };
  const values: HelmValues = {
    revision: settings.revision,
    nodeSelector: settings.istiodScheduling.nodeSelector,
    tolerations: settings.istiodScheduling.tolerations,
    ...image,
    // global.hub/tag also pick the proxy image that injection puts into pods and gateways.
    global: { istioNamespace: ISTIO_NAMESPACE, ...image },
    base: { validationFailurePolicy: 'Fail' },
  };
  return {
    ...chart,
    releaseName: settings.revision ? `istiod-${settings.revision}` : 'istiod',
    namespace: ISTIO_NAMESPACE,
    values: mergeValues(values, settings.values.istiod),
    kubeVersion: settings.kubeVersion,
  };
}

/** Props of the istiod stage. */
export interface IstiodChartProps {
  /** The rendered `istiod` release (istiodRelease). */
  readonly release: RenderedRelease;
  /** Scheduling every pod template must carry, patched in where the chart left it out. */
  readonly scheduling: ResolvedMeshSettings['istiodScheduling'];
}

/** Stage 3: the control plane (the `istiod` chart). */
export class IstiodChart extends Chart {
  /** The Helm release. */
  readonly release: HelmRelease;

  constructor(scope: Construct, id: string, props: IstiodChartProps) {
    super(scope, id);
    this.release = new HelmRelease(this, 'istiod', { release: props.release });
    applyScheduling(this.release.apiObjects, props.scheduling);
  }
}
