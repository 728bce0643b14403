import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { RenderedRelease } from '../render/engine';
import { HelmRelease } from '../render/helm-release';
import { applyScheduling } from '../scheduling';
import { ResolvedMeshSettings } from '../settings';

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
