import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart, Names, Yaml, YamlOutputType } from 'cdk8s';
import { IConstruct } from 'constructs';
import { RenderCache } from '../render/render-cache';
import { topologicalOrder } from './construct-order';

/** cdk8s's version: its YAML writer decides the bytes, so a new one must not reuse old text. */
const CDK8S_VERSION: string = require('cdk8s/package.json').version;

/** A marker for `undefined` in cache keys: cdk8s writes it as `null`, JSON would drop it. */
const UNDEFINED = '\u0000undefined';

// Computed once per planned file: the writer's text cache and synth's check verdict both key on it.
const keys = new WeakMap<readonly unknown[], string>();

/**
 * The key of a file's text: its documents exactly (key order; undefined, NaN, ±Infinity
 * and -0 told apart from null and 0, as YAML tells them apart) and cdk8s's version.
 */
export function documentsKey(docs: readonly unknown[]): string {
  const known = keys.get(docs);
  if (known) return known;
  const key = computeDocumentsKey(docs);
  keys.set(docs, key);
  return key;
}

function computeDocumentsKey(docs: readonly unknown[]): string {
  const json = JSON.stringify(docs, (_k, v: unknown) => {
    if (v === undefined) return UNDEFINED;
    if (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0))) return `\u0000number:${Object.is(v, -0) ? '-0' : v}`;
    return v;
  });
  return createHash('sha256').update(`manifest-file\0${CDK8S_VERSION}\0${json}`).digest('hex');
}

/**
 * A file's YAML, as cdk8s writes it (`Yaml.stringify`, YAML 1.1, a `---` line between
 * documents). Turning 1 MB of objects into YAML is most of a synth whose inputs did not
 * change (~160 ms), so the text of each file is kept in the cache under a digest of its
 * documents.
 */
function fileText(docs: readonly unknown[], cache: RenderCache | undefined): string {
  if (!cache) return Yaml.stringify(...docs);
  const key = documentsKey(docs);
  const cached = cache.readText(key);
  if (cached !== undefined) return cached;
  const text = Yaml.stringify(...docs);
  try {
    cache.writeText(key, text);
  } catch {
    // A cache that cannot be written (read-only, full) only costs speed; renders say so.
  }
  return text;
}

/** What the constructs' own validations found (node.addValidation), each as `[path] message`. */
export class TreeValidationError extends Error {
  constructor(readonly errors: readonly string[]) {
    super(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
    this.name = 'TreeValidationError';
  }
}

/** Every construct's own validation, as App.synth runs it: one error listing them all. */
function validateTree(constructs: readonly IConstruct[]): void {
  const errors = constructs.flatMap(c => c.node.validate().map(e => `[${c.node.path}] ${e}`));
  if (errors.length > 0) throw new TreeValidationError(errors);
}

/**
 * A chart's file name (without number and extension): cdk8s's, from the chart's path,
 * except for a chart grouped in a plain construct (IstioMesh's stages), which is named by
 * its own id: app.synth() would add the group's path and a hash, `mesh-istiod-c8a1…`.
 */
function chartFileLabel(chart: Chart): string {
  const parent = chart.node.scope;
  const grouped = parent !== undefined && !(parent instanceof App) && !(parent instanceof Chart);
  return grouped ? chart.node.id.toLowerCase() : Names.toDnsLabel(chart);
}

/**
 * Turns construct dependencies into chart and object dependencies, as App.synth does:
 * a nested chart comes before its parent, a chart whose construct depends on another
 * chart's comes after it, and so do the objects. Returns whether any chart depends on
 * another (then cdk8s numbers the files).
 */
function addImplicitDependencies(constructs: readonly IConstruct[]): boolean {
  let hasDependantCharts = false;
  for (const parent of constructs.filter((c): c is Chart => c instanceof Chart)) {
    for (const child of parent.node.children.filter((c): c is Chart => c instanceof Chart)) {
      parent.node.addDependency(child);
      hasDependantCharts = true;
    }
  }
  const deps = constructs.flatMap(source => source.node.dependencies.map(target => ({ source, target })));
  for (const { source, target } of deps) {
    const sourceChart = Chart.of(source);
    const targetChart = Chart.of(target);
    if (sourceChart !== targetChart) {
      sourceChart.node.addDependency(targetChart);
      hasDependantCharts = true;
    }
  }
  for (const { source, target } of deps) {
    const sourceChart = Chart.of(source);
    const targetChart = Chart.of(target);
    const targets = target.node.findAll().filter(c => c instanceof ApiObject && Chart.of(c) === targetChart);
    const sources = source.node.findAll().filter(c => c instanceof ApiObject && Chart.of(c) === sourceChart);
    for (const t of targets) for (const s of sources) if (t !== s) s.node.addDependency(t);
  }
  return hasDependantCharts;
}

/** One output file: its name and its objects, as cdk8s resolves them. */
export interface ManifestFile {
  /** File name, e.g. `0002-istiod.k8s.yaml`. */
  readonly file: string;
  /** The objects, in file order. */
  readonly documents: readonly any[];
}

/**
 * What app.synth() would write, without writing it: constructs validated, implicit
 * dependencies resolved, charts in order with their file names, objects resolved.
 * (Tests read a mesh from here instead of parsing files back.)
 */
export function manifestFilesOf(app: App): ManifestFile[] {
  if (app.yamlOutputType !== YamlOutputType.FILE_PER_CHART) throw new Error('writeManifests writes one file per chart: create the App with the default yamlOutputType');
  const constructs = app.node.findAll();
  validateTree(constructs);
  const numbered = addImplicitDependencies(constructs);
  // app.charts and chart.toJson() would do the same through cdk8s's DependencyGraph,
  // whose cost grows with the product of the stages' sizes (see topologicalOrder).
  const charts = topologicalOrder(app).filter((c): c is Chart => c instanceof Chart);
  return charts.map((chart, i) => ({
    file: `${numbered ? `${String(i).padStart(4, '0')}-` : ''}${chartFileLabel(chart)}${app.outputFileExtension}`,
    documents: topologicalOrder(chart)
      .filter((c): c is ApiObject => c instanceof ApiObject && Chart.of(c) === chart)
      .map(o => o.toJson()),
  }));
}

/**
 * Writes an App's manifests into its outdir exactly as `app.synth()` does (one file per
 * chart, `0000-<chart>.k8s.yaml` when charts depend on each other, the same bytes), with
 * the YAML of files whose objects did not change taken from the cache. A test compares
 * the two writers byte for byte. It never writes construct-metadata.json (which
 * app.synth() adds when CDK8S_RECORD_CONSTRUCT_METADATA is set): dist/ holds manifests
 * only, whatever the environment.
 */
export function writeManifests(app: App, cache?: RenderCache): string[] {
  return writeManifestFiles(app.outdir, manifestFilesOf(app), cache);
}

/**
 * Writes planned files (manifestFilesOf) into a folder, as writeManifests does; returns
 * their names. A name with a `/` goes into its subfolder (the delivery folder's Flux
 * kustomize files).
 */
export function writeManifestFiles(outdir: string, planned: readonly ManifestFile[], cache?: RenderCache): string[] {
  fs.mkdirSync(outdir, { recursive: true });
  const files = planned.map(({ file, documents }) => {
    if (file.includes('/')) fs.mkdirSync(path.join(outdir, path.dirname(file)), { recursive: true });
    fs.writeFileSync(path.join(outdir, file), fileText(documents, cache), 'utf8');
    return file;
  });
  try {
    cache?.prune();
  } catch {
    // as above: the bound is enforced on the next run that can write
  }
  return files;
}
