import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse as parseYaml } from 'yaml';
import { PROJECT_ROOT } from '../lib/project-root';
import { NO_CACHE_ENV } from '../lib/render/render-cache';
import { distManifestFiles, tempDir } from './render';

const APP_COMMAND: string = parseYaml(fs.readFileSync(path.join(PROJECT_ROOT, 'cdk8s.yaml'), 'utf8')).app;

// Preloaded into the synth under test (plain JS: it also loads into esbuild's node shim):
// any attempt to reach the network fails loudly, so "no network request" is checked.
const NO_NETWORK_PRELOAD = `
const net = require('net');
const dns = require('dns');
const refuse = what => { throw new Error('network access during synth: ' + what); };
net.Socket.prototype.connect = function (opts) { refuse('socket connect ' + JSON.stringify(opts)); };
dns.lookup = host => refuse('DNS lookup ' + host);
globalThis.fetch = input => refuse('fetch ' + String(input));
`;

function filesOf(dir: string): Record<string, string> {
  // A fleet's output has a folder per cluster.
  return Object.fromEntries(distManifestFiles(dir).map(f => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

/** Runs the project's synth command (cdk8s.yaml `app`, as npm run synth does) in a child process. */
function synth(outdir: string, env: NodeJS.ProcessEnv, preload: string): void {
  const r = spawnSync('sh', ['-c', APP_COMMAND], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    // No render cache: helm itself must run in the hostile environment.
    env: { ...env, CDK8S_OUTDIR: outdir, NODE_OPTIONS: `--require ${preload}`, [NO_CACHE_ENV]: '1' },
  });
  if (r.status !== 0) throw new Error(`synth failed (exit ${r.status}):\n${r.stderr}`);
}

test('npm run synth and cdk8s synth run the same command', () => {
  expect(JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')).scripts.synth).toBe(APP_COMMAND);
});

describe('synthesis is hermetic', () => {
  const t = tempDir('istio-cdk8s-hermetic-');
  afterAll(() => t.cleanup());

  test('a hostile environment gives byte-identical output, equal to the committed dist/, without network or leftovers', () => {
    // Private temporary folders, to see whether anything is left in them.
    const tmpB = path.join(t.dir, 'tmp-b');
    const home = path.join(t.dir, 'empty-home');
    for (const d of [tmpB, home]) fs.mkdirSync(d);
    const preload = path.join(t.dir, 'no-network.cjs');
    fs.writeFileSync(preload, NO_NETWORK_PRELOAD);
    const kubeconfig = path.join(t.dir, 'kubeconfig');
    fs.writeFileSync(kubeconfig, [
      'apiVersion: v1', 'kind: Config', 'current-context: hostile',
      'clusters: [{name: c, cluster: {server: "https://10.255.255.1:6443"}}]',
      'contexts: [{name: hostile, context: {cluster: c, namespace: hostile-ns, user: u}}]',
      'users: [{name: u, user: {token: x}}]', '',
    ].join('\n'));

    const hostile = {
      PATH: process.env.PATH,
      HOME: home,
      TMPDIR: tmpB,
      KUBECONFIG: kubeconfig,
      HELM_NAMESPACE: 'hostile-ns',
      HELM_KUBEVERSION: '1.20.0',
      HELM_DEBUG: 'true',
      TZ: 'Pacific/Kiritimati',
      LANG: 'tr_TR.UTF-8',
      LC_ALL: 'tr_TR.UTF-8',
    };
    // The committed dist/ was rendered in an ordinary environment (npm run diff, in CI,
    // proves it is what the code renders there): the hostile one must give the same bytes.
    const outB = path.join(t.dir, 'b', 'dist');
    synth(outB, hostile, preload);

    const b = filesOf(outB);
    expect(Object.keys(b).length).toBeGreaterThan(0);
    expect(filesOf(path.join(PROJECT_ROOT, 'dist'))).toEqual(b);
    expect(Object.values(b).filter(text => /hostile/.test(text))).toEqual([]);

    expect(fs.readdirSync(tmpB)).toEqual([]);
    expect(fs.readdirSync(path.dirname(outB))).toEqual(['dist']);
    expect(fs.readdirSync(path.join(PROJECT_ROOT, 'vendor')).filter(f => f.startsWith('.'))).toEqual([]);
  }, 60_000);
});
