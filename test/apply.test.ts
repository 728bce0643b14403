import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { ApplyContext, applyCommand, FIELD_MANAGER } from '../lib/apply/cli';
import { checkCommand } from '../lib/check/cli';
import { applyPlan } from '../lib/apply/plan';
import { parseManifests, readManifests } from '../lib/manifests';
import { PROJECT_ROOT } from '../lib/project-root';
import { runCaptured } from './command-io';
import { distClusterFolders, distManifestFiles, renderMesh, tempDir } from './render';
import { ApiObject } from 'cdk8s';
import { ARGO_CD_SYNC_WAVE } from '../lib/mesh';
import { readLock } from '../lib/vendoring/lock';

/**
 * A recording kubectl: every call's arguments go to calls.jsonl beside it; a call whose
 * arguments contain fail.json's `on` exits 1 with its `stderr`. No API server runs here.
 */
function kubectlStub(dir: string, fail?: { on: string; stderr: string; times?: number }): { bin: string; calls: () => string[][] } {
  const bin = path.join(dir, 'kubectl');
  const log = path.join(dir, 'calls.log');
  if (fail) {
    fs.writeFileSync(path.join(dir, 'fail-on'), fail.on);
    fs.writeFileSync(path.join(dir, 'fail-stderr'), `${fail.stderr}\n`);
    // How many matching calls fail before they succeed (default: all of them).
    fs.writeFileSync(path.join(dir, 'fail-times'), String(fail.times ?? 1000));
  }
  // POSIX sh, not node: a call costs milliseconds. One line per call, arguments separated by \x1f.
  fs.writeFileSync(bin, `#!/bin/sh
here=$(dirname "$0")
for a in "$@"; do printf '%s\\037' "$a"; done >> "$here/calls.log"
echo >> "$here/calls.log"
if [ -f "$here/fail-on" ]; then
  on=$(cat "$here/fail-on")
  left=$(cat "$here/fail-times")
  for a in "$@"; do case "$a" in *"$on"*) if [ "$left" -gt 0 ]; then echo $((left - 1)) > "$here/fail-times"; cat "$here/fail-stderr" >&2; exit 1; fi;; esac; done
fi
case " $* " in *" apply "*) echo "namespace/x serverside-applied";; esac
exit 0
`, { mode: 0o755 });
  const calls = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).map(l => l.split('\x1f').slice(0, -1)) : []);
  return { bin, calls };
}

const ns = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const crd = (plural: string, group: string, kind: string) => ({
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `${plural}.${group}` },
  spec: { group, names: { kind, plural }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true }] },
});
const istiod = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'istiod-canary', namespace: 'istio-system', labels: { app: 'istiod' } }, spec: {} };
const gateway = {
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'gw', namespace: 'edge' },
  spec: { template: { metadata: { annotations: { 'inject.istio.io/templates': 'gateway' } } } },
};
const peerAuth = { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'istio-system' }, spec: {} };
const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'edge' } };

/** A folder in the shape synth writes: namespaces, CRDs, istiod, gateways, policy. */
function fixtureFolder(dir: string): string {
  const out = path.join(dir, 'manifests');
  fs.mkdirSync(out);
  const files: Record<string, object[]> = {
    '0000-namespaces.k8s.yaml': [ns('istio-system'), ns('edge')],
    '0001-crds.k8s.yaml': [crd('peerauthentications', 'security.istio.io', 'PeerAuthentication'), crd('widgets', 'example.com', 'Widget')],
    '0002-istiod.k8s.yaml': [istiod],
    '0003-gateways.k8s.yaml': [gateway],
    '0004-policy.k8s.yaml': [peerAuth],
    '0005-custom.k8s.yaml': [widget],
  };
  for (const [f, docs] of Object.entries(files)) fs.writeFileSync(path.join(out, f), docs.map(d => stringify(d)).join('---\n'));
  return out;
}

const NO_DELAY = { attempts: 2, delayMs: 0 };
/** These fixtures are about kubectl's sequence, not about check (tested below with a real one): a check that passes. */
const context = (kubectl: string, check: ApplyContext['check'] = () => 0): ApplyContext => ({ root: PROJECT_ROOT, kubectl, retry: NO_DELAY, check });
const applyArgs = (folder: string, file: string, extra: string[] = []) => ['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', path.join(folder, file), ...extra];

describe('npm run apply', () => {
  test('applies file by file, waiting for CRDs before their first use and for istiod before gateways and Istio resources', async () => {
    const t = tempDir();
    try {
      const folder = fixtureFolder(t.dir);
      const stub = kubectlStub(t.dir);
      const r = await runCaptured((argv, io) => applyCommand(argv, io, context(stub.bin)), ['--context', 'prod', '--timeout', '90s', folder]);
      expect(r.status).toBe(0);
      const ctx = ['--context', 'prod'];
      expect(stub.calls()).toEqual([
        [...ctx, ...applyArgs(folder, '0000-namespaces.k8s.yaml')],
        [...ctx, ...applyArgs(folder, '0001-crds.k8s.yaml')],
        [...ctx, ...applyArgs(folder, '0002-istiod.k8s.yaml')],
        // The gateway's pods need istiod's injector: its rollout first.
        [...ctx, 'rollout', 'status', 'deployment/istiod-canary', '-n', 'istio-system', '--timeout=90s'],
        [...ctx, ...applyArgs(folder, '0003-gateways.k8s.yaml')],
        [...ctx, 'wait', '--for=condition=Established', '--timeout=90s', 'customresourcedefinition/peerauthentications.security.istio.io'],
        [...ctx, ...applyArgs(folder, '0004-policy.k8s.yaml')],
        [...ctx, 'wait', '--for=condition=Established', '--timeout=90s', 'customresourcedefinition/widgets.example.com'],
        [...ctx, ...applyArgs(folder, '0005-custom.k8s.yaml')],
      ]);
      expect(r.err).toContain('[4/9] wait for the rollout of istio-system/istiod-canary (0003-gateways.k8s.yaml needs istiod\'s webhooks)');
      expect(r.out[r.out.length - 1]).toMatch(/^apply: 6 files of .* applied to context prod$/);
    } finally {
      t.cleanup();
    }
  });

  test('stops at the first failure, naming the file and the object; later files are not applied', async () => {
    const t = tempDir();
    try {
      const folder = fixtureFolder(t.dir);
      const stub = kubectlStub(t.dir, { on: '0004-policy', stderr: 'Error from server (Forbidden): error when creating "0004-policy.k8s.yaml": peerauthentications.security.istio.io "default" is forbidden: denied by webhook' });
      const r = await runCaptured((argv, io) => applyCommand(argv, io, context(stub.bin)), [folder]);
      expect(r.status).toBe(1);
      expect(stub.calls().map(c => c.find(a => a.endsWith('.yaml')) ?? c[0])).toEqual([
        path.join(folder, '0000-namespaces.k8s.yaml'), path.join(folder, '0001-crds.k8s.yaml'), path.join(folder, '0002-istiod.k8s.yaml'),
        'rollout', path.join(folder, '0003-gateways.k8s.yaml'), 'wait', path.join(folder, '0004-policy.k8s.yaml'),
      ]);
      const errors = r.err.filter(l => l.startsWith('error:'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain('kubectl apply failed on');
      expect(errors[0]).toContain('0004-policy.k8s.yaml (PeerAuthentication/istio-system/default): Error from server (Forbidden)');
      expect(r.err.join('\n')).toContain('4 files were applied before it; fix the cause and run npm run apply again');
    } finally {
      t.cleanup();
    }
  });

  test('--dry-run=server passes through and skips the waits (nothing is created to wait for)', async () => {
    const t = tempDir();
    try {
      const folder = fixtureFolder(t.dir);
      const stub = kubectlStub(t.dir);
      const r = await runCaptured((argv, io) => applyCommand(argv, io, context(stub.bin)), ['--dry-run=server', folder]);
      expect(r.status).toBe(0);
      expect(stub.calls().every(c => c[0] === 'apply' && c[c.length - 1] === '--dry-run=server')).toBe(true);
      expect(stub.calls()).toHaveLength(6);
      expect(r.err.filter(l => l.includes('skipped (dry run'))).toHaveLength(3);
    } finally {
      t.cleanup();
    }
  });

  test.each([
    [['--dry-run=client'], 'only --dry-run=server is supported'],
    [['--timeout', 'soon'], '--timeout soon: expected a duration'],
    [['--bogus'], 'unknown option --bogus'],
    [['a', 'b'], 'unexpected argument b'],
  ])('bad arguments %j: one error line, kubectl never runs', async (argv, message) => {
    const t = tempDir();
    try {
      const stub = kubectlStub(t.dir);
      const r = await runCaptured((argv, io) => applyCommand(argv, io, context(stub.bin)), argv);
      expect(r.status).not.toBe(0);
      expect(r.err.filter(l => l.startsWith('error:')).join('\n')).toContain(message);
      expect(stub.calls()).toEqual([]);
    } finally {
      t.cleanup();
    }
  });

  test('no kubectl, or no folder: one error line naming the fix', async () => {
    const t = tempDir();
    try {
      const missing = await runCaptured((argv, io) => applyCommand(argv, io, context(path.join(t.dir, 'no-such-kubectl'))), [fixtureFolder(t.dir)]);
      expect(missing.status).toBe(1);
      expect(missing.err.join('\n')).toMatch(/^error: .*no-such-kubectl not found on PATH: install kubectl/m);
      const noFolder = await runCaptured((argv, io) => applyCommand(argv, io, context('kubectl')), [path.join(t.dir, 'absent')]);
      expect(noFolder.status).toBe(1);
      expect(noFolder.err.join('\n')).toMatch(/^error: .*absent is not a folder; render it first with: npm run synth/m);
    } finally {
      t.cleanup();
    }
  });

  test('a wait that times out stops the apply, naming what did not become ready', async () => {
    const t = tempDir();
    try {
      const folder = fixtureFolder(t.dir);
      const stub = kubectlStub(t.dir, { on: 'deployment/istiod-canary', stderr: 'error: timed out waiting for the condition' });
      const r = await runCaptured((argv, io) => applyCommand(argv, io, context(stub.bin)), ['--timeout', '1m30s', folder]);
      expect(r.status).toBe(1);
      const errors = r.err.filter(l => l.startsWith('error:'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^error: istio-system\/istiod-canary did not roll out within 1m30s \(needed by 0003-gateways.k8s.yaml\): error: timed out waiting for the condition\n3 files were applied before it/);
      expect(stub.calls().some(c => c.includes(path.join(folder, '0003-gateways.k8s.yaml')))).toBe(false);
    } finally {
      t.cleanup();
    }
  });

  test('kubectl\'s error line is the headline of a multi-line failure; a conflict points at --force-conflicts', async () => {
    const t = tempDir();
    try {
      const folder = fixtureFolder(t.dir);
      const stub = kubectlStub(t.dir, {
        on: '0002-istiod',
        stderr: 'error: Apply failed with 1 conflict: conflict with "helm" using apps/v1: .spec.replicas\nPlease review the fields above--they currently have other managers.\n  up-to-date.',
      });
      const r = await runCaptured((argv, io) => applyCommand(argv, io, context(stub.bin)), [folder]);
      const errors = r.err.filter(l => l.startsWith('error:'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain('0002-istiod.k8s.yaml: error: Apply failed with 1 conflict: conflict with "helm" using apps/v1: .spec.replicas (fields owned by another manager: add --force-conflicts to take them over)');
      expect(r.err).toContain('  Please review the fields above--they currently have other managers.');
      const forced = kubectlStub(fs.mkdtempSync(path.join(t.dir, 'forced-')));
      expect((await runCaptured((argv, io) => applyCommand(argv, io, context(forced.bin)), ['--force-conflicts', folder])).status).toBe(0);
      expect(forced.calls().filter(c => c[0] === 'apply').every(c => c.includes('--force-conflicts'))).toBe(true);
    } finally {
      t.cleanup();
    }
  });

  test('an apply refused because istiod\'s webhook is not reachable yet is retried', async () => {
    const t = tempDir();
    try {
      const folder = fixtureFolder(t.dir);
      const stub = kubectlStub(t.dir, { on: '0004-policy', times: 2, stderr: 'Error from server (InternalError): Internal error occurred: failed calling webhook "validation.istio.io": no endpoints available for service "istiod"' });
      const r = await runCaptured((argv, io) => applyCommand(argv, io, context(stub.bin)), [folder]);
      expect(r.status).toBe(0);
      expect(stub.calls().filter(c => c.includes(path.join(folder, '0004-policy.k8s.yaml')))).toHaveLength(3);
      expect(r.err.filter(l => l.includes('retrying'))).toHaveLength(2);
    } finally {
      t.cleanup();
    }
  });

  test('a custom resource in the same file as its CRD is refused before kubectl runs', async () => {
    const t = tempDir();
    try {
      const folder = path.join(t.dir, 'one-file');
      fs.mkdirSync(folder);
      fs.writeFileSync(path.join(folder, '0000-custom.k8s.yaml'), [crd('widgets', 'example.com', 'Widget'), { ...widget, metadata: { name: 'w' } }].map(d => stringify(d)).join('---\n'));
      const stub = kubectlStub(t.dir);
      const r = await runCaptured((argv, io) => applyCommand(argv, io, context(stub.bin)), [folder]);
      expect(r.status).toBe(1);
      expect(r.err.join('\n')).toContain('error: 0000-custom.k8s.yaml: Widget/-/w is in the same file as its CRD');
      expect(stub.calls()).toEqual([]);
    } finally {
      t.cleanup();
    }
  });

  test('a folder npm run check refuses is not applied: the check runs first, kubectl never', async () => {
    const t = tempDir();
    try {
      const folder = path.join(t.dir, 'refused');
      fs.mkdirSync(folder);
      // A PeerAuthentication with port-level mTLS and no selector: its CRD's CEL rule refuses it.
      const crdFromDist = readManifests(distClusterFolders()[0]).find(m => m.name === 'peerauthentications.security.istio.io')!.object;
      const files: Record<string, object[]> = {
        '0000-namespaces.k8s.yaml': [ns('istio-system')],
        '0001-crds.k8s.yaml': [crdFromDist],
        '0002-policy.k8s.yaml': [{ ...peerAuth, spec: { portLevelMtls: { 8080: { mode: 'DISABLE' } } } }],
      };
      for (const [f, docs] of Object.entries(files)) fs.writeFileSync(path.join(folder, f), docs.map(d => stringify(d)).join('---\n'));
      const stub = kubectlStub(t.dir);
      const settings = { istioVersion: readLock(PROJECT_ROOT).istioVersion };
      const realCheck: ApplyContext['check'] = (argv, io) => checkCommand(argv, io, { project: () => ({ settings }), root: PROJECT_ROOT });
      const r = await runCaptured((argv, io) => applyCommand(argv, io, context(stub.bin, realCheck)), [folder]);
      expect(r.status).toBe(1);
      expect(r.out).toContain('0002-policy.k8s.yaml: PeerAuthentication/istio-system/default: crd-rule: spec: Invalid value: "object": portLevelMtls requires selector');
      expect(r.err.join('\n')).toMatch(/^error: npm run check refuses .*refused \(violations above\), so nothing was applied/m);
      expect(stub.calls()).toEqual([]);
    } finally {
      t.cleanup();
    }
  });

  test('ambient: istio-cni and ztunnel roll out before the first namespace whose pods join the mesh', () => {
    const ds = (name: string) => ({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name, namespace: 'istio-system', labels: { app: name } }, spec: {} });
    const m = (file: string, object: any, index = 0) => ({ file, index, object, apiVersion: object.apiVersion, kind: object.kind, namespace: object.metadata.namespace ?? '', name: object.metadata.name });
    const steps = applyPlan([
      m('0000-namespaces.k8s.yaml', ns('istio-system')),
      m('0001-istiod.k8s.yaml', istiod),
      m('0002-cni.k8s.yaml', ds('istio-cni-node')),
      m('0003-ztunnel.k8s.yaml', ds('ztunnel')),
      m('0004-apps.k8s.yaml', { ...ns('shop'), metadata: { name: 'shop', labels: { 'istio.io/dataplane-mode': 'ambient' } } }),
    ]);
    expect(steps.map(s => (s.kind === 'apply' ? s.file : s.kind === 'wait-rollout' ? s.workloads.map(w => `${w.kind}/${w.name}`).join(' ') : s.kind))).toEqual([
      '0000-namespaces.k8s.yaml', '0001-istiod.k8s.yaml', '0002-cni.k8s.yaml', '0003-ztunnel.k8s.yaml',
      'DaemonSet/istio-cni-node DaemonSet/ztunnel', '0004-apps.k8s.yaml',
    ]);
  });

  test('a fleet\'s output: every cluster to the kube context of its name, or the one --cluster names', async () => {
    const t = tempDir();
    try {
      const dist = path.join(t.dir, 'dist');
      fs.mkdirSync(dist);
      for (const c of ['dev', 'prod']) fs.renameSync(fixtureFolder(fs.mkdtempSync(path.join(t.dir, `${c}-`))), path.join(dist, c));
      const stub = kubectlStub(t.dir);
      const all = await runCaptured((argv, io) => applyCommand(argv, io, context(stub.bin)), [dist]);
      expect(all.status).toBe(0);
      const contexts = stub.calls().map(c => `${c[1]} ${c[2] === 'apply' ? path.relative(dist, c[c.indexOf('-f') + 1]) : c[2]}`);
      expect(contexts.filter(c => c.includes('namespaces'))).toEqual(['dev dev/0000-namespaces.k8s.yaml', 'prod prod/0000-namespaces.k8s.yaml']);
      expect(stub.calls().every(c => c[0] === '--context')).toBe(true);
      expect(all.err).toContain('== cluster prod (kube context prod)');
      expect(all.out[all.out.length - 1]).toBe('apply: 2 clusters applied');

      const one = kubectlStub(fs.mkdtempSync(path.join(t.dir, 'one-')));
      expect((await runCaptured((argv, io) => applyCommand(argv, io, context(one.bin)), ['--cluster', 'prod', '--context', 'eu-1', dist])).status).toBe(0);
      expect(new Set(one.calls().map(c => `${c[1]} ${c.find(a => a.endsWith('.yaml'))?.split(path.sep).slice(-2, -1)[0] ?? ''}`))).toEqual(new Set(['eu-1 prod', 'eu-1 ']));
      const bad = await runCaptured((argv, io) => applyCommand(argv, io, context(one.bin)), ['--context', 'eu-1', dist]);
      expect(bad.err).toEqual(['error: --context eu-1 names one cluster\'s context, and 2 clusters would be applied: add --cluster NAME']);
      const unknown = await runCaptured((argv, io) => applyCommand(argv, io, context(one.bin)), ['--cluster', 'staging', dist]);
      expect(unknown.err[0]).toMatch(/^error: --cluster staging: no such cluster folder in .*dist \(clusters: dev, prod\)$/);
    } finally {
      t.cleanup();
    }
  });

  test('the plan for the committed dist/: every custom resource waits for its CRD, and istiod rolls out before the first Istio resource or gateway', () => {
    for (const folder of distClusterFolders()) {
    const manifests = readManifests(folder);
    const steps = applyPlan(manifests);
    const applied = new Set<string>();
    const established = new Set<string>();
    let istiodReady = false;
    const crdName = new Map(manifests.filter(m => m.kind === 'CustomResourceDefinition').map(m => [`${m.object.spec.group}/${m.object.spec.names.kind}`, m.name]));
    for (const step of steps) {
      if (step.kind === 'wait-crds') step.crds.forEach(c => established.add(c));
      if (step.kind === 'wait-rollout') istiodReady = true;
      if (step.kind !== 'apply') continue;
      for (const m of step.objects) {
        const group = m.apiVersion.includes('/') ? m.apiVersion.split('/')[0] : '';
        const crd = crdName.get(`${group}/${m.kind}`);
        if (crd) expect({ object: `${m.file}: ${m.kind}/${m.name}`, established: established.has(crd) }).toEqual({ object: `${m.file}: ${m.kind}/${m.name}`, established: true });
        if (group.endsWith('istio.io') && m.kind !== 'CustomResourceDefinition') expect(istiodReady).toBe(true);
      }
      applied.add(step.file);
    }
    expect([...applied]).toEqual([...new Set(manifests.map(m => m.file))].sort());
    }
  });

  test('the command finds kubectl on PATH (a recording stub) and applies dist/', () => {
    const t = tempDir();
    try {
      const stub = kubectlStub(t.dir);
      // The script's own command line (package.json: tsx lib/apply/cli.ts), without npm's start-up.
      expect(JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')).scripts.apply).toBe('tsx lib/apply/cli.ts');
      const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'lib/apply/cli.ts', '--dry-run=server'], {
        cwd: PROJECT_ROOT, encoding: 'utf8', env: { ...process.env, PATH: `${t.dir}${path.delimiter}${process.env.PATH}` },
      });
      expect(r.status).toBe(0);
      // Every file of every cluster with objects in it (a fleet's clusters one after the
      // other; a stage with nothing to apply, such as apps without app namespaces, is skipped).
      const dist = path.join(PROJECT_ROOT, 'dist');
      const withObjects = distManifestFiles().filter(f => parseManifests(f, fs.readFileSync(path.join(dist, f), 'utf8')).length > 0);
      expect(stub.calls().filter(c => c.includes('apply')).map(c => path.relative(dist, c[c.indexOf('-f') + 1]))).toEqual(withObjects);
    } finally {
      t.cleanup();
    }
  });
});

describe('argoCdSyncWaves', () => {
  const V = readLock(PROJECT_ROOT).istioVersion;
  test('off by default; on, every object carries its file\'s number as its Argo CD sync wave', async () => {
    const settings = { istioVersion: V, appNamespaces: [{ name: 'shop' }] };
    const off = await renderMesh(settings);
    expect(off.manifests.filter(m => m.object.metadata?.annotations?.[ARGO_CD_SYNC_WAVE] !== undefined)).toEqual([]);
    const on = await renderMesh({ ...settings, argoCdSyncWaves: true }, chart => {
      new ApiObject(chart, 'own', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'own', namespace: 'shop' } });
    });
    expect(on.files.length).toBeGreaterThan(3);
    for (const m of on.manifests) {
      expect({ object: `${m.file} ${m.kind}/${m.name}`, wave: m.object.metadata.annotations?.[ARGO_CD_SYNC_WAVE] })
        .toEqual({ object: `${m.file} ${m.kind}/${m.name}`, wave: String(Number(m.file.slice(0, 4))) });
    }
  });
});
