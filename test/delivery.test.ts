import * as fs from 'fs';
import * as path from 'path';
import { ApplyContext, applyCommand, FIELD_MANAGER } from '../lib/apply/cli';
import { checkManifestList } from '../lib/check/check';
import { providedCrds } from '../lib/check/provided-crds';
import { formatViolation } from '../lib/check/violation';
import { deliveryOutput } from '../lib/delivery/output';
import { diffFolders } from '../lib/diff/folders';
import { Manifest, outputManifestFiles, parseManifests, readManifests } from '../lib/manifests';
import { ARGO_CD_SYNC_WAVE } from '../lib/mesh';
import { DELIVERY_FOLDER, readProject } from '../lib/project/definition';
import { resolveProject } from '../lib/project/resolve';
import { PROJECT_ROOT } from '../lib/project-root';
import { MeshSettings, resolveSettings } from '../lib/settings';
import { FLUX_CLUSTER_NAME_LIMIT, STAGE_NAMES } from '../lib/settings/delivery';
import { refusals } from '../lib/synth/output-check';
import { synthMesh } from '../lib/synth/synth';
import { ManifestFile } from '../lib/synth/write-manifests';
import { LOCK_FILE, lockedVersions, readLock, readLockFile } from '../lib/vendoring/lock';
import { TOOL_CRDS_ROOT } from './fixtures/tool-crds';
import { runCaptured } from './command-io';
import { snapshotTree, tempDir } from './render';

// The Argo CD and Flux objects that apply dist/ (lib/delivery/, dist/delivery/): built from
// each cluster's planned files and its delivery settings, written by synth, skipped by apply.

const V = readLock(PROJECT_ROOT).istioVersion;
const LOCKED = lockedVersions(PROJECT_ROOT);
const REPO = 'https://git.example.com/platform/mesh.git';
const IN_CLUSTER = 'https://kubernetes.default.svc';
const quiet = () => undefined;

const ns = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const obj = (apiVersion: string, kind: string, name: string, namespace?: string) => ({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } });
const crd = (plural: string, group: string, kind: string, scope: 'Cluster' | 'Namespaced') => ({
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `${plural}.${group}` },
  spec: { group, names: { kind, plural }, scope, versions: [{ name: 'v1', served: true, storage: true }] },
});

/** A cluster's planned files, in the shape synth plans them; with or without istiod's webhook configurations. */
function files(webhooks: boolean): ManifestFile[] {
  return [
    { file: '0000-namespaces.k8s.yaml', documents: [ns('istio-system'), ns('edge')] },
    {
      file: '0001-istio-base.k8s.yaml',
      documents: [
        crd('widgets', 'example.com', 'Widget', 'Cluster'), crd('gadgets', 'example.com', 'Gadget', 'Namespaced'),
        obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'istio-reader'),
        ...(webhooks ? [obj('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', 'istiod-default-validator')] : []),
      ],
    },
    {
      file: '0002-istiod.k8s.yaml',
      documents: [
        obj('v1', 'ServiceAccount', 'istiod', 'istio-system'),
        ...(webhooks ? [obj('admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration', 'istio-sidecar-injector'), obj('admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration', 'istio-revision-tag-default')] : []),
      ],
    },
    { file: '0003-custom.k8s.yaml', documents: [obj('example.com/v1', 'Widget', 'w'), obj('example.com/v1', 'Gadget', 'g', 'edge'), obj('v1', 'ConfigMap', 'c', 'edge')] },
  ];
}

const EASTWEST = { name: 'istio-eastwestgateway', namespace: 'istio-system', kind: 'eastwest' } as const;
const STORE = { kind: 'ClusterSecretStore', name: 'vault' } as const;
/** A primary (east) and its remote (west), main.ts naming the remote first. */
function primaryRemote(delivery: (cluster: string) => MeshSettings['delivery']): { [name: string]: MeshSettings } {
  const base = { istioVersion: V, appNamespaces: [{ name: 'shop' }] };
  return {
    west: { ...base, gateways: [EASTWEST], mesh: { id: 'mesh1', network: 'network2', primary: 'east', pilotAddress: '203.0.113.10' }, delivery: delivery('west') },
    east: {
      ...base,
      gateways: [EASTWEST],
      mesh: {
        id: 'mesh1', network: 'network1',
        trust: { externalSecret: { store: STORE, key: 'istio/mesh1/east', rootKey: 'istio/mesh1/root' } },
        remoteSecrets: { store: STORE, keyPrefix: 'istio/remote/' },
      },
      delivery: delivery('east'),
    },
  };
}

describe('Argo CD', () => {
  test('single form: an AppProject allowing exactly the folder\'s namespaces and cluster-scoped kinds, an Application over dist/', () => {
    const settings = resolveSettings({ istioVersion: V, delivery: { tool: 'argocd', repoURL: REPO } }, LOCKED);
    expect(settings.argoCdSyncWaves).toBe(true);
    const out = deliveryOutput([{ settings, files: files(true) }])!;
    expect(out.tool).toBe('argocd');
    expect(out.kustomizations).toEqual([]);
    expect(out.manifests.map(f => f.file)).toEqual(['argocd.k8s.yaml']);
    expect(out.manifests[0].documents).toEqual([
      {
        apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: 'istio', namespace: 'argocd' },
        spec: {
          description: 'Istio mesh (istio-cdk8s)',
          sourceRepos: [REPO],
          destinations: [{ namespace: 'edge', server: IN_CLUSTER }, { namespace: 'istio-system', server: IN_CLUSTER }],
          // Sorted by group then kind: the core group first; the cluster-scoped custom kind from its CRD (Gadget is namespaced).
          clusterResourceWhitelist: [
            { group: '', kind: 'Namespace' },
            { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration' },
            { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration' },
            { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
            { group: 'example.com', kind: 'Widget' },
            { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
          ],
        },
      },
      {
        apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'istio', namespace: 'argocd' },
        spec: {
          project: 'istio',
          source: { repoURL: REPO, targetRevision: 'main', path: 'dist', directory: { recurse: false, include: '*.k8s.yaml' } },
          destination: { server: IN_CLUSTER, namespace: 'istio-system' },
          syncPolicy: {
            automated: { prune: true, selfHeal: true },
            syncOptions: ['ServerSideApply=true', 'SkipDryRunOnMissingResource=true', 'RespectIgnoreDifferences=true'],
            // An automated sync retries a failed revision only with retry set.
            retry: { limit: 5, backoff: { duration: '30s', factor: 2, maxDuration: '5m' } },
          },
          ignoreDifferences: [
            { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', name: 'istio-revision-tag-default', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
            { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', name: 'istio-sidecar-injector', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
            { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', name: 'istiod-default-validator', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
          ],
        },
      },
    ]);
    // No finalizer: deleting the Application leaves the mesh.
    expect(out.manifests[0].documents.every((d: any) => d.metadata.finalizers === undefined)).toBe(true);
  });

  test('a fleet: each cluster its own project and Application, by name or server; nothing for kinds a folder lacks', () => {
    const delivery = (destination: object) => ({ tool: 'argocd' as const, repoURL: REPO, revision: 'release', path: './platform/mesh/', namespace: 'gitops', destination });
    const clusters = resolveProject({
      clusters: {
        east: { istioVersion: V, delivery: delivery({ name: 'east' }) },
        west: { istioVersion: V, delivery: delivery({ server: 'https://west.example.com:6443' }) },
      },
    }, LOCKED);
    const out = deliveryOutput(clusters.map(c => ({ name: c.name, settings: c.settings, files: files(c.name === 'east') })))!;
    const docs = out.manifests[0].documents;
    expect(docs.map((d: any) => `${d.kind}/${d.metadata.namespace}/${d.metadata.name}`)).toEqual([
      'AppProject/gitops/istio-east', 'Application/gitops/istio-east', 'AppProject/gitops/istio-west', 'Application/gitops/istio-west',
    ]);
    const [eastProject, eastApp, westProject, westApp] = docs;
    expect(eastProject.spec.description).toBe('Istio mesh of cluster east (istio-cdk8s)');
    expect(eastProject.spec.destinations).toEqual([{ namespace: 'edge', name: 'east' }, { namespace: 'istio-system', name: 'east' }]);
    expect(westProject.spec.destinations).toEqual([{ namespace: 'edge', server: 'https://west.example.com:6443' }, { namespace: 'istio-system', server: 'https://west.example.com:6443' }]);
    expect(eastApp.spec.destination).toEqual({ name: 'east', namespace: 'istio-system' });
    expect(westApp.spec.destination).toEqual({ server: 'https://west.example.com:6443', namespace: 'istio-system' });
    expect(eastApp.spec.source).toMatchObject({ targetRevision: 'release', path: 'platform/mesh/dist/east' });
    expect(westApp.spec.project).toBe('istio-west');
    expect(westApp.spec.source.path).toBe('platform/mesh/dist/west');
    // west has no webhook configuration: none whitelisted, none ignored.
    const kinds = (p: any) => p.spec.clusterResourceWhitelist.map((k: any) => k.kind);
    expect(kinds(eastProject)).toEqual(expect.arrayContaining(['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']));
    expect(kinds(westProject)).toEqual(['Namespace', 'CustomResourceDefinition', 'Widget', 'ClusterRole']);
    expect(eastApp.spec.ignoreDifferences).toHaveLength(3);
    expect(westApp.spec).not.toHaveProperty('ignoreDifferences');
  });

  test('nothing for a project without delivery', () => {
    expect(deliveryOutput([{ settings: resolveSettings({ istioVersion: V }, LOCKED), files: files(true) }])).toBeUndefined();
  });
});

describe('Flux', () => {
  const flux = (cluster: string) => ({ tool: 'flux' as const, repoURL: REPO, destination: { kubeConfigSecret: cluster === 'west' ? { name: 'west-kubeconfig', key: 'config' } : { name: 'east-kubeconfig' } } });

  test('a GitRepository, then a Kustomization per stage file in file order; the remote\'s first stage after istiod also after its primary\'s last', () => {
    const clusters = resolveProject({ clusters: primaryRemote(flux) }, LOCKED);
    expect(clusters.map(c => c.name)).toEqual(['west', 'east']);
    const out = deliveryOutput(clusters.map(c => ({ name: c.name, settings: c.settings, files: files(true) })))!;
    expect(out.manifests.map(f => f.file)).toEqual(['flux.k8s.yaml']);
    const [source, ...ks] = out.manifests[0].documents;
    expect(source).toEqual({
      apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', metadata: { name: 'istio-cdk8s', namespace: 'flux-system' },
      spec: { interval: '1m', url: REPO, ref: { branch: 'main' } },
    });
    const stages = ['namespaces', 'istio-base', 'istiod', 'custom'];
    // The primary first, though main.ts names the remote first.
    expect(ks.map((k: any) => k.metadata.name)).toEqual([...stages.map(s => `istio-east-${s}`), ...stages.map(s => `istio-west-${s}`)]);
    // west's stages up to istiod wait for nothing of east (its reader token goes first); its next stage (here custom) for east's last too.
    expect(ks.map((k: any) => k.spec.dependsOn)).toEqual([
      undefined, [{ name: 'istio-east-namespaces' }], [{ name: 'istio-east-istio-base' }], [{ name: 'istio-east-istiod' }],
      undefined, [{ name: 'istio-west-namespaces' }], [{ name: 'istio-west-istio-base' }], [{ name: 'istio-west-istiod' }, { name: 'istio-east-custom' }],
    ]);
    expect(ks[0]).toEqual({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'istio-east-namespaces', namespace: 'flux-system' },
      spec: {
        interval: '10m', retryInterval: '1m', timeout: '5m', path: './dist/delivery/flux/east/namespaces', prune: true, wait: true,
        sourceRef: { kind: 'GitRepository', name: 'istio-cdk8s' }, kubeConfig: { secretRef: { name: 'east-kubeconfig' } },
      },
    });
    expect(ks[4].spec).toMatchObject({ path: './dist/delivery/flux/west/namespaces', kubeConfig: { secretRef: { name: 'west-kubeconfig', key: 'config' } } });
    // One kustomize file per Kustomization, in a folder named by the stage: its stage file, four folders up.
    expect(out.kustomizations.map(f => f.file)).toEqual([
      ...['east', 'west'].flatMap(c => ['custom', 'istio-base', 'istiod', 'namespaces'].map(s => `flux/${c}/${s}/kustomization.yaml`)),
    ]);
    expect(out.kustomizations.find(f => f.file === 'flux/east/namespaces/kustomization.yaml')!.documents).toEqual([
      { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['../../../../east/0000-namespaces.k8s.yaml'] },
    ]);
  });

  test('a renumbered stage (gateway-api inserted) keeps its Kustomization\'s name and path: only its kustomization.yaml\'s resource changes', () => {
    const settings = resolveSettings({ istioVersion: V, delivery: { tool: 'flux', repoURL: REPO } }, LOCKED);
    const before = files(false);
    const after = [before[0], before[1], { file: '0002-gateway-api.k8s.yaml', documents: [crd('gateways', 'gateway.networking.k8s.io', 'Gateway', 'Namespaced')] },
      ...before.slice(2).map(f => ({ ...f, file: f.file.replace(/^(\d+)/, n => String(Number(n) + 1).padStart(4, '0')) }))];
    const [a, b] = [before, after].map(f => deliveryOutput([{ settings, files: f }])!);
    // Its name and path stay (its dependsOn names the stage before it now, gateway-api).
    const istiod = (o: typeof a) => o.manifests[0].documents.find((d: any) => d.metadata.name === 'istio-istiod');
    expect([istiod(a).spec.path, istiod(b).spec.path]).toEqual(['./dist/delivery/flux/istiod', './dist/delivery/flux/istiod']);
    expect(istiod(b).spec.dependsOn).toEqual([{ name: 'istio-gateway-api' }]);
    const resource = (o: typeof a) => o.kustomizations.find(f => f.file === 'flux/istiod/kustomization.yaml')!.documents[0];
    expect([resource(a), resource(b)].map((d: any) => d.resources)).toEqual([['../../../0002-istiod.k8s.yaml'], ['../../../0003-istiod.k8s.yaml']]);
  });

  test('the trust stage waits for the writer of istiod\'s CA alone, by expressions that need its Ready condition; without one, for nothing', () => {
    const trust = (documents: object[]) => [
      { file: '0000-namespaces.k8s.yaml', documents: [ns('istio-system')] },
      { file: '0001-trust.k8s.yaml', documents },
      { file: '0002-istiod.k8s.yaml', documents: [obj('v1', 'ServiceAccount', 'istiod', 'istio-system')] },
    ];
    const remoteSecret = { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'istio-remote-secret-west', namespace: 'istio-system' }, spec: { target: { name: 'istio-remote-secret-west' } } };
    const kustomizationOf = (documents: object[]) => deliveryOutput([{ settings: resolveSettings({ istioVersion: V, delivery: { tool: 'flux', repoURL: REPO } }, LOCKED), files: trust(documents) }])!
      .manifests[0].documents.find((d: any) => d.metadata.name === 'istio-trust').spec;
    const certificate = { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'cacerts', namespace: 'istio-system' }, spec: { secretName: 'cacerts' } };
    expect(kustomizationOf([certificate, remoteSecret])).toMatchObject({
      wait: false,
      healthChecks: [{ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', name: 'cacerts', namespace: 'istio-system' }],
      healthCheckExprs: [{
        apiVersion: 'cert-manager.io/v1', kind: 'Certificate',
        current: "status.conditions.exists(e, e.type == 'Ready' && e.status == 'True' && e.observedGeneration == metadata.generation)",
      }],
    });
    const externalSecret = { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'cacerts', namespace: 'istio-system' }, spec: { target: { name: 'cacerts' } } };
    expect(kustomizationOf([externalSecret, remoteSecret])).toMatchObject({
      wait: false,
      healthChecks: [{ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', name: 'cacerts', namespace: 'istio-system' }],
      healthCheckExprs: [{ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', current: "status.conditions.exists(e, e.type == 'Ready' && e.status == 'True')" }],
    });
    const remotesOnly = kustomizationOf([remoteSecret]);
    expect(remotesOnly.wait).toBe(false);
    expect(remotesOnly).not.toHaveProperty('healthChecks');
    expect(remotesOnly).not.toHaveProperty('healthCheckExprs');
  });

  test('delivery.secretRef is the GitRepository\'s credentials Secret', () => {
    const settings = resolveSettings({ istioVersion: V, delivery: { tool: 'flux', repoURL: 'ssh://git@git.example.com/platform/mesh.git', secretRef: 'mesh-repo' } }, LOCKED);
    const [source] = deliveryOutput([{ settings, files: files(false) }])!.manifests[0].documents;
    expect(source.spec).toEqual({ interval: '1m', url: 'ssh://git@git.example.com/platform/mesh.git', ref: { branch: 'main' }, secretRef: { name: 'mesh-repo' } });
  });

  test('single form: the paths have no cluster folder, and are below delivery.path; no kubeConfig for the controller\'s own cluster', () => {
    const settings = resolveSettings({ istioVersion: V, delivery: { tool: 'flux', repoURL: REPO, path: 'platform/mesh', revision: 'prod', namespace: 'gitops' } }, LOCKED);
    expect(settings.argoCdSyncWaves).toBe(false);
    const out = deliveryOutput([{ settings, files: files(false) }])!;
    const [source, first, second] = out.manifests[0].documents;
    expect(source.spec.ref).toEqual({ branch: 'prod' });
    expect(source.metadata.namespace).toBe('gitops');
    expect(first.metadata).toEqual({ name: 'istio-namespaces', namespace: 'gitops' });
    expect(first.spec.path).toBe('./platform/mesh/dist/delivery/flux/namespaces');
    expect(first.spec).not.toHaveProperty('kubeConfig');
    expect(first.spec).not.toHaveProperty('dependsOn');
    expect(second.spec.dependsOn).toEqual([{ name: 'istio-namespaces' }]);
    expect(out.kustomizations.find(f => f.file === 'flux/istio-base/kustomization.yaml')).toEqual({ file: 'flux/istio-base/kustomization.yaml', documents: [expect.objectContaining({ resources: ['../../../0001-istio-base.k8s.yaml'] })] });
  });
});

describe('settings of delivery', () => {
  const single = (delivery: object, extra: object = {}) => () => resolveSettings({ istioVersion: V, delivery: delivery as MeshSettings['delivery'], ...extra }, LOCKED);
  const fleet = (clusters: { [name: string]: MeshSettings }) => () => resolveProject({ clusters }, LOCKED);

  test('each cluster\'s rules', () => {
    expect(single({ tool: 'argocd', repoURL: 'not a url' })).toThrow('delivery.repoURL: "not a url" is not a Git URL');
    expect(single({ tool: 'argocd', repoURL: REPO, destination: { name: 'east', server: 'https://east.example.com' } })).toThrow(/delivery\.destination: .* names both a cluster name and a server/);
    expect(single({ tool: 'flux', repoURL: REPO, destination: { name: 'east' } })).toThrow('delivery.destination.name: "east" is Argo CD\'s');
    expect(single({ tool: 'argocd', repoURL: REPO }, { argoCdSyncWaves: false })).toThrow('argoCdSyncWaves: false must stay on with delivery.tool \'argocd\'');
    expect(single({ tool: 'argocd', repoURL: REPO, path: '../elsewhere' })).toThrow('delivery.path: "../elsewhere" must be a folder below the repository root');
    expect(single({ tool: 'argocd', repoURL: 'git@git.example.com:platform/mesh.git', path: './platform/mesh/' })().delivery).toEqual({
      tool: 'argocd', repoURL: 'git@git.example.com:platform/mesh.git', revision: 'main', path: 'platform/mesh', namespace: 'argocd', destination: { server: IN_CLUSTER },
    });
  });

  test('what each controller refuses: Flux\'s URLs and branches, secretRef for Argo CD, an empty cluster name, a bad Secret key, an empty path segment', () => {
    // Flux's GitRepository takes http(s):// and ssh:// URLs only; its ref.branch names a branch.
    expect(single({ tool: 'flux', repoURL: 'git@git.example.com:platform/mesh.git' })).toThrow(
      'delivery.repoURL: "git@git.example.com:platform/mesh.git" is an scp-style address, which Flux\'s GitRepository refuses (its url is http://, https:// or ssh://): write ssh://git@git.example.com/platform/mesh.git');
    expect(single({ tool: 'flux', repoURL: REPO, revision: 'HEAD' })).toThrow('delivery.revision: "HEAD" is Git\'s name for the checked-out commit, not a branch');
    expect(single({ tool: 'argocd', repoURL: REPO, revision: 'HEAD' })().delivery!.revision).toBe('HEAD');
    // A private repository's credentials: Flux's GitRepository secretRef; Argo CD's own repository Secrets.
    expect(single({ tool: 'argocd', repoURL: REPO, secretRef: 'git' })).toThrow('delivery.secretRef: "git" is Flux\'s: Argo CD takes a private repository\'s credentials from its own repository Secrets');
    expect(single({ tool: 'flux', repoURL: REPO, secretRef: 'Git_Creds' })).toThrow('delivery.secretRef: "Git_Creds" is not a valid Secret name');
    expect(single({ tool: 'flux', repoURL: REPO, secretRef: 'git-creds' })().delivery!.secretRef).toBe('git-creds');
    expect(single({ tool: 'argocd', repoURL: REPO, destination: { name: '' } })).toThrow('delivery.destination.name: "" must name a cluster Argo CD knows');
    expect(single({ tool: 'flux', repoURL: REPO, destination: { kubeConfigSecret: { name: 'west', key: 'value yaml' } } })).toThrow('delivery.destination.kubeConfigSecret.key: "value yaml" is not a valid Secret key');
    expect(single({ tool: 'flux', repoURL: REPO, destination: { kubeConfigSecret: { name: 'west', key: 'value.yaml' } } })().delivery!.destination).toEqual({ kubeConfigSecret: { name: 'west', key: 'value.yaml' } });
    for (const path of ['platform//mesh', 'platform/./mesh', 'platform/mesh//']) {
      expect(single({ tool: 'argocd', repoURL: REPO, path })).toThrow(`delivery.path: ${JSON.stringify(path)} has an empty segment`);
    }
    // A folder whose name starts with a dot is a folder, not the root.
    expect(single({ tool: 'argocd', repoURL: REPO, path: '.platform/mesh' })().delivery!.path).toBe('.platform/mesh');
    expect(single({ tool: 'argocd', repoURL: REPO, path: './' })().delivery!.path).toBe('');
  });

  test('the fleet\'s rules: one repository, a destination each, every cluster or none; \'delivery\' is no cluster\'s name', () => {
    const argo = (extra: object) => ({ istioVersion: V, delivery: { tool: 'argocd' as const, repoURL: REPO, ...extra } });
    expect(fleet({ east: argo({ destination: { name: 'east' } }), west: argo({ repoURL: 'https://git.example.com/other.git', destination: { name: 'west' } }) }))
      .toThrow(/clusters\.west\.delivery\.repoURL: "https:\/\/git\.example\.com\/other\.git" differs from clusters\.east's/);
    expect(fleet({ east: argo({}), west: argo({}) })).toThrow(/clusters\.west\.delivery\.destination: server https:\/\/kubernetes\.default\.svc is also clusters\.east's/);
    expect(fleet({ east: argo({ destination: { name: 'east' } }), west: { istioVersion: V } })).toThrow(/clusters west have no delivery while east do/);
    expect(() => readProject({ clusters: { delivery: { istioVersion: V } } })).toThrow('clusters: "delivery" is the name of dist/\'s folder of delivery objects');
  });

  test('the fleet\'s rules with Flux: one credentials Secret, a kubeconfig Secret (name and key) each, cluster names that fit a label value', () => {
    const flux = (extra: object) => ({ istioVersion: V, delivery: { tool: 'flux' as const, repoURL: REPO, ...extra } });
    const secret = (name: string, key?: string) => ({ destination: { kubeConfigSecret: { name, ...(key ? { key } : {}) } } });
    expect(fleet({ east: flux({ secretRef: 'git' }), west: flux(secret('west')) })).toThrow(/clusters\.west\.delivery\.secretRef: undefined differs from clusters\.east's "git"/);
    // The same Secret under two keys is two kubeconfigs; the same key twice, one cluster.
    expect(fleet({ east: flux(secret('fleet', 'east')), west: flux(secret('fleet', 'west')) })().map(c => c.settings.delivery!.destination)).toHaveLength(2);
    expect(fleet({ east: flux(secret('fleet', 'east')), west: flux(secret('fleet', 'east')) })).toThrow('clusters.west.delivery.destination: kubeconfig Secret fleet (key east) is also clusters.east\'s');
    // istio-<cluster>-gateway-api, the longest Kustomization name, is a label value: at most 63 characters.
    const fits = 'c'.repeat(45);
    const tooLong = 'c'.repeat(46);
    expect(fleet({ [fits]: flux({}), west: flux(secret('west')) })()).toHaveLength(2);
    expect(fleet({ [tooLong]: flux({}), west: flux(secret('west')) })).toThrow(`clusters: "${tooLong}" is too long a cluster name for Flux (at most 45 characters): its Kustomizations are named istio-<cluster>-<stage>, and kustomize-controller labels every object it applies with that name, a label value of at most 63 characters (istio-${tooLong}-gateway-api would be 64)`);
    // Argo CD names no object after a stage.
    const argo = (name: string) => ({ istioVersion: V, delivery: { tool: 'argocd' as const, repoURL: REPO, destination: { name } } });
    expect(fleet({ [tooLong]: argo('a'), west: argo('b') })()).toHaveLength(2);
  });

  test('the stage names the name limit is computed from are lib/mesh.ts\'s stage charts', () => {
    const mesh = fs.readFileSync(path.join(PROJECT_ROOT, 'lib', 'mesh.ts'), 'utf8');
    const ids = [
      ...[...mesh.matchAll(/new \w*Chart\(this, '([\w-]+)'/g)].map(m => m[1]),
      ...[...mesh.matchAll(/nodeAgent\('([\w-]+)'/g)].map(m => m[1]),
    ];
    expect([...new Set(ids)].sort()).toEqual([...STAGE_NAMES].sort());
    expect(FLUX_CLUSTER_NAME_LIMIT).toBe(63 - 'istio--gateway-api'.length);
  });
});

/**
 * A project root to synthesise into a temporary folder: the project's lock and vendored
 * charts, and every tool's CRDs (TOOL_CRDS_ROOT's, Argo CD's and Flux's among them)
 * pinned and vendored, so synth renders delivery without touching the project's lock.
 */
function projectWithTools(dir: string): string {
  const root = path.join(dir, 'project');
  fs.mkdirSync(root);
  fs.cpSync(path.join(PROJECT_ROOT, 'vendor'), path.join(root, 'vendor'), { recursive: true, filter: src => !src.includes(`${path.sep}.staging-`) });
  fs.writeFileSync(path.join(root, LOCK_FILE), JSON.stringify({ ...readLockFile(PROJECT_ROOT), toolCrds: readLockFile(TOOL_CRDS_ROOT).toolCrds }, null, 2));
  fs.cpSync(path.join(TOOL_CRDS_ROOT, 'vendor', 'crds'), path.join(root, 'vendor', 'crds'), { recursive: true });
  // helm and the render cache (node_modules/.cache), and the checker's sources (its verdict's key).
  for (const entry of ['node_modules', 'lib', 'package-lock.json']) fs.symlinkSync(path.join(PROJECT_ROOT, entry), path.join(root, entry));
  return root;
}

/** Each manifest's objects, as check sees them against the provided CRDs: what check refuses of them. */
function refusedOf(manifests: readonly Manifest[], root: string): string[] {
  return checkManifestList(manifests, resolveSettings({ istioVersion: V }, LOCKED), { providedCrds: providedCrds(root) })
    .map(formatViolation)
    // The delivery folder has no Namespace of its own: the controller's namespace exists where it runs.
    .filter(l => !l.includes(': namespace-order: '));
}

describe('synth writes dist/delivery/', () => {
  test('Flux, a fleet: every kustomization.yaml names its stage file, which exists; the chain follows the files; the objects pass the CRDs', async () => {
    const t = tempDir();
    try {
      const root = projectWithTools(t.dir);
      const outdir = path.join(t.dir, 'dist');
      const clusters = primaryRemote(c => ({ tool: 'flux', repoURL: REPO, destination: { kubeConfigSecret: { name: `${c}-kubeconfig` } } }));
      const result = await synthMesh({ clusters }, { root, outdir, log: quiet });
      expect(fs.readdirSync(outdir).sort()).toEqual([DELIVERY_FOLDER, 'east', 'west']);
      const delivery = path.join(outdir, DELIVERY_FOLDER);
      expect(fs.readdirSync(delivery).sort()).toEqual(['flux', 'flux.k8s.yaml']);
      const objects = readManifests(delivery);
      const kustomizations = objects.filter(m => m.kind === 'Kustomization');
      const stageFiles = (c: string) => fs.readdirSync(path.join(outdir, c)).sort();
      expect(kustomizations).toHaveLength(stageFiles('east').length + stageFiles('west').length);
      // The summary counts the delivery objects: one file more than the clusters', its objects among the objects.
      expect(result.changes.files).toBe(stageFiles('east').length + stageFiles('west').length + 1);
      expect(result.changes.objects).toBe(outputManifestFiles(outdir).flatMap(f => parseManifests(f, fs.readFileSync(path.join(outdir, f), 'utf8'))).length);
      // The primary's stage files in order, then the remote's (main.ts names the remote first).
      const stage = (file: string) => file.replace(/^\d+-/, '').replace('.k8s.yaml', '');
      const expected = ['east', 'west'].flatMap(cluster => stageFiles(cluster).map((file, n) => ({ cluster, file, n })));
      expect(stageFiles('east').map(stage)).toContain('trust');
      expect(stageFiles('west').map(stage)).toEqual(['namespaces', 'istio-base', 'trust', 'istiod', 'gateways', 'apps', 'policy']);
      expected.forEach(({ cluster, file, n }, i) => {
        const k = kustomizations[i];
        expect(k.name).toBe(`istio-${cluster}-${stage(file)}`);
        expect(k.object.spec.path).toBe(`./dist/delivery/flux/${cluster}/${stage(file)}`);
        // The Kustomization's path is its kustomization.yaml's folder; that file's one resource is the stage file, on disk.
        const folder = path.join(outdir, k.object.spec.path.replace(/^\.\/dist\//, ''));
        const kustomization = readManifests(folder);
        expect(kustomization.map(m => m.object)).toEqual([{ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [expect.any(String)] }]);
        const resource = path.resolve(folder, kustomization[0].object.resources[0]);
        expect(path.relative(outdir, resource)).toBe(`${cluster}/${file}`);
        expect(fs.existsSync(resource)).toBe(true);
        // Each cluster's chain starts afresh; west's gateways (after its istiod) also wait for east's last stage.
        const eastLast = `istio-east-${stage(stageFiles('east').at(-1)!)}`;
        expect(k.object.spec.dependsOn).toEqual(n === 0 ? undefined : [{ name: kustomizations[i - 1].name }, ...(k.name === 'istio-west-gateways' ? [{ name: eastLast }] : [])]);
        expect(k.object.spec.kubeConfig).toEqual({ secretRef: { name: `${cluster}-kubeconfig` } });
        // The trust stages wait for istiod's CA alone (east: its ExternalSecret; west: nothing, its reader token and no CA); the others for every object.
        if (k.name === 'istio-east-trust') {
          expect(k.object.spec).toMatchObject({ wait: false, healthChecks: [{ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', name: 'cacerts', namespace: 'istio-system' }] });
        } else if (k.name === 'istio-west-trust') {
          expect(k.object.spec.wait).toBe(false);
          expect(k.object.spec.healthChecks).toBeUndefined();
        } else {
          expect(k.object.spec.wait).toBe(true);
        }
      });
      // Every namespace and CRD of both clusters is kept from Flux's pruning; nothing else is.
      const clusterObjects = ['east', 'west'].flatMap(c => readManifests(path.join(outdir, c)));
      const kept = clusterObjects.filter(m => m.object.metadata.labels?.['kustomize.toolkit.fluxcd.io/prune'] === 'disabled');
      expect(kept.length).toBeGreaterThan(0);
      expect(kept).toEqual(clusterObjects.filter(m => m.kind === 'Namespace' || m.kind === 'CustomResourceDefinition'));
      expect(refusedOf(objects, root)).toEqual([]);
      // The readers take delivery/flux.k8s.yaml as a manifest file, and never the kustomize files.
      expect(outputManifestFiles(outdir).filter(f => f.startsWith(`${DELIVERY_FOLDER}/`))).toEqual([`${DELIVERY_FOLDER}/flux.k8s.yaml`]);
    } finally {
      t.cleanup();
    }
  });

  test('Argo CD, single form: the project allows what dist/ holds; npm run diff shows the objects change; a failed synth leaves it, and no delivery removes it', async () => {
    const t = tempDir();
    try {
      const root = projectWithTools(t.dir);
      const outdir = path.join(t.dir, 'dist');
      const settings: MeshSettings = {
        istioVersion: V, gateways: [{ name: 'edge-gateway', namespace: 'edge', kind: 'ingress' }], appNamespaces: [{ name: 'shop' }],
        delivery: { tool: 'argocd', repoURL: REPO },
      };
      const first = await synthMesh({ settings }, { root, outdir, log: quiet });
      const mesh = readManifests(outdir);
      const [project, application] = readManifests(path.join(outdir, DELIVERY_FOLDER));
      expect(first.changes.files).toBe(new Set(mesh.map(m => m.file)).size + 1);
      // Every object of dist/ carries its file's sync wave, which orders the Application's sync.
      expect(mesh.every(m => m.object.metadata.annotations?.[ARGO_CD_SYNC_WAVE] === String(Number(m.file.slice(0, 4))))).toBe(true);
      // Namespaces and CRDs, and nothing else, are never pruned.
      const unpruned = mesh.filter(m => m.object.metadata.annotations?.['argocd.argoproj.io/sync-options'] === 'Prune=false');
      expect(unpruned.map(m => m.kind)).toEqual(expect.arrayContaining(['Namespace', 'CustomResourceDefinition']));
      expect(unpruned).toEqual(mesh.filter(m => m.kind === 'Namespace' || m.kind === 'CustomResourceDefinition'));
      // What the project allows, computed from dist/ as read back: namespaced objects' namespaces, kinds without a namespace.
      const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      expect(project.object.spec.destinations.map((d: any) => d.namespace)).toEqual(sorted(mesh.filter(m => m.namespace).map(m => m.namespace)));
      expect(project.object.spec.destinations.every((d: any) => d.server === IN_CLUSTER)).toBe(true);
      const groupKind = (m: Manifest) => `${m.apiVersion.includes('/') ? m.apiVersion.split('/')[0] : ''}/${m.kind}`;
      expect(project.object.spec.clusterResourceWhitelist.map((k: any) => `${k.group}/${k.kind}`)).toEqual(sorted(mesh.filter(m => !m.namespace).map(groupKind)));
      const webhooks = mesh.filter(m => m.kind.endsWith('WebhookConfiguration'));
      expect(webhooks.length).toBeGreaterThan(0);
      expect(application.object.spec.ignoreDifferences.map((d: any) => `${d.kind}/${d.name}`)).toEqual(sorted(webhooks.map(m => `${m.kind}/${m.name}`)));
      expect(refusedOf(readManifests(path.join(outdir, DELIVERY_FOLDER)), root)).toEqual([]);

      // An upgrade of the objects shows in npm run diff as any file's change.
      const before = path.join(t.dir, 'before');
      fs.cpSync(outdir, before, { recursive: true });
      await synthMesh({ settings: { ...settings, delivery: { tool: 'argocd', repoURL: REPO, revision: 'next' } } }, { root, outdir, log: quiet });
      const diff = diffFolders(before, outdir);
      expect(diff.objects.map(o => `${o.kind} ${o.file} ${o.ref}`)).toEqual([`changed ${DELIVERY_FOLDER}/argocd.k8s.yaml Application/argocd/istio`]);

      // A synth that fails writes nothing: dist/ and its delivery folder as they were.
      const kept = snapshotTree(outdir);
      const failing = synthMesh({ settings: { ...settings, delivery: { tool: 'flux', repoURL: REPO } }, extend: () => { throw new Error('boom'); } }, { root, outdir, log: quiet });
      await expect(failing).rejects.toThrow('boom');
      expect(snapshotTree(outdir)).toEqual(kept);

      // Without delivery, no delivery folder.
      const { delivery: _unused, ...without } = settings;
      await synthMesh({ settings: without }, { root, outdir, log: quiet });
      expect(fs.existsSync(path.join(outdir, DELIVERY_FOLDER))).toBe(false);
    } finally {
      t.cleanup();
    }
  });
});

describe('synth\'s output check', () => {
  test('runs check\'s delivery rules on the delivery files about to be written, and refuses what they refuse', () => {
    const t = tempDir();
    try {
      const root = projectWithTools(t.dir);
      const settings = resolveSettings({ istioVersion: V, delivery: { tool: 'argocd', repoURL: REPO } }, LOCKED);
      const planned = files(true);
      const out = deliveryOutput([{ settings, files: planned }])!;
      const deliveryLines = (documents: readonly unknown[]) => {
        const refused = refusals([{ files: planned, expected: settings }], undefined, root, [{ file: 'argocd.k8s.yaml', documents }]);
        // The fixture folder is no real mesh: only the delivery folder's lines are of interest here.
        return (refused?.message ?? '').split('\n').filter(l => l.startsWith(`  ${DELIVERY_FOLDER}/`));
      };
      expect(deliveryLines(out.manifests[0].documents)).toEqual([]);
      // An Application that would leave a change made in the cluster in place is never written.
      const [project, application] = out.manifests[0].documents as any[];
      const spec = { ...application.spec, syncPolicy: { ...application.spec.syncPolicy, automated: { prune: true, selfHeal: false } } };
      const lines = deliveryLines([project, { ...application, spec }]);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.every(l => l.startsWith(`  ${DELIVERY_FOLDER}/argocd.k8s.yaml: Application/argocd/istio: delivery-drift: `))).toBe(true);
    } finally {
      t.cleanup();
    }
  });
});

describe('npm run apply', () => {
  test('applies the clusters\' folders, never dist/delivery/, and says how it is applied', async () => {
    const t = tempDir();
    try {
      const dist = path.join(t.dir, 'dist');
      for (const folder of ['east', 'west', DELIVERY_FOLDER]) fs.mkdirSync(path.join(dist, folder), { recursive: true });
      for (const c of ['east', 'west']) fs.writeFileSync(path.join(dist, c, '0000-namespaces.k8s.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: istio-system\n');
      fs.writeFileSync(path.join(dist, DELIVERY_FOLDER, 'argocd.k8s.yaml'), 'apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata:\n  name: istio-east\n  namespace: argocd\n');
      const log = path.join(t.dir, 'calls.log');
      const kubectl = path.join(t.dir, 'kubectl');
      fs.writeFileSync(kubectl, `#!/bin/sh\necho "$*" >> "${log}"\n`, { mode: 0o755 });
      const context: ApplyContext = { root: PROJECT_ROOT, kubectl, retry: { attempts: 1, delayMs: 0 }, check: () => 0, clusters: () => [], pollMs: 0 };
      const r = await runCaptured((argv, io) => applyCommand(argv, io, context), [dist]);
      expect(r.status).toBe(0);
      const calls = fs.readFileSync(log, 'utf8').trim().split('\n');
      expect(calls).toEqual(['east', 'west'].map(c => `--context ${c} apply --server-side --field-manager=${FIELD_MANAGER} -f ${path.join(dist, c, '0000-namespaces.k8s.yaml')}`));
      const one = await runCaptured((argv, io) => applyCommand(argv, io, context), ['--cluster', DELIVERY_FOLDER, dist]);
      expect(one.status).toBe(1);
      expect(one.err.join('\n')).toContain(`--cluster ${DELIVERY_FOLDER}: no such cluster folder`);
      const help = await runCaptured((argv, io) => applyCommand(argv, io, context), ['--help']);
      expect(help.out.join('\n')).toMatch(/delivery\/ .* is\s+not applied: apply it once to the cluster the controller runs in, kubectl apply --server-side -f\s+<folder>\/delivery\/argocd\.k8s\.yaml \(or flux\.k8s\.yaml\)/);
    } finally {
      t.cleanup();
    }
  });
});
