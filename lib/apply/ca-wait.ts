import { CACERTS, PLUGIN_CA_KEYS, ROOT_CERT_KEY } from '../check/trust';
import type { CommandIO } from '../command';
import { durationMs } from '../settings/durations';
import { Kubectl, KubectlResult } from './kubectl';
import { ApplyStep, CaWriter } from './plan';

// istiod mounts its CA Secret as optional: started before the Secret is complete, it makes
// a root of its own and keeps it, and the clusters of a mesh never trust each other. So
// before the first istiod starts, apply waits for the objects that write the Secret to be
// Ready, then reads the Secret's key names (never their values) until istiod could read a
// CA from them, and says what to fix when time runs out.

/** How often the key names of istiod's CA Secret are read while it is not complete. */
export const CA_POLL_MS = 2000;

/**
 * The key sets istiod reads as its CA, either one complete: Istio's plug-in CA files, or
 * a kubernetes.io/tls Secret (cert-manager's layout) with the root as `ca.crt`.
 */
export const CA_KEY_LAYOUTS: readonly (readonly string[])[] = [
  [...PLUGIN_CA_KEYS, ROOT_CERT_KEY],
  ['tls.crt', 'tls.key', 'ca.crt'],
];

/**
 * The keys istiod still needs, given the keys `cacerts` has: none (undefined) when one
 * layout is complete, else the missing keys of the layout closest to complete (ties go
 * to `preferred`, an index into CA_KEY_LAYOUTS).
 */
export function missingCaKeys(present: readonly string[], preferred = 0): string[] | undefined {
  const missing = CA_KEY_LAYOUTS.map(layout => layout.filter(k => !present.includes(k)));
  if (missing.some(m => m.length === 0)) return undefined;
  const share = (i: number) => (CA_KEY_LAYOUTS[i].length - missing[i].length) / CA_KEY_LAYOUTS[i].length;
  let best = preferred;
  missing.forEach((_, i) => { if (share(i) > share(best)) best = i; });
  return missing[best];
}

/**
 * kubectl's output for the CA Secret: `keys:` and the names of its non-empty keys, or
 * nothing when it does not exist (--ignore-not-found). Never a value: the template names keys only.
 */
const CA_KEY_NAMES = 'go-template=keys:{{range $k, $v := .data}}{{if $v}} {{$k}}{{end}}{{end}}';

/** What the CA wait needs of the apply running it. */
export interface CaWaitContext {
  readonly kubectl: Kubectl;
  /** Per wait, as kubectl takes it (a Go duration). */
  readonly timeout: string;
  /** Milliseconds between reads of the Secret's key names. */
  readonly pollMs: number;
  /** The cluster, as an error about its state names it. */
  readonly where: string;
  readonly io: CommandIO;
  /** Stops the apply at a failed kubectl call: what failed, and the fix. */
  readonly fail: (r: KubectlResult, what: string, fix?: string) => never;
  /** Stops the apply with this message. */
  readonly stop: (message: string) => never;
  readonly sleep: (ms: number) => void;
}

/** The fix for a writer that is not Ready, or whose Secret misses keys. */
function writerFix(w: CaWriter, namespace: string, missing?: readonly string[]): string {
  const from = w.from.length ? w.from.join(', ') : (w.kind === 'Certificate' ? 'its issuer' : 'its store');
  const describe = `kubectl -n ${namespace} describe ${w.kind.toLowerCase()} ${w.name}`;
  if (w.kind === 'Certificate') {
    return missing === undefined
      ? `is cert-manager installed and the ${from} Ready? (${describe} says why)`
      : `cert-manager wrote it without ${missing.join(', ')}: the ${from} must be a CA that returns its own certificate as ca.crt (a CA or Vault issuer; ${describe})`;
  }
  const keys = w.keys.length ? `, and do ${w.keys.join(', ')} exist in it` : '';
  return missing === undefined
    ? `is External Secrets installed, the ${from} Ready${keys}? (${describe} says why)`
    : `the ExternalSecret ${namespace}/${w.name} writes it: do ${w.keys.length ? w.keys.join(', ') : 'its keys'} in the ${from} have the properties ${CA_KEY_LAYOUTS[0].join(', ')}? (${describe})`;
}

/** Waits for istiod's CA: each writer Ready, then the Secret with a complete layout; stops the apply when it is not. */
export function waitForCa(step: Extract<ApplyStep, { kind: 'wait-ca' }>, ctx: CaWaitContext): void {
  const { kubectl, timeout, where, io, fail, stop } = ctx;
  const { namespace, writers } = step;
  const secret = `Secret ${namespace}/${CACERTS}`;
  const why = `istiod in ${step.before} takes its CA from ${secret}, and started without it makes a root of its own`;
  for (const w of writers) {
    const r = kubectl.run(['wait', '--for=condition=Ready', `--timeout=${timeout}`, '-n', namespace, `${w.resource}/${w.name}`]);
    if (r.status !== 0) fail(r, `${where}: ${w.kind} ${namespace}/${w.name} not Ready within ${timeout} (${why})`, writerFix(w, namespace));
  }
  // cert-manager writes tls.crt/tls.key/ca.crt; External Secrets and a hand-made Secret, Istio's plug-in files.
  const preferred = writers.length && writers.every(w => w.kind === 'Certificate') ? 1 : 0;
  const deadline = Date.now() + durationMs(timeout);
  let reported = '';
  for (;;) {
    const r = kubectl.run(['get', 'secret', CACERTS, '-n', namespace, '--ignore-not-found', '-o', CA_KEY_NAMES]);
    if (r.status !== 0) fail(r, `${where}: cannot read the key names of ${secret}`, `apply reads its key names (never their values), which needs get on secrets in ${namespace}`);
    const exists = r.stdout.trim().startsWith('keys:');
    const present = exists ? r.stdout.trim().slice('keys:'.length).split(/\s+/).filter(Boolean) : [];
    const missing = missingCaKeys(present, preferred);
    if (!missing) return;
    const state = exists ? `missing ${missing.join(', ')}` : 'not created yet';
    if (state !== reported) io.err(`  ${secret}: ${state}; waiting up to ${timeout}`);
    reported = state;
    const left = deadline - Date.now();
    if (left <= 0) {
      const has = present.length ? `it has ${present.join(', ')}` : 'it has no keys';
      const fix = writers.length
        ? writers.map(w => writerFix(w, namespace, missing)).join('; ')
        : `create it before istiod starts, with this cluster's intermediate CA: kubectl -n ${namespace} create secret generic ${CACERTS} ${CA_KEY_LAYOUTS[0].map(k => `--from-file=${k}`).join(' ')} (or with ${CA_KEY_LAYOUTS[1].join(', ')}), then run npm run apply again`;
      stop(`${where}: ${secret} ${exists ? `lacks ${missing.join(', ')} (${has})` : 'does not exist'} after ${timeout} (${why}): ${fix}`);
    }
    ctx.sleep(Math.min(ctx.pollMs, left));
  }
}
