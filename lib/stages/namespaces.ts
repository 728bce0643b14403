import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';

/** The annotation of a remote cluster's istio-system naming its primary (Istio's primary-remote install). */
export const CONTROL_PLANE_CLUSTERS = 'topology.istio.io/controlPlaneClusters';

/** A namespace to create, with its labels. */
export interface NamespaceSpec {
  /** Namespace name. */
  readonly name: string;
  /** Labels. @default {} */
  readonly labels?: { readonly [key: string]: string };
  /** Annotations. @default {} */
  readonly annotations?: { readonly [key: string]: string };
}

/** Props of the namespaces stage. */
export interface NamespacesChartProps {
  /** istio-system and the gateway namespaces, in order. */
  readonly namespaces: readonly NamespaceSpec[];
}

/** The namespaces stage: the namespaces every later stage installs into. */
export class NamespacesChart extends Chart {
  constructor(scope: Construct, id: string, props: NamespacesChartProps) {
    super(scope, id);
    for (const ns of props.namespaces) {
      new kplus.Namespace(this, ns.name, { metadata: { name: ns.name, labels: { ...ns.labels }, ...(ns.annotations ? { annotations: { ...ns.annotations } } : {}) } });
    }
  }
}
