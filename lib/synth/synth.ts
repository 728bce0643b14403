import * as fs from 'fs';
import * as path from 'path';
import { prepareMeshes, releaseList } from '../render/prepare-mesh';
import { projectVersions, resolveProject } from '../project/resolve';
import { DELIVERY_FOLDER, isFleet, ProjectDefinition } from '../project/definition';
import { placeInMain } from '../project/place-in-main';
import { PROJECT_ROOT } from '../project-root';
import { makeScratch, removeAbandonedScratch } from '../scratch';
import { UserError } from '../user-error';
import { lockedVersions } from '../vendoring/lock';
import { ensureVendored } from '../vendoring/ensure';
import { toolCrdsUsed } from '../vendoring/tool-crd-versions';
import { projectRenderCache } from '../render/render-cache';
import { compareOutputs, OutputChanges } from './changes';

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
  /** Render every release, neither reading nor writing the render cache. @default false */
  readonly noCache?: boolean;
  /**
   * Work that runs alongside rendering and must succeed before the output is replaced
   * (the synth command's type-check of main.ts); its rejection is the synthesis's error.
   * @default - none
   */
  readonly precondition?: Promise<void>;
}

/** What a synthesis wrote. */
export interface SynthResult {
  /** The output folder. */
  readonly outdir: string;
  /** What changed in it, object by object. */
  readonly changes: OutputChanges;
  /** Helm releases in the mesh. */
  readonly releases: number;
  /** Of those, how many came from the render cache. */
  readonly releasesFromCache: number;
  /** Clusters of a fleet, each in a folder of the output. @default - one cluster, in the output folder itself */
  readonly clusters?: number;
}

/** The output folder a synthesis writes to. */
export function outputDir(root: string, env: NodeJS.ProcessEnv, outdir?: string): string {
  // An empty value is no folder (it would name the project root itself, which a synth replaces).
  return path.resolve(root, outdir || env.CDK8S_OUTDIR || 'dist');
}

/**
 * A failure while building a cluster's construct tree, as the user's error it is: an
 * exception of extend() with its place in main.ts, or what the constructs' validations
 * found (a release rendered without what a stage needs); anything else is a bug.
 */
function buildError(err: unknown, root: string, cluster: string | undefined): unknown {
  // Loaded lazily, as in synthAfter: by now they are.
  const { ExtendError } = require('../mesh') as typeof import('../mesh');
  const { TreeValidationError } = require('./write-manifests') as typeof import('./write-manifests');
  const where = cluster === undefined ? '' : ` (cluster ${cluster})`;
  if (err instanceof ExtendError) {
    const place = placeInMain(err.cause, root);
    return new UserError(`extend() in main.ts failed${place ? ` at ${place}` : ''}${where}: ${err.cause instanceof Error ? err.cause.message : String(err.cause)}`);
  }
  if (err instanceof TreeValidationError) return new UserError(`the mesh cannot be built${where}:\n  ${err.errors.join('\n  ')}`);
  return err;
}

/** Puts `staged` where `outdir` is; if that fails half-way, the previous output goes back. */
function swapInto(staged: string, outdir: string): void {
  const replaced = `${staged}.old`;
  const hadPrevious = fs.existsSync(outdir);
  if (hadPrevious) fs.renameSync(outdir, replaced);
  try {
    fs.renameSync(staged, outdir);
  } catch (err) {
    if (hadPrevious) fs.renameSync(replaced, outdir);
    throw err;
  }
  fs.rmSync(replaced, { recursive: true, force: true });
}

/**
 * Validates the settings, vendors missing charts, renders the mesh into a temporary
 * folder beside the output folder, and only then swaps it into place.
 *
 * So a bad setting, a missing or changed chart, a helm failure or an unwritable folder
 * leaves the previous output as it was, and no stale file survives a successful run.
 */
export async function synthMesh(project: ProjectDefinition, opts: SynthOptions = {}): Promise<SynthResult> {
  const precondition = opts.precondition ?? Promise.resolve();
  // Awaited before the swap; marked handled now, so a failure elsewhere reports the precondition's first.
  precondition.catch(() => undefined);
  try {
    return await synthAfter(precondition, project, opts);
  } catch (err) {
    await precondition;
    throw err;
  }
}

async function synthAfter(precondition: Promise<void>, project: ProjectDefinition, opts: SynthOptions): Promise<SynthResult> {
  const root = opts.root ?? PROJECT_ROOT;
  const env = opts.env ?? process.env;
  const outdir = outputDir(root, env, opts.outdir);
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));

  const clusters = resolveProject(project, lockedVersions(root));
  const charts = await ensureVendored(root, env, log, projectVersions(clusters), undefined, toolCrdsUsed(clusters.map(c => c.settings)));
  const cache = projectRenderCache(root, env, opts.noCache);
  let helmRenders = 0;
  const rendering = prepareMeshes(clusters.map(c => c.settings), {
    root, env, charts, cache, noCache: opts.noCache, extend: project.extend, warn: log, onHelmRenders: n => { helmRenders = n; },
  });
  // Awaited below; marked handled now, in case a require below throws first.
  rendering.catch(() => undefined);
  // Loaded while helm renders (cdk8s and cdk8s-plus take ~100 ms to load, which would
  // otherwise come on top of helm's time); nothing before needs them.
  const { App } = require('cdk8s') as typeof import('cdk8s');
  const { IstioMesh } = require('../mesh') as typeof import('../mesh');
  const { manifestFilesOf, writeManifestFiles } = require('./write-manifests') as typeof import('./write-manifests');
  const { loadChecker, refusals } = require('./output-check') as typeof import('./output-check');
  const { deliveryOutput } = require('../delivery/output') as typeof import('../delivery/output');
  // The checker (~60 ms to load) loads while helm runs; with every release from the cache
  // it is likely not needed (the verdict is cached too), and loads only if it is.
  if (helmRenders > 0) loadChecker();
  const meshes = await rendering;
  // A release several clusters share counts once, as it rendered once.
  const releases = [...new Map(meshes.flatMap(m => releaseList(m.releases)).map(r => [JSON.stringify(r.request), r])).values()];

  fs.mkdirSync(path.dirname(outdir), { recursive: true });
  removeAbandonedScratch(`${outdir}.tmp-`);
  const staged = makeScratch(`${outdir}.tmp-`);
  const removeStaged = () => fs.rmSync(staged, { recursive: true, force: true });
  process.once('exit', removeStaged);
  try {
    fs.chmodSync(staged, 0o755);
    const planned = clusters.map((cluster, i) => {
      // Manifests only, whatever CDK8S_RECORD_CONSTRUCT_METADATA says (writeManifests writes no metadata either).
      const app = new App({ outdir: cluster.name === undefined ? staged : path.join(staged, cluster.name), recordConstructMetadata: false });
      try {
        new IstioMesh(app, 'mesh', { ...meshes[i], cluster: cluster.name });
        return { app, files: manifestFilesOf(app) };
      } catch (err) {
        throw buildError(err, root, cluster.name);
      }
    });
    // The Argo CD or Flux objects that apply the clusters' folders (<out>/delivery/), from what is about to be written.
    const deliveryDir = path.join(staged, DELIVERY_FOLDER);
    const delivery = deliveryOutput(planned.map(({ files }, i) => ({ name: clusters[i].name, settings: clusters[i].settings, files })), deliveryDir);
    // What check would refuse is never written (as cdk8s writes nothing when a validation fails).
    const deliveryFiles = delivery && [...delivery.manifests, ...delivery.kustomizations];
    const refused = refusals(planned.map(({ files }, i) => ({ cluster: clusters[i].name, files, expected: clusters[i].settings })), cache, root, deliveryFiles);
    if (refused) throw refused;
    for (const { app, files } of planned) writeManifestFiles(app.outdir, files, cache);
    if (deliveryFiles) writeManifestFiles(deliveryDir, deliveryFiles, cache);
    await precondition;
    const changes = compareOutputs(outdir, staged);
    swapInto(staged, outdir);
    return {
      outdir, changes, releases: releases.length, releasesFromCache: releases.filter(r => r.fromCache).length,
      ...(isFleet(project) ? { clusters: clusters.length } : {}),
    };
  } finally {
    process.removeListener('exit', removeStaged);
    removeStaged();
  }
}
