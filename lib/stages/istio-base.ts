import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { RenderedRelease } from '../render/engine';
import { HelmRelease } from '../render/helm-release';

/** Props of the istio-base stage. */
export interface IstioBaseChartProps {
  /** The rendered `base` release (istioBaseRelease). */
  readonly release: RenderedRelease;
}

/** The istio-base stage: Istio's CRDs and cluster-wide base objects (the `base` chart). */
export class IstioBaseChart extends Chart {
  /** The Helm release. */
  readonly release: HelmRelease;

  constructor(scope: Construct, id: string, props: IstioBaseChartProps) {
    super(scope, id);
    this.release = new HelmRelease(this, 'base', { release: props.release });
  }
}
