import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { mainTypecheckIsCurrent } from '../lib/project/typecheck';
import { PROJECT_ROOT } from '../lib/project-root';
import { readLockFile, versionDir, gatewayApiDir } from '../lib/vendoring/lock';
import { tempDir } from './render';

// main.ts as a user edits it, through the real `npm run synth` command (its esbuild
// bundle, which strips types) in a copy of the project: what TypeScript refuses is not
// rendered, and a failing extend() names its line in main.ts.

const SOURCES = ['package.json', 'package-lock.json', 'tsconfig.json', 'cdk8s.yaml', 'lib', 'imports'];

/** A copy of the project with its own main.ts, sharing node_modules and the vendored charts. */
function projectWith(mainTs: string): { root: string; synth: (env?: NodeJS.ProcessEnv) => ReturnType<typeof spawnSync>; cleanup: () => void } {
  const t = tempDir('istio-cdk8s-main-');
  const root = t.dir;
  for (const entry of SOURCES) fs.cpSync(path.join(PROJECT_ROOT, entry), path.join(root, entry), { recursive: true });
  fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(root, 'node_modules'));
  fs.mkdirSync(path.join(root, 'vendor'));
  fs.copyFileSync(path.join(PROJECT_ROOT, 'vendor', 'charts.lock.json'), path.join(root, 'vendor', 'charts.lock.json'));
  const lock = readLockFile(PROJECT_ROOT);
  for (const [version, release] of Object.entries(lock.istio)) {
    fs.symlinkSync(versionDir(PROJECT_ROOT, version), versionDir(root, version));
    if (release.gatewayApi && !fs.existsSync(gatewayApiDir(root, release.gatewayApi.version))) {
      fs.symlinkSync(gatewayApiDir(PROJECT_ROOT, release.gatewayApi.version), gatewayApiDir(root, release.gatewayApi.version));
    }
  }
  // The tools' CRDs the lock pins (a main.ts with trust or delivery), as vendored here.
  const toolCrds = path.join(PROJECT_ROOT, 'vendor', 'crds');
  if (fs.existsSync(toolCrds)) fs.symlinkSync(toolCrds, path.join(root, 'vendor', 'crds'));
  fs.writeFileSync(path.join(root, 'main.ts'), mainTs);
  const script: string = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts.synth;
  const env = { ...process.env };
  delete env.CDK8S_OUTDIR;
  const synth = (extraEnv: NodeJS.ProcessEnv = {}) => spawnSync('sh', ['-c', `${script} --quiet`], { cwd: root, encoding: 'utf8', env: { ...env, ...extraEnv } });
  return { root, synth, cleanup: t.cleanup };
}

const istioVersion = readLockFile(PROJECT_ROOT) && Object.keys(readLockFile(PROJECT_ROOT).istio)[0];

const HEAD = `import { Chart } from 'cdk8s';
import { PeerAuthentication, PeerAuthenticationSpecMtlsMode } from './imports/security.istio.io';
import { IstioMesh } from './lib/mesh';
import { MeshSettings } from './lib/settings';

export const settings: MeshSettings = { istioVersion: '${istioVersion}', appNamespaces: [{ name: 'shop' }] };
`;

test('a misspelt field of a typed object is refused with tsc\'s message, and nothing is written', () => {
  const p = projectWith(`${HEAD}
export function extend(chart: Chart, mesh: IstioMesh): void {
  new PeerAuthentication(chart, 'strict', {
    metadata: { name: 'default', namespace: mesh.settings.appNamespaces[0].name },
    spec: { mtsl: { mode: PeerAuthenticationSpecMtlsMode.STRICT } },
  });
}
`);
  try {
    const r = p.synth();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: main\.ts does not type-check, so nothing was written/);
    expect(r.stderr).toMatch(/main\.ts\(11,13\): error TS2353: Object literal may only specify known properties, and 'mtsl' does not exist/);
    expect(fs.existsSync(path.join(p.root, 'dist'))).toBe(false);
  } finally {
    p.cleanup();
  }
}, 60_000);

test('an extend() that throws names its line in main.ts; a valid main.ts renders, and its passed type-check is reused', () => {
  // One main.ts (one type-check): its extend throws when BOOM is set.
  const p = projectWith(`${HEAD}
export function extend(chart: Chart, mesh: IstioMesh): void {
  if (process.env.BOOM) {
    throw new Error('no such team');
  }
  new PeerAuthentication(chart, 'strict', { metadata: { name: 'default', namespace: mesh.settings.appNamespaces[0].name }, spec: { mtls: { mode: PeerAuthenticationSpecMtlsMode.STRICT } } });
}
`);
  try {
    const r = p.synth({ BOOM: '1' });
    expect([r.status, r.stderr]).toEqual([1, 'error: extend() in main.ts failed at main.ts:10:11: no such team\n']);
    expect(fs.existsSync(path.join(p.root, 'dist'))).toBe(false);
    // The type-check passed (the exception came later): the next synth of this main.ts does not run tsc again.
    expect(mainTypecheckIsCurrent(p.root)).toBe(true);
    expect(p.synth()).toMatchObject({ status: 0, stderr: '' });
    expect(fs.readdirSync(path.join(p.root, 'dist'))).toContain('0006-custom.k8s.yaml');
  } finally {
    p.cleanup();
  }
}, 60_000);
