import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { RenderedRelease } from '../render/engine';
import { HelmRelease } from '../render/helm-release';
import { applyScheduling } from './scheduling';
import { ResolvedMeshSettings } from '../settings';

/** Props of the istiod stage. */
export interface IstiodChartProps {
  /** The rendered `istiod` releases, one per revision (istiodRelease). */
  readonly releases: readonly RenderedRelease[];
  /** Scheduling every pod template must carry, patched in where the chart left it out. */
  readonly scheduling: ResolvedMeshSettings['istiodScheduling'];
}

/** The istiod stage: the control plane, one `istiod` release per revision, side by side. */
export class IstiodChart extends Chart {
  /** The Helm releases, one per revision. */
  readonly releases: readonly HelmRelease[];

  constructor(scope: Construct, id: string, props: IstiodChartProps) {
    super(scope, id);
    this.releases = props.releases.map(r => {
      const release = new HelmRelease(this, r.request.releaseName, { release: r });
      applyScheduling(release.apiObjects, props.scheduling);
      return release;
    });
  }
}
