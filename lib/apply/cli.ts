import * as fs from 'fs';
import * as path from 'path';
import * as mainTs from '../../main';
import { loadManifestFolder, outputManifestFiles } from '../manifests';
import { checkCommand } from '../check/cli';
import { DELIVERY_FOLDER, readProject } from '../project/definition';
import { resolveProject } from '../project/resolve';
import { CommandIO, parseCommandArgs, runIfMain } from '../command';
import { PROJECT_ROOT } from '../project-root';
import type { ResolvedTrust } from '../settings';
import { GO_DURATION } from '../settings/durations';
import { UserError } from '../user-error';
import { lockedVersions } from '../vendoring/lock';
import { Kubectl, KubectlResult } from './kubectl';
import { CA_POLL_MS, waitForCa } from './ca-wait';
import { fleetOrder } from './fleet-order';
import { ApplyStep, applyPlan, describeStep, objectsNamedIn } from './plan';

/** kubectl's field manager for what this project applies (server-side apply records it per field). */
export const FIELD_MANAGER = 'istio-cdk8s';

const USAGE = `usage: npm run apply [-- [--cluster NAME] [--context NAME] [--dry-run=server] [--timeout 5m] [--force-conflicts] [<folder>]]
  <folder>            manifests to apply (default: dist)
  --context NAME      kube context (default: kubectl's current context)
  --dry-run=server    send every file for server-side validation and admission, persist nothing (no waits)
  --timeout DURATION  per wait, as kubectl takes it (default: 5m)
  --force-conflicts   take over fields another manager owns (a mesh installed by helm or istioctl)
  --cluster NAME      in a fleet's output (a folder per cluster), apply only <folder>/NAME
                      (default: every cluster, each to the kube context of its name)
Applies the files in order with the kubectl on PATH, server-side (field manager ${FIELD_MANAGER}),
waiting for CRDs to be Established before the first file that uses them, for istiod's CA (Secret
istio-system/cacerts complete, and the Certificate or ExternalSecret that writes it Ready) before
istiod, and for istiod's rollout before the first Istio resource or gateway. Stops at the first
failure. A fleet's clusters go in main.ts's order, each primary before its remote clusters.
<folder>/${DELIVERY_FOLDER}/ (main.ts's delivery: the Argo CD or Flux objects that apply the folder) is
not applied: apply it once to the cluster the controller runs in, kubectl apply --server-side -f
<folder>/${DELIVERY_FOLDER}/argocd.k8s.yaml (or flux.k8s.yaml).`;

/** kubectl's message when istiod's webhook is not reachable yet, just after its rollout. */
const WEBHOOK_NOT_READY = /failed calling webhook|no endpoints available for service/i;

/** How often, and how far apart, an apply refused by a not-yet-reachable webhook is retried. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly delayMs: number;
}

/** About half a minute: the time a fresh istiod's endpoints take to propagate. */
export const WEBHOOK_RETRY: RetryPolicy = { attempts: 6, delayMs: 5000 };

/** What apply needs of a cluster's settings that its manifests do not say. */
export interface ApplyClusterSettings {
  /** Its name in main.ts's `clusters` (its folder); undefined for the single-cluster form. */
  readonly name?: string;
  /** Where its istiod's CA comes from ('manual': a Secret the user creates, with no object in the folder). */
  readonly trust: ResolvedTrust;
  /** On a remote cluster: its primary's name in `clusters`, applied before it. @default - none: a primary */
  readonly primary?: string;
}

function sleep(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** What the apply command works with besides its arguments; tests pass their own. */
export interface ApplyContext {
  /** Project root (its dist/ is the default folder). */
  readonly root: string;
  /** The kubectl to run. */
  readonly kubectl: string;
  /** Retries of an apply refused by a webhook that is not answering yet. */
  readonly retry: RetryPolicy;
  /**
   * `npm run check` on the folder (`--cluster` when one is named), run before the first
   * kubectl call; returns its exit status, having printed its lines.
   */
  readonly check: (argv: readonly string[], io: CommandIO) => number;
  /** main.ts's clusters, in its order (read after the check, which refuses bad settings). */
  readonly clusters: () => readonly ApplyClusterSettings[];
  /** Milliseconds between reads of istiod's CA Secret. @default CA_POLL_MS */
  readonly pollMs?: number;
}

/** `npm run apply`. */
export function applyCommand(argv: readonly string[], io: CommandIO, ctx: ApplyContext): number {
  const { root, kubectl: kubectlCommand, retry } = ctx;
  const parsed = parseCommandArgs(argv, io, USAGE, {
    context: { type: 'string' },
    'dry-run': { type: 'string' },
    timeout: { type: 'string', default: '5m' },
    'force-conflicts': { type: 'boolean' },
    cluster: { type: 'string' },
  }, 1);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  if (values['dry-run'] !== undefined && values['dry-run'] !== 'server') {
    throw new UserError(`--dry-run=${values['dry-run']}: only --dry-run=server is supported (a client dry run cannot see CRDs or webhooks)`);
  }
  if (!GO_DURATION.test(values.timeout)) throw new UserError(`--timeout ${values.timeout}: expected a duration such as 90s or 5m`);
  if (values.context === '') throw new UserError('--context needs a context name (kubectl config get-contexts lists them)');
  const dryRun = values['dry-run'] === 'server';
  const dir = path.resolve(positionals[0] ?? path.join(root, 'dist'));
  const found = applyTargets(dir, values.cluster, values.context);
  // What the API server (or this project's rules) would refuse stops the apply before it starts, not half-way.
  if (ctx.check([...(values.cluster === undefined ? [] : ['--cluster', values.cluster]), dir], io) !== 0) {
    throw new UserError(`npm run check refuses ${path.relative(process.cwd(), dir) || '.'} (violations above), so nothing was applied; fix main.ts, run npm run synth, and apply again`);
  }
  const settings = ctx.clusters();
  const settingsOf = (cluster: string | undefined) => settings.find(s => s.name === cluster);
  const targets = fleetOrder(found, settings);
  const opts = { dryRun, timeout: values.timeout, forceConflicts: values['force-conflicts'] ?? false, pollMs: ctx.pollMs ?? CA_POLL_MS };
  // Every cluster's plan before the first kubectl call: a folder it refuses stops the fleet before it starts.
  const plans = targets.map(t => {
    try {
      return applyPlan(loadManifestFolder(t.dir).manifests, { trust: settingsOf(t.cluster)?.trust });
    } catch (err) {
      if (err instanceof UserError && t.cluster !== undefined) throw new UserError(`cluster ${t.cluster}: ${err.message}`);
      throw err;
    }
  });
  const primaryOf = (cluster: string | undefined) => (cluster === undefined ? undefined : settingsOf(cluster)?.primary);
  const alone = primaryOf(values.cluster);
  if (alone !== undefined) {
    io.err(`note: ${values.cluster} is a remote cluster of ${alone}: its proxies reach ${alone}'s istiod, so ${alone} must be applied first (npm run apply -- --cluster ${alone})`);
  }
  targets.forEach((target, i) => {
    const primary = primaryOf(target.cluster);
    if (target.cluster !== undefined) io.err(`== cluster ${target.cluster} (kube context ${target.context})${primary !== undefined && targets.length > 1 ? `, a remote cluster of ${primary}` : ''}`);
    applyFolder(target, plans[i], opts, io, kubectlCommand, retry);
  });
  if (targets.length > 1) io.out(`apply: ${targets.length} clusters applied${dryRun ? ' (server dry run: nothing persisted)' : ''}`);
  return 0;
}

/** One folder to apply and the kube context to apply it to. */
interface ApplyTarget {
  readonly dir: string;
  readonly cluster?: string;
  readonly context?: string;
}

/**
 * What to apply: the folder itself (one cluster), or in a fleet's output (a folder per
 * cluster, dist/<cluster>/) every cluster, each to the kube context of its name, or the
 * one --cluster names.
 */
function applyTargets(dir: string, cluster: string | undefined, context: string | undefined): ApplyTarget[] {
  const files = fs.existsSync(dir) && fs.statSync(dir).isDirectory() ? outputManifestFiles(dir) : [];
  // Cluster folders only when the folder holds no files of its own: a fleet's output. The
  // delivery folder is no cluster's: its objects go to the controller's cluster, once, by hand.
  const clusters = files.some(f => !f.includes('/')) ? [] : [...new Set(files.map(f => f.split('/')[0]))].filter(c => c !== DELIVERY_FOLDER);
  if (clusters.length === 0) {
    if (cluster !== undefined) throw new UserError(`--cluster ${cluster}: ${path.relative(process.cwd(), dir) || '.'} holds one cluster's files, not a folder per cluster; leave --cluster out`);
    return [{ dir, context }];
  }
  if (cluster !== undefined) {
    if (!clusters.includes(cluster)) throw new UserError(`--cluster ${cluster}: no such cluster folder in ${path.relative(process.cwd(), dir) || '.'} (clusters: ${clusters.join(', ')})`);
    return [{ dir: path.join(dir, cluster), cluster, context: context ?? cluster }];
  }
  if (context !== undefined) throw new UserError(`--context ${context} names one cluster's context, and ${clusters.length} clusters would be applied: add --cluster NAME`);
  // Every cluster to the kube context of its name (kubectl config rename-context makes them so).
  return clusters.map(c => ({ dir: path.join(dir, c), cluster: c, context: c }));
}

/** How a folder is applied. */
interface ApplyOptions {
  readonly dryRun: boolean;
  readonly timeout: string;
  readonly forceConflicts: boolean;
  /** Milliseconds between reads of istiod's CA Secret. */
  readonly pollMs: number;
}

/** What installs the kinds that write istiod's CA, named when the cluster does not serve them. */
const CA_OPERATORS: Record<string, string> = { 'cert-manager.io': 'cert-manager', 'external-secrets.io': 'External Secrets' };

/** Applies one cluster's folder, step by step (see applyPlan); throws at the first failure. */
function applyFolder(target: ApplyTarget, steps: readonly ApplyStep[], opts: ApplyOptions, io: CommandIO, kubectlCommand: string, retry: RetryPolicy): void {
  const { dir, context } = target;
  const { dryRun } = opts;
  const values = { timeout: opts.timeout, 'force-conflicts': opts.forceConflicts, context };
  const shown = path.relative(process.cwd(), dir) || '.';
  // The cluster, as an error about its state names it.
  const where = target.cluster !== undefined ? `cluster ${target.cluster}` : context ? `context ${context}` : 'kubectl\'s current context';
  const kubectl = new Kubectl(context, kubectlCommand);
  let applied = 0;
  const stop = (message: string): never => {
    const state = applied ? `${applied} file${applied === 1 ? ' was' : 's were'} applied before it` : 'nothing was applied before it';
    throw new UserError(`${message}
${state}; fix the cause and run npm run apply again (server-side apply is idempotent)`);
  };
  const fail = (step: ApplyStep, r: KubectlResult, what: string, fix?: string): never => {
    const detail = (r.stderr.trim() || r.stdout.trim() || `exit status ${r.status}`).split('\n');
    // kubectl's own error line is the headline; the rest (hints, conflict lists) goes above it.
    const headline = detail.find(l => /^(error|Error from server)\b/i.test(l)) ?? detail[detail.length - 1];
    const named = step.kind === 'apply' ? objectsNamedIn(headline, step.objects) : [];
    for (const line of detail.filter(l => l !== headline)) io.err(`  ${line}`);
    const object = named.length ? ` (${named.join(', ')})` : '';
    const conflict = /conflict/i.test(detail.join('\n')) && !values['force-conflicts'] ? ' (fields owned by another manager: add --force-conflicts to take them over)' : '';
    // `no matches for kind "Certificate" in version "cert-manager.io/v1"`: the operator that serves it is not installed.
    const group = /no matches for kind "[^"]*" in version "([^"/]+)\//.exec(headline)?.[1];
    const operator = group !== undefined && CA_OPERATORS[group] !== undefined ? ` (${CA_OPERATORS[group]} is not installed in ${where}: install it, and what istiod's CA comes from, before npm run apply)` : '';
    return stop(`${what}${object}: ${headline}${conflict}${operator}${fix ? `; ${fix}` : ''}`);
  };

  steps.forEach((step, i) => {
    io.err(`[${i + 1}/${steps.length}] ${describeStep(step)}${dryRun && step.kind !== 'apply' ? ': skipped (dry run: nothing was created)' : ''}`);
    if (step.kind === 'apply') {
      const args = ['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, ...(values['force-conflicts'] ? ['--force-conflicts'] : []), '-f', path.join(dir, step.file), ...(dryRun ? ['--dry-run=server'] : [])];
      let r = kubectl.run(args);
      // A rolled-out istiod may not be reachable through its Service for a few seconds.
      for (let attempt = 1; r.status !== 0 && attempt <= retry.attempts && WEBHOOK_NOT_READY.test(r.stderr); attempt++) {
        io.err(`  istiod's webhook is not answering yet; retrying in ${retry.delayMs / 1000} s (${attempt}/${retry.attempts})`);
        sleep(retry.delayMs);
        r = kubectl.run(args);
      }
      for (const line of r.stdout.split('\n').filter(Boolean)) io.out(`  ${line}`);
      if (r.status !== 0) fail(step, r, `kubectl apply failed on ${path.join(shown, step.file)}`);
      applied++;
    } else if (!dryRun && step.kind === 'wait-crds') {
      const r = kubectl.run(['wait', '--for=condition=Established', `--timeout=${values.timeout}`, ...step.crds.map(c => `customresourcedefinition/${c}`)]);
      if (r.status !== 0) fail(step, r, `CRDs not Established within ${values.timeout} (needed by ${step.before})`);
    } else if (!dryRun && step.kind === 'wait-rollout') {
      for (const w of step.workloads) {
        const r = kubectl.run(['rollout', 'status', `${w.kind.toLowerCase()}/${w.name}`, '-n', w.namespace, `--timeout=${values.timeout}`]);
        if (r.status !== 0) fail(step, r, `${w.namespace}/${w.name} did not roll out within ${values.timeout} (needed by ${step.before})`);
      }
    } else if (!dryRun && step.kind === 'wait-ca') {
      waitForCa(step, { kubectl, timeout: values.timeout, pollMs: opts.pollMs, where, io, fail: (r, what, fix) => fail(step, r, what, fix), stop, sleep });
    }
  });
  io.out(`apply: ${steps.filter(s => s.kind === 'apply').length} files of ${shown} applied${dryRun ? ' (server dry run: nothing persisted)' : ''}${values.context ? ` to context ${values.context}` : ''}`);
}

/** The command as the script runs it: kubectl on PATH, check against main.ts's settings. */
export function main(argv: readonly string[], io: CommandIO): number {
  return applyCommand(argv, io, {
    root: PROJECT_ROOT,
    kubectl: 'kubectl',
    retry: WEBHOOK_RETRY,
    check: (checkArgv, checkIo) => checkCommand(checkArgv, checkIo, { project: () => readProject(mainTs), root: PROJECT_ROOT }),
    clusters: () => resolveProject(readProject(mainTs), lockedVersions(PROJECT_ROOT))
      .map(c => ({ name: c.name, trust: c.settings.trust, primary: c.settings.mesh?.primary?.cluster })),
  });
}

runIfMain(module, main);
