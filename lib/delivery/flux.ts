import * as path from 'path';
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Kustomization, KustomizationSpec, KustomizationSpecSourceRefKind } from '../../imports/kustomize.toolkit.fluxcd.io';
import { GitRepository } from '../../imports/source.toolkit.fluxcd.io';
import type { ResolvedDelivery } from '../settings';
import type { ManifestFile } from '../synth/write-manifests';
import { DELIVERY_FOLDER } from '../manifests/delivery-folder';
import { ClusterFolder, compareText, ObjectReference, repositoryPath, stageOf } from './folder';
import { primaryFirst } from '../manifests/primary-first';

/** The GitRepository every Kustomization reads from. */
export const FLUX_SOURCE = 'istio-cdk8s';

/** The folder below the delivery folder that holds one kustomization.yaml per stage file. */
export const FLUX_FOLDER = 'flux';

/** A stage's Kustomization name: `<label>-<stage>` (`istio-east-istiod`). */
export function kustomizationName(folder: ClusterFolder, file: string): string {
  return `${folder.label}-${stageOf(file)}`;
}

/**
 * A stage file's folder below the delivery folder: `flux/<cluster>/<stage>` (`flux/<stage>`
 * in the single form). Named by the stage alone, like the Kustomization, so that a stage
 * inserted before it (gateway-api, trust) renumbers its file without moving the folder:
 * only the kustomization.yaml's resource changes, never a Kustomization's `spec.path`.
 */
export function stageFolder(folder: ClusterFolder, file: string): string {
  return path.posix.join(FLUX_FOLDER, ...(folder.cluster === undefined ? [] : [folder.cluster]), stageOf(file));
}

/** The stage whose Kustomization waits for istiod's CA alone. */
const TRUST_STAGE = 'trust';
/** The stage whose Kustomization a remote's next stage follows with its primary's last. */
const ISTIOD_STAGE = 'istiod';

/**
 * How kustomize-controller tells when the object that writes istiod's CA is ready (its
 * `healthCheckExprs`, by apiVersion and kind). Without them it asks kstatus, which counts
 * a custom resource without status conditions as Current: a Certificate or ExternalSecret
 * just created, before its controller wrote anything, would pass, and istiod would start
 * without `cacerts` and make a root of its own. These read the Ready condition; a missing
 * `status` makes the expression fail to evaluate, which kustomize-controller takes as not
 * ready yet (it waits, up to the timeout, and retries), never as Current. A Certificate is
 * Ready for the spec it was issued for only when the condition's observedGeneration is the
 * object's generation.
 */
export const CA_HEALTH_CHECK_EXPRS: readonly { readonly apiVersion: string; readonly kind: string; readonly current: string }[] = [
  {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    current: 'status.conditions.exists(e, e.type == \'Ready\' && e.status == \'True\' && e.observedGeneration == metadata.generation)',
  },
  {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    current: 'status.conditions.exists(e, e.type == \'Ready\' && e.status == \'True\')',
  },
];

/**
 * The clusters in the order Flux's Kustomizations chain them: main.ts's order, except
 * that a remote cluster comes right after its primary when main.ts names it before
 * (as `npm run apply` orders them).
 */
export function fluxOrder(folders: readonly ClusterFolder[]): ClusterFolder[] {
  return primaryFirst(folders, f => f.cluster, f => f.primary);
}

/** Props of FluxClusterStages. */
export interface FluxClusterStagesProps {
  /** The cluster's folder, as its delivery objects see it. */
  readonly folder: ClusterFolder;
  /**
   * On a remote cluster, its primary's last Kustomization: the remote's first stage after
   * istiod (its gateways, then its app pods, injected by the primary's istiod) waits for it
   * too. @default - none
   */
  readonly primaryLast?: string;
}

/**
 * One cluster's Kustomizations: one per stage file, in file order, each depending on the
 * one before and reading the stage's kustomization.yaml folder from the GitRepository,
 * applied to the cluster the kubeconfig Secret names, if any. Each waits for its objects
 * to be ready (`wait: true`) before the next starts, but the trust stage: it waits for the
 * object that writes istiod's CA alone (health checks), not for the remote secrets, which
 * are Ready only once the store holds the other clusters' kubeconfigs, made after those
 * clusters' first apply (a remote applied after its primary would never be). On a remote
 * cluster, the first stage after istiod also depends on the primary's last stage: its
 * gateways and app pods are injected by the primary's istiod, exposed by the primary's
 * policy stage; its earlier stages (its reader token Secret, from which the primary's
 * remote secret is made) go first, on their own.
 */
export class FluxClusterStages extends Construct {
  /** The Kustomizations, in file order. */
  readonly kustomizations: readonly Kustomization[];

  constructor(scope: Construct, id: string, props: FluxClusterStagesProps) {
    super(scope, id);
    const { folder } = props;
    const { delivery } = folder;
    const secret = delivery.destination.kubeConfigSecret;
    const istiod = folder.files.findIndex(f => stageOf(f) === ISTIOD_STAGE);
    let previous: string | undefined;
    this.kustomizations = folder.files.map((file, i) => {
      const name = kustomizationName(folder, file);
      const dependsOn = [
        ...(previous !== undefined ? [previous] : []),
        ...(props.primaryLast !== undefined && istiod >= 0 && i === istiod + 1 ? [props.primaryLast] : []),
      ];
      const k = new Kustomization(this, stageOf(file), {
        metadata: { name, namespace: delivery.namespace },
        spec: {
          interval: '10m',
          retryInterval: '1m',
          timeout: '5m',
          path: `./${repositoryPath(delivery, DELIVERY_FOLDER, stageFolder(folder, file))}`,
          prune: true,
          ...readiness(stageOf(file) === TRUST_STAGE, folder.cacertsWriters.get(file)),
          sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: FLUX_SOURCE },
          ...(dependsOn.length ? { dependsOn: dependsOn.map(d => ({ name: d })) } : {}),
          ...(secret ? { kubeConfig: { secretRef: { name: secret.name, ...(secret.key !== undefined ? { key: secret.key } : {}) } } } : {}),
        },
      });
      previous = name;
      return k;
    });
  }
}

/** What a stage's Kustomization waits for: every object; the trust stage, the CA's writer alone (or nothing). */
function readiness(trust: boolean, writer: ObjectReference | undefined): Pick<KustomizationSpec, 'wait' | 'healthChecks' | 'healthCheckExprs'> {
  if (!trust) return { wait: true };
  if (!writer) return { wait: false };
  const exprs = CA_HEALTH_CHECK_EXPRS.filter(e => e.apiVersion === writer.apiVersion && e.kind === writer.kind);
  if (!exprs.length) throw new Error(`no health check expression for ${writer.apiVersion} ${writer.kind}, the writer of istiod's CA`);
  return {
    wait: false,
    healthChecks: [{ apiVersion: writer.apiVersion, kind: writer.kind, name: writer.name, namespace: writer.namespace }],
    healthCheckExprs: exprs.map(e => ({ ...e })),
  };
}

/** Props of FluxChart. */
export interface FluxChartProps {
  /** The delivery settings every cluster shares (repository, branch, namespace). */
  readonly delivery: ResolvedDelivery;
  /** Every cluster's folder, in main.ts's order. */
  readonly folders: readonly ClusterFolder[];
}

/**
 * `dist/delivery/flux.k8s.yaml`: the GitRepository of this project (with its credentials
 * Secret, delivery.secretRef), then each cluster's Kustomizations (primaries before their
 * remotes), a remote's first stage after istiod also after its primary's last.
 */
export class FluxChart extends Chart {
  constructor(scope: Construct, id: string, props: FluxChartProps) {
    super(scope, id);
    const { delivery } = props;
    new GitRepository(this, 'source', {
      metadata: { name: FLUX_SOURCE, namespace: delivery.namespace },
      spec: {
        interval: '1m',
        url: delivery.repoURL,
        ref: { branch: delivery.revision },
        ...(delivery.secretRef !== undefined ? { secretRef: { name: delivery.secretRef } } : {}),
      },
    });
    const lastOf = new Map<string | undefined, string>();
    for (const folder of fluxOrder(props.folders)) {
      const primaryLast = folder.primary !== undefined ? lastOf.get(folder.primary) : undefined;
      const stages = new FluxClusterStages(this, folder.label, { folder, ...(primaryLast !== undefined ? { primaryLast } : {}) });
      const last = stages.kustomizations[stages.kustomizations.length - 1];
      if (last) lastOf.set(folder.cluster, last.metadata.name!);
    }
  }
}

/**
 * The kustomize file of each Kustomization's folder (`flux/<cluster>/<stage>/kustomization.yaml`,
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
