import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ISTIO_NAMESPACE } from '../settings';
import { Application, AppProject } from '../../imports/argoproj.io';
import { ClusterFolder, repositoryPath } from './folder';

/** Argo CD's sync options for the mesh's folders. */
export const ARGO_CD_SYNC_OPTIONS: readonly string[] = [
  // Server-side (kubectl apply --server-side --force-conflicts, Argo CD documents), as npm run apply applies.
  'ServerSideApply=true',
  // Argo CD skips the dry run of a custom resource itself when its CRD is in the same sync
  // (Istio's, Gateway API's); this is for kinds whose CRDs another tool installs, and which
  // may not be served yet at the dry run: cert-manager's Certificate, External Secrets' ExternalSecret.
  'SkipDryRunOnMissingResource=true',
  // ignoreDifferences also at sync: Argo CD applies the live caBundle istiod wrote, not none.
  'RespectIgnoreDifferences=true',
];

/**
 * Retries of a failed sync. An automated sync does not retry a revision whose sync failed
 * (a wave refused because istiod's webhook does not answer yet, an operator's CRD not
 * served yet) until the next commit without it: 5 tries, 30s apart, doubling, at most 5m.
 */
export const ARGO_CD_RETRY = { limit: 5, backoff: { duration: '30s', factor: 2, maxDuration: '5m' } } as const;

/** The field of a webhook configuration istiod writes at run time. */
export const CA_BUNDLE_PATH = '.webhooks[]?.clientConfig.caBundle';

/** Props of ArgoCdClusterApplication. */
export interface ArgoCdClusterApplicationProps {
  /** The cluster's folder, as its delivery objects see it. */
  readonly folder: ClusterFolder;
}

/**
 * One cluster's Argo CD objects: an AppProject that allows exactly what its folder holds
 * (its namespaces at its destination, its cluster-scoped kinds), and an Application that
 * syncs the folder's files (their sync waves order them), server-side, ignoring the
 * caBundle istiod writes into each webhook configuration, retrying a failed sync. No
 * finalizer: deleting the Application leaves the mesh running.
 */
export class ArgoCdClusterApplication extends Construct {
  /** The AppProject. */
  readonly project: AppProject;
  /** The Application. */
  readonly application: Application;

  constructor(scope: Construct, id: string, props: ArgoCdClusterApplicationProps) {
    super(scope, id);
    const { folder } = props;
    const { delivery } = folder;
    const destination = delivery.destination.name !== undefined ? { name: delivery.destination.name } : { server: delivery.destination.server! };
    this.project = new AppProject(this, 'project', {
      metadata: { name: folder.label, namespace: delivery.namespace },
      spec: {
        description: folder.cluster === undefined ? 'Istio mesh (istio-cdk8s)' : `Istio mesh of cluster ${folder.cluster} (istio-cdk8s)`,
        sourceRepos: [delivery.repoURL],
        destinations: folder.namespaces.map(namespace => ({ namespace, ...destination })),
        clusterResourceWhitelist: folder.clusterScopedKinds.map(k => ({ group: k.group, kind: k.kind })),
      },
    });
    this.application = new Application(this, 'application', {
      metadata: { name: folder.label, namespace: delivery.namespace },
      spec: {
        project: folder.label,
        source: {
          repoUrl: delivery.repoURL,
          targetRevision: delivery.revision,
          path: repositoryPath(delivery, ...(folder.cluster === undefined ? [] : [folder.cluster])),
          directory: { recurse: false, include: '*.k8s.yaml' },
        },
        // Argo CD matches the Application's destination, namespace included, against its
        // project's destinations: without one it would match none (argo-cd#11510). Every
        // object here names its own namespace; istio-system is in every cluster's folder.
        destination: { ...destination, namespace: ISTIO_NAMESPACE },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          syncOptions: [...ARGO_CD_SYNC_OPTIONS],
          retry: { limit: ARGO_CD_RETRY.limit, backoff: { ...ARGO_CD_RETRY.backoff } },
        },
        ...(folder.webhookConfigurations.length ? {
          ignoreDifferences: folder.webhookConfigurations.map(w => ({
            group: 'admissionregistration.k8s.io', kind: w.kind, name: w.name, jqPathExpressions: [CA_BUNDLE_PATH],
          })),
        } : {}),
      },
    });
  }
}

/** Props of ArgoCdChart. */
export interface ArgoCdChartProps {
  /** Every cluster's folder, in main.ts's order. */
  readonly folders: readonly ClusterFolder[];
}

/** `dist/delivery/argocd.k8s.yaml`: an AppProject and an Application per cluster, in main.ts's order. */
export class ArgoCdChart extends Chart {
  constructor(scope: Construct, id: string, props: ArgoCdChartProps) {
    super(scope, id);
    for (const folder of props.folders) new ArgoCdClusterApplication(this, folder.label, { folder });
  }
}
