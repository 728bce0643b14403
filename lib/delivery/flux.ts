import * as path from 'path';
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Kustomization, KustomizationSpecSourceRefKind } from '../../imports/kustomize.toolkit.fluxcd.io';
import { GitRepository } from '../../imports/source.toolkit.fluxcd.io';
import type { ResolvedDelivery } from '../settings';
import type { ManifestFile } from '../synth/write-manifests';
import { DELIVERY_FOLDER } from '../project/definition';
import { ClusterFolder, compareText, repositoryPath, stageFolderOf, stageOf } from './folder';

/** The GitRepository every Kustomization reads from. */
export const FLUX_SOURCE = 'istio-cdk8s';

/** The folder below the delivery folder that holds one kustomization.yaml per stage file. */
export const FLUX_FOLDER = 'flux';

/** A stage's Kustomization name: `<label>-<stage>` (`istio-east-istiod`). */
export function kustomizationName(folder: ClusterFolder, file: string): string {
  return `${folder.label}-${stageOf(file)}`;
}

/** A stage file's folder below the delivery folder: `flux/<cluster>/NNNN-<stage>` (`flux/NNNN-<stage>` in the single form). */
export function stageFolder(folder: ClusterFolder, file: string): string {
  return path.posix.join(FLUX_FOLDER, ...(folder.cluster === undefined ? [] : [folder.cluster]), stageFolderOf(file));
}

/**
 * The clusters in the order Flux's Kustomizations chain them: main.ts's order, except
 * that a remote cluster comes right after its primary when main.ts names it before
 * (as `npm run apply` orders them).
 */
export function fluxOrder(folders: readonly ClusterFolder[]): ClusterFolder[] {
  const ordered: ClusterFolder[] = [];
  const waiting = new Map<string, ClusterFolder[]>();
  const place = (f: ClusterFolder): void => {
    ordered.push(f);
    for (const remote of waiting.get(f.cluster!) ?? []) place(remote);
    waiting.delete(f.cluster!);
  };
  for (const f of folders) {
    const primary = f.primary;
    if (primary !== undefined && folders.some(p => p.cluster === primary) && !ordered.some(p => p.cluster === primary)) {
      waiting.set(primary, [...(waiting.get(primary) ?? []), f]);
    } else {
      place(f);
    }
  }
  // A primary that never came (not in the fleet: settings refuse it) leaves its remotes last.
  for (const remotes of waiting.values()) ordered.push(...remotes);
  return ordered;
}

/** Props of FluxClusterStages. */
export interface FluxClusterStagesProps {
  /** The cluster's folder, as its delivery objects see it. */
  readonly folder: ClusterFolder;
  /** The Kustomization its first stage waits for: on a remote cluster, its primary's last. @default - none */
  readonly after?: string;
}

/**
 * One cluster's Kustomizations: one per stage file, in file order, each depending on the
 * one before (`wait: true`: every object Ready before the next starts), reading the
 * stage's kustomization.yaml folder from the GitRepository, and applied to the cluster
 * the kubeconfig Secret names, if any.
 */
export class FluxClusterStages extends Construct {
  /** The Kustomizations, in file order. */
  readonly kustomizations: readonly Kustomization[];

  constructor(scope: Construct, id: string, props: FluxClusterStagesProps) {
    super(scope, id);
    const { folder } = props;
    const { delivery } = folder;
    const secret = delivery.destination.kubeConfigSecret;
    let previous = props.after;
    this.kustomizations = folder.files.map(file => {
      const name = kustomizationName(folder, file);
      const k = new Kustomization(this, stageFolderOf(file), {
        metadata: { name, namespace: delivery.namespace },
        spec: {
          interval: '10m',
          retryInterval: '1m',
          timeout: '5m',
          path: `./${repositoryPath(delivery, DELIVERY_FOLDER, stageFolder(folder, file))}`,
          prune: true,
          wait: true,
          sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: FLUX_SOURCE },
          ...(previous !== undefined ? { dependsOn: [{ name: previous }] } : {}),
          ...(secret ? { kubeConfig: { secretRef: { name: secret.name, ...(secret.key !== undefined ? { key: secret.key } : {}) } } } : {}),
        },
      });
      previous = name;
      return k;
    });
  }
}

/** Props of FluxChart. */
export interface FluxChartProps {
  /** The delivery settings every cluster shares (repository, branch, namespace). */
  readonly delivery: ResolvedDelivery;
  /** Every cluster's folder, in main.ts's order. */
  readonly folders: readonly ClusterFolder[];
}

/**
 * `dist/delivery/flux.k8s.yaml`: the GitRepository of this project, then each cluster's
 * Kustomizations (primaries before their remotes), a remote's first stage after its
 * primary's last.
 */
export class FluxChart extends Chart {
  constructor(scope: Construct, id: string, props: FluxChartProps) {
    super(scope, id);
    const { delivery } = props;
    new GitRepository(this, 'source', {
      metadata: { name: FLUX_SOURCE, namespace: delivery.namespace },
      spec: { interval: '1m', url: delivery.repoURL, ref: { branch: delivery.revision } },
    });
    const lastOf = new Map<string | undefined, string>();
    for (const folder of fluxOrder(props.folders)) {
      const after = folder.primary !== undefined ? lastOf.get(folder.primary) : undefined;
      const stages = new FluxClusterStages(this, folder.label, { folder, ...(after !== undefined ? { after } : {}) });
      const last = stages.kustomizations[stages.kustomizations.length - 1];
      if (last) lastOf.set(folder.cluster, last.metadata.name!);
    }
  }
}

/**
 * The kustomize file of each Kustomization's folder (`flux/<cluster>/NNNN-<stage>/kustomization.yaml`,
 * below the delivery folder): its one resource is the stage file, by a path relative to
 * the folder (kustomize-controller builds with the repository root as its boundary, so a
 * file outside the kustomization's own folder may be named).
 */
export function fluxKustomizationFiles(folders: readonly ClusterFolder[]): ManifestFile[] {
  const files = folders.flatMap(folder => folder.files.map(file => {
    const dir = stageFolder(folder, file);
    // From <out>/delivery/<dir> to the stage file, <out>/<cluster>/<file> (<out>/<file> in the single form).
    const out = '/out';
    const from = path.posix.join(out, DELIVERY_FOLDER, dir);
    const to = path.posix.join(out, ...(folder.cluster === undefined ? [] : [folder.cluster]), file);
    return {
      file: path.posix.join(dir, 'kustomization.yaml'),
      documents: [{ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [path.posix.relative(from, to)] }],
    };
  }));
  return files.sort((a, b) => compareText(a.file, b.file));
}
