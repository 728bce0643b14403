import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AppNamespace } from '../settings';

/** Props of the apps stage. */
export interface AppsChartProps {
  /** Application namespaces. */
  readonly namespaces: readonly AppNamespace[];
  /** Control-plane revision: '' labels `istio-injection=enabled`, else `istio.io/rev=<revision>`. */
  readonly revision: string;
}

/** The label that turns on sidecar injection for a namespace. */
export function injectionLabel(revision: string): { readonly [key: string]: string } {
  return revision ? { 'istio.io/rev': revision } : { 'istio-injection': 'enabled' };
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
        metadata: { name: ns.name, labels: { ...ns.labels, ...injectionLabel(props.revision) } },
      });
    }
  }
}
