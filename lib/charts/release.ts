import * as path from 'path';
import { Helm } from 'cdk8s';
import { Construct } from 'constructs';
import { hermeticHelmFlags } from '../helm';
import { HelmValues } from '../settings';
import { UserError } from '../user-error';

/** What every stage chart needs to render its releases. */
export interface RenderContext {
  /** The helm binary to run. */
  readonly helmExecutable: string;
  /** Kubernetes version to render for. */
  readonly kubeVersion: string;
}

/** Props of one release of a vendored chart. */
export interface IstioReleaseProps {
  /** Unpacked chart folder. */
  readonly chartDir: string;
  /** Helm release name (explicit: cdk8s would otherwise embed a hash of the construct path). */
  readonly releaseName: string;
  /** Namespace of the release (explicit: helm would otherwise read the kube context). */
  readonly namespace: string;
  /** Helm values. */
  readonly values: HelmValues;
  /** How to run helm. */
  readonly context: RenderContext;
}

/** A cdk8s Helm release of a vendored chart, rendered hermetically. */
export class IstioRelease extends Helm {
  constructor(scope: Construct, id: string, props: IstioReleaseProps) {
    try {
      super(scope, id, {
        chart: props.chartDir,
        releaseName: props.releaseName,
        namespace: props.namespace,
        values: props.values as { [key: string]: any },
        helmExecutable: props.context.helmExecutable,
        helmFlags: hermeticHelmFlags(props.context.kubeVersion),
      });
    } catch (err) {
      // The Helm construct throws helm's bare stderr; say which release failed and what to look at.
      const detail = (err as Error).message.trim();
      // helm ran (verifyHelm passed); only a complaint about values or templates points at main.ts.
      const valuesToBlame = /values don't meet|values\.schema|execution error|template: |YAML|json: /i.test(detail);
      throw new UserError(
        `helm template failed for release ${props.releaseName} (chart ${path.basename(props.chartDir)}, namespace ${props.namespace}):\n${detail}\n` +
        (valuesToBlame
          ? 'Check the values given to this release in main.ts (values, images, gateways).'
          : 'The chart or helm failed, not the settings: restore the charts with `npm run vendor -- --force`, or check ISTIO_CDK8S_HELM.'),
      );
    }
  }
}
