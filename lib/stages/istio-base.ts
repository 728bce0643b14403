import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { RenderedRelease } from '../render/engine';
import { HelmRelease } from '../render/helm-release';
import { ReleaseRequest } from '../render/release-request';
import { HelmValues, ISTIO_NAMESPACE, ResolvedMeshSettings } from '../settings';
import { mergeValues } from '../values';
import { ChartSource } from './chart-source';

/** The `base` release: Istio's CRDs and the default validating webhook. */
export function istioBaseRelease(settings: ResolvedMeshSettings, chart: ChartSource): ReleaseRequest {
  const values: HelmValues = {
    defaultRevision: settings.revision || 'default',
    // Rendered for `kubectl apply`/GitOps: start with Fail so istiod never flips it (drift).
    base: { validationFailurePolicy: 'Fail' },
  };
  return { ...chart, releaseName: 'istio-base', namespace: ISTIO_NAMESPACE, values: mergeValues(values, settings.values.base), kubeVersion: settings.kubeVersion };
}

/** Props of the istio-base stage. */
export interface IstioBaseChartProps {
  /** The rendered `base` release (istioBaseRelease). */
  readonly release: RenderedRelease;
}

/** Stage 2: Istio's CRDs and cluster-wide base objects (the `base` chart). */
export class IstioBaseChart extends Chart {
  /** The Helm release. */
  readonly release: HelmRelease;

  constructor(scope: Construct, id: string, props: IstioBaseChartProps) {
    super(scope, id);
    this.release = new HelmRelease(this, 'base', { release: props.release });
  }
}
