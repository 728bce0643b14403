import * as fs from 'fs';
import * as path from 'path';
import { DELIVERY_FOLDER, groupKind, isClusterScopedBuiltin, Manifest, manifestsOf, parseApiVersion, parseManifests } from '../manifests';
import { loadYaml11 } from '../manifests/yaml11';
import type { ResolvedDelivery } from '../settings';
import { UserError } from '../user-error';
import { CrdIndex } from './crd-schema';
import { remoteSecretProducers } from './fleet';
import { exprStatus, ExprStatus, parsesAsHealthExpression } from './flux-health';
import { checkKinds } from './kinds';
import type { ProvidedCrds } from './provided-crds';
import { checkNamespaceScope, checkObjectShape, checkUnique } from './structure';
import { writesCacertsByReference } from './trust';
import { Rule, violation, Violation } from './violation';

// The delivery objects (<out>/delivery/: Argo CD Applications and AppProjects, or Flux
// Kustomizations and a GitRepository) proven from the files alone and main.ts's settings:
// that the API server accepts them, that every path they name is one cluster's files,
// that each cluster folder is delivered exactly once, where the settings say, in the
// order `npm run apply` applies it, without fighting istiod over webhook caBundles,
// within an AppProject that allows exactly what the folder holds, and never pruning a
// namespace or a CRD. Nothing here knows how the generator writes them: only what Argo
// CD, Flux and kustomize do with them.

/** What the delivery rules read of a cluster's (resolved) settings. */
export interface DeliveryExpectations {
  /** The Kubernetes version (of built-in kinds, should the delivery folder hold any). */
  readonly kubeVersion: string;
  /** How the cluster is delivered; none: not delivered (then no delivery folder may exist). */
  readonly delivery?: ResolvedDelivery;
  /** Whether its objects carry Argo CD sync waves. */
  readonly argoCdSyncWaves?: boolean;
  /** On a remote cluster, its primary (its name in `clusters`), whose istiod serves its gateways and pods. */
  readonly mesh?: { readonly primary?: { readonly cluster: string } };
}

/** One cluster of the output, as the delivery rules see it. */
export interface DeliveryCluster {
  /** Its name in main.ts's `clusters` (its folder `<out>/<name>/`); undefined for the single form (`<out>` itself). */
  readonly name?: string;
  /** Its resolved settings. */
  readonly settings: DeliveryExpectations;
  /**
   * Its folder: the stage files' names (relative to the cluster folder, in apply order)
   * and their objects (each `file` relative to the cluster folder, as check reads them).
   * @default - not read (absent from the output): a path to it names nothing
   */
  readonly folder?: { readonly files: readonly string[]; readonly manifests: readonly Manifest[] };
}

/** The output's delivery folder. */
export interface DeliveryFiles {
  /** Every file below `<out>/delivery/`, as a path relative to `<out>` with `/` (`delivery/argocd.k8s.yaml`, `delivery/flux/east/namespaces/kustomization.yaml`). */
  readonly files: readonly string[];
  /**
   * The text of a file below `<out>` (a path as in `files`), or its YAML documents already
   * parsed (synth's planned files), or undefined when there is none: check reads the
   * manifest files and the kustomization.yaml files through it.
   */
  readonly read: (file: string) => string | readonly unknown[] | undefined;
  /**
   * The objects of the delivery folder's manifest files (`delivery/*.yaml`), each `file`
   * relative to `<out>` (`delivery/flux.k8s.yaml`): synth passes what it is about to write.
   * @default - parsed from `files` with `read`
   */
  readonly manifests?: readonly Manifest[];
}

/** What checkDelivery proves the delivery folder against. */
export interface DeliveryInput {
  /** Every cluster of the project, in main.ts's order (the single form: one, unnamed). */
  readonly clusters: readonly DeliveryCluster[];
  /** The delivery folder; undefined when the output has none. */
  readonly delivery?: DeliveryFiles;
  /** The CRDs the cluster provides (the lock's tools: Argo CD's and Flux's), that the objects are validated with. @default - none */
  readonly providedCrds?: readonly ProvidedCrds[];
}

/** A delivery violation, and the cluster whose delivery it is about (undefined: shared, as the GitRepository, or the single form). */
export interface DeliveryFinding {
  readonly cluster?: string;
  /** The violation; its `file` is relative to the output folder (`delivery/argocd.k8s.yaml`, `east/0002-istiod.k8s.yaml`). */
  readonly violation: Violation;
}

/** The delivery rules' verdict. */
export interface DeliveryCheck {
  /** Violations, in file order. */
  readonly violations: readonly DeliveryFinding[];
  /** The delivery folder's objects, each with the cluster it delivers (undefined: shared, or not known). */
  readonly objects: readonly { readonly cluster?: string; readonly manifest: Manifest }[];
}

/** The sync options every Application needs: server-side apply (as npm run apply), CRs whose CRD an earlier wave creates, and the ignored caBundles kept. */
export const REQUIRED_SYNC_OPTIONS = ['ServerSideApply=true', 'SkipDryRunOnMissingResource=true', 'RespectIgnoreDifferences=true'];
/** Argo CD's annotation for the order of a sync. */
export const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
/** Argo CD's per-object sync options, and the one that keeps an object from being pruned. */
const SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
const NO_PRUNE = 'Prune=false';
/** kustomize-controller's label (or annotation) that keeps an object from its garbage collection. */
const FLUX_PRUNE = 'kustomize.toolkit.fluxcd.io/prune';
/** kustomize-controller labels every object it applies `kustomize.toolkit.fluxcd.io/name: <Kustomization>`: a label value, at most 63 characters. */
const LABEL_VALUE_LIMIT = 63;
/** The finalizer with which deleting an Application deletes what it synced. */
const RESOURCES_FINALIZER = /^resources-finalizer\.argocd\.argoproj\.io(\/.*)?$/;
const ARGO_GROUP = 'argoproj.io';
const KUSTOMIZE_GROUP = 'kustomize.toolkit.fluxcd.io';
const SOURCE_GROUP = 'source.toolkit.fluxcd.io';
const WEBHOOK_GROUP = 'admissionregistration.k8s.io';
const WEBHOOK_KINDS = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];
/** The files kustomize (and so Flux) reads as a folder's kustomization, in its order. */
const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
/** Kustomization fields that change the objects built from the files (what is applied would not be what check proved). */
const FLUX_TRANSFORMS = ['targetNamespace', 'namePrefix', 'nameSuffix', 'patches', 'images', 'components', 'postBuild', 'commonMetadata'] as const;
/** Argo CD source fields that build the folder otherwise than as plain files. */
const ARGO_BUILDERS = ['chart', 'helm', 'kustomize', 'plugin'] as const;

type Obj = { readonly [key: string]: any };
const mapping = (v: unknown): Obj | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Obj : undefined);
const list = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const show = (v: unknown): string => (v === undefined ? 'not set' : JSON.stringify(v));
const isKind = (m: Manifest, group: string, kind: string) => m.kind === kind && parseApiVersion(m.apiVersion).group === group;
const toolName = (tool: 'argocd' | 'flux') => (tool === 'argocd' ? 'Argo CD' : 'Flux');

/** A cluster's folder below the output (`east`), '' for the single form. */
const folderOf = (c: DeliveryCluster) => c.name ?? '';
/** A cluster folder's file as a path below the output. */
const inOutput = (c: DeliveryCluster, file: string) => (c.name === undefined ? file : `${c.name}/${file}`);
/** How messages name a cluster's folder. */
const folderText = (c: DeliveryCluster) => (c.name === undefined ? 'the cluster folder (the output folder itself)' : `cluster ${c.name}'s folder (${c.name}/)`);
const clusterText = (c: DeliveryCluster) => (c.name === undefined ? 'the cluster' : c.name);

/** A violation of an object of a cluster's folder, its file named below the output. */
function atCluster(c: DeliveryCluster, m: Manifest, rule: Rule, detail: string): Violation {
  return { ...violation(m, rule, detail), file: inOutput(c, m.file) };
}

/** A violation of a file (or folder) as a whole, which has no object to name. */
function atFile(file: string, rule: Rule, detail: string): Violation {
  return { file, index: 0, ref: file.endsWith('/') ? 'folder' : 'file', rule, detail };
}

/** Where a repository path (as an object writes it) lands: a path below the output folder, or why it does not. */
type Landing = { readonly out: string } | { readonly why: string };

/**
 * A repository path, relative to the repository root, normalised ('' for the root), or
 * why it is not one: absolute, or leaving the repository.
 */
function repositoryPath(written: string): { readonly path: string } | { readonly why: string } {
  if (written.startsWith('/')) return { why: 'is absolute: the controllers read paths relative to the repository root' };
  const n = path.posix.normalize(written === '' ? '.' : written).replace(/\/+$/, '');
  if (n === '..' || n.startsWith('../')) return { why: 'leaves the repository' };
  return { path: n === '.' ? '' : n };
}

/**
 * A repository path as a path below the checked output folder: delivery.path stripped,
 * then `dist` (the committed output folder) mapped to the checked one.
 */
function landing(written: string, projectPath: string): Landing {
  const repo = repositoryPath(written);
  if ('why' in repo) return repo;
  let inProject: string;
  if (projectPath === '') inProject = repo.path;
  else if (repo.path === projectPath) inProject = '';
  else if (repo.path.startsWith(`${projectPath}/`)) inProject = repo.path.slice(projectPath.length + 1);
  else return { why: `is outside this project (delivery.path ${JSON.stringify(projectPath)})` };
  if (inProject === 'dist') return { out: '' };
  if (inProject.startsWith('dist/')) return { out: inProject.slice('dist/'.length) };
  return { why: `is not in the project's output folder (${projectPath === '' ? '' : `${projectPath}/`}dist)` };
}

/** A glob as Argo CD matches directory include/exclude patterns: `*`, `?`, `{a,b}`, `[…]`. */
function globMatches(glob: string, name: string): boolean {
  let re = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else if (ch === '{') {
      re += '(?:';
      braces++;
    } else if (ch === '}' && braces > 0) {
      re += ')';
      braces--;
    } else if (ch === ',' && braces > 0) re += '|';
    else if (ch === '[') {
      const end = glob.indexOf(']', i);
      if (end < 0) re += '\\[';
      else {
        re += `[${glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += ch.replace(/[.+^$(){}|\\]/g, '\\$&');
  }
  try {
    return new RegExp(`^${re}$`).test(name);
  } catch {
    return false;
  }
}

/** One step of a field path: a key, an index, or every item (`[]`). */
type PathStep = string | number | '[]';

/** The steps of a jq path expression of the simple form Argo CD's examples use (`.webhooks[]?.clientConfig.caBundle`), or undefined. */
function jqSteps(expr: string): PathStep[] | undefined {
  const steps: PathStep[] = [];
  let rest = expr.trim();
  if (!rest.startsWith('.')) return undefined;
  while (rest.length) {
    let m: RegExpMatchArray | null;
    if ((m = rest.match(/^\.([A-Za-z_][\w]*)\??/))) steps.push(m[1]);
    else if ((m = rest.match(/^\.?\["([^"]*)"\]\??/))) steps.push(m[1]);
    else if ((m = rest.match(/^\.?\[\]\??/))) steps.push('[]');
    else if ((m = rest.match(/^\.?\[(\d+)\]\??/))) steps.push(Number(m[1]));
    else if (rest === '.') return steps;
    else return undefined;
    rest = rest.slice(m[0].length);
  }
  return steps;
}

/** The steps of a JSON pointer (`/webhooks/0/clientConfig/caBundle`), or undefined. */
function pointerSteps(pointer: string): PathStep[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  return pointer.slice(1).split('/').map(s => s.replace(/~1/g, '/').replace(/~0/g, '~')).map(s => (/^\d+$/.test(s) ? Number(s) : s));
}

/** Whether an ignored path covers a field (it is the field, or holds it). */
function covers(ignored: readonly PathStep[], field: readonly PathStep[]): boolean {
  return ignored.length <= field.length && ignored.every((s, i) => s === field[i] || (s === '[]' && typeof field[i] === 'number'));
}

/** Whether one ignoreDifferences entry applies to an object (group and kind, and name and namespace when it names them). */
function entryMatches(entry: Obj, m: Manifest): boolean {
  return (str(entry.group) ?? '') === parseApiVersion(m.apiVersion).group && entry.kind === m.kind
    && (entry.name === undefined || entry.name === '' || entry.name === m.name)
    && (entry.namespace === undefined || entry.namespace === '' || entry.namespace === m.namespace);
}

/** The fields an ignoreDifferences entry ignores, as paths (expressions check cannot read ignore nothing it can prove). */
function ignoredPaths(entry: Obj): PathStep[][] {
  return [...list(entry.jqPathExpressions).map(e => jqSteps(String(e))), ...list(entry.jsonPointers).map(p => pointerSteps(String(p)))]
    .filter((s): s is PathStep[] => s !== undefined);
}

/** An Argo CD destination, as a comparable text (`server https://…`, `name east`). */
function destinationText(d: Obj | undefined): string {
  if (!d) return 'none';
  const parts = [d.server !== undefined ? `server ${String(d.server)}` : '', d.name !== undefined ? `name ${String(d.name)}` : ''].filter(Boolean);
  return parts.join(', ') || 'none';
}

/** The scope of a kind, from the built-in list and the CRDs of the folder and the tools; undefined when unknown. */
function scopeOf(m: Manifest, crds: CrdIndex): 'Namespaced' | 'Cluster' | undefined {
  const group = parseApiVersion(m.apiVersion).group;
  const crd = crds.find(group, m.kind);
  if (crd) return crd.scope;
  if (crds.servesGroup(group)) return undefined;
  return isClusterScopedBuiltin(group, m.kind) ? 'Cluster' : 'Namespaced';
}

/** An Argo CD resource filter ({group, kind}) matching a kind present; both globs. */
const filterMatches = (entry: Obj, group: string, kind: string) => globMatches(String(entry.group ?? ''), group) && globMatches(String(entry.kind ?? ''), kind);

/** A file's number (`0002-istiod.k8s.yaml` → 2), or undefined. */
function fileNumber(file: string): number | undefined {
  const m = file.match(/^(\d+)-/);
  return m ? Number(m[1]) : undefined;
}

/** The delivery folder's manifest files' objects, parsed from their text. */
function deliveryManifests(d: DeliveryFiles): Manifest[] {
  if (d.manifests) return [...d.manifests];
  return d.files.filter(isDeliveryManifestFile).flatMap(file => {
    const text = d.read(file);
    if (text === undefined) return [];
    if (typeof text !== 'string') return manifestsOf(file, text);
    try {
      return parseManifests(file, text);
    } catch (err) {
      throw new UserError(`cannot read ${file}: ${(err as Error).message}`);
    }
  });
}

/** A manifest file of the delivery folder (directly in it); the files below it are kustomize's. */
const isDeliveryManifestFile = (file: string) => new RegExp(`^${DELIVERY_FOLDER}/[^/]+\\.ya?ml$`).test(file);

/** The context every rule of one check shares. */
interface Context {
  readonly clusters: readonly DeliveryCluster[];
  readonly delivered: readonly DeliveryCluster[];
  readonly settings: ResolvedDelivery;
  readonly files: DeliveryFiles;
  readonly manifests: readonly Manifest[];
  readonly provided: readonly ProvidedCrds[];
  readonly out: DeliveryFinding[];
  /** The cluster each delivery object delivers. */
  readonly owner: Map<Manifest, DeliveryCluster>;
  push(cluster: DeliveryCluster | undefined, v: Violation): void;
}

/** The API server's rules for the delivery objects: their CRDs' schemas and CEL rules, metadata, uniqueness, scope (no namespace or CRD order: their namespace and CRDs are the controller's). */
function checkApiServer(manifests: readonly Manifest[], kubeVersion: string, provided: readonly ProvidedCrds[]): Violation[] {
  const shape: Violation[] = [];
  const wellFormed = manifests.filter(m => {
    const v = checkObjectShape(m);
    if (v) shape.push(v);
    return !v;
  });
  const crds = new CrdIndex(wellFormed, provided);
  const { violations, kinds } = checkKinds(wellFormed, crds, kubeVersion, undefined, { providedCrds: provided });
  return [...shape, ...violations, ...checkUnique(wellFormed), ...checkNamespaceScope(wellFormed, kinds)];
}

/** Objects of the other tool, or of neither, deliver nothing the settings ask for. */
function checkKindsDelivered(ctx: Context, wanted: readonly (readonly [string, string])[]): void {
  const tool = toolName(ctx.settings.tool);
  for (const m of ctx.manifests) {
    if (!m.kind || wanted.some(([g, k]) => isKind(m, g, k))) continue;
    const kinds = wanted.map(([, k]) => k).join(', ');
    ctx.push(undefined, violation(m, 'delivery-coverage', `main.ts delivers with ${tool}, whose objects here are ${kinds}: a ${m.kind} delivers something else`));
  }
}

/** Objects in another namespace than delivery.namespace, where the controller does not look for them. */
function checkNamespaces(ctx: Context, objects: readonly Manifest[]): void {
  for (const m of objects) {
    if (m.namespace !== ctx.settings.namespace) {
      ctx.push(ctx.owner.get(m), violation(m, 'delivery-coverage', `metadata.namespace ${show(m.namespace || undefined)} differs from main.ts's delivery.namespace ${JSON.stringify(ctx.settings.namespace)}, where ${toolName(ctx.settings.tool)} runs`));
    }
  }
}

// ---------------------------------------------------------------------------------------
// Argo CD

/** The Application's source, and the cluster folder its path names (or undefined, reported). */
function argoSource(ctx: Context, app: Manifest): DeliveryCluster | undefined {
  const spec = mapping(app.object.spec) ?? {};
  const source = mapping(spec.source);
  if (!source) {
    const why = spec.sources !== undefined ? 'spec.sources is set: one spec.source, the cluster folder, expected' : 'spec.source is not set: nothing names a cluster folder';
    ctx.push(undefined, violation(app, 'delivery-path', why));
    return undefined;
  }
  const written = str(source.path);
  if (written === undefined) {
    ctx.push(undefined, violation(app, 'delivery-path', `spec.source.path is ${show(source.path)}: a cluster folder expected`));
    return undefined;
  }
  const where = landing(written, ctx.settings.path);
  if ('why' in where) {
    ctx.push(undefined, violation(app, 'delivery-path', `spec.source.path ${JSON.stringify(written)} ${where.why}`));
    return undefined;
  }
  const cluster = ctx.clusters.find(c => folderOf(c) === where.out);
  if (!cluster) {
    const folders = ctx.clusters.map(c => (c.name === undefined ? 'the output folder itself' : `${c.name}/`)).join(', ');
    ctx.push(undefined, violation(app, 'delivery-path', `spec.source.path ${JSON.stringify(written)} is ${where.out === '' ? 'the output folder' : `${where.out}/ in the output folder`}, which is not a cluster folder (${folders})`));
    return undefined;
  }
  if (!cluster.folder) {
    ctx.push(cluster, violation(app, 'delivery-path', `spec.source.path ${JSON.stringify(written)} is ${folderText(cluster)}, which the output does not hold`));
    return cluster;
  }
  for (const key of ARGO_BUILDERS) {
    if (source[key] !== undefined) ctx.push(cluster, violation(app, 'delivery-path', `spec.source.${key} is set: Argo CD would build ${folderText(cluster)} with it instead of applying its files as they are`));
  }
  const directory = mapping(source.directory) ?? {};
  if (directory.recurse === true && cluster.name === undefined) {
    ctx.push(cluster, violation(app, 'delivery-path', `spec.source.directory.recurse is true: Argo CD would also apply the folders below ${JSON.stringify(written)}, the delivery folder among them`));
  }
  if (directory.jsonnet !== undefined && Object.keys(mapping(directory.jsonnet) ?? {}).length) {
    ctx.push(cluster, violation(app, 'delivery-path', 'spec.source.directory.jsonnet is set: the folder holds YAML files only'));
  }
  const include = str(directory.include);
  const exclude = str(directory.exclude);
  const left = cluster.folder.files.filter(f => (include !== undefined && include !== '' && !globMatches(include, f)) || (exclude !== undefined && exclude !== '' && globMatches(exclude, f)));
  if (left.length) {
    ctx.push(cluster, violation(app, 'delivery-path', `spec.source.directory (include ${show(include)}, exclude ${show(exclude)}) leaves out ${left.map(f => inOutput(cluster, f)).join(', ')}: every file of ${folderText(cluster)} must be applied`));
  }
  return cluster;
}

/** repoURL, targetRevision, destination, automated sync with prune and retries, no finalizer that deletes the mesh with the Application. */
function checkArgoTarget(ctx: Context, app: Manifest, cluster: DeliveryCluster | undefined): void {
  const spec = mapping(app.object.spec) ?? {};
  const source = mapping(spec.source) ?? {};
  const push = (detail: string) => ctx.push(cluster, violation(app, 'delivery-coverage', detail));
  if (source.repoURL !== ctx.settings.repoURL) push(`spec.source.repoURL is ${show(source.repoURL)}, but main.ts's delivery.repoURL is ${JSON.stringify(ctx.settings.repoURL)}`);
  if (source.targetRevision !== ctx.settings.revision) push(`spec.source.targetRevision is ${show(source.targetRevision)}, but main.ts's delivery.revision is ${JSON.stringify(ctx.settings.revision)}`);
  if (cluster?.settings.delivery) {
    const want = cluster.settings.delivery.destination;
    const got = mapping(spec.destination);
    const same = got !== undefined && (got.server ?? undefined) === (want.server ?? undefined) && (got.name ?? undefined) === (want.name ?? undefined);
    if (!same) push(`spec.destination is ${destinationText(got)}, but main.ts delivers ${clusterText(cluster)} to ${destinationText(want)} (delivery.destination)`);
    // Argo CD matches the destination, namespace included, against the AppProject's destinations (argo-cd#11510).
    const namespaces = new Set((cluster.folder?.manifests ?? []).map(m => m.namespace).filter(Boolean));
    if (typeof got?.namespace !== 'string' || !namespaces.has(got.namespace)) {
      push(`spec.destination.namespace is ${show(got?.namespace)}, not a namespace of ${clusterText(cluster)}'s folder: Argo CD matches the destination, namespace included, against the AppProject's destinations, and refuses an Application that matches none`);
    }
  }
  const automated = mapping(mapping(spec.syncPolicy)?.automated);
  if (!automated || automated.enabled === false) push('spec.syncPolicy.automated is not set: Argo CD would apply the folder only when someone syncs it');
  else if (automated.prune !== true) push('spec.syncPolicy.automated.prune is not true: objects removed from the folder would stay in the cluster');
  const retry = mapping(mapping(spec.syncPolicy)?.retry);
  if (!retry || typeof retry.limit !== 'number' || retry.limit === 0) {
    push(`spec.syncPolicy.retry${retry ? '.limit' : ''} is ${retry ? show(retry.limit) : 'not set'}: an automated sync that fails (a wave refused while istiod's webhook does not answer yet) is not retried for that revision, and the folder stays half applied until the next commit`);
  }
  const finalizers = list(mapping(app.object.metadata)?.finalizers).map(String).filter(f => RESOURCES_FINALIZER.test(f));
  if (finalizers.length) push(`metadata.finalizers has ${finalizers.join(', ')}: deleting the Application would delete the mesh`);
}

/** The sync options, and every object of the folder in the sync wave of its file. */
function checkArgoOrder(ctx: Context, app: Manifest, cluster: DeliveryCluster | undefined, wavesChecked: Set<DeliveryCluster>): void {
  const options = list(mapping(mapping(app.object.spec)?.syncPolicy)?.syncOptions).map(String);
  const missing = REQUIRED_SYNC_OPTIONS.filter(o => !options.includes(o));
  if (missing.length) ctx.push(cluster, violation(app, 'delivery-order', `spec.syncPolicy.syncOptions lacks ${missing.join(', ')}: Argo CD would not apply the folder as npm run apply does (server-side, custom resources after the wave that creates their CRD, webhook caBundles left to istiod)`));
  if (!cluster?.folder || wavesChecked.has(cluster)) return;
  wavesChecked.add(cluster);
  if (cluster.settings.argoCdSyncWaves === false) {
    ctx.push(cluster, violation(app, 'delivery-order', `main.ts's argoCdSyncWaves is false for ${clusterText(cluster)}: without a sync wave per file Argo CD applies every file at once`));
  }
  for (const m of cluster.folder.manifests) {
    const n = fileNumber(m.file);
    const wave = mapping(mapping(m.object.metadata)?.annotations)?.[SYNC_WAVE];
    if (n === undefined) {
      ctx.push(cluster, atCluster(cluster, m, 'delivery-order', `file ${m.file} has no number, so no sync wave can put it in apply order`));
    } else if (wave === undefined) {
      ctx.push(cluster, atCluster(cluster, m, 'delivery-order', `metadata.annotations has no ${SYNC_WAVE}: Argo CD would apply it in wave 0, not with its file (wave "${n}")`));
    } else if (typeof wave !== 'string' || !/^-?\d+$/.test(wave) || Number(wave) !== n) {
      ctx.push(cluster, atCluster(cluster, m, 'delivery-order', `metadata.annotations["${SYNC_WAVE}"] is ${JSON.stringify(wave)}, but its file ${m.file} is number ${n}: Argo CD would apply it out of file order`));
    }
  }
}

/** ignoreDifferences: every webhook configuration's caBundle (istiod writes it), and nothing absent from the folder. */
function checkArgoDrift(ctx: Context, app: Manifest, cluster: DeliveryCluster | undefined): void {
  const spec = mapping(app.object.spec) ?? {};
  const automated = mapping(mapping(spec.syncPolicy)?.automated);
  if (automated && automated.enabled !== false && automated.selfHeal !== true) {
    ctx.push(cluster, violation(app, 'delivery-drift', 'spec.syncPolicy.automated.selfHeal is not true: a change made in the cluster would stay until the next commit'));
  }
  if (!cluster?.folder) return;
  const entries = list(spec.ignoreDifferences).map(e => mapping(e) ?? {});
  const manifests = cluster.folder.manifests;
  for (const m of manifests) {
    if (parseApiVersion(m.apiVersion).group !== WEBHOOK_GROUP || !WEBHOOK_KINDS.includes(m.kind)) continue;
    const ignored = entries.filter(e => entryMatches(e, m)).flatMap(ignoredPaths);
    const webhooks = list(m.object.webhooks);
    const uncovered = webhooks.map((_, i) => i).filter(i => !ignored.some(p => covers(p, ['webhooks', i, 'clientConfig', 'caBundle'])));
    if (uncovered.length) {
      ctx.push(cluster, violation(app, 'delivery-drift', `spec.ignoreDifferences does not cover the caBundle of ${m.kind} ${m.name} (${inOutput(cluster, m.file)}${uncovered.length < webhooks.length ? `, webhooks ${uncovered.join(', ')}` : ''}), which istiod writes: Argo CD would show it OutOfSync and undo it; ignore .webhooks[]?.clientConfig.caBundle of it`));
    }
  }
  entries.forEach((e, i) => {
    if (manifests.some(m => entryMatches(e, m))) return;
    const what = `${e.kind === undefined ? 'no kind' : String(e.kind)}${e.name ? ` ${String(e.name)}` : ''}${e.namespace ? ` in ${String(e.namespace)}` : ''}${e.group ? ` (group ${String(e.group)})` : ''}`;
    ctx.push(cluster, violation(app, 'delivery-drift', `spec.ignoreDifferences[${i}] names ${what}, which ${folderText(cluster)} does not hold`));
  });
}

/** The AppProject: there, the repository allowed, and exactly the folder's namespaces and cluster-scoped kinds. */
function checkArgoProject(ctx: Context, app: Manifest, cluster: DeliveryCluster | undefined, projects: readonly Manifest[], used: Set<Manifest>): void {
  const spec = mapping(app.object.spec) ?? {};
  const name = str(spec.project);
  const project = projects.find(p => p.name === name && p.namespace === app.namespace);
  if (!project) {
    ctx.push(cluster, violation(app, 'delivery-project', `spec.project ${show(spec.project)} is not an AppProject of ${app.file} in ${app.namespace || 'its namespace'}: Argo CD refuses to sync the Application`));
    return;
  }
  used.add(project);
  if (cluster && !ctx.owner.has(project)) ctx.owner.set(project, cluster);
  const p = mapping(project.object.spec) ?? {};
  const push = (detail: string) => ctx.push(cluster, violation(project, 'delivery-project', detail));
  const repos = list(p.sourceRepos).map(String);
  if (!repos.includes(ctx.settings.repoURL)) push(`spec.sourceRepos ${JSON.stringify(repos)} lacks ${JSON.stringify(ctx.settings.repoURL)}, the repository of Application ${app.name}`);
  if (!cluster?.folder) return;
  const crds = new CrdIndex(cluster.folder.manifests, ctx.provided);
  const where = (ns: string) => cluster.folder!.manifests.find(m => m.namespace === ns && scopeOf(m, crds) !== 'Cluster');
  const namespaces = [...new Set(cluster.folder.manifests.filter(m => m.namespace && scopeOf(m, crds) !== 'Cluster').map(m => m.namespace))].sort();
  const dest = mapping(spec.destination) ?? {};
  const sameCluster = (d: Obj) => (dest.server !== undefined || dest.name !== undefined)
    && (dest.server === undefined || d.server === dest.server) && (dest.name === undefined || d.name === dest.name)
    && (d.server === undefined || d.server === dest.server) && (d.name === undefined || d.name === dest.name);
  const allowed = new Set<string>();
  list(p.destinations).map(d => mapping(d) ?? {}).forEach((d, i) => {
    if (!sameCluster(d)) {
      push(`spec.destinations[${i}] allows ${destinationText(d)}, which is not the destination of Application ${app.name} (${destinationText(dest)})`);
      return;
    }
    const ns = str(d.namespace);
    if (ns === undefined || /[*?[\]!]/.test(ns)) push(`spec.destinations[${i}] allows namespace ${show(ns)}: exactly the namespaces of ${folderText(cluster)} expected`);
    else allowed.add(ns);
  });
  for (const ns of namespaces.filter(n => !allowed.has(n))) {
    push(`spec.destinations does not allow namespace ${ns} on ${destinationText(dest)}, which ${inOutput(cluster, where(ns)!.file)} uses: Argo CD refuses to sync its objects`);
  }
  for (const ns of [...allowed].filter(n => !namespaces.includes(n)).sort()) {
    push(`spec.destinations allows namespace ${ns}, which no object of ${folderText(cluster)} is in`);
  }
  const present = new Map<string, Manifest>();
  for (const m of cluster.folder.manifests) {
    if (scopeOf(m, crds) === 'Cluster') {
      const key = groupKind(parseApiVersion(m.apiVersion).group, m.kind);
      if (!present.has(key)) present.set(key, m);
    }
  }
  const whitelisted = new Set<string>();
  list(p.clusterResourceWhitelist).map(e => mapping(e) ?? {}).forEach((e, i) => {
    const group = str(e.group) ?? '';
    const kind = str(e.kind) ?? '';
    if (/[*?[\]{}]/.test(group + kind)) push(`spec.clusterResourceWhitelist[${i}] allows ${JSON.stringify(group)}/${JSON.stringify(kind)}: exactly the cluster-scoped kinds of ${folderText(cluster)} expected`);
    else whitelisted.add(groupKind(group, kind));
  });
  const label = (key: string) => (key.startsWith('/') ? key.slice(1) : key.replace('/', ' '));
  for (const [key, m] of present) {
    if (!whitelisted.has(key)) push(`spec.clusterResourceWhitelist does not allow ${label(key)}, which ${inOutput(cluster, m.file)} has (${m.kind} ${m.name}): Argo CD refuses to sync it`);
  }
  for (const key of [...whitelisted].filter(k => !present.has(k)).sort()) push(`spec.clusterResourceWhitelist allows ${label(key)}, of which ${folderText(cluster)} has no object`);
  // Allow-lists of namespaced kinds are optional; when given (or a deny-list), they must let every object through.
  const nsWhite = p.namespaceResourceWhitelist === undefined ? undefined : list(p.namespaceResourceWhitelist).map(e => mapping(e) ?? {});
  const blocked = new Set<string>();
  for (const m of cluster.folder.manifests) {
    const group = parseApiVersion(m.apiVersion).group;
    const clusterScoped = scopeOf(m, crds) === 'Cluster';
    const key = groupKind(group, m.kind);
    if (blocked.has(key)) continue;
    const deny = list(clusterScoped ? p.clusterResourceBlacklist : p.namespaceResourceBlacklist).map(e => mapping(e) ?? {});
    const denied = deny.some(e => filterMatches(e, group, m.kind));
    const notAllowed = !clusterScoped && nsWhite !== undefined && !nsWhite.some(e => filterMatches(e, group, m.kind));
    if (denied || notAllowed) {
      blocked.add(key);
      push(`${denied ? `spec.${clusterScoped ? 'cluster' : 'namespace'}ResourceBlacklist denies` : 'spec.namespaceResourceWhitelist does not allow'} ${label(key)}, which ${inOutput(cluster, m.file)} has (${m.kind} ${m.name}): Argo CD refuses to sync it`);
    }
  }
}

function checkArgoCd(ctx: Context): void {
  checkKindsDelivered(ctx, [[ARGO_GROUP, 'Application'], [ARGO_GROUP, 'AppProject']]);
  const apps = ctx.manifests.filter(m => isKind(m, ARGO_GROUP, 'Application'));
  const projects = ctx.manifests.filter(m => isKind(m, ARGO_GROUP, 'AppProject'));
  const targets = new Map<Manifest, DeliveryCluster | undefined>();
  for (const app of apps) {
    const cluster = argoSource(ctx, app);
    targets.set(app, cluster);
    if (cluster) ctx.owner.set(app, cluster);
  }
  const wavesChecked = new Set<DeliveryCluster>();
  const usedProjects = new Set<Manifest>();
  for (const app of apps) {
    const cluster = targets.get(app);
    checkArgoTarget(ctx, app, cluster);
    checkArgoOrder(ctx, app, cluster, wavesChecked);
    checkArgoDrift(ctx, app, cluster);
    checkArgoProject(ctx, app, cluster, projects, usedProjects);
  }
  checkNamespaces(ctx, [...apps, ...projects]);
  for (const p of projects.filter(p => !usedProjects.has(p))) ctx.push(undefined, violation(p, 'delivery-project', 'no Application of the delivery folder uses this AppProject'));
  // Each cluster folder by exactly one Application.
  for (const c of ctx.delivered) {
    const by = apps.filter(a => targets.get(a) === c);
    if (by.length === 0) notDelivered(ctx, c, undefined, `no Application delivers ${folderText(c)}`);
    for (const extra of by.slice(1)) {
      ctx.push(c, violation(extra, 'delivery-coverage', `delivers ${folderText(c)}, as Application ${by[0].namespace}/${by[0].name} does: each cluster folder is delivered once`));
    }
  }
  // Nothing else: the delivery folder holds argocd.k8s.yaml-like manifests only.
  for (const file of ctx.files.files.filter(f => !isDeliveryManifestFile(f))) {
    ctx.push(undefined, atFile(file, 'delivery-coverage', 'main.ts delivers with Argo CD, which reads no file below the delivery folder: stale (npm run synth writes the output afresh)'));
  }
}

/**
 * Every Namespace and CRD of a delivered folder kept from pruning: a namespace that leaves
 * the folder would be deleted with everything in it, a CRD with every object of its kind,
 * in every namespace. Argo CD: the sync option Prune=false; Flux: the label (or annotation)
 * kustomize.toolkit.fluxcd.io/prune: disabled, which its garbage collection skips both when
 * the object leaves the stage file and when the stage's Kustomization is deleted.
 */
function checkPruneProtection(ctx: Context): void {
  for (const c of ctx.delivered) {
    for (const m of c.folder?.manifests ?? []) {
      const group = parseApiVersion(m.apiVersion).group;
      const what = group === '' && m.kind === 'Namespace' ? 'the namespace with everything in it'
        : group === 'apiextensions.k8s.io' && m.kind === 'CustomResourceDefinition' ? 'the CRD with every object of its kind, in every namespace' : undefined;
      if (what === undefined) continue;
      const metadata = mapping(m.object.metadata) ?? {};
      const annotations = mapping(metadata.annotations) ?? {};
      if (ctx.settings.tool === 'argocd') {
        const options = String(annotations[SYNC_OPTIONS] ?? '').split(',').map(o => o.trim());
        if (!options.includes(NO_PRUNE)) {
          ctx.push(c, atCluster(c, m, 'delivery-prune', `metadata.annotations has no ${SYNC_OPTIONS}: ${NO_PRUNE}: once it leaves the folder, Argo CD's prune would delete ${what}`));
        }
      } else if ((mapping(metadata.labels) ?? {})[FLUX_PRUNE] !== 'disabled' && annotations[FLUX_PRUNE] !== 'disabled') {
        ctx.push(c, atCluster(c, m, 'delivery-prune', `metadata.labels has no ${FLUX_PRUNE}: disabled: once it leaves its stage file, or its stage's Kustomization is deleted, Flux would delete ${what}`));
      }
    }
  }
}

/** A cluster folder (or one of its files) nothing delivers: named at its first object (or the file). */
function notDelivered(ctx: Context, c: DeliveryCluster, file: string | undefined, detail: string): void {
  const anchor = c.folder?.manifests.find(m => file === undefined || m.file === file);
  const target = file ?? c.folder?.files[0];
  if (anchor) ctx.push(c, atCluster(c, anchor, 'delivery-coverage', detail));
  else ctx.push(c, atFile(target !== undefined ? inOutput(c, target) : (c.name === undefined ? './' : `${c.name}/`), 'delivery-coverage', detail));
}

// ---------------------------------------------------------------------------------------
// Flux

/** What one Kustomization delivers: a stage file of a cluster folder. */
interface FluxTarget {
  readonly cluster: DeliveryCluster;
  readonly file: string;
}

/** The kustomization.yaml file of a folder below the output (a path below the output), and its text, when there is one. */
function kustomizationOf(ctx: Context, folder: string): { readonly file: string; readonly text: string | readonly unknown[] } | undefined {
  for (const name of KUSTOMIZATION_FILES) {
    const file = folder === '' ? name : `${folder}/${name}`;
    const text = ctx.files.read(file);
    if (text !== undefined) return { file, text };
  }
  return undefined;
}

/** A Kustomization's path: a folder whose kustomization.yaml lists exactly one stage file of one cluster folder. */
function fluxTarget(ctx: Context, k: Manifest, usedFiles: Set<string>): FluxTarget | undefined {
  const spec = mapping(k.object.spec) ?? {};
  const written = str(spec.path) ?? '';
  const push = (detail: string) => ctx.push(undefined, violation(k, 'delivery-path', detail));
  const where = landing(written, ctx.settings.path);
  if ('why' in where) {
    push(`spec.path ${JSON.stringify(written)} ${where.why}`);
    return undefined;
  }
  const shown = `spec.path ${JSON.stringify(written)}`;
  const found = kustomizationOf(ctx, where.out);
  if (!found) {
    push(`${shown} is ${where.out === '' ? 'the output folder' : `${where.out}/ in the output folder`}, which holds no kustomization.yaml: Flux would apply every YAML file below it at once`);
    return undefined;
  }
  usedFiles.add(found.file);
  let docs: unknown[];
  try {
    docs = (typeof found.text === 'string' ? loadYaml11(found.text) : [...found.text]).filter(d => d !== null && d !== undefined);
  } catch (err) {
    push(`${shown}: ${found.file} is not YAML: ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  }
  const kz = docs.length === 1 ? mapping(docs[0]) : undefined;
  if (!kz) {
    push(`${shown}: ${found.file} is not one kustomization (a mapping)`);
    return undefined;
  }
  if ((kz.apiVersion !== undefined && kz.apiVersion !== 'kustomize.config.k8s.io/v1beta1') || (kz.kind !== undefined && kz.kind !== 'Kustomization')) {
    push(`${shown}: ${found.file} is ${show(kz.apiVersion)} ${show(kz.kind)}, not a kustomize.config.k8s.io/v1beta1 Kustomization`);
    return undefined;
  }
  const others = Object.keys(kz).filter(key => !['apiVersion', 'kind', 'metadata', 'resources'].includes(key));
  if (others.length) push(`${shown}: ${found.file} sets ${others.join(', ')}: kustomize would build other objects than the stage file's; only resources expected`);
  const resources = list(kz.resources);
  if (resources.length !== 1 || typeof resources[0] !== 'string') {
    push(`${shown}: ${found.file} lists ${resources.length === 0 ? 'no resources' : `${resources.length} resources (${resources.map(r => JSON.stringify(r)).join(', ')})`}: exactly one stage file expected`);
    return undefined;
  }
  const resource = resources[0] as string;
  const inFile = `${found.file}'s resource ${JSON.stringify(resource)}`;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(resource) || resource.startsWith('/')) {
    push(`${shown}: ${inFile} is not a path relative to its folder`);
    return undefined;
  }
  // Relative to the kustomization's folder, on disk: the repository root is the boundary (Flux's secure build).
  const projectPrefix = ctx.settings.path === '' ? '' : `${ctx.settings.path}/`;
  const repo = repositoryPath(path.posix.join(`${projectPrefix}dist`, path.posix.dirname(found.file), resource));
  if ('why' in repo) {
    push(`${shown}: ${inFile} ${repo.why}`);
    return undefined;
  }
  const target = path.posix.normalize(path.posix.join(path.posix.dirname(found.file), resource));
  const slash = target.indexOf('/');
  const [folder, file] = slash < 0 ? ['', target] : [target.slice(0, slash), target.slice(slash + 1)];
  const outside = target === '..' || target.startsWith('../');
  const cluster = outside ? undefined : ctx.clusters.find(c => folderOf(c) === folder);
  if (!cluster || file.includes('/') || file === '' || !(cluster.folder?.files.includes(file) ?? false)) {
    const what = outside ? `${repo.path} in the repository, outside the output folder` : `${target} in the output folder`;
    push(`${shown}: ${inFile} is ${what}, which is not a stage file of a cluster folder`);
    return undefined;
  }
  // The folder is named by the stage alone: a stage inserted before it renumbers the file, never spec.path.
  const expected = [DELIVERY_FOLDER, 'flux', ...(cluster.name === undefined ? [] : [cluster.name]), stageOf(file)].join('/');
  if (where.out !== expected) {
    push(`${shown} is ${where.out === '' ? 'the output folder' : `${where.out}/ in the output folder`}, but the folder of ${inOutput(cluster, file)} is ${expected}/: named by its stage alone, it (and spec.path) stays where it is when a stage inserted before renumbers the file`);
  }
  return { cluster, file };
}

/** A stage file's stage: `0003-istiod.k8s.yaml` → `istiod`. */
const stageOf = (file: string) => file.replace(/^\d+-/, '').replace(/\.k8s\.yaml$/, '');

/** The GitRepository: the settings' URL and branch, and nothing that would leave files out. */
function checkGitRepository(ctx: Context, repo: Manifest): void {
  const spec = mapping(repo.object.spec) ?? {};
  const push = (detail: string) => ctx.push(undefined, violation(repo, 'delivery-coverage', detail));
  if (spec.url !== ctx.settings.repoURL) push(`spec.url is ${show(spec.url)}, but main.ts's delivery.repoURL is ${JSON.stringify(ctx.settings.repoURL)}`);
  const ref = mapping(spec.ref) ?? {};
  if (ref.branch !== ctx.settings.revision) push(`spec.ref.branch is ${show(ref.branch)}, but main.ts's delivery.revision is ${JSON.stringify(ctx.settings.revision)}`);
  for (const key of ['tag', 'semver', 'name', 'commit']) {
    if (ref[key] !== undefined) push(`spec.ref.${key} is set: Flux would check it out instead of branch ${JSON.stringify(ctx.settings.revision)}`);
  }
  for (const key of ['ignore', 'include', 'sparseCheckout']) {
    if (spec[key] !== undefined) push(`spec.${key} is set: check cannot prove that the artifact holds exactly the repository's files`);
  }
  const secretRef = mapping(spec.secretRef)?.name;
  if (secretRef !== ctx.settings.secretRef) {
    push(`spec.secretRef${spec.secretRef === undefined ? '' : '.name'} is ${show(secretRef)}, but main.ts's delivery.secretRef is ${show(ctx.settings.secretRef)}${ctx.settings.secretRef === undefined ? ' (a public repository)' : `: Flux would clone the repository ${secretRef === undefined ? 'without its credentials' : 'with another Secret\'s credentials'}`}`);
  }
  if (spec.suspend === true) push('spec.suspend is true: Flux would not fetch the repository');
}

/** A Secret Kubernetes fills in with a service account's token: ready as soon as it exists. */
const isTokenSecret = (m: Manifest) => m.kind === 'Secret' && m.apiVersion === 'v1' && m.object.type === 'kubernetes.io/service-account-token';

/** An object as its controller leaves it: Ready (or not) for its current generation. */
function withReadyCondition(m: Manifest, status: 'True' | 'False'): Obj {
  const metadata = { ...(mapping(m.object.metadata) ?? {}), generation: 1 };
  return { ...m.object, metadata, status: { observedGeneration: 1, conditions: [{ type: 'Ready', status, observedGeneration: 1, reason: status === 'True' ? 'Ready' : 'NotReady' }] } };
}

/**
 * What a Kustomization makes the next stage wait for (kustomize-controller: `wait` for
 * every object, else the objects `healthChecks` names, each judged by kstatus or by the
 * `healthCheckExprs` of its kind). The object that writes istiod's CA must be waited for,
 * by expressions that hold only once its Ready condition is True (kstatus counts a custom
 * resource without status conditions as Current: istiod would start without its CA and
 * make a root of its own); a remote secret must never be (Ready only once the store holds
 * the other cluster's kubeconfig, made after that cluster's first apply: a remote applied
 * after this cluster never would be); every other file's objects must be, but for a file
 * of remote secrets and token Secrets, which nothing after it needs ready.
 */
function checkFluxReadiness(k: Manifest, t: FluxTarget | undefined, order: (detail: string) => void): void {
  const spec = mapping(k.object.spec) ?? {};
  const wait = spec.wait === true;
  const checks = list(spec.healthChecks).map(h => mapping(h) ?? {});
  const missingWait = 'spec.wait is not true (and no healthChecks): the next stage would not wait for its objects to be ready, as npm run apply does';
  if (!t?.cluster.folder) {
    if (!wait && checks.length === 0) order(missingWait);
    return;
  }
  const objects = t.cluster.folder.manifests.filter(m => m.file === t.file);
  const named = (c: Obj, m: Manifest) => c.kind === m.kind && c.name === m.name && (c.namespace ?? k.namespace) === m.namespace && (c.apiVersion === undefined || c.apiVersion === m.apiVersion);
  const remotes = remoteSecretProducers(objects);
  const waited = wait ? remotes : remotes.filter(r => checks.some(c => named(c, r)));
  if (waited.length) {
    order(`${wait ? 'spec.wait is true, so the next stage waits for' : 'spec.healthChecks names'} ${waited.map(r => `ExternalSecret ${r.namespace}/${r.name}`).join(', ')}, Ready only once the store holds that cluster's kubeconfig, made after the cluster's first apply (a remote cluster applied after this one never would be): wait for the object that writes cacerts alone (spec.wait false, spec.healthChecks)`);
  }
  const writer = objects.find(writesCacertsByReference);
  if (!writer) {
    if (!wait && checks.length === 0 && objects.some(m => !remotes.includes(m) && !isTokenSecret(m))) order(missingWait);
    return;
  }
  const ref = `${writer.kind} ${writer.namespace}/${writer.name}`;
  if (!wait && !checks.some(c => named(c, writer))) {
    order(`the next stage does not wait for ${ref}, which writes istiod's CA (cacerts): neither spec.wait nor spec.healthChecks names it, and istiod would start without its CA and make a root of its own`);
  }
  const gvk = `${writer.apiVersion} ${writer.kind}`;
  const exprs = list(spec.healthCheckExprs).map(e => mapping(e) ?? {}).filter(e => e.apiVersion === writer.apiVersion && e.kind === writer.kind);
  if (exprs.length === 0) {
    order(`spec.healthCheckExprs has none for ${gvk}: kustomize-controller would ask kstatus, which counts a ${writer.kind} without status conditions as Current, so istiod (the next stage) could start before ${ref} has written cacerts, and make a root of its own`);
    return;
  }
  if (exprs.length > 1) order(`spec.healthCheckExprs has ${exprs.length} entries for ${gvk}: one expected`);
  const e = exprs[0];
  if (typeof e.current !== 'string') return; // The CRD requires it: reported as crd-schema.
  const expressions = { current: e.current, ...(typeof e.inProgress === 'string' ? { inProgress: e.inProgress } : {}), ...(typeof e.failed === 'string' ? { failed: e.failed } : {}) };
  const shown = `spec.healthCheckExprs for ${gvk}`;
  const unreadable = Object.entries(expressions).filter(([, x]) => !parsesAsHealthExpression(x)).map(([key]) => key);
  if (unreadable.length) {
    order(`${shown}: check cannot evaluate its ${unreadable.join(', ')} expression, so it cannot prove that istiod (the next stage) waits for ${ref} to write cacerts`);
    return;
  }
  const judged = (o: Obj): ExprStatus => exprStatus(expressions, o);
  const asWritten = { ...writer.object, metadata: { ...(mapping(writer.object.metadata) ?? {}), generation: 1 } };
  // Before its controller sets the Ready condition: no status yet, an empty one, no condition.
  const early = [asWritten, { ...asWritten, status: {} }, { ...asWritten, status: { conditions: [] } }];
  if (early.some(o => judged(o) === 'Current')) order(`${shown} counts ${ref} ready before its controller has set its Ready condition: istiod (the next stage) could start before cacerts is written, and make a root of its own`);
  if (judged(withReadyCondition(writer, 'True')) !== 'Current') order(`${shown} does not count ${ref} ready once its Ready condition is True (for its generation): the stage would wait for it until its timeout, every time`);
  if (judged(withReadyCondition(writer, 'False')) === 'Current') order(`${shown} counts ${ref} ready while its Ready condition is False: istiod could start before cacerts is written`);
}

function checkFlux(ctx: Context): void {
  checkKindsDelivered(ctx, [[KUSTOMIZE_GROUP, 'Kustomization'], [SOURCE_GROUP, 'GitRepository']]);
  const repos = ctx.manifests.filter(m => isKind(m, SOURCE_GROUP, 'GitRepository'));
  const ks = ctx.manifests.filter(m => isKind(m, KUSTOMIZE_GROUP, 'Kustomization'));
  for (const r of repos) checkGitRepository(ctx, r);
  const usedFiles = new Set<string>();
  const targets = new Map<Manifest, FluxTarget>();
  for (const k of ks) {
    const t = fluxTarget(ctx, k, usedFiles);
    if (t) {
      targets.set(k, t);
      ctx.owner.set(k, t.cluster);
    }
  }
  checkNamespaces(ctx, ctx.manifests.filter(m => repos.includes(m) || ks.includes(m)));
  // Each Kustomization: applied where the settings say, as the files are, pruned, waited for, from the GitRepository.
  for (const k of ks) {
    const t = targets.get(k);
    const spec = mapping(k.object.spec) ?? {};
    const cover = (detail: string) => ctx.push(t?.cluster, violation(k, 'delivery-coverage', detail));
    const order = (detail: string) => ctx.push(t?.cluster, violation(k, 'delivery-order', detail));
    if (t?.cluster.settings.delivery) {
      const want = t.cluster.settings.delivery.destination.kubeConfigSecret;
      const kube = mapping(spec.kubeConfig);
      const got = mapping(kube?.secretRef);
      const same = want === undefined ? kube === undefined : (kube?.configMapRef === undefined && got?.name === want.name && (got?.key ?? undefined) === (want.key ?? undefined));
      const text = (s: Obj | undefined) => (s === undefined ? 'the cluster Flux runs in' : `the kubeconfig of Secret ${String(s.name)}${s.key !== undefined ? ` (key ${String(s.key)})` : ''}`);
      if (!same) cover(`spec.kubeConfig applies it to ${kube?.configMapRef !== undefined ? `the cluster of ConfigMap ${String(mapping(kube.configMapRef)?.name)}` : text(got)}, but main.ts delivers ${clusterText(t.cluster)} to ${text(want)} (delivery.destination)`);
    }
    for (const key of FLUX_TRANSFORMS) {
      if (spec[key] !== undefined) cover(`spec.${key} is set: Flux would apply other objects than the stage file's`);
    }
    if (spec.suspend === true) cover('spec.suspend is true: Flux would not apply it');
    if (k.name.length > LABEL_VALUE_LIMIT) {
      cover(`metadata.name is ${k.name.length} characters: kustomize-controller labels every object it applies kustomize.toolkit.fluxcd.io/name: ${k.name}, and a label value has at most ${LABEL_VALUE_LIMIT}, so the API server would refuse them all`);
    }
    if (spec.prune !== true) order('spec.prune is not true: objects removed from the file would stay in the cluster');
    checkFluxReadiness(k, t, order);
    const source = mapping(spec.sourceRef) ?? {};
    const repo = repos.find(r => r.name === source.name && r.namespace === (source.namespace ?? k.namespace));
    if (source.kind !== 'GitRepository' || !repo) order(`spec.sourceRef (${show(source.kind)} ${show(source.name)}) is not the GitRepository of ${k.file}`);
  }
  // Every stage file of every cluster by exactly one Kustomization; each cluster's a dependsOn chain in file order.
  const byFile = new Map<string, Manifest[]>();
  for (const [k, t] of targets) {
    const key = inOutput(t.cluster, t.file);
    byFile.set(key, [...byFile.get(key) ?? [], k]);
  }
  const deliveredBy = (c: DeliveryCluster, file: string) => byFile.get(inOutput(c, file))?.[0];
  const ref = (m: Manifest) => `${m.namespace}/${m.name}`;
  for (const c of ctx.delivered) {
    if (!c.folder) {
      notDelivered(ctx, c, undefined, `${folderText(c)} is not in the output, so no Kustomization can deliver it`);
      continue;
    }
    const files = [...c.folder.files].sort();
    files.forEach((file, i) => {
      const by = byFile.get(inOutput(c, file)) ?? [];
      if (by.length === 0) notDelivered(ctx, c, file, `no Kustomization delivers ${inOutput(c, file)}`);
      for (const extra of by.slice(1)) ctx.push(c, violation(extra, 'delivery-coverage', `delivers ${inOutput(c, file)}, as Kustomization ${ref(by[0])} does: each stage file is delivered once`));
      const k = by[0];
      if (!k) return;
      // Its own previous file; on a remote cluster, the first file after istiod also its
      // primary's last (its gateways and app pods are injected by the primary's istiod,
      // which the primary's policy stage exposes); the files before, nothing of the primary
      // (the remote's reader token, which the primary's remote secret is made from, first).
      const want: Manifest[] = [];
      const why: string[] = [];
      if (i > 0) {
        const previous = deliveredBy(c, files[i - 1]);
        if (!previous) return; // Reported above, as the previous file's.
        want.push(previous);
        why.push(`${inOutput(c, file)} comes right after ${inOutput(c, files[i - 1])}`);
      } else {
        why.push(`${inOutput(c, file)} is the first file of ${clusterText(c)}`);
      }
      const primaryName = c.settings.mesh?.primary?.cluster;
      const istiod = files.findIndex(f => stageOf(f) === 'istiod');
      if (primaryName !== undefined && istiod >= 0 && i === istiod + 1) {
        const primary = ctx.clusters.find(p => p.name === primaryName);
        if (!primary?.folder || !primary.folder.files.length) return; // The primary's folder is not there to compare with.
        const last = [...primary.folder.files].sort().at(-1)!;
        const previous = deliveredBy(primary, last);
        if (!previous) return;
        want.push(previous);
        why.push(`${clusterText(c)} is a remote of ${primaryName}, so its first file after istiod also comes after ${inOutput(primary, last)}`);
      }
      const deps = list(mapping(k.object.spec)?.dependsOn).map(d => mapping(d) ?? {});
      const names = deps.map(d => `${String(d.namespace ?? k.namespace)}/${String(d.name)}`);
      const wanted = want.map(ref);
      if (names.length !== wanted.length || [...names].sort().some((n, j) => n !== [...wanted].sort()[j])) {
        const must = wanted.length === 0 ? 'it must depend on nothing' : `it must depend on exactly ${wanted.map(w => `Kustomization ${w}`).join(' and ')}, which ${wanted.length > 1 ? 'deliver those' : 'delivers that'}`;
        ctx.push(c, violation(k, 'delivery-order', `spec.dependsOn is ${names.length ? `[${names.join(', ')}]` : 'empty'}, but ${why.join(', and ')}: ${must}`));
      }
      deps.forEach((d, j) => {
        if (d.readyExpr !== undefined) ctx.push(c, violation(k, 'delivery-order', `spec.dependsOn[${j}].readyExpr replaces Flux's readiness check of ${String(d.name)}: the stage would not wait for it as npm run apply does`));
      });
    });
  }
  // Nothing else: the delivery folder's other files are the kustomizations the Kustomizations name.
  for (const file of ctx.files.files.filter(f => !isDeliveryManifestFile(f) && !usedFiles.has(f))) {
    ctx.push(undefined, atFile(file, 'delivery-coverage', 'no Kustomization of the delivery folder names this file\'s folder: stale (npm run synth writes the output afresh)'));
  }
}

/**
 * The delivery rules, over the output's delivery folder and every cluster's folder and
 * settings at once (they are applied by one controller, from one repository):
 *
 * - the objects as the API server validates them (Argo CD's and Flux's CRDs, provided by the
 *   lock's tools: `crd-schema`, `crd-rule`, `metadata`, `unique`, `namespace-scope`, …);
 * - `delivery-path`: every path they name is one cluster's files (an Application's
 *   `source.path` a cluster folder; a Kustomization's `path` a folder named by its stage,
 *   `flux/[<cluster>/]<stage>`, whose kustomization.yaml lists that stage's file), inside
 *   the repository;
 * - `delivery-coverage`: each cluster folder delivered exactly once (Flux: each stage file),
 *   nothing else, from the settings' repository, branch and credentials Secret, to each
 *   cluster's destination, in delivery.namespace, as the files are, retried (Argo CD),
 *   named within a label value (Flux); no delivery folder without delivery settings, and
 *   none missing with them;
 * - `delivery-order`: `npm run apply`'s order (Argo CD: each object in the sync wave of its
 *   file, the sync options; Flux: a dependsOn chain in file order per cluster, a remote's
 *   first stage after istiod also after its primary's last, each pruned and waited for:
 *   istiod's CA by its Ready condition, never a remote secret);
 * - `delivery-drift`: Argo CD ignores the caBundle of every webhook configuration, which
 *   istiod writes, and names nothing absent;
 * - `delivery-project`: each Application's AppProject allows its repository and exactly
 *   the folder's namespaces (on its destination) and cluster-scoped kinds;
 * - `delivery-prune`: no namespace or CRD of a delivered folder is ever pruned.
 */
export function checkDelivery(input: DeliveryInput): DeliveryCheck {
  const out: DeliveryFinding[] = [];
  const delivered = input.clusters.filter(c => c.settings.delivery !== undefined);
  const settings = delivered[0]?.settings.delivery;
  const files = input.delivery;
  if (!settings) {
    if (files) {
      const listed = files.files.length ? ` (${files.files.slice(0, 3).join(', ')}${files.files.length > 3 ? ', …' : ''})` : '';
      out.push({ violation: atFile(`${DELIVERY_FOLDER}/`, 'delivery-coverage', `main.ts's settings have no delivery, but the output has a delivery folder${listed}: it would deliver what main.ts does not; remove it (npm run synth writes the output afresh)`) });
    }
    return { violations: out, objects: files ? deliveryManifests(files).map(manifest => ({ manifest })) : [] };
  }
  if (!files) {
    for (const c of delivered) {
      const anchor = c.folder?.manifests[0];
      const detail = `main.ts delivers ${clusterText(c)} with ${toolName(settings.tool)}, but the output has no delivery folder (${DELIVERY_FOLDER}/): run npm run synth`;
      out.push({ cluster: c.name, violation: anchor ? atCluster(c, anchor, 'delivery-coverage', detail) : atFile(`${DELIVERY_FOLDER}/`, 'delivery-coverage', detail) });
    }
    return { violations: sorted(out), objects: [] };
  }
  const manifests = deliveryManifests(files);
  const ctx: Context = {
    clusters: input.clusters,
    delivered,
    settings,
    files,
    manifests,
    provided: input.providedCrds ?? [],
    out,
    owner: new Map(),
    push: (cluster, v) => out.push({ cluster: cluster?.name, violation: v }),
  };
  if (settings.tool === 'argocd') checkArgoCd(ctx);
  else checkFlux(ctx);
  checkPruneProtection(ctx);
  for (const v of checkApiServer(manifests, delivered[0].settings.kubeVersion, ctx.provided)) {
    const m = manifests.find(x => x.file === v.file && x.index === v.index);
    out.push({ cluster: m ? ctx.owner.get(m)?.name : undefined, violation: v });
  }
  return { violations: sorted(out), objects: manifests.map(manifest => ({ cluster: ctx.owner.get(manifest)?.name, manifest })) };
}

/** Findings in file order, then object order; a stable sort keeps each object's in rule order. */
function sorted(findings: readonly DeliveryFinding[]): DeliveryFinding[] {
  const rank = (f: DeliveryFinding) => (f.violation.file.startsWith(`${DELIVERY_FOLDER}/`) ? 0 : 1);
  return [...findings].sort((a, b) => rank(a) - rank(b)
    || (a.violation.file < b.violation.file ? -1 : a.violation.file > b.violation.file ? 1 : a.violation.index - b.violation.index));
}

/**
 * The delivery folder of an output folder on disk (`<dir>/delivery/`), as checkDelivery
 * reads it; undefined when there is none.
 */
export function readDeliveryFolder(dir: string): DeliveryFiles | undefined {
  const root = path.join(dir, DELIVERY_FOLDER);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) return undefined;
  const files = (fs.readdirSync(root, { recursive: true }) as string[])
    .filter(f => fs.statSync(path.join(root, f)).isFile())
    .map(f => `${DELIVERY_FOLDER}/${f.split(path.sep).join('/')}`)
    .sort();
  const read = (file: string): string | undefined => {
    try {
      return fs.readFileSync(path.join(dir, ...file.split('/')), 'utf8');
    } catch {
      return undefined;
    }
  };
  return { files, read };
}

/**
 * A delivery folder about to be written (synth's planned files: each `file` relative to
 * the delivery folder, `argocd.k8s.yaml`, `flux/east/0000-namespaces/kustomization.yaml`,
 * with its YAML documents), as checkDelivery reads it.
 */
export function plannedDelivery(files: readonly { readonly file: string; readonly documents: readonly unknown[] }[]): DeliveryFiles {
  const byPath = new Map(files.map(f => [`${DELIVERY_FOLDER}/${f.file}`, f.documents]));
  return { files: [...byPath.keys()].sort(), read: file => byPath.get(file) };
}
