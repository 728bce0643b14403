import * as fs from 'fs';
import * as path from 'path';
import * as mainTs from '../../main';
import { loadManifestFolder, outputManifestFiles } from '../manifests';
import { checkCommand } from '../check/cli';
import { readProject } from '../project/definition';
import { CommandIO, parseCommandArgs, runIfMain } from '../command';
import { PROJECT_ROOT } from '../project-root';
import { UserError } from '../user-error';
import { Kubectl, KubectlResult } from './kubectl';
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
waiting for CRDs to be Established before the first file that uses them and for istiod's rollout
before the first Istio resource or gateway. Stops at the first failure.`;

/** A Go duration, as kubectl's --timeout takes it (90s, 5m, 1m30s). */
const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

/** kubectl's message when istiod's webhook is not reachable yet, just after its rollout. */
const WEBHOOK_NOT_READY = /failed calling webhook|no endpoints available for service/i;

/** How often, and how far apart, an apply refused by a not-yet-reachable webhook is retried. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly delayMs: number;
}

/** About half a minute: the time a fresh istiod's endpoints take to propagate. */
export const WEBHOOK_RETRY: RetryPolicy = { attempts: 6, delayMs: 5000 };

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
  if (!DURATION.test(values.timeout)) throw new UserError(`--timeout ${values.timeout}: expected a duration such as 90s or 5m`);
  if (values.context === '') throw new UserError('--context needs a context name (kubectl config get-contexts lists them)');
  const dryRun = values['dry-run'] === 'server';
  const dir = path.resolve(positionals[0] ?? path.join(root, 'dist'));
  const targets = applyTargets(dir, values.cluster, values.context);
  // What the API server (or this project's rules) would refuse stops the apply before it starts, not half-way.
  if (ctx.check([...(values.cluster === undefined ? [] : ['--cluster', values.cluster]), dir], io) !== 0) {
    throw new UserError(`npm run check refuses ${path.relative(process.cwd(), dir) || '.'} (violations above), so nothing was applied; fix main.ts, run npm run synth, and apply again`);
  }
  for (const target of targets) {
    if (target.cluster !== undefined) io.err(`== cluster ${target.cluster} (kube context ${target.context})`);
    applyFolder(target.dir, target.context, { dryRun, timeout: values.timeout, forceConflicts: values['force-conflicts'] ?? false }, io, kubectlCommand, retry);
  }
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
  // Cluster folders only when the folder holds no files of its own: a fleet's output.
  const clusters = files.some(f => !f.includes('/')) ? [] : [...new Set(files.map(f => f.split('/')[0]))];
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
}

/** Applies one cluster's folder, step by step (see applyPlan); throws at the first failure. */
function applyFolder(dir: string, context: string | undefined, opts: ApplyOptions, io: CommandIO, kubectlCommand: string, retry: RetryPolicy): void {
  const { dryRun } = opts;
  const values = { timeout: opts.timeout, 'force-conflicts': opts.forceConflicts, context };
  const shown = path.relative(process.cwd(), dir) || '.';
  const steps = applyPlan(loadManifestFolder(dir).manifests);
  const kubectl = new Kubectl(context, kubectlCommand);
  let applied = 0;
  const fail = (step: ApplyStep, r: KubectlResult, what: string): never => {
    const detail = (r.stderr.trim() || r.stdout.trim() || `exit status ${r.status}`).split('\n');
    // kubectl's own error line is the headline; the rest (hints, conflict lists) goes above it.
    const headline = detail.find(l => /^(error|Error from server)\b/i.test(l)) ?? detail[detail.length - 1];
    const named = step.kind === 'apply' ? objectsNamedIn(headline, step.objects) : [];
    for (const line of detail.filter(l => l !== headline)) io.err(`  ${line}`);
    const object = named.length ? ` (${named.join(', ')})` : '';
    const state = applied ? `${applied} file${applied === 1 ? ' was' : 's were'} applied before it` : 'nothing was applied before it';
    const hint = /conflict/i.test(detail.join('\n')) && !values['force-conflicts'] ? ' (fields owned by another manager: add --force-conflicts to take them over)' : '';
    throw new UserError(`${what}${object}: ${headline}${hint}
${state}; fix the cause and run npm run apply again (server-side apply is idempotent)`);
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
  });
}

runIfMain(module, main);
