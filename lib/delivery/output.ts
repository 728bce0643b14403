import { App } from 'cdk8s';
import type { ResolvedDelivery } from '../settings';
import { manifestFilesOf, ManifestFile } from '../synth/write-manifests';
import { ArgoCdChart } from './argocd';
import { ClusterFolder, clusterFolder, DeliveredCluster } from './folder';
import { FluxChart, fluxKustomizationFiles } from './flux';

/** The delivery folder's content (`<out>/delivery/`), as synth is about to write it. */
export interface DeliveryOutput {
  /** The controller the objects are for. */
  readonly tool: ResolvedDelivery['tool'];
  /** Its manifest file, `argocd.k8s.yaml` or `flux.k8s.yaml`, with its objects (what check reads). */
  readonly manifests: readonly ManifestFile[];
  /**
   * Flux's kustomize files (`flux/<cluster>/<stage>/kustomization.yaml`), as paths
   * below the delivery folder: kustomize's configuration, not Kubernetes objects. None for Argo CD.
   */
  readonly kustomizations: readonly ManifestFile[];
}

/** Each delivered cluster's folder, in main.ts's order. */
export function clusterFolders(clusters: readonly DeliveredCluster[]): ClusterFolder[] {
  return clusters.filter(c => c.settings.delivery).map(clusterFolder);
}

/**
 * The Argo CD or Flux objects that apply the clusters' folders, built from what synth is
 * about to write (each cluster's files and objects) and the clusters' resolved delivery
 * settings; undefined when no cluster has `delivery` (the fleet rules hold every cluster
 * to one tool, repository, revision, path and namespace, or none). One cdk8s Chart, its
 * file named as cdk8s names a chart's (`argocd.k8s.yaml`, `flux.k8s.yaml`). Nothing is
 * written: `outdir` is the App's, where synth then writes the files (writeManifestFiles).
 */
export function deliveryOutput(clusters: readonly DeliveredCluster[], outdir = 'delivery'): DeliveryOutput | undefined {
  const folders = clusterFolders(clusters);
  if (!folders.length) return undefined;
  const delivery = folders[0].delivery;
  const app = new App({ outdir, recordConstructMetadata: false });
  if (delivery.tool === 'argocd') new ArgoCdChart(app, 'argocd', { folders });
  else new FluxChart(app, 'flux', { delivery, folders });
  return {
    tool: delivery.tool,
    manifests: manifestFilesOf(app),
    kustomizations: delivery.tool === 'flux' ? fluxKustomizationFiles(folders) : [],
  };
}
