/**
 * API group-versions that Kubernetes stopped serving, with the first minor version that no
 * longer serves them (https://kubernetes.io/docs/reference/using-api/deprecation-guide/).
 *
 * Needed because kubernetes-models merges the specs of old Kubernetes releases into its
 * models, so it has validators for versions a current API server rejects with
 * "no matches for kind". Where a group-version's kinds went in several releases, the last
 * one is listed: this project supports only Kubernetes versions newer than all of them.
 */
export const REMOVED_API_VERSIONS: { readonly [apiVersion: string]: number } = {
  'apps/v1beta1': 16,
  'apps/v1beta2': 16,
  'extensions/v1beta1': 22,
  'admissionregistration.k8s.io/v1beta1': 22,
  'apiextensions.k8s.io/v1beta1': 22,
  'apiregistration.k8s.io/v1beta1': 22,
  'authentication.k8s.io/v1beta1': 22,
  'authorization.k8s.io/v1beta1': 22,
  'certificates.k8s.io/v1beta1': 22,
  'coordination.k8s.io/v1beta1': 22,
  'networking.k8s.io/v1beta1': 22,
  'rbac.authorization.k8s.io/v1beta1': 22,
  'scheduling.k8s.io/v1beta1': 22,
  'autoscaling/v2beta1': 25,
  'batch/v1beta1': 25,
  'discovery.k8s.io/v1beta1': 25,
  'events.k8s.io/v1beta1': 25,
  'node.k8s.io/v1beta1': 25,
  'policy/v1beta1': 25,
  'autoscaling/v2beta2': 26,
  'flowcontrol.apiserver.k8s.io/v1beta1': 26,
  'storage.k8s.io/v1beta1': 27,
  'flowcontrol.apiserver.k8s.io/v1beta2': 29,
  'flowcontrol.apiserver.k8s.io/v1beta3': 32,
};

/** The Kubernetes minor version from which `apiVersion` is no longer served, if it was removed by `kubeMinor`. */
export function removedIn(apiVersion: string, kubeMinor: number): number | undefined {
  const minor = REMOVED_API_VERSIONS[apiVersion];
  return minor !== undefined && kubeMinor >= minor ? minor : undefined;
}
