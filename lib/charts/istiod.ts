import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { HelmValues, ImageSettings, ISTIO_NAMESPACE, Scheduling } from '../settings';
import { mergeValues } from '../values';
import { IstioRelease, RenderContext } from './release';

/** Props of the istiod stage. */
export interface IstiodChartProps {
  /** Unpacked `istiod` chart. */
  readonly chartDir: string;
  /** Control-plane revision ('' for the default revision). */
  readonly revision: string;
  /** Scheduling for istiod, passed as the chart's own values. */
  readonly scheduling: Required<Scheduling>;
  /** Image hub and tag overrides. */
  readonly images: ImageSettings;
  /** Extra values, merged over the computed ones. @default {} */
  readonly values?: HelmValues;
  /** How to run helm. */
  readonly context: RenderContext;
}

/** Stage 3: the control plane (the `istiod` chart). */
export class IstiodChart extends Chart {
  /** The Helm release. */
  readonly release: IstioRelease;

  constructor(scope: Construct, id: string, props: IstiodChartProps) {
    super(scope, id);
    const { hub, tag } = props.images;
    const image = { ...(hub ? { hub } : {}), ...(tag ? { tag } : {}) };
    const values: HelmValues = {
      revision: props.revision,
      nodeSelector: props.scheduling.nodeSelector,
      tolerations: props.scheduling.tolerations,
      ...image,
      // global.hub/tag also pick the proxy image that injection puts into pods and gateways.
      global: { istioNamespace: ISTIO_NAMESPACE, ...image },
      base: { validationFailurePolicy: 'Fail' },
    };
    this.release = new IstioRelease(this, 'istiod', {
      chartDir: props.chartDir,
      releaseName: props.revision ? `istiod-${props.revision}` : 'istiod',
      namespace: ISTIO_NAMESPACE,
      values: mergeValues(values, props.values),
      context: props.context,
    });
  }
}
