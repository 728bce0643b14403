import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ResolvedAppNamespace } from '../settings';

/** Props of the apps stage. */
export interface AppsChartProps {
  /** Application namespaces, with their injection label (`istio-injection=enabled` or `istio.io/rev`). */
  readonly namespaces: readonly ResolvedAppNamespace[];
}

/**
 * Stage 5: application namespaces labelled for sidecar injection. Last, so the
 * injector (istiod) exists before any namespace asks for it.
 */
export class AppsChart extends Chart {
  constructor(scope: Construct, id: string, props: AppsChartProps) {
    super(scope, id);
    for (const ns of props.namespaces) {
      new kplus.Namespace(this, ns.name, {
        metadata: { name: ns.name, labels: { ...ns.labels } },
      });
    }
  }
}
