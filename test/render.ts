import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { Manifest, outputManifestFiles } from '../lib/manifests';
import { IstioMesh } from '../lib/mesh';
import { prepareMesh, prepareMeshes } from '../lib/render/prepare-mesh';
import { resolveProject } from '../lib/project/resolve';
import { DELIVERY_FOLDER, ExtendFunction } from '../lib/project/definition';
import { PROJECT_ROOT } from '../lib/project-root';
import { MeshSettings, ResolvedMeshSettings, resolveSettings } from '../lib/settings';
import { manifestFilesOf } from '../lib/synth/write-manifests';
import { lockedVersions } from '../lib/vendoring/lock';

/** Every file below a folder with its digest: "exactly as it was" made checkable. */
export function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = path.join(rel, e.name);
      if (e.isDirectory()) walk(p);
      else out[p] = createHash('sha256').update(fs.readFileSync(path.join(dir, p))).digest('hex');
    }
  };
  walk('');
  return out;
}

/** A temporary folder, removed by the returned cleanup. */
export function tempDir(prefix = 'istio-cdk8s-test-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The manifests an App would write (file by file, as synth names them), in memory: no
 * YAML written and parsed back. (test/write-manifests.test.ts proves the files are what
 * app.synth() writes; main.test.ts compares these objects with dist/ parsed.)
 */
export function manifestsOf(app: App): { manifests: Manifest[]; files: string[] } {
  const planned = manifestFilesOf(app);
  const manifests = planned.flatMap(({ file, documents }) => documents.map((object: any, index: number): Manifest => ({
    file, index, object,
    apiVersion: String(object.apiVersion ?? ''), kind: String(object.kind ?? ''),
    namespace: String(object.metadata?.namespace ?? ''), name: String(object.metadata?.name ?? ''),
  })));
  return { manifests, files: planned.map(p => p.file) };
}

/** Renders a mesh the way synth does (one App, a file per stage; the project's render cache). */
export async function renderMesh(settings: MeshSettings, extend?: ExtendFunction, cluster?: string): Promise<{ manifests: Manifest[]; files: string[]; mesh: IstioMesh }> {
  const props = await prepareMesh(resolveSettings(settings, lockedVersions(PROJECT_ROOT), cluster), { extend });
  const app = new App({ outdir: path.join(os.tmpdir(), 'never-written') });
  const mesh = new IstioMesh(app, 'mesh', { ...props, cluster });
  return { ...manifestsOf(app), mesh };
}

/** Renders a fleet the way synth does: each cluster's manifests and resolved settings, by cluster name. */
export async function renderFleet(clusters: { readonly [name: string]: MeshSettings }): Promise<Map<string, { manifests: Manifest[]; files: string[]; settings: ResolvedMeshSettings }>> {
  const resolved = resolveProject({ clusters }, lockedVersions(PROJECT_ROOT));
  const props = await prepareMeshes(resolved.map(c => c.settings));
  return new Map(resolved.map((c, i) => {
    const app = new App({ outdir: path.join(os.tmpdir(), 'never-written') });
    new IstioMesh(app, 'mesh', { ...props[i], cluster: c.name });
    return [c.name!, { ...manifestsOf(app), settings: c.settings }];
  }));
}

/** The pod spec of a workload manifest, if it has one. */
export function podSpec(m: Manifest): any {
  const o = m.object;
  if (m.kind === 'CronJob') return o.spec?.jobTemplate?.spec?.template?.spec;
  if (m.kind === 'Pod') return o.spec;
  return ['Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'Job'].includes(m.kind) ? o.spec?.template?.spec : undefined;
}

/** A chart whose App writes nothing: for synthesising stages in memory with Testing.synth. */
export function inMemoryChart(): Chart {
  return new Chart(Testing.app({ outdir: path.join(os.tmpdir(), 'never-written') }), 'test');
}

/**
 * The manifest files of the committed dist/, as paths below it: `0000-….yaml`, or in a
 * fleet's output `<cluster>/0000-….yaml` (tests must hold for either form of main.ts).
 */
export function distManifestFiles(dist = path.join(PROJECT_ROOT, 'dist')): string[] {
  return outputManifestFiles(dist);
}

/** The folders of the committed dist/ that hold one cluster's files each: dist/ itself, or dist/<cluster>/ (not dist/delivery/). */
export function distClusterFolders(dist = path.join(PROJECT_ROOT, 'dist')): string[] {
  return [...new Set(distManifestFiles(dist).filter(f => path.dirname(f) !== DELIVERY_FOLDER).map(f => path.join(dist, path.dirname(f))))];
}
