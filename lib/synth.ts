import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { IstioMesh } from './mesh';
import { PROJECT_ROOT } from './project-root';
import { MeshSettings, resolveSettings } from './settings';
import { readLock } from './vendor/lock';
import { ensureVendored } from './vendor/vendor';

/** Options of a synthesis into dist/. */
export interface SynthOptions {
  /** Project root. @default PROJECT_ROOT */
  readonly root?: string;
  /** Output folder. @default $CDK8S_OUTDIR (set by `cdk8s synth`), else <root>/dist */
  readonly outdir?: string;
  /** Environment (helm override, chart mirror). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Where progress lines go. @default stderr */
  readonly log?: (line: string) => void;
}

/**
 * Validates the settings, vendors missing charts, renders the mesh into a temporary
 * folder beside the output folder, and only then swaps it into place.
 *
 * So a bad setting, a missing or changed chart or a helm failure leaves the previous
 * output as it was, and no stale file survives a successful run.
 */
export async function synthMesh(settings: MeshSettings, opts: SynthOptions = {}): Promise<string> {
  const root = opts.root ?? PROJECT_ROOT;
  const env = opts.env ?? process.env;
  const outdir = path.resolve(root, opts.outdir ?? env.CDK8S_OUTDIR ?? 'dist');
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));

  resolveSettings(settings, readLock(root).istioVersion);
  const charts = await ensureVendored(root, env, log);

  fs.mkdirSync(path.dirname(outdir), { recursive: true });
  const staged = fs.mkdtempSync(`${outdir}.tmp-`);
  fs.chmodSync(staged, 0o755);
  try {
    const app = new App({ outdir: staged });
    new IstioMesh(app, { settings, root, env, charts });
    app.synth();
    const replaced = `${staged}.old`;
    if (fs.existsSync(outdir)) fs.renameSync(outdir, replaced);
    fs.renameSync(staged, outdir);
    fs.rmSync(replaced, { recursive: true, force: true });
  } finally {
    fs.rmSync(staged, { recursive: true, force: true });
  }
  return outdir;
}
