import { HelmValues } from '../settings';

/** Everything one `helm template` run depends on, besides helm itself. */
export interface ReleaseRequest {
  /** Chart name, for messages (`istiod`). */
  readonly chart: string;
  /** The unpacked chart. */
  readonly chartDir: string;
  /** Digest of the chart's files, as the lock pins it (`treeSha256`): the chart's identity in the cache. */
  readonly chartSha256: string;
  /** Helm release name: explicit, since cdk8s would embed a hash of the construct path. */
  readonly releaseName: string;
  /** Namespace: explicit, since helm would otherwise read the kube context. */
  readonly namespace: string;
  /** Values, passed as one values file. */
  readonly values: HelmValues;
  /** Kubernetes version to render for (`--kube-version`). */
  readonly kubeVersion: string;
}

/** The arguments of `helm template` for a request, the values file given separately. */
export function helmTemplateArgs(req: ReleaseRequest, valuesFile: string | undefined): string[] {
  return [
    'template',
    ...(valuesFile ? ['-f', valuesFile] : []),
    '--namespace', req.namespace,
    '--kube-version', req.kubeVersion,
    req.releaseName,
    req.chartDir,
  ];
}
