import * as path from 'path';
import * as mainTs from '../../main';
import { CommandIO, parseCommandArgs, runIfMain } from '../command';
import { resolveProject } from '../project/resolve';
import { isFleet, ProjectDefinition, readProject } from '../project/definition';
import { PROJECT_ROOT } from '../project-root';
import { lockedVersions } from '../vendoring/lock';
import { loadManifestFolder, Manifest, ManifestFolder } from '../manifests';
import { UserError } from '../user-error';
import { checkManifestList } from './check';
import { selectClusters } from './clusters';
import { checkDelivery, readDeliveryFolder } from './delivery';
import { providedCrds } from './provided-crds';
import { checkFleetFolders } from './fleet';
import { schemaVersionNote } from './kube-schema';
import { formatViolation } from './violation';
import { formatReachability, reachability } from '../manifests/reachability';
import { checkWarnings } from './warnings';

const USAGE = `usage: npm run check [-- [--cluster NAME] [--authz] [<folder>]]
  <folder>            manifest folder to check (default: dist)
  --cluster NAME      in a fleet (main.ts exports clusters), check only <folder>/NAME (default: every cluster),
                      and of <folder>/delivery/ the objects that deliver it and the shared ones
  --authz             after the check, print who may call whom (per cluster in a fleet): for each app
                      namespace and gateway, the callers its AuthorizationPolicies allow, and on what
                      (\`payments <- payments (any port), shop (port 8080)\`); the exit status is the check's
Refuses, offline, what a Kubernetes API server would refuse on create, and what this project's
structure rules forbid; prints one line per violation (file: kind/namespace/name: rule: field:
message) and exits 1 on any.
  API server   built-in kinds against their OpenAPI schema (Kubernetes 1.33) and server-side
               apply's list keys; every object's metadata (name format per kind, labels,
               annotations); custom resources against their CRD in the folder, or the vendored
               CRDs of the tools vendor/charts.lock.json pins (cert-manager, External Secrets,
               Argo CD, Flux: they install their own CRDs, never in the folder): schema defaults
               applied first, the OpenAPI schema, x-kubernetes-list-type map/set, embedded
               resources, and every x-kubernetes-validations CEL rule. Transition rules (those
               reading oldSelf) apply to updates only and are skipped. A rule check cannot
               evaluate is a violation (crd-rule-unsupported), never a pass.
  structure    namespaces and CRDs created before their use, one object per name, webhooks and
               the pods and config they select, scheduling, pinned images — against main.ts's
               settings (each cluster's own, in a fleet).
  trust        no Secret with data; cacerts (istiod's CA) written by what mesh.trust names (a
               cert-manager Certificate, an ExternalSecret), in a file before istiod's; across
               the fleet, one root per mesh, and a remote secret for each cluster an istiod
               watches and none other (with --cluster, compared with the other folders).
  authz        every app namespace covered by an AuthorizationPolicy or a mesh-wide decision (unless
               authorization is 'open'); every principal, service account and namespace a rule names
               exists in the folder, in the mesh's trust domain; no policy selects nothing; no L7
               attribute in a policy ztunnel enforces (ambient namespaces).
  delivery     <folder>/delivery/ (main.ts's delivery: Argo CD or Flux), against the tool's vendored
               CRDs and every cluster's folder and settings: each path names one cluster's files
               inside the repository; each cluster folder (Flux: each stage file) delivered once,
               from delivery.repoURL and revision, to its destination; in npm run apply's order
               (Argo CD sync waves = file numbers, retried; Flux a dependsOn chain, waited for,
               istiod's CA by its Ready condition, no remote secret); Argo CD ignores the
               webhooks' caBundle, and its AppProject allows exactly the folder's namespaces and
               cluster-scoped kinds; no namespace or CRD pruned. A delivery folder without
               delivery settings is refused.
Not known offline: istiod's own validating webhook, the cluster's admission policies and
webhooks, quotas, and objects already in the cluster.`;

/** What the check command reads besides its arguments; tests pass their own. */
export interface CheckCommandContext {
  /** Reads the project dist/ was rendered from (main.ts's exports); called after --help, which needs none. */
  readonly project: () => ProjectDefinition;
  /** Project root (vendor/charts.lock.json, dist/). */
  readonly root: string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `npm run check`. */
export function checkCommand(argv: readonly string[], io: CommandIO, ctx: CheckCommandContext): number {
  const parsed = parseCommandArgs(argv, io, USAGE, { cluster: { type: 'string' }, authz: { type: 'boolean' } }, 1);
  if (!parsed) return 0;
  const dir = path.resolve(parsed.positionals[0] ?? path.join(ctx.root, 'dist'));
  const project = ctx.project();
  const all = resolveProject(project, lockedVersions(ctx.root));
  const clusters = selectClusters(all, parsed.values.cluster);
  const provided = providedCrds(ctx.root);
  const checked = new Map<string | undefined, readonly Manifest[]>();
  const folders = new Map<string | undefined, ManifestFolder>();
  let objects = 0;
  let files = 0;
  let violations = 0;
  let warnings = 0;
  const notes = new Set<string>();
  for (const cluster of clusters) {
    const note = schemaVersionNote(cluster.settings.kubeVersion);
    if (note && !notes.has(note)) io.err(`note: ${note}`);
    if (note) notes.add(note);
    const folderDir = cluster.name === undefined ? dir : path.join(dir, cluster.name);
    const folder = loadManifestFolder(folderDir);
    checked.set(cluster.name, folder.manifests);
    folders.set(cluster.name, folder);
    const prefix = cluster.name === undefined ? '' : `${cluster.name}/`;
    const found = checkManifestList(folder.manifests, cluster.settings, { providedCrds: provided });
    for (const v of found) io.out(`${prefix}${formatViolation(v)}`);
    const warned = checkWarnings(folder.manifests);
    for (const w of warned) io.out(`warning: ${prefix}${formatViolation(w)}`);
    objects += folder.manifests.length;
    files += folder.files.length;
    violations += found.length;
    warnings += warned.length;
  }
  // The fleet rules, across clusters: each cluster's folder against every cluster's settings and folder.
  const fleetFound = checkFleetFolders(all, checked, dir);
  const prefixOf = (cluster?: string) => (cluster === undefined ? '' : `${cluster}/`);
  for (const f of fleetFound.violations) io.out(`${prefixOf(f.cluster)}${formatViolation(f.violation)}`);
  for (const f of fleetFound.warnings) io.out(`warning: ${prefixOf(f.cluster)}${formatViolation(f.violation)}`);
  violations += fleetFound.violations.length;
  warnings += fleetFound.warnings.length;
  // The delivery rules: <folder>/delivery/ against every cluster's folder and settings (the
  // other clusters' folders read when they are there); with --cluster, the findings about that
  // cluster's delivery objects and the shared ones (the GitRepository, the folder itself).
  const delivery = checkDelivery({
    clusters: all.map(c => ({ name: c.name, settings: c.settings, folder: folders.get(c.name) ?? otherFolder(dir, c.name) })),
    delivery: readDeliveryFolder(dir),
    providedCrds: provided,
  });
  const selected = (cluster?: string) => cluster === undefined || clusters.some(c => c.name === cluster);
  const deliveryFound = delivery.violations.filter(f => selected(f.cluster));
  for (const f of deliveryFound) io.out(formatViolation(f.violation));
  violations += deliveryFound.length;
  const deliveryObjects = delivery.objects.filter(o => selected(o.cluster)).length;
  const name = path.relative(process.cwd(), dir) || '.';
  const fleet = isFleet(project) ? `${plural(clusters.length, 'cluster')}, ` : '';
  const warned = warnings ? `, ${plural(warnings, 'warning')}` : '';
  const delivered = delivery.objects.length ? `, ${plural(deliveryObjects, 'delivery object')}` : '';
  io.out(`check: ${fleet}${objects} objects in ${files} files of ${name}${delivered}, ${plural(violations, 'violation')}${warned}`);
  if (parsed.values.authz) {
    for (const cluster of clusters) {
      const matrix = reachability(checked.get(cluster.name)!);
      const of = cluster.name === undefined ? name : `cluster ${cluster.name}`;
      for (const line of ['', `authorization of ${of} (who may call whom; trust domain ${matrix.trustDomain}):`, ...formatReachability(matrix)]) io.out(line);
    }
  }
  return violations > 0 ? 1 : 0;
}

/** A cluster folder --cluster left out, to compare with: undefined when it is not there (checking it says why). */
function otherFolder(dir: string, name: string | undefined): ManifestFolder | undefined {
  if (name === undefined) return undefined;
  try {
    return loadManifestFolder(path.join(dir, name));
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return undefined;
  }
}

/** The command as the script runs it: this project's main.ts and dist/. */
export function main(argv: readonly string[], io: CommandIO): number {
  return checkCommand(argv, io, { project: () => readProject(mainTs), root: PROJECT_ROOT });
}

runIfMain(module, main);
