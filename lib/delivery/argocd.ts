import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ISTIO_NAMESPACE } from '../settings';
import { Application, AppProject } from '../../imports/argoproj.io';
import { ClusterFolder, repositoryPath } from './folder';

/** Argo CD's sync options for the mesh's folders. */
export const ARGO_CD_SYNC_OPTIONS: readonly string[] = [
  // Server-side, as npm run apply applies: fields istiod writes stay istiod's.
  'ServerSideApply=true',
  // A custom resource whose CRD an earlier sync wave creates cannot be dry-run before it.
  'SkipDryRunOnMissingResource=true',
  // The caBundle istiod writes is neither drift nor overwritten.
  'RespectIgnoreDifferences=true',
];

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
 * caBundle istiod writes into each webhook configuration. No finalizer: deleting the
 * Application leaves the mesh running.
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
