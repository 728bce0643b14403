import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { HelmValues, ISTIO_NAMESPACE } from '../settings';
import { mergeValues } from '../values';
import { IstioRelease, RenderContext } from './release';

/** Props of the istio-base stage. */
export interface IstioBaseChartProps {
  /** Unpacked `base` chart. */
  readonly chartDir: string;
  /** Revision the default validating webhook points at ('' for the default revision). */
  readonly revision: string;
  /** Extra values, merged over the computed ones. @default {} */
  readonly values?: HelmValues;
  /** How to run helm. */
  readonly context: RenderContext;
}

/** Stage 2: Istio's CRDs and cluster-wide base objects (the `base` chart). */
export class IstioBaseChart extends Chart {
  /** The Helm release. */
  readonly release: IstioRelease;

  constructor(scope: Construct, id: string, props: IstioBaseChartProps) {
    super(scope, id);
    const values: HelmValues = {
      defaultRevision: props.revision || 'default',
      // Rendered for `kubectl apply`/GitOps: start with Fail so istiod never flips it (drift).
      base: { validationFailurePolicy: 'Fail' },
    };
    this.release = new IstioRelease(this, 'base', {
      chartDir: props.chartDir,
      releaseName: 'istio-base',
      namespace: ISTIO_NAMESPACE,
      values: mergeValues(values, props.values),
      context: props.context,
    });
  }
}
