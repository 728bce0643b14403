import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { RenderedRelease } from '../render/engine';
import { HelmRelease } from '../render/helm-release';
import { applyScheduling } from './scheduling';
import { Scheduling } from '../settings';

/** Props of a node-agent stage. */
export interface NodeAgentChartProps {
  /** The rendered release (`istio-cni` or `ztunnel`). */
  readonly release: RenderedRelease;
  /**
   * Scheduling from componentScheduling.nodeAgents only: node agents must reach every
   * node with meshed pods, so the mesh-wide scheduling is never patched into them.
   */
  readonly scheduling: Required<Scheduling>;
}

/**
 * A stage of one node agent, a DaemonSet on every node: istio-cni (after istiod) or
 * ztunnel (after istio-cni), as Istio's ambient install orders them.
 */
export class NodeAgentChart extends Chart {
  /** The Helm release. */
  readonly release: HelmRelease;

  constructor(scope: Construct, id: string, props: NodeAgentChartProps) {
    super(scope, id);
    this.release = new HelmRelease(this, props.release.request.releaseName, { release: props.release });
    applyScheduling(this.release.apiObjects, props.scheduling);
  }
}
