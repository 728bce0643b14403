import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { checkCommand } from '../lib/check/cli';
import { checkDelivery, DeliveryCluster, DeliveryExpectations, DeliveryInput, plannedDelivery, readDeliveryFolder } from '../lib/check/delivery';
import { providedCrds } from '../lib/check/provided-crds';
import { formatViolation, Rule } from '../lib/check/violation';
import { manifestsOf } from '../lib/manifests';
import type { ResolvedDelivery } from '../lib/settings';
import { LOCK_FILE, readLock, readLockFile } from '../lib/vendoring/lock';
import { runCaptured } from './command-io';
import { TOOL_CRDS_ROOT } from './fixtures/tool-crds';

// The delivery objects (<out>/delivery/) proven from the files and the settings alone
// (lib/check/delivery.ts): hand-written fixtures as docs/reference/check.md describes
// the output, a correct Argo CD fleet and a correct Flux fleet (and single forms) passing,
// and each rule firing on a broken copy. Argo CD's and Flux's objects are validated
// against their real CRDs (test/global-setup.ts vendors them into TOOL_CRDS_ROOT).

const provided = providedCrds(TOOL_CRDS_ROOT);
const REPO = 'https://git.example.com/platform/infra.git';
const KUBE = '1.33.0';

type Doc = Record<string, any>;
type Files = Record<string, Doc[]>;

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));

function ns(name: string): Doc {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

function webhookConfig(kind: 'MutatingWebhookConfiguration' | 'ValidatingWebhookConfiguration', name: string, webhooks: number): Doc {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind,
    metadata: { name },
    webhooks: Array.from({ length: webhooks }, (_, i) => ({ name: `w${i}.istio.io`, clientConfig: { service: { name: 'istiod', namespace: 'istio-system' } } })),
  };
}

const widgetCrd: Doc = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: { group: 'example.com', names: { kind: 'Widget', plural: 'widgets' }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true }] },
};

/** Whether pruning must leave an object: a Namespace or a CRD. */
const pruneProtected = (d: Doc) => (d.apiVersion === 'v1' && d.kind === 'Namespace') || d.kind === 'CustomResourceDefinition';

/** Cluster folders as Argo CD gets them: each object with the sync wave of its file (argoCdSyncWaves), namespaces and CRDs never pruned. */
function withWaves(files: Files): Files {
  return Object.fromEntries(Object.entries(files).map(([file, docs]) => [file, docs.map(d => {
    const o = clone(d);
    o.metadata.annotations = {
      ...o.metadata.annotations,
      'argocd.argoproj.io/sync-wave': String(Number(file.slice(0, 4))),
      ...(pruneProtected(o) ? { 'argocd.argoproj.io/sync-options': 'Prune=false' } : {}),
    };
    return o;
  })]));
}

/** Cluster folders as Flux gets them: namespaces and CRDs never pruned. */
function unpruned(files: Files): Files {
  return Object.fromEntries(Object.entries(files).map(([file, docs]) => [file, docs.map(d => {
    const o = clone(d);
    if (pruneProtected(o)) o.metadata.labels = { ...o.metadata.labels, 'kustomize.toolkit.fluxcd.io/prune': 'disabled' };
    return o;
  })]));
}

/** east: a primary with CRDs, webhooks and an app namespace. */
const EAST: Files = {
  '0000-namespaces.k8s.yaml': [ns('istio-system'), ns('shop')],
  '0001-istio-base.k8s.yaml': [widgetCrd, webhookConfig('ValidatingWebhookConfiguration', 'istiod-default-validator', 1)],
  '0002-istiod.k8s.yaml': [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'istiod', namespace: 'istio-system' } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'istiod' }, rules: [] },
    webhookConfig('MutatingWebhookConfiguration', 'istio-sidecar-injector', 2),
  ],
  '0003-apps.k8s.yaml': [{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'shop' } }],
};

/** west: a remote of east; its gateways (after istiod) are injected by east's istiod. */
const WEST: Files = {
  '0000-namespaces.k8s.yaml': [ns('istio-system')],
  '0001-istiod.k8s.yaml': [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio', namespace: 'istio-system' } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'istio-reader' }, rules: [] },
  ],
  '0002-gateways.k8s.yaml': [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'istio-eastwestgateway', namespace: 'istio-system' }, spec: { ports: [{ port: 15443 }] } }],
};

function deliverySettings(tool: 'argocd' | 'flux', path: string, destination: ResolvedDelivery['destination']): ResolvedDelivery {
  return { tool, repoURL: REPO, revision: 'main', path, namespace: tool === 'argocd' ? 'argocd' : 'flux-system', destination };
}

interface Fixture {
  clusters: { name?: string; settings: DeliveryExpectations; files: Files }[];
  delivery?: Files;
  kustomizations?: Record<string, Doc>;
}

/** What checkDelivery gets from a fixture; delivery files named below the delivery folder, as synth plans them. */
function input(f: Fixture): DeliveryInput {
  const clusters: DeliveryCluster[] = f.clusters.map(c => ({
    name: c.name,
    settings: c.settings,
    folder: { files: Object.keys(c.files).sort(), manifests: Object.entries(c.files).flatMap(([file, docs]) => manifestsOf(file, docs)) },
  }));
  const planned = f.delivery === undefined ? undefined : [
    ...Object.entries(f.delivery).map(([file, documents]) => ({ file, documents })),
    ...Object.entries(f.kustomizations ?? {}).map(([file, doc]) => ({ file, documents: [doc] })),
  ];
  return { clusters, delivery: planned && plannedDelivery(planned), providedCrds: provided };
}

const lines = (f: Fixture): string[] => checkDelivery(input(f)).violations.map(v => formatViolation(v.violation));
const rules = (f: Fixture): Rule[] => checkDelivery(input(f)).violations.map(v => v.violation.rule);

// ---------------------------------------------------------------------------------------
// Argo CD

const ARGO_DEST = { east: { server: 'https://east.example.com:6443' }, west: { name: 'west' } };

function appProject(label: string, dest: Doc, namespaces: string[], kinds: [string, string][]): Doc {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name: label, namespace: 'argocd' },
    spec: {
      description: `Istio mesh of ${label} (istio-cdk8s)`,
      sourceRepos: [REPO],
      destinations: namespaces.map(namespace => ({ namespace, ...dest })),
      clusterResourceWhitelist: kinds.map(([group, kind]) => ({ group, kind })),
    },
  };
}

function application(label: string, repoPath: string, dest: Doc, webhooks: [string, string][]): Doc {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: label, namespace: 'argocd' },
    spec: {
      project: label,
      source: { repoURL: REPO, targetRevision: 'main', path: repoPath, directory: { recurse: false, include: '*.k8s.yaml' } },
      destination: { ...dest, namespace: 'istio-system' },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        syncOptions: ['ServerSideApply=true', 'SkipDryRunOnMissingResource=true', 'RespectIgnoreDifferences=true'],
        retry: { limit: 5, backoff: { duration: '30s', factor: 2, maxDuration: '5m' } },
      },
      ...(webhooks.length ? {
        ignoreDifferences: webhooks.map(([kind, name]) => ({ group: 'admissionregistration.k8s.io', kind, name, jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] })),
      } : {}),
    },
  };
}

const EAST_KINDS: [string, string][] = [
  ['', 'Namespace'],
  ['admissionregistration.k8s.io', 'MutatingWebhookConfiguration'],
  ['admissionregistration.k8s.io', 'ValidatingWebhookConfiguration'],
  ['apiextensions.k8s.io', 'CustomResourceDefinition'],
  ['rbac.authorization.k8s.io', 'ClusterRole'],
];
const EAST_WEBHOOKS: [string, string][] = [['MutatingWebhookConfiguration', 'istio-sidecar-injector'], ['ValidatingWebhookConfiguration', 'istiod-default-validator']];

/** An Argo CD fleet: east and west, the project at platform/mesh in the repository. */
function argoFleet(): Fixture {
  const settings = (name: 'east' | 'west'): DeliveryExpectations => ({
    kubeVersion: KUBE,
    argoCdSyncWaves: true,
    delivery: deliverySettings('argocd', 'platform/mesh', ARGO_DEST[name]),
    ...(name === 'west' ? { mesh: { primary: { cluster: 'east' } } } : {}),
  });
  return {
    clusters: [
      { name: 'east', settings: settings('east'), files: withWaves(EAST) },
      { name: 'west', settings: settings('west'), files: withWaves(WEST) },
    ],
    delivery: {
      'argocd.k8s.yaml': [
        appProject('istio-east', ARGO_DEST.east, ['istio-system', 'shop'], EAST_KINDS),
        application('istio-east', 'platform/mesh/dist/east', ARGO_DEST.east, EAST_WEBHOOKS),
        appProject('istio-west', ARGO_DEST.west, ['istio-system'], [['', 'Namespace'], ['rbac.authorization.k8s.io', 'ClusterRole']]),
        application('istio-west', 'platform/mesh/dist/west', ARGO_DEST.west, []),
      ],
    },
  };
}

/** The single form with Argo CD: the project at the repository root, its output `dist`. */
function argoSingle(): Fixture {
  const dest = { server: 'https://kubernetes.default.svc' };
  return {
    clusters: [{ settings: { kubeVersion: KUBE, argoCdSyncWaves: true, delivery: deliverySettings('argocd', '', dest) }, files: withWaves(EAST) }],
    delivery: {
      'argocd.k8s.yaml': [
        appProject('istio', dest, ['istio-system', 'shop'], EAST_KINDS),
        application('istio', 'dist', dest, EAST_WEBHOOKS),
      ],
    },
  };
}

/** The n-th object of the Argo CD file (0 AppProject east, 1 Application east, 2 AppProject west, 3 Application west). */
const argo = (f: Fixture, i: number): Doc => f.delivery!['argocd.k8s.yaml'][i];

describe('Argo CD', () => {
  test('a correct fleet passes, its objects validated against Argo CD\'s CRDs; each object is counted for its cluster', () => {
    const f = argoFleet();
    expect(lines(f)).toEqual([]);
    expect(checkDelivery(input(f)).objects.map(o => `${o.manifest.kind}/${o.manifest.name}: ${o.cluster}`)).toEqual([
      'AppProject/istio-east: east', 'Application/istio-east: east', 'AppProject/istio-west: west', 'Application/istio-west: west',
    ]);
  });

  test('the single form passes: path dist, the project at the repository root', () => {
    expect(lines(argoSingle())).toEqual([]);
  });

  test('an Application without spec.destination is refused in the API server\'s words (its CRD)', () => {
    const f = argoFleet();
    delete argo(f, 3).spec.destination;
    expect(lines(f).filter(l => !l.includes('delivery-'))).toEqual([
      'delivery/argocd.k8s.yaml: Application/argocd/istio-west: crd-schema: spec.destination: Required value',
      'delivery/argocd.k8s.yaml: Application/argocd/istio-west: crd-rule: Invalid value: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ]);
    expect(rules(f)).toContain('crd-schema');
  });

  test('a path to another folder than a cluster\'s, or leaving the repository, is delivery-path', () => {
    const f = argoFleet();
    argo(f, 1).spec.source.path = 'platform/mesh/dist/delivery';
    argo(f, 3).spec.source.path = 'platform/mesh/../../../other/dist/west';
    expect(lines(f).filter(l => l.includes('delivery-path'))).toEqual([
      'delivery/argocd.k8s.yaml: Application/argocd/istio-east: delivery-path: spec.source.path "platform/mesh/dist/delivery" is delivery/ in the output folder, which is not a cluster folder (east/, west/)',
      'delivery/argocd.k8s.yaml: Application/argocd/istio-west: delivery-path: spec.source.path "platform/mesh/../../../other/dist/west" leaves the repository',
    ]);
    // Neither folder is delivered now.
    expect(lines(f).filter(l => l.includes('no Application delivers'))).toEqual([
      'east/0000-namespaces.k8s.yaml: Namespace/-/istio-system: delivery-coverage: no Application delivers cluster east\'s folder (east/)',
      'west/0000-namespaces.k8s.yaml: Namespace/-/istio-system: delivery-coverage: no Application delivers cluster west\'s folder (west/)',
    ]);
  });

  test('a path outside the project (delivery.path) or outside its output folder is delivery-path', () => {
    const f = argoFleet();
    argo(f, 1).spec.source.path = 'dist/east';
    argo(f, 3).spec.source.path = 'platform/mesh/west';
    expect(lines(f).filter(l => l.includes('delivery-path'))).toEqual([
      'delivery/argocd.k8s.yaml: Application/argocd/istio-east: delivery-path: spec.source.path "dist/east" is outside this project (delivery.path "platform/mesh")',
      'delivery/argocd.k8s.yaml: Application/argocd/istio-west: delivery-path: spec.source.path "platform/mesh/west" is not in the project\'s output folder (platform/mesh/dist)',
    ]);
  });

  test('a directory that leaves out files, recurses below the single form\'s folder, or builds with kustomize is delivery-path', () => {
    const f = argoSingle();
    argo(f, 1).spec.source.directory = { recurse: true, include: '*-{namespaces,istiod}.k8s.yaml' };
    expect(lines(f).filter(l => l.includes('delivery-path'))).toEqual([
      'delivery/argocd.k8s.yaml: Application/argocd/istio: delivery-path: spec.source.directory.recurse is true: Argo CD would also apply the folders below "dist", the delivery folder among them',
      'delivery/argocd.k8s.yaml: Application/argocd/istio: delivery-path: spec.source.directory (include "*-{namespaces,istiod}.k8s.yaml", exclude not set) leaves out 0001-istio-base.k8s.yaml, 0003-apps.k8s.yaml: every file of the cluster folder (the output folder itself) must be applied',
    ]);
    const g = argoSingle();
    argo(g, 1).spec.source.kustomize = { namePrefix: 'x-' };
    expect(lines(g)).toEqual(['delivery/argocd.k8s.yaml: Application/argocd/istio: delivery-path: spec.source.kustomize is set: Argo CD would build the cluster folder (the output folder itself) with it instead of applying its files as they are']);
  });

  test('a cluster delivered twice, or not at all, is delivery-coverage', () => {
    const f = argoFleet();
    argo(f, 3).spec.source.path = 'platform/mesh/dist/east';
    argo(f, 3).spec.destination = { ...ARGO_DEST.east, namespace: 'istio-system' };
    argo(f, 2).spec.destinations = argo(f, 0).spec.destinations;
    argo(f, 2).spec.clusterResourceWhitelist = argo(f, 0).spec.clusterResourceWhitelist;
    argo(f, 3).spec.ignoreDifferences = argo(f, 1).spec.ignoreDifferences;
    expect(lines(f)).toEqual([
      'delivery/argocd.k8s.yaml: Application/argocd/istio-west: delivery-coverage: delivers cluster east\'s folder (east/), as Application argocd/istio-east does: each cluster folder is delivered once',
      'west/0000-namespaces.k8s.yaml: Namespace/-/istio-system: delivery-coverage: no Application delivers cluster west\'s folder (west/)',
    ]);
  });

  test('another repository, revision or destination than the settings\', no automated sync or prune, or a deleting finalizer is delivery-coverage', () => {
    const f = argoFleet();
    argo(f, 1).spec.source.repoURL = 'https://git.example.com/other.git';
    argo(f, 1).spec.source.targetRevision = 'HEAD';
    argo(f, 1).metadata.finalizers = ['resources-finalizer.argocd.argoproj.io'];
    argo(f, 3).spec.destination = { server: 'https://west.example.com', namespace: 'istio-system' };
    argo(f, 3).spec.syncPolicy.automated.prune = false;
    argo(f, 2).spec.destinations = [{ namespace: 'istio-system', server: 'https://west.example.com' }];
    expect(lines(f).filter(l => l.includes('delivery-coverage'))).toEqual([
      'delivery/argocd.k8s.yaml: Application/argocd/istio-east: delivery-coverage: spec.source.repoURL is "https://git.example.com/other.git", but main.ts\'s delivery.repoURL is "https://git.example.com/platform/infra.git"',
      'delivery/argocd.k8s.yaml: Application/argocd/istio-east: delivery-coverage: spec.source.targetRevision is "HEAD", but main.ts\'s delivery.revision is "main"',
      'delivery/argocd.k8s.yaml: Application/argocd/istio-east: delivery-coverage: metadata.finalizers has resources-finalizer.argocd.argoproj.io: deleting the Application would delete the mesh',
      'delivery/argocd.k8s.yaml: Application/argocd/istio-west: delivery-coverage: spec.destination is server https://west.example.com, but main.ts delivers west to name west (delivery.destination)',
      'delivery/argocd.k8s.yaml: Application/argocd/istio-west: delivery-coverage: spec.syncPolicy.automated.prune is not true: objects removed from the folder would stay in the cluster',
    ]);
    const g = argoFleet();
    delete argo(g, 1).spec.syncPolicy.automated;
    argo(g, 0).metadata.namespace = 'ops';
    expect(lines(g).filter(l => l.includes('delivery-coverage'))).toEqual([
      'delivery/argocd.k8s.yaml: AppProject/ops/istio-east: delivery-coverage: metadata.namespace "ops" differs from main.ts\'s delivery.namespace "argocd", where Argo CD runs',
      'delivery/argocd.k8s.yaml: Application/argocd/istio-east: delivery-coverage: spec.syncPolicy.automated is not set: Argo CD would apply the folder only when someone syncs it',
    ]);
  });

  test('an object of another kind (Flux\'s) delivers something else', () => {
    const f = argoFleet();
    f.delivery!['flux.k8s.yaml'] = [{ apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', metadata: { name: 'istio-cdk8s', namespace: 'argocd' }, spec: { interval: '1m', url: REPO } }];
    f.kustomizations = { 'flux/east/0000-namespaces/kustomization.yaml': { resources: ['../../../../east/0000-namespaces.k8s.yaml'] } };
    expect(lines(f)).toEqual([
      'delivery/flux.k8s.yaml: GitRepository/argocd/istio-cdk8s: delivery-coverage: main.ts delivers with Argo CD, whose objects here are Application, AppProject: a GitRepository delivers something else',
      'delivery/flux/east/0000-namespaces/kustomization.yaml: file: delivery-coverage: main.ts delivers with Argo CD, which reads no file below the delivery folder: stale (npm run synth writes the output afresh)',
    ]);
  });

  test('a sync wave that differs from the file number, or is missing, and missing sync options are delivery-order', () => {
    const f = argoFleet();
    f.clusters[0].files['0002-istiod.k8s.yaml'][0].metadata.annotations['argocd.argoproj.io/sync-wave'] = '1';
    delete f.clusters[1].files['0001-istiod.k8s.yaml'][1].metadata.annotations;
    argo(f, 3).spec.syncPolicy.syncOptions = ['ServerSideApply=true'];
    expect(lines(f)).toEqual([
      'delivery/argocd.k8s.yaml: Application/argocd/istio-west: delivery-order: spec.syncPolicy.syncOptions lacks SkipDryRunOnMissingResource=true, RespectIgnoreDifferences=true: Argo CD would not apply the folder as npm run apply does (server-side, custom resources after the wave that creates their CRD, webhook caBundles left to istiod)',
      'east/0002-istiod.k8s.yaml: ServiceAccount/istio-system/istiod: delivery-order: metadata.annotations["argocd.argoproj.io/sync-wave"] is "1", but its file 0002-istiod.k8s.yaml is number 2: Argo CD would apply it out of file order',
      'west/0001-istiod.k8s.yaml: ClusterRole/-/istio-reader: delivery-order: metadata.annotations has no argocd.argoproj.io/sync-wave: Argo CD would apply it in wave 0, not with its file (wave "1")',
    ]);
  });

  test('argoCdSyncWaves off for a cluster Argo CD delivers is delivery-order', () => {
    const f = argoFleet();
    f.clusters[1].settings = { ...f.clusters[1].settings, argoCdSyncWaves: false };
    expect(lines(f)).toEqual(['delivery/argocd.k8s.yaml: Application/argocd/istio-west: delivery-order: main.ts\'s argoCdSyncWaves is false for west: without a sync wave per file Argo CD applies every file at once']);
  });

  test('a webhook configuration whose caBundle is not ignored, or an ignoreDifferences for an absent one, is delivery-drift', () => {
    const f = argoFleet();
    argo(f, 1).spec.ignoreDifferences = [
      argo(f, 1).spec.ignoreDifferences[1],
      { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', name: 'istio-revision-tag-default', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
    ];
    expect(lines(f)).toEqual([
      'delivery/argocd.k8s.yaml: Application/argocd/istio-east: delivery-drift: spec.ignoreDifferences does not cover the caBundle of MutatingWebhookConfiguration istio-sidecar-injector (east/0002-istiod.k8s.yaml), which istiod writes: Argo CD would show it OutOfSync and undo it; ignore .webhooks[]?.clientConfig.caBundle of it',
      'delivery/argocd.k8s.yaml: Application/argocd/istio-east: delivery-drift: spec.ignoreDifferences[1] names MutatingWebhookConfiguration istio-revision-tag-default (group admissionregistration.k8s.io), which cluster east\'s folder (east/) does not hold',
    ]);
  });

  test('ignoreDifferences may cover the caBundle kind-wide, by JSON pointer or a wider path; one webhook left out is named', () => {
    const f = argoFleet();
    argo(f, 1).spec.ignoreDifferences = [
      { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', jqPathExpressions: ['.webhooks'] },
      { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', name: 'istio-sidecar-injector', jsonPointers: ['/webhooks/0/clientConfig/caBundle', '/webhooks/1/clientConfig'] },
    ];
    expect(lines(f)).toEqual([]);
    argo(f, 1).spec.ignoreDifferences[1].jsonPointers = ['/webhooks/0/clientConfig/caBundle'];
    expect(lines(f)).toEqual([
      'delivery/argocd.k8s.yaml: Application/argocd/istio-east: delivery-drift: spec.ignoreDifferences does not cover the caBundle of MutatingWebhookConfiguration istio-sidecar-injector (east/0002-istiod.k8s.yaml, webhooks 1), which istiod writes: Argo CD would show it OutOfSync and undo it; ignore .webhooks[]?.clientConfig.caBundle of it',
    ]);
  });

  test('an AppProject that allows an extra namespace, lacks one, lacks a cluster-scoped kind, or allows an absent one is delivery-project', () => {
    const f = argoFleet();
    argo(f, 0).spec.destinations = [
      { namespace: 'istio-system', ...ARGO_DEST.east },
      { namespace: 'payments', ...ARGO_DEST.east },
    ];
    argo(f, 0).spec.clusterResourceWhitelist = [...EAST_KINDS.filter(([, k]) => k !== 'ClusterRole'), ['storage.k8s.io', 'StorageClass']].map(([group, kind]) => ({ group, kind }));
    expect(lines(f)).toEqual([
      'delivery/argocd.k8s.yaml: AppProject/argocd/istio-east: delivery-project: spec.destinations does not allow namespace shop on server https://east.example.com:6443, which east/0003-apps.k8s.yaml uses: Argo CD refuses to sync its objects',
      'delivery/argocd.k8s.yaml: AppProject/argocd/istio-east: delivery-project: spec.destinations allows namespace payments, which no object of cluster east\'s folder (east/) is in',
      'delivery/argocd.k8s.yaml: AppProject/argocd/istio-east: delivery-project: spec.clusterResourceWhitelist does not allow rbac.authorization.k8s.io ClusterRole, which east/0002-istiod.k8s.yaml has (ClusterRole istiod): Argo CD refuses to sync it',
      'delivery/argocd.k8s.yaml: AppProject/argocd/istio-east: delivery-project: spec.clusterResourceWhitelist allows storage.k8s.io StorageClass, of which cluster east\'s folder (east/) has no object',
    ]);
  });

  test('an AppProject with wildcards, another cluster or another repository, a missing AppProject and an unused one are delivery-project', () => {
    const f = argoFleet();
    argo(f, 2).spec.destinations = [{ namespace: '*', ...ARGO_DEST.west }, { namespace: 'istio-system', ...ARGO_DEST.east }];
    argo(f, 2).spec.clusterResourceWhitelist = [{ group: '*', kind: '*' }];
    argo(f, 2).spec.sourceRepos = ['https://git.example.com/other.git'];
    expect(lines(f)).toEqual([
      'delivery/argocd.k8s.yaml: AppProject/argocd/istio-west: delivery-project: spec.sourceRepos ["https://git.example.com/other.git"] lacks "https://git.example.com/platform/infra.git", the repository of Application istio-west',
      'delivery/argocd.k8s.yaml: AppProject/argocd/istio-west: delivery-project: spec.destinations[0] allows namespace "*": exactly the namespaces of cluster west\'s folder (west/) expected',
      'delivery/argocd.k8s.yaml: AppProject/argocd/istio-west: delivery-project: spec.destinations[1] allows server https://east.example.com:6443, which is not the destination of Application istio-west (name west)',
      'delivery/argocd.k8s.yaml: AppProject/argocd/istio-west: delivery-project: spec.destinations does not allow namespace istio-system on name west, which west/0001-istiod.k8s.yaml uses: Argo CD refuses to sync its objects',
      'delivery/argocd.k8s.yaml: AppProject/argocd/istio-west: delivery-project: spec.clusterResourceWhitelist[0] allows "*"/"*": exactly the cluster-scoped kinds of cluster west\'s folder (west/) expected',
      'delivery/argocd.k8s.yaml: AppProject/argocd/istio-west: delivery-project: spec.clusterResourceWhitelist does not allow Namespace, which west/0000-namespaces.k8s.yaml has (Namespace istio-system): Argo CD refuses to sync it',
      'delivery/argocd.k8s.yaml: AppProject/argocd/istio-west: delivery-project: spec.clusterResourceWhitelist does not allow rbac.authorization.k8s.io ClusterRole, which west/0001-istiod.k8s.yaml has (ClusterRole istio-reader): Argo CD refuses to sync it',
    ]);
    const g = argoFleet();
    argo(g, 3).spec.project = 'default';
    expect(lines(g)).toEqual([
      'delivery/argocd.k8s.yaml: AppProject/argocd/istio-west: delivery-project: no Application of the delivery folder uses this AppProject',
      'delivery/argocd.k8s.yaml: Application/argocd/istio-west: delivery-project: spec.project "default" is not an AppProject of delivery/argocd.k8s.yaml in argocd: Argo CD refuses to sync the Application',
    ]);
  });

  test('an Application without sync retries is delivery-coverage', () => {
    const f = argoFleet();
    delete argo(f, 1).spec.syncPolicy.retry;
    argo(f, 3).spec.syncPolicy.retry.limit = 0;
    expect(lines(f)).toEqual([
      'delivery/argocd.k8s.yaml: Application/argocd/istio-east: delivery-coverage: spec.syncPolicy.retry is not set: an automated sync that fails (a wave refused while istiod\'s webhook does not answer yet) is not retried for that revision, and the folder stays half applied until the next commit',
      'delivery/argocd.k8s.yaml: Application/argocd/istio-west: delivery-coverage: spec.syncPolicy.retry.limit is 0: an automated sync that fails (a wave refused while istiod\'s webhook does not answer yet) is not retried for that revision, and the folder stays half applied until the next commit',
    ]);
  });

  test('a namespace or CRD that Argo CD may prune is delivery-prune; Prune=false among other sync options does', () => {
    const f = argoFleet();
    const [istioSystem, shop] = f.clusters[0].files['0000-namespaces.k8s.yaml'];
    delete shop.metadata.annotations['argocd.argoproj.io/sync-options'];
    istioSystem.metadata.annotations['argocd.argoproj.io/sync-options'] = 'ServerSideApply=true, Prune=false';
    f.clusters[0].files['0001-istio-base.k8s.yaml'][0].metadata.annotations['argocd.argoproj.io/sync-options'] = 'Prune=true';
    expect(lines(f)).toEqual([
      'east/0000-namespaces.k8s.yaml: Namespace/-/shop: delivery-prune: metadata.annotations has no argocd.argoproj.io/sync-options: Prune=false: once it leaves the folder, Argo CD\'s prune would delete the namespace with everything in it',
      'east/0001-istio-base.k8s.yaml: CustomResourceDefinition/-/widgets.example.com: delivery-prune: metadata.annotations has no argocd.argoproj.io/sync-options: Prune=false: once it leaves the folder, Argo CD\'s prune would delete the CRD with every object of its kind, in every namespace',
    ]);
  });

  test('a namespaced-kind allow-list or a deny-list that blocks an object is delivery-project', () => {
    const f = argoFleet();
    argo(f, 0).spec.namespaceResourceWhitelist = [{ group: '', kind: '*' }];
    argo(f, 0).spec.clusterResourceBlacklist = [{ group: 'apiextensions.k8s.io', kind: '*' }];
    expect(lines(f)).toEqual([
      'delivery/argocd.k8s.yaml: AppProject/argocd/istio-east: delivery-project: spec.clusterResourceBlacklist denies apiextensions.k8s.io CustomResourceDefinition, which east/0001-istio-base.k8s.yaml has (CustomResourceDefinition widgets.example.com): Argo CD refuses to sync it',
      'delivery/argocd.k8s.yaml: AppProject/argocd/istio-east: delivery-project: spec.namespaceResourceWhitelist does not allow example.com Widget, which east/0003-apps.k8s.yaml has (Widget w): Argo CD refuses to sync it',
    ]);
  });
});

// ---------------------------------------------------------------------------------------
// Flux

function gitRepository(): Doc {
  return {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name: 'istio-cdk8s', namespace: 'flux-system' },
    spec: { interval: '1m', url: REPO, ref: { branch: 'main' } },
  };
}

/** How a Kustomization waits for its objects before the next starts (its spec's wait, healthChecks, healthCheckExprs). */
type Readiness = { wait: boolean; healthChecks?: Doc[]; healthCheckExprs?: Doc[] };

function kustomization(name: string, repoPath: string, dependsOn: readonly string[], kubeConfigSecret?: string, readiness: Readiness = { wait: true }): Doc {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace: 'flux-system' },
    spec: {
      interval: '10m',
      retryInterval: '1m',
      timeout: '5m',
      path: repoPath,
      prune: true,
      ...readiness,
      sourceRef: { kind: 'GitRepository', name: 'istio-cdk8s' },
      ...(dependsOn.length ? { dependsOn: dependsOn.map(d => ({ name: d })) } : {}),
      ...(kubeConfigSecret ? { kubeConfig: { secretRef: { name: kubeConfigSecret } } } : {}),
    },
  };
}

/** A stage file's stage: `0002-istiod.k8s.yaml` → `istiod`. */
const stageOf = (file: string) => file.replace(/^\d+-/, '').replace(/\.k8s\.yaml$/, '');

/** When istiod's CA writer is ready, as docs/reference/check.md gives the expressions. */
const CA_EXPRS: Record<string, string> = {
  'cert-manager.io/v1 Certificate': 'status.conditions.exists(e, e.type == \'Ready\' && e.status == \'True\' && e.observedGeneration == metadata.generation)',
  'external-secrets.io/v1 ExternalSecret': 'status.conditions.exists(e, e.type == \'Ready\' && e.status == \'True\')',
};

/** The trust stage waits for the object that writes cacerts alone (none for a file of remote secrets and token Secrets). */
function trustReadiness(docs: readonly Doc[]): Readiness {
  const writer = docs.find(d => (d.kind === 'Certificate' && d.spec?.secretName === 'cacerts') || (d.kind === 'ExternalSecret' && (d.spec?.target?.name ?? d.metadata.name) === 'cacerts'));
  if (!writer) return { wait: false };
  const current = CA_EXPRS[`${writer.apiVersion} ${writer.kind}`];
  return {
    wait: false,
    healthChecks: [{ apiVersion: writer.apiVersion, kind: writer.kind, name: writer.metadata.name, namespace: writer.metadata.namespace }],
    healthCheckExprs: [{ apiVersion: writer.apiVersion, kind: writer.kind, current }],
  };
}

/**
 * Flux's objects for clusters (in apply order: a remote after its primary): a
 * Kustomization per stage file, each depending on the one before (a remote's first after
 * istiod also on its primary's last), each waiting for its objects (the trust stage for
 * its CA's writer alone), and its kustomization.yaml in a folder named by the stage.
 */
function fluxObjects(clusters: { name?: string; files: Files; secret?: string; primary?: string }[], projectPath: string): { delivery: Files; kustomizations: Record<string, Doc> } {
  const docs: Doc[] = [gitRepository()];
  const kustomizations: Record<string, Doc> = {};
  const lastOf = new Map<string | undefined, string>();
  for (const c of clusters) {
    const files = Object.keys(c.files).sort();
    const istiod = files.findIndex(f => stageOf(f) === 'istiod');
    let previous: string | undefined;
    files.forEach((file, i) => {
      const stage = stageOf(file);
      const name = `${c.name === undefined ? 'istio' : `istio-${c.name}`}-${stage}`;
      const folder = c.name === undefined ? `flux/${stage}` : `flux/${c.name}/${stage}`;
      const repoPath = `./${projectPath === '' ? '' : `${projectPath}/`}dist/delivery/${folder}`;
      const primaryLast = c.primary !== undefined && i === istiod + 1 ? lastOf.get(c.primary) : undefined;
      const dependsOn = [previous, primaryLast].filter((d): d is string => d !== undefined);
      docs.push(kustomization(name, repoPath, dependsOn, c.secret, stage === 'trust' ? trustReadiness(c.files[file]) : { wait: true }));
      const resource = path.posix.relative(`delivery/${folder}`, c.name === undefined ? file : `${c.name}/${file}`);
      kustomizations[`${folder}/kustomization.yaml`] = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [resource] };
      previous = name;
    });
    if (previous !== undefined) lastOf.set(c.name, previous);
  }
  return { delivery: { 'flux.k8s.yaml': docs }, kustomizations };
}

/** A Flux cluster's expectations: delivered through a kubeconfig Secret (or to the controller's own cluster), a remote of `primary`. */
function fluxSettings(secret?: string, primary?: string): DeliveryExpectations {
  return {
    kubeVersion: KUBE,
    delivery: deliverySettings('flux', '', secret ? { kubeConfigSecret: { name: secret } } : {}),
    ...(primary ? { mesh: { primary: { cluster: primary } } } : {}),
  };
}

/** A Flux fleet: east, then west (a remote of east) through a kubeconfig Secret; the project at the repository root. */
function fluxFleet(): Fixture {
  return {
    clusters: [
      { name: 'west', settings: fluxSettings('west-kubeconfig', 'east'), files: unpruned(WEST) },
      { name: 'east', settings: fluxSettings(), files: unpruned(EAST) },
    ],
    ...fluxObjects([{ name: 'east', files: EAST }, { name: 'west', files: WEST, secret: 'west-kubeconfig', primary: 'east' }], ''),
  };
}

function fluxSingle(): Fixture {
  return {
    clusters: [{ settings: { kubeVersion: KUBE, delivery: deliverySettings('flux', 'platform/mesh', {}) }, files: unpruned(EAST) }],
    ...fluxObjects([{ files: EAST }], 'platform/mesh'),
  };
}

const STORE = { kind: 'ClusterSecretStore', name: 'vault' };
/** An ExternalSecret writing istiod's CA. */
const CACERTS_EXTERNAL_SECRET: Doc = {
  apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'cacerts', namespace: 'istio-system' },
  spec: { secretStoreRef: STORE, target: { name: 'cacerts' }, data: [{ secretKey: 'ca-cert.pem', remoteRef: { key: 'istio/east', property: 'ca-cert.pem' } }] },
};
/** A Certificate writing istiod's CA. */
const CACERTS_CERTIFICATE: Doc = {
  apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'cacerts', namespace: 'istio-system' },
  spec: { secretName: 'cacerts', isCA: true, commonName: 'Intermediate CA', issuerRef: { kind: 'ClusterIssuer', name: 'mesh-root' } },
};
/** The remote secret east's istiod reads west's API server with. */
const REMOTE_SECRET_WEST: Doc = {
  apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'istio-remote-secret-west', namespace: 'istio-system' },
  spec: {
    secretStoreRef: STORE,
    target: { name: 'istio-remote-secret-west', template: { metadata: { labels: { 'istio/multiCluster': 'true' }, annotations: { 'networking.istio.io/cluster': 'west' } } } },
    data: [{ secretKey: 'west', remoteRef: { key: 'istio/remote/west' } }],
  },
};
/** The token Secret west's istio-reader-service-account gets, which east's remote secret is made from. */
const READER_TOKEN: Doc = {
  apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token',
  metadata: { name: 'istio-reader-service-account-istio-remote-secret-token', namespace: 'istio-system', annotations: { 'kubernetes.io/service-account.name': 'istio-reader-service-account' } },
};

/** east's and west's folders with their trust stages: east's CA and west's remote secret; west's reader token. */
const TRUST_EAST: Files = {
  '0000-namespaces.k8s.yaml': [ns('istio-system')],
  '0001-trust.k8s.yaml': [CACERTS_EXTERNAL_SECRET, REMOTE_SECRET_WEST],
  '0002-istiod.k8s.yaml': [{ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'istiod', namespace: 'istio-system' } }],
  '0003-policy.k8s.yaml': [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'exposed-istiod', namespace: 'istio-system' } }],
};
const TRUST_WEST: Files = {
  '0000-namespaces.k8s.yaml': [ns('istio-system')],
  '0001-trust.k8s.yaml': [READER_TOKEN],
  '0002-istiod.k8s.yaml': [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio', namespace: 'istio-system' } }],
  '0003-gateways.k8s.yaml': [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'istio-eastwestgateway', namespace: 'istio-system' } }],
};

/** A Flux primary-remote fleet with trust stages (east's CA from External Secrets, or a cert-manager Certificate). */
function fluxTrustFleet(ca: Doc = CACERTS_EXTERNAL_SECRET): Fixture {
  const east = { ...TRUST_EAST, '0001-trust.k8s.yaml': [ca, REMOTE_SECRET_WEST] };
  return {
    clusters: [
      { name: 'east', settings: fluxSettings(), files: unpruned(east) },
      { name: 'west', settings: fluxSettings('west-kubeconfig', 'east'), files: unpruned(TRUST_WEST) },
    ],
    ...fluxObjects([{ name: 'east', files: east }, { name: 'west', files: TRUST_WEST, secret: 'west-kubeconfig', primary: 'east' }], ''),
  };
}

/** The Kustomization of a stage (`istio-east-istiod`). */
const ks = (f: Fixture, name: string): Doc => f.delivery!['flux.k8s.yaml'].find(d => d.metadata.name === name)!;

describe('Flux', () => {
  test('a correct fleet passes (a remote\'s first stage after istiod also after its primary\'s last), its objects validated against Flux\'s CRDs', () => {
    const f = fluxFleet();
    expect(f.kustomizations!['flux/west/namespaces/kustomization.yaml'].resources).toEqual(['../../../../west/0000-namespaces.k8s.yaml']);
    expect(ks(f, 'istio-west-namespaces').spec.dependsOn).toBeUndefined();
    expect(ks(f, 'istio-west-gateways').spec.dependsOn).toEqual([{ name: 'istio-west-istiod' }, { name: 'istio-east-apps' }]);
    expect(lines(f)).toEqual([]);
    const owners = checkDelivery(input(f)).objects.map(o => `${o.manifest.name}: ${o.cluster}`);
    expect(owners[0]).toBe('istio-cdk8s: undefined');
    expect(owners).toContain('istio-west-istiod: west');
  });

  test('the single form passes: three levels up from its kustomization.yaml, the project in a folder of the repository', () => {
    const f = fluxSingle();
    expect(f.kustomizations!['flux/istiod/kustomization.yaml'].resources).toEqual(['../../../0002-istiod.k8s.yaml']);
    expect(lines(f)).toEqual([]);
  });

  test('a Kustomization without wait, prune or the GitRepository is delivery-order', () => {
    const f = fluxFleet();
    delete ks(f, 'istio-east-istiod').spec.wait;
    ks(f, 'istio-west-istiod').spec.prune = false;
    ks(f, 'istio-west-istiod').spec.sourceRef = { kind: 'OCIRepository', name: 'istio-cdk8s' };
    expect(lines(f)).toEqual([
      'delivery/flux.k8s.yaml: Kustomization/flux-system/istio-east-istiod: delivery-order: spec.wait is not true (and no healthChecks): the next stage would not wait for its objects to be ready, as npm run apply does',
      'delivery/flux.k8s.yaml: Kustomization/flux-system/istio-west-istiod: delivery-order: spec.prune is not true: objects removed from the file would stay in the cluster',
      'delivery/flux.k8s.yaml: Kustomization/flux-system/istio-west-istiod: delivery-order: spec.sourceRef ("OCIRepository" "istio-cdk8s") is not the GitRepository of delivery/flux.k8s.yaml',
    ]);
    const g = fluxFleet();
    ks(g, 'istio-east-istiod').spec.wait = false;
    ks(g, 'istio-east-istiod').spec.healthChecks = [{ kind: 'Deployment', name: 'istiod', namespace: 'istio-system' }];
    expect(lines(g)).toEqual([]);
  });

  test('a broken dependsOn chain is delivery-order: out of file order, a remote\'s stage after istiod not after its primary, a primary that waits', () => {
    const f = fluxFleet();
    ks(f, 'istio-east-apps').spec.dependsOn = [{ name: 'istio-east-istio-base' }];
    ks(f, 'istio-west-gateways').spec.dependsOn = [{ name: 'istio-west-istiod' }];
    ks(f, 'istio-east-namespaces').spec.dependsOn = [{ name: 'istio-west-istiod' }];
    expect(lines(f)).toEqual([
      'delivery/flux.k8s.yaml: Kustomization/flux-system/istio-east-namespaces: delivery-order: spec.dependsOn is [flux-system/istio-west-istiod], but east/0000-namespaces.k8s.yaml is the first file of east: it must depend on nothing',
      'delivery/flux.k8s.yaml: Kustomization/flux-system/istio-east-apps: delivery-order: spec.dependsOn is [flux-system/istio-east-istio-base], but east/0003-apps.k8s.yaml comes right after east/0002-istiod.k8s.yaml: it must depend on exactly Kustomization flux-system/istio-east-istiod, which delivers that',
      'delivery/flux.k8s.yaml: Kustomization/flux-system/istio-west-gateways: delivery-order: spec.dependsOn is [flux-system/istio-west-istiod], but west/0002-gateways.k8s.yaml comes right after west/0001-istiod.k8s.yaml, and west is a remote of east, so its first file after istiod also comes after east/0003-apps.k8s.yaml: it must depend on exactly Kustomization flux-system/istio-west-istiod and Kustomization flux-system/istio-east-apps, which deliver those',
    ]);
    // Its stages before istiod wait for nothing of the primary: its reader token, which the primary's remote secret is made from, goes first.
    const g = fluxFleet();
    ks(g, 'istio-west-namespaces').spec.dependsOn = [{ name: 'istio-east-apps' }];
    ks(g, 'istio-west-gateways').spec.dependsOn = [{ name: 'istio-east-apps' }, { name: 'istio-west-istiod' }];
    expect(lines(g)).toEqual([
      'delivery/flux.k8s.yaml: Kustomization/flux-system/istio-west-namespaces: delivery-order: spec.dependsOn is [flux-system/istio-east-apps], but west/0000-namespaces.k8s.yaml is the first file of west: it must depend on nothing',
    ]);
  });

  test('a missing stage is delivery-coverage at its file; a stage delivered twice at the second Kustomization', () => {
    const f = fluxFleet();
    f.delivery!['flux.k8s.yaml'] = f.delivery!['flux.k8s.yaml'].filter(d => d.metadata.name !== 'istio-west-istiod');
    delete f.kustomizations!['flux/west/istiod/kustomization.yaml'];
    const twice = clone(ks(f, 'istio-east-apps'));
    twice.metadata.name = 'istio-east-apps-again';
    f.delivery!['flux.k8s.yaml'].push(twice);
    expect(lines(f)).toEqual([
      'delivery/flux.k8s.yaml: Kustomization/flux-system/istio-east-apps-again: delivery-coverage: delivers east/0003-apps.k8s.yaml, as Kustomization flux-system/istio-east-apps does: each stage file is delivered once',
      'west/0001-istiod.k8s.yaml: ConfigMap/istio-system/istio: delivery-coverage: no Kustomization delivers west/0001-istiod.k8s.yaml',
    ]);
  });

  test('a path to a folder without a kustomization.yaml, one listing several files or a non-stage file, or transforming them is delivery-path', () => {
    const f = fluxFleet();
    ks(f, 'istio-east-namespaces').spec.path = './dist/east';
    f.kustomizations!['flux/east/istio-base/kustomization.yaml'].resources = ['../../../../east/0001-istio-base.k8s.yaml', '../../../../east/0002-istiod.k8s.yaml'];
    f.kustomizations!['flux/east/istiod/kustomization.yaml'].resources = ['../../../flux.k8s.yaml'];
    f.kustomizations!['flux/east/apps/kustomization.yaml'].namespace = 'shop';
    expect(lines(f).filter(l => l.includes('delivery-path'))).toEqual([
      'delivery/flux.k8s.yaml: Kustomization/flux-system/istio-east-namespaces: delivery-path: spec.path "./dist/east" is east/ in the output folder, which holds no kustomization.yaml: Flux would apply every YAML file below it at once',
      'delivery/flux.k8s.yaml: Kustomization/flux-system/istio-east-istio-base: delivery-path: spec.path "./dist/delivery/flux/east/istio-base": delivery/flux/east/istio-base/kustomization.yaml lists 2 resources ("../../../../east/0001-istio-base.k8s.yaml", "../../../../east/0002-istiod.k8s.yaml"): exactly one stage file expected',
      'delivery/flux.k8s.yaml: Kustomization/flux-system/istio-east-istiod: delivery-path: spec.path "./dist/delivery/flux/east/istiod": delivery/flux/east/istiod/kustomization.yaml\'s resource "../../../flux.k8s.yaml" is delivery/flux.k8s.yaml in the output folder, which is not a stage file of a cluster folder',
      'delivery/flux.k8s.yaml: Kustomization/flux-system/istio-east-apps: delivery-path: spec.path "./dist/delivery/flux/east/apps": delivery/flux/east/apps/kustomization.yaml sets namespace: kustomize would build other objects than the stage file\'s; only resources expected',
    ]);
    expect(lines(f)).toContain('delivery/flux/east/namespaces/kustomization.yaml: file: delivery-coverage: no Kustomization of the delivery folder names this file\'s folder: stale (npm run synth writes the output afresh)');
  });

  test('a path leaving the repository (above the project at its root, or above the repository) is delivery-path', () => {
    const f = fluxFleet();
    f.kustomizations!['flux/east/namespaces/kustomization.yaml'].resources = ['../../../../../../east/0000-namespaces.k8s.yaml'];
    ks(f, 'istio-west-istiod').spec.path = './dist/../../dist/delivery/flux/west/istiod';
    const single = fluxSingle();
    single.kustomizations!['flux/namespaces/kustomization.yaml'].resources = ['../../../../../../../0000-namespaces.k8s.yaml'];
    single.kustomizations!['flux/istio-base/kustomization.yaml'].resources = ['../../../../0001-istio-base.k8s.yaml'];
    expect([...lines(f), ...lines(single)].filter(l => l.includes('delivery-path'))).toEqual([
      'delivery/flux.k8s.yaml: Kustomization/flux-system/istio-east-namespaces: delivery-path: spec.path "./dist/delivery/flux/east/namespaces": delivery/flux/east/namespaces/kustomization.yaml\'s resource "../../../../../../east/0000-namespaces.k8s.yaml" leaves the repository',
      'delivery/flux.k8s.yaml: Kustomization/flux-system/istio-west-istiod: delivery-path: spec.path "./dist/../../dist/delivery/flux/west/istiod" leaves the repository',
      'delivery/flux.k8s.yaml: Kustomization/flux-system/istio-namespaces: delivery-path: spec.path "./platform/mesh/dist/delivery/flux/namespaces": delivery/flux/namespaces/kustomization.yaml\'s resource "../../../../../../../0000-namespaces.k8s.yaml" leaves the repository',
      'delivery/flux.k8s.yaml: Kustomization/flux-system/istio-istio-base: delivery-path: spec.path "./platform/mesh/dist/delivery/flux/istio-base": delivery/flux/istio-base/kustomization.yaml\'s resource "../../../../0001-istio-base.k8s.yaml" is platform/mesh/0001-istio-base.k8s.yaml in the repository, outside the output folder, which is not a stage file of a cluster folder',
    ]);
  });

  test('another URL, branch or destination than the settings\', a ref that overrides the branch, or a transformation is delivery-coverage', () => {
    const f = fluxFleet();
    const repo = f.delivery!['flux.k8s.yaml'][0];
    repo.spec.url = 'https://git.example.com/other.git';
    repo.spec.ref = { branch: 'release', tag: 'v1' };
    delete ks(f, 'istio-west-istiod').spec.kubeConfig;
    ks(f, 'istio-east-istiod').spec.kubeConfig = { secretRef: { name: 'west-kubeconfig' } };
    ks(f, 'istio-east-apps').spec.targetNamespace = 'shop';
    expect(lines(f)).toEqual([
      'delivery/flux.k8s.yaml: GitRepository/flux-system/istio-cdk8s: delivery-coverage: spec.url is "https://git.example.com/other.git", but main.ts\'s delivery.repoURL is "https://git.example.com/platform/infra.git"',
      'delivery/flux.k8s.yaml: GitRepository/flux-system/istio-cdk8s: delivery-coverage: spec.ref.branch is "release", but main.ts\'s delivery.revision is "main"',
      'delivery/flux.k8s.yaml: GitRepository/flux-system/istio-cdk8s: delivery-coverage: spec.ref.tag is set: Flux would check it out instead of branch "main"',
      'delivery/flux.k8s.yaml: Kustomization/flux-system/istio-east-istiod: delivery-coverage: spec.kubeConfig applies it to the kubeconfig of Secret west-kubeconfig, but main.ts delivers east to the cluster Flux runs in (delivery.destination)',
      'delivery/flux.k8s.yaml: Kustomization/flux-system/istio-east-apps: delivery-coverage: spec.targetNamespace is set: Flux would apply other objects than the stage file\'s',
      'delivery/flux.k8s.yaml: Kustomization/flux-system/istio-west-istiod: delivery-coverage: spec.kubeConfig applies it to the cluster Flux runs in, but main.ts delivers west to the kubeconfig of Secret west-kubeconfig (delivery.destination)',
    ]);
  });

  test('a stage folder named otherwise than by its stage (its file number in it) is delivery-path: renumbering would move spec.path', () => {
    const f = fluxFleet();
    const moved = (name: string, from: string, to: string) => {
      f.kustomizations![`${to}/kustomization.yaml`] = f.kustomizations![`${from}/kustomization.yaml`];
      delete f.kustomizations![`${from}/kustomization.yaml`];
      ks(f, name).spec.path = `./dist/delivery/${to}`;
    };
    moved('istio-east-istiod', 'flux/east/istiod', 'flux/east/0002-istiod');
    moved('istio-west-gateways', 'flux/west/gateways', 'flux/east/gateways-west');
    expect(lines(f)).toEqual([
      'delivery/flux.k8s.yaml: Kustomization/flux-system/istio-east-istiod: delivery-path: spec.path "./dist/delivery/flux/east/0002-istiod" is delivery/flux/east/0002-istiod/ in the output folder, but the folder of east/0002-istiod.k8s.yaml is delivery/flux/east/istiod/: named by its stage alone, it (and spec.path) stays where it is when a stage inserted before renumbers the file',
      'delivery/flux.k8s.yaml: Kustomization/flux-system/istio-west-gateways: delivery-path: spec.path "./dist/delivery/flux/east/gateways-west" is delivery/flux/east/gateways-west/ in the output folder, but the folder of west/0002-gateways.k8s.yaml is delivery/flux/west/gateways/: named by its stage alone, it (and spec.path) stays where it is when a stage inserted before renumbers the file',
    ]);
  });

  test('a trust stage that waits for its CA\'s writer alone, by expressions that need its Ready condition, passes (External Secrets, cert-manager); a stage of remote secrets and token Secrets waits for nothing', () => {
    const f = fluxTrustFleet();
    expect(ks(f, 'istio-east-trust').spec).toMatchObject({
      wait: false,
      healthChecks: [{ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', name: 'cacerts', namespace: 'istio-system' }],
      healthCheckExprs: [{ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', current: "status.conditions.exists(e, e.type == 'Ready' && e.status == 'True')" }],
    });
    expect(ks(f, 'istio-west-trust').spec.wait).toBe(false);
    expect(ks(f, 'istio-west-trust').spec.healthChecks).toBeUndefined();
    expect(ks(f, 'istio-west-gateways').spec.dependsOn).toEqual([{ name: 'istio-west-istiod' }, { name: 'istio-east-policy' }]);
    expect(lines(f)).toEqual([]);
    expect(lines(fluxTrustFleet(CACERTS_CERTIFICATE))).toEqual([]);
  });

  test('a trust stage that waits for the remote secrets (deadlock), or not for its CA\'s writer, or judges it by kstatus or by expressions that count it ready too early, is delivery-order', () => {
    const f = fluxTrustFleet();
    const trust = ks(f, 'istio-east-trust').spec;
    trust.wait = true;
    delete trust.healthChecks;
    expect(lines(f)).toEqual([
      'delivery/flux.k8s.yaml: Kustomization/flux-system/istio-east-trust: delivery-order: spec.wait is true, so the next stage waits for ExternalSecret istio-system/istio-remote-secret-west, Ready only once the store holds that cluster\'s kubeconfig, made after the cluster\'s first apply (a remote cluster applied after this one never would be): wait for the object that writes cacerts alone (spec.wait false, spec.healthChecks)',
    ]);
    trust.wait = false;
    trust.healthChecks = [{ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', name: 'istio-remote-secret-west', namespace: 'istio-system' }];
    delete trust.healthCheckExprs;
    expect(lines(f)).toEqual([
      'delivery/flux.k8s.yaml: Kustomization/flux-system/istio-east-trust: delivery-order: spec.healthChecks names ExternalSecret istio-system/istio-remote-secret-west, Ready only once the store holds that cluster\'s kubeconfig, made after the cluster\'s first apply (a remote cluster applied after this one never would be): wait for the object that writes cacerts alone (spec.wait false, spec.healthChecks)',
      'delivery/flux.k8s.yaml: Kustomization/flux-system/istio-east-trust: delivery-order: the next stage does not wait for ExternalSecret istio-system/cacerts, which writes istiod\'s CA (cacerts): neither spec.wait nor spec.healthChecks names it, and istiod would start without its CA and make a root of its own',
      'delivery/flux.k8s.yaml: Kustomization/flux-system/istio-east-trust: delivery-order: spec.healthCheckExprs has none for external-secrets.io/v1 ExternalSecret: kustomize-controller would ask kstatus, which counts a ExternalSecret without status conditions as Current, so istiod (the next stage) could start before ExternalSecret istio-system/cacerts has written cacerts, and make a root of its own',
    ]);
    const g = fluxTrustFleet(CACERTS_CERTIFICATE);
    const exprs = ks(g, 'istio-east-trust').spec.healthCheckExprs;
    // Current whatever the status (even none); never Current (a condition cert-manager does not set); Current while not Ready.
    exprs[0].current = 'true';
    expect(lines(g)).toEqual([
      'delivery/flux.k8s.yaml: Kustomization/flux-system/istio-east-trust: delivery-order: spec.healthCheckExprs for cert-manager.io/v1 Certificate counts Certificate istio-system/cacerts ready before its controller has set its Ready condition: istiod (the next stage) could start before cacerts is written, and make a root of its own',
      'delivery/flux.k8s.yaml: Kustomization/flux-system/istio-east-trust: delivery-order: spec.healthCheckExprs for cert-manager.io/v1 Certificate counts Certificate istio-system/cacerts ready while its Ready condition is False: istiod could start before cacerts is written',
    ]);
    exprs[0].current = "status.conditions.exists(e, e.type == 'Issued')";
    expect(lines(g)).toEqual([
      'delivery/flux.k8s.yaml: Kustomization/flux-system/istio-east-trust: delivery-order: spec.healthCheckExprs for cert-manager.io/v1 Certificate does not count Certificate istio-system/cacerts ready once its Ready condition is True (for its generation): the stage would wait for it until its timeout, every time',
    ]);
    // kstatus's own reading, through an expression: .all() of no condition is true.
    exprs[0].current = "status.conditions.all(e, e.status == 'True')";
    expect(lines(g)).toContain('delivery/flux.k8s.yaml: Kustomization/flux-system/istio-east-trust: delivery-order: spec.healthCheckExprs for cert-manager.io/v1 Certificate counts Certificate istio-system/cacerts ready before its controller has set its Ready condition: istiod (the next stage) could start before cacerts is written, and make a root of its own');
  });

  test('health check expressions check cannot evaluate are delivery-order: it cannot prove the CA is waited for', () => {
    const g = fluxTrustFleet();
    ks(g, 'istio-east-trust').spec.healthCheckExprs[0].current = "status.conditions.exists(e, e.type == 'Ready'";
    expect(lines(g)).toEqual(['delivery/flux.k8s.yaml: Kustomization/flux-system/istio-east-trust: delivery-order: spec.healthCheckExprs for external-secrets.io/v1 ExternalSecret: check cannot evaluate its current expression, so it cannot prove that istiod (the next stage) waits for ExternalSecret istio-system/cacerts to write cacerts']);
  });

  test('a Kustomization name longer than a label value (63) is delivery-coverage: kustomize-controller labels every object with it', () => {
    const f = fluxSingle();
    ks(f, 'istio-istiod').metadata.name = `istio-${'x'.repeat(52)}-istiod`;
    expect(lines(f)).toContain(`delivery/flux.k8s.yaml: Kustomization/flux-system/istio-${'x'.repeat(52)}-istiod: delivery-coverage: metadata.name is 65 characters: kustomize-controller labels every object it applies kustomize.toolkit.fluxcd.io/name: istio-${'x'.repeat(52)}-istiod, and a label value has at most 63, so the API server would refuse them all`);
  });

  test('a GitRepository whose credentials Secret is not delivery.secretRef is delivery-coverage', () => {
    const f = fluxSingle();
    const repo = f.delivery!['flux.k8s.yaml'][0];
    repo.spec.secretRef = { name: 'git-credentials' };
    expect(lines(f)).toEqual(['delivery/flux.k8s.yaml: GitRepository/flux-system/istio-cdk8s: delivery-coverage: spec.secretRef.name is "git-credentials", but main.ts\'s delivery.secretRef is not set (a public repository)']);
    f.clusters[0].settings = { ...f.clusters[0].settings, delivery: { ...f.clusters[0].settings.delivery!, secretRef: 'git-credentials' } };
    expect(lines(f)).toEqual([]);
    delete repo.spec.secretRef;
    expect(lines(f)).toEqual(['delivery/flux.k8s.yaml: GitRepository/flux-system/istio-cdk8s: delivery-coverage: spec.secretRef is not set, but main.ts\'s delivery.secretRef is "git-credentials": Flux would clone the repository without its credentials']);
  });

  test('a namespace or CRD without kustomize.toolkit.fluxcd.io/prune: disabled is delivery-prune', () => {
    const f = fluxFleet();
    delete f.clusters[1].files['0000-namespaces.k8s.yaml'][1].metadata.labels;
    delete f.clusters[1].files['0001-istio-base.k8s.yaml'][0].metadata.labels;
    // An annotation does as well as the label (kustomize-controller reads either).
    f.clusters[1].files['0000-namespaces.k8s.yaml'][0].metadata.annotations = { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' };
    delete f.clusters[1].files['0000-namespaces.k8s.yaml'][0].metadata.labels;
    expect(lines(f)).toEqual([
      'east/0000-namespaces.k8s.yaml: Namespace/-/shop: delivery-prune: metadata.labels has no kustomize.toolkit.fluxcd.io/prune: disabled: once it leaves its stage file, or its stage\'s Kustomization is deleted, Flux would delete the namespace with everything in it',
      'east/0001-istio-base.k8s.yaml: CustomResourceDefinition/-/widgets.example.com: delivery-prune: metadata.labels has no kustomize.toolkit.fluxcd.io/prune: disabled: once it leaves its stage file, or its stage\'s Kustomization is deleted, Flux would delete the CRD with every object of its kind, in every namespace',
    ]);
  });

  test('a Kustomization that breaks its CRD is refused in the API server\'s words', () => {
    const f = fluxFleet();
    delete ks(f, 'istio-east-istiod').spec.interval;
    expect(lines(f)).toEqual(expect.arrayContaining(['delivery/flux.k8s.yaml: Kustomization/flux-system/istio-east-istiod: crd-schema: spec.interval: Required value']));
  });
});

// ---------------------------------------------------------------------------------------
// The folder

describe('the delivery folder', () => {
  test('without delivery in the settings, a delivery folder is stale', () => {
    const f = argoFleet();
    for (const c of f.clusters) c.settings = { kubeVersion: KUBE };
    expect(lines(f)).toEqual(['delivery/: folder: delivery-coverage: main.ts\'s settings have no delivery, but the output has a delivery folder (delivery/argocd.k8s.yaml): it would deliver what main.ts does not; remove it (npm run synth writes the output afresh)']);
    expect(lines({ ...f, delivery: undefined })).toEqual([]);
  });

  test('with delivery in the settings, a missing delivery folder leaves every cluster undelivered', () => {
    expect(lines({ ...fluxFleet(), delivery: undefined })).toEqual([
      'west/0000-namespaces.k8s.yaml: Namespace/-/istio-system: delivery-coverage: main.ts delivers west with Flux, but the output has no delivery folder (delivery/): run npm run synth',
      'east/0000-namespaces.k8s.yaml: Namespace/-/istio-system: delivery-coverage: main.ts delivers east with Flux, but the output has no delivery folder (delivery/): run npm run synth',
    ].sort());
  });
});

// ---------------------------------------------------------------------------------------
// npm run check

describe('npm run check', () => {
  const tmpDirs: string[] = [];
  afterEach(() => {
    for (const dir of tmpDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  const LOCKED = readLock(path.resolve(__dirname, '..')).istioVersion;

  /** A project root whose lock pins the locked Istio version and the tools of TOOL_CRDS_ROOT, their files copied. */
  function projectWithTools(): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'check-delivery-'));
    tmpDirs.push(root);
    fs.mkdirSync(path.join(root, 'vendor'));
    const lock = { ...readLockFile(path.resolve(__dirname, '..')), toolCrds: readLockFile(TOOL_CRDS_ROOT).toolCrds };
    fs.writeFileSync(path.join(root, LOCK_FILE), JSON.stringify(lock));
    fs.cpSync(path.join(TOOL_CRDS_ROOT, 'vendor', 'crds'), path.join(root, 'vendor', 'crds'), { recursive: true });
    return root;
  }

  function write(dir: string, files: Files): void {
    for (const [file, docs] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), docs.map(d => stringify(d)).join('---\n'));
    }
  }

  const deliveryLines = (out: readonly string[]) => out.filter(l => l.startsWith('delivery/') || l.includes(': delivery-'));

  test('single form: the cluster folder is read without its delivery/ subfolder, which is checked and counted on its own', async () => {
    const root = projectWithTools();
    const dist = path.join(root, 'dist');
    const f = argoSingle();
    write(dist, f.clusters[0].files);
    write(path.join(dist, 'delivery'), f.delivery!);
    const settings = { istioVersion: LOCKED, delivery: { tool: 'argocd' as const, repoURL: REPO } };
    const project = () => ({ settings });
    const run = () => runCaptured((argv, io) => checkCommand(argv, io, { project, root }), [dist]);
    let r = await run();
    expect(deliveryLines(r.out)).toEqual([]);
    expect(r.out.at(-1)).toMatch(/^check: 8 objects in 4 files of .*, 2 delivery objects, \d+ violations?$/);
    // Read from disk as synth plans it.
    const read = readDeliveryFolder(dist)!;
    expect(read.files).toEqual(['delivery/argocd.k8s.yaml']);
    expect(read.read('delivery/argocd.k8s.yaml')).toContain('kind: Application');
    expect(read.read('delivery/nothing.yaml')).toBeUndefined();

    f.delivery!['argocd.k8s.yaml'][1].spec.source.path = 'dist/delivery';
    write(path.join(dist, 'delivery'), f.delivery!);
    r = await run();
    expect(r.status).toBe(1);
    expect(deliveryLines(r.out)).toEqual([
      'delivery/argocd.k8s.yaml: Application/argocd/istio: delivery-path: spec.source.path "dist/delivery" is delivery/ in the output folder, which is not a cluster folder (the output folder itself)',
      '0000-namespaces.k8s.yaml: Namespace/-/istio-system: delivery-coverage: no Application delivers the cluster folder (the output folder itself)',
    ]);
  });

  test('a stale delivery folder fails the check', async () => {
    const root = projectWithTools();
    const dist = path.join(root, 'dist');
    const f = argoSingle();
    write(dist, f.clusters[0].files);
    write(path.join(dist, 'delivery'), f.delivery!);
    const project = () => ({ settings: { istioVersion: LOCKED } });
    const r = await runCaptured((argv, io) => checkCommand(argv, io, { project, root }), [dist]);
    expect(r.status).toBe(1);
    expect(deliveryLines(r.out)).toEqual([expect.stringMatching(/^delivery\/: folder: delivery-coverage: main.ts's settings have no delivery, but the output has a delivery folder/)]);
  });

  test('--cluster limits the delivery findings and the count to that cluster\'s objects and the shared ones', async () => {
    const root = projectWithTools();
    const dist = path.join(root, 'dist');
    const f = fluxFleet();
    for (const c of f.clusters) write(path.join(dist, c.name!), c.files);
    write(path.join(dist, 'delivery'), f.delivery!);
    write(path.join(dist, 'delivery'), Object.fromEntries(Object.entries(f.kustomizations!).map(([file, doc]) => [file, [doc]])));
    // The cluster folders are checked against settings that need no remote or primary: only the delivery findings matter here.
    ks(f, 'istio-east-istiod').spec.wait = false;
    ks(f, 'istio-west-istiod').spec.wait = false;
    f.delivery!['flux.k8s.yaml'][0].spec.url = 'https://git.example.com/other.git';
    write(path.join(dist, 'delivery'), f.delivery!);
    const delivery = { tool: 'flux' as const, repoURL: REPO, path: '.' };
    const clusters = {
      east: { istioVersion: LOCKED, delivery },
      west: { istioVersion: LOCKED, delivery: { ...delivery, destination: { kubeConfigSecret: { name: 'west-kubeconfig' } } } },
    };
    const project = () => ({ clusters });
    const r = await runCaptured((argv, io) => checkCommand(argv, io, { project, root }), ['--cluster', 'east', dist]);
    expect(deliveryLines(r.out)).toEqual([
      'delivery/flux.k8s.yaml: GitRepository/flux-system/istio-cdk8s: delivery-coverage: spec.url is "https://git.example.com/other.git", but main.ts\'s delivery.repoURL is "https://git.example.com/platform/infra.git"',
      'delivery/flux.k8s.yaml: Kustomization/flux-system/istio-east-istiod: delivery-order: spec.wait is not true (and no healthChecks): the next stage would not wait for its objects to be ready, as npm run apply does',
    ]);
    // The GitRepository and east's four Kustomizations.
    expect(r.out.at(-1)).toMatch(/, 5 delivery objects, /);
  });
});
