import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { CheckExpectations } from '../check/check';
import { manifestsOf } from '../manifests';
import { PROJECT_ROOT } from '../project-root';
import type { RenderCache } from '../render/render-cache';
import { UserError } from '../user-error';
import { readLockFile } from '../vendoring/lock';
import { documentsKey, ManifestFile } from './write-manifests';

/** One cluster's output, as about to be written. */
export interface PlannedOutput {
  /** The cluster's folder below the output (a fleet), or undefined for the output itself. */
  readonly cluster?: string;
  /** Its files, in apply order. */
  readonly files: readonly ManifestFile[];
  /** The resolved settings it was rendered from, which check compares it with. */
  readonly expected: CheckExpectations;
}

/**
 * What decides check's verdict besides its input: the project's code (check's own, and
 * what it imports: settings' name rules, manifests), and the versions of the libraries it
 * runs. All of lib/, rather than a list that could miss a module check comes to import.
 */
const CHECKER_SOURCES = ['lib', 'package-lock.json'];

const checkerIdentities = new Map<string, string>();

/** A digest of the checker (the sources and the lock), so a changed rule never reuses an old verdict. */
export function checkerIdentity(root: string): string {
  const known = checkerIdentities.get(root);
  if (known) return known;
  const hash = createHash('sha256');
  for (const entry of CHECKER_SOURCES) {
    const abs = path.join(root, entry);
    if (!fs.existsSync(abs)) continue;
    const files = fs.statSync(abs).isDirectory() ? (fs.readdirSync(abs, { recursive: true }) as string[]).map(f => path.join(entry, f)).sort() : [entry];
    for (const file of files) {
      const full = path.join(root, file);
      if (fs.statSync(full).isFile()) hash.update(`${file}\0`).update(fs.readFileSync(full)).update('\0');
    }
  }
  const identity = hash.digest('hex');
  checkerIdentities.set(root, identity);
  return identity;
}

/** The key of one verdict: the checker, what the output is compared with, and the output's documents (the delivery folder's too). */
function verdictKey(outputs: readonly PlannedOutput[], root: string, delivery: readonly ManifestFile[] | undefined): string {
  const hash = createHash('sha256').update(`check-verdict\0${checkerIdentity(root)}`);
  // The tool CRDs objects are validated against, as pinned (check verifies the files against these digests).
  hash.update(`\0${JSON.stringify(readLockFile(root).toolCrds ?? {})}`);
  for (const o of outputs) {
    hash.update(`\0${o.cluster ?? ''}\0${JSON.stringify(o.expected)}`);
    for (const f of o.files) hash.update(`\0${f.file}\0${documentsKey(f.documents)}`);
  }
  for (const f of delivery ?? []) hash.update(`\0delivery/${f.file}\0${documentsKey(f.documents)}`);
  return hash.digest('hex');
}

const PASSED = 'passed';

/** The violations of each output, one line each (`[cluster/]file: kind/ns/name: rule: detail`). */
function violationLines(outputs: readonly PlannedOutput[], root: string, delivery: readonly ManifestFile[] | undefined): string[] {
  const { checkManifestList } = require('../check/check') as typeof import('../check/check');
  const { providedCrds } = require('../check/provided-crds') as typeof import('../check/provided-crds');
  // The CRDs of the tools the lock pins (vendored by ensureVendored before rendering).
  const provided = providedCrds(root);
  const { formatViolation } = require('../check/violation') as typeof import('../check/violation');
  const { checkFleet } = require('../check/fleet') as typeof import('../check/fleet');
  const lines: string[] = [];
  const members = outputs.map(({ cluster, files, expected }) => {
    const manifests = files.flatMap(f => manifestsOf(f.file, f.documents));
    const prefix = cluster === undefined ? '' : `${cluster}/`;
    for (const v of checkManifestList(manifests, expected, { providedCrds: provided })) lines.push(`  ${prefix}${formatViolation(v)}`);
    return { name: cluster, expected, manifests };
  });
  // The fleet rules, across every output at once (the verdict key covers them all).
  for (const f of checkFleet(members).violations) lines.push(`  ${f.cluster === undefined ? '' : `${f.cluster}/`}${formatViolation(f.violation)}`);
  // The delivery folder (its objects against the tool's CRDs, and against every cluster's folder and settings).
  const { checkDelivery, plannedDelivery } = require('../check/delivery') as typeof import('../check/delivery');
  const delivered = checkDelivery({
    clusters: members.map(({ name, expected, manifests }, i) => ({ name, settings: expected, folder: { files: outputs[i].files.map(f => f.file), manifests } })),
    ...(delivery ? { delivery: plannedDelivery(delivery) } : {}),
    providedCrds: provided,
  });
  for (const f of delivered.violations) lines.push(`  ${formatViolation(f.violation)}`);
  return lines;
}

/** The checker's modules (schemas, CEL libraries), loaded by synth while helm renders and its thread would wait. */
export function loadChecker(): void {
  require('../check/check');
  const { preloadBuiltinModels } = require('../check/kube-schema') as typeof import('../check/kube-schema');
  preloadBuiltinModels(ISTIO_CHART_KINDS);
}

/** The built-in kinds Istio's charts render (a hint for preloading: a kind missing here only loads later). */
const ISTIO_CHART_KINDS = [
  ['apiextensions.k8s.io/v1', 'CustomResourceDefinition'], ['v1', 'Namespace'], ['v1', 'ServiceAccount'], ['v1', 'Service'],
  ['v1', 'ConfigMap'], ['v1', 'Secret'], ['apps/v1', 'Deployment'], ['apps/v1', 'DaemonSet'],
  ['rbac.authorization.k8s.io/v1', 'Role'], ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
  ['rbac.authorization.k8s.io/v1', 'ClusterRole'], ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'],
  ['autoscaling/v2', 'HorizontalPodAutoscaler'], ['policy/v1', 'PodDisruptionBudget'],
  ['admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration'], ['admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration'],
] as const;

/**
 * What `npm run check` would refuse in a synth's output about to be written: one
 * UserError listing every violation, or undefined when it passes. Synth stops on it, so
 * what check (and the API server) would refuse never reaches the output folder, as cdk8s
 * writes nothing when a validation fails. An output the same checker passed before (same
 * documents, same settings) is not checked again: the verdict is kept in the render cache.
 * `delivery`, the delivery folder's files (`argocd.k8s.yaml`, or `flux.k8s.yaml` and the
 * kustomization.yaml files below `flux/`, each named relative to the delivery folder), is
 * checked with the clusters' outputs.
 */
export function refusals(outputs: readonly PlannedOutput[], cache?: RenderCache, root: string = PROJECT_ROOT, delivery?: readonly ManifestFile[]): UserError | undefined {
  const key = cache ? verdictKey(outputs, root, delivery) : undefined;
  if (key && cache?.readText(key) === PASSED) return undefined;
  const lines = violationLines(outputs, root, delivery);
  if (lines.length === 0) {
    try {
      if (key) cache?.writeText(key, PASSED);
    } catch {
      // A cache that cannot be written only costs the next run a check.
    }
    return undefined;
  }
  const count = `${lines.length} violation${lines.length === 1 ? '' : 's'}`;
  return new UserError(`npm run check would refuse this output (${count} below), so nothing was written; fix main.ts and run npm run synth again:\n${lines.join('\n')}`);
}
