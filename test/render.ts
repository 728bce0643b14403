import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { Manifest, readManifests } from '../lib/manifests';
import { IstioMesh } from '../lib/mesh';
import { prepareMesh } from '../lib/prepare-mesh';
import { ExtendFunction } from '../lib/project';
import { PROJECT_ROOT } from '../lib/project-root';
import { MeshSettings, resolveSettings } from '../lib/settings';
import { readLock } from '../lib/vendoring/lock';

/** A temporary folder, removed by the returned cleanup. */
export function tempDir(prefix = 'istio-cdk8s-test-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Renders a mesh the way synth does (one App, files per stage; the project's render cache) and reads the files back. */
export async function renderMesh(settings: MeshSettings, extend?: ExtendFunction): Promise<{ manifests: Manifest[]; files: string[]; mesh: IstioMesh }> {
  const props = await prepareMesh(resolveSettings(settings, readLock(PROJECT_ROOT).istioVersion), { extend });
  const { dir, cleanup } = tempDir();
  try {
    const app = new App({ outdir: dir });
    const mesh = new IstioMesh(app, 'mesh', props);
    app.synth();
    return { manifests: readManifests(dir), files: fs.readdirSync(dir).sort(), mesh };
  } finally {
    cleanup();
  }
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
