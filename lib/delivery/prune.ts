import { ApiObject, Chart } from 'cdk8s';
import type { ResolvedDelivery } from '../settings';

/** Argo CD's per-object sync options, and the one that keeps an object from being pruned. */
export const ARGO_CD_SYNC_OPTIONS_ANNOTATION = 'argocd.argoproj.io/sync-options';
export const ARGO_CD_NO_PRUNE = 'Prune=false';

/** The label (or annotation) with which kustomize-controller neither prunes an object nor deletes it with its Kustomization. */
export const FLUX_PRUNE_LABEL = 'kustomize.toolkit.fluxcd.io/prune';
export const FLUX_PRUNE_DISABLED = 'disabled';

/** Whether an object is one pruning must never delete: a Namespace (and all in it) or a CRD (and every object of its kind). */
function isPruneProtected(o: ApiObject): boolean {
  const group = o.apiVersion.includes('/') ? o.apiVersion.slice(0, o.apiVersion.indexOf('/')) : '';
  return (group === '' && o.kind === 'Namespace') || (group === 'apiextensions.k8s.io' && o.kind === 'CustomResourceDefinition');
}

/**
 * Marks every Namespace and CustomResourceDefinition of the stage charts (and of the user's
 * own, extend()'s) so that the GitOps tool never deletes them when they leave the output:
 * deleting a namespace deletes everything in it, and a CRD every object of its kind, in
 * every namespace. Argo CD: the sync option `Prune=false` (it then reports the object
 * OutOfSync, as one to prune, and leaves it). Flux: the label `kustomize.toolkit.fluxcd.io/prune:
 * disabled`, which kustomize-controller's garbage collection skips, when a stage's file no
 * longer holds it and when the stage's Kustomization is deleted. Removing one is then a
 * deliberate `kubectl delete` (docs/guides/applying.md).
 */
export function protectFromPruning(charts: readonly Chart[], tool: ResolvedDelivery['tool']): void {
  for (const chart of charts) {
    for (const o of chart.node.findAll()) {
      if (!(o instanceof ApiObject) || Chart.of(o) !== chart || !isPruneProtected(o)) continue;
      if (tool === 'argocd') o.metadata.addAnnotation(ARGO_CD_SYNC_OPTIONS_ANNOTATION, ARGO_CD_NO_PRUNE);
      else o.metadata.addLabel(FLUX_PRUNE_LABEL, FLUX_PRUNE_DISABLED);
    }
  }
}
