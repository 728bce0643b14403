import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { ApplyClusterSettings, ApplyContext, applyCommand, FIELD_MANAGER } from '../lib/apply/cli';
import { checkCommand } from '../lib/check/cli';
import { applyPlan } from '../lib/apply/plan';
import { parseManifests, readManifests } from '../lib/manifests';
import { PROJECT_ROOT } from '../lib/project-root';
import { runCaptured } from './command-io';
import { distClusterFolders, distManifestFiles, renderMesh, tempDir } from './render';
import { ApiObject } from 'cdk8s';
import { ARGO_CD_SYNC_WAVE } from '../lib/mesh';
import { DELIVERY_FOLDER } from '../lib/manifests';
import { readLock } from '../lib/vendoring/lock';

/**
 * A recording kubectl: every call's arguments go to calls.jsonl beside it; a call whose
 * arguments contain fail.json's `on` exits 1 with its `stderr`. `kubectl get secret`
 * prints `secretKeys`, one entry per call (the last repeats): what apply's key-name
 * template prints (`keys: <names>`), or '' for a Secret that does not exist. No API server runs here.
 */
function kubectlStub(dir: string, fail?: { on: string; stderr: string; times?: number }, secretKeys: readonly string[] = []): { bin: string; calls: () => string[][] } {
  const bin = path.join(dir, 'kubectl');
  const log = path.join(dir, 'calls.log');
  if (fail) {
    fs.writeFileSync(path.join(dir, 'fail-on'), fail.on);
    fs.writeFileSync(path.join(dir, 'fail-stderr'), `${fail.stderr}\n`);
    // How many matching calls fail before they succeed (default: all of them).
    fs.writeFileSync(path.join(dir, 'fail-times'), String(fail.times ?? 1000));
  }
  secretKeys.forEach((keys, i) => fs.writeFileSync(path.join(dir, `secret-${i}`), keys ? `${keys}\n` : ''));
  fs.writeFileSync(path.join(dir, 'secret-n'), '0');
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
if [ -f "$here/secret-0" ]; then case " $* " in *" get secret "*)
  n=$(cat "$here/secret-n"); cat "$here/secret-$n"
  if [ -f "$here/secret-$((n + 1))" ]; then echo $((n + 1)) > "$here/secret-n"; fi;; esac
fi
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
/**
 * These fixtures are about kubectl's sequence, not about check (tested below with a real
 * one): a check that passes, and no settings unless a test gives them (the folder decides).
 */
const context = (kubectl: string, check: ApplyContext['check'] = () => 0, clusters: ApplyClusterSettings[] = []): ApplyContext => ({
  root: PROJECT_ROOT, kubectl, retry: NO_DELAY, check, clusters: () => clusters, pollMs: 0,
});
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
      // dist/delivery/ is the GitOps controller's to apply, never apply's.
      const withObjects = distManifestFiles().filter(f => f.split('/')[0] !== DELIVERY_FOLDER && parseManifests(f, fs.readFileSync(path.join(dist, f), 'utf8')).length > 0);
      expect(stub.calls().filter(c => c.includes('apply')).map(c => path.relative(dist, c[c.indexOf('-f') + 1]))).toEqual(withObjects);
    } finally {
      t.cleanup();
    }
  });
});

describe('npm run apply: istiod\'s CA before istiod, primaries before their remotes', () => {
  // Hand-written in the shapes the trust stage renders: cert-manager's Certificate, or an
  // ExternalSecret with Istio's four keys, writing Secret istio-system/cacerts.
  const certificate = {
    apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'cacerts', namespace: 'istio-system' },
    spec: { secretName: 'cacerts', isCA: true, commonName: 'intermediate', issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'root-issuer' } },
  };
  const remoteRef = (secretKey: string, key: string) => ({ secretKey, remoteRef: { key, property: secretKey } });
  const externalSecret = {
    apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'cacerts', namespace: 'istio-system' },
    spec: {
      refreshInterval: '1h', secretStoreRef: { kind: 'ClusterSecretStore', name: 'store-a' }, target: { name: 'cacerts' },
      data: [remoteRef('ca-cert.pem', 'ca/one'), remoteRef('ca-key.pem', 'ca/one'), remoteRef('cert-chain.pem', 'ca/one'), remoteRef('root-cert.pem', 'ca/root')],
    },
  };
  // A remote cluster's credentials for istiod: nothing waits for them.
  const remoteSecret = {
    apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'istio-remote-secret-two', namespace: 'istio-system' },
    spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'store-a' }, target: { name: 'istio-remote-secret-two' }, dataFrom: [{ extract: { key: 'kubeconfigs/two' } }] },
  };
  const istiodPlain = { ...istiod, metadata: { ...istiod.metadata, name: 'istiod' } };
  const trust = {
    certManager: { source: 'cert-manager', issuer: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'root-issuer' }, duration: '8760h', renewBefore: '720h' },
    externalSecret: { source: 'external-secret', store: { kind: 'ClusterSecretStore', name: 'store-a' }, key: 'ca/one', rootKey: 'ca/root', refreshInterval: '1h' },
  } as const;
  const PLUGIN_KEYS = 'keys: ca-cert.pem ca-key.pem cert-chain.pem root-cert.pem';
  const TLS_KEYS = 'keys: ca.crt tls.crt tls.key';

  /**
   * A cluster's folder in the order synth writes it: namespaces, istio-base, the trust
   * file (when there are trust objects), istiod (left out for a remote cluster: no
   * istiod of its own), gateways, policy.
   */
  function trustFolder(dir: string, trustObjects: object[], opts: { remote?: boolean; name?: string } = {}): string {
    const out = path.join(dir, opts.name ?? 'manifests');
    fs.mkdirSync(out, { recursive: true });
    const files: [string, object[]][] = [
      ['namespaces', [ns('istio-system'), ns('edge')]],
      ['istio-base', [crd('peerauthentications', 'security.istio.io', 'PeerAuthentication')]],
      ...(trustObjects.length ? [['trust', trustObjects] as [string, object[]]] : []),
      ['istiod', opts.remote ? [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio', namespace: 'istio-system' }, data: {} }] : [istiodPlain]],
      ['gateways', [gateway]],
      ['policy', [peerAuth]],
    ];
    files.forEach(([stage, docs], i) => fs.writeFileSync(path.join(out, `${String(i).padStart(4, '0')}-${stage}.k8s.yaml`), docs.map(d => stringify(d)).join('---\n')));
    return out;
  }

  /** The calls between the trust file's apply (or istio-base's) and istiod's, without the context. */
  const beforeIstiod = (calls: string[][], folder: string) => {
    const names = calls.map(c => c.find(a => a.endsWith('.k8s.yaml'))?.slice(folder.length + 1));
    const from = names.findIndex(n => n === '0002-trust.k8s.yaml' || n === '0001-istio-base.k8s.yaml' && !names.includes('0002-trust.k8s.yaml'));
    const to = names.findIndex(n => n?.endsWith('-istiod.k8s.yaml'));
    return calls.slice(from + 1, to + 1).map(c => (c[0] === '--context' ? c.slice(2) : c)).map(c => (c[0] === 'apply' ? `apply ${path.basename(c[c.indexOf('-f') + 1])}` : c.join(' ')));
  };
  const getSecret = (template: string) => `get secret cacerts -n istio-system --ignore-not-found -o ${template}`;

  test('cert-manager: the Certificate Ready, then Secret cacerts complete, before istiod\'s file', async () => {
    const t = tempDir();
    try {
      const folder = trustFolder(t.dir, [certificate]);
      const stub = kubectlStub(t.dir, undefined, ['', 'keys: tls.crt tls.key', TLS_KEYS]);
      const r = await runCaptured((argv, io) => applyCommand(argv, io, context(stub.bin, undefined, [{ trust: trust.certManager }])), ['--timeout', '90s', folder]);
      expect(r.status).toBe(0);
      const calls = stub.calls();
      const template = calls.find(c => c[0] === 'get')![calls.find(c => c[0] === 'get')!.indexOf('-o') + 1];
      expect(beforeIstiod(calls, folder)).toEqual([
        'wait --for=condition=Ready --timeout=90s -n istio-system certificates.cert-manager.io/cacerts',
        getSecret(template), getSecret(template), getSecret(template),
        'apply 0003-istiod.k8s.yaml',
      ]);
      // The template prints key names, never a value.
      expect(template).toMatch(/^go-template=/);
      expect(template).not.toMatch(/\{\{\s*\$v\s*\}\}|\{\{\s*\.data\s*\}\}/);
      expect(r.err).toContain('[4/9] wait for istiod\'s CA: Certificate istio-system/cacerts Ready, then Secret istio-system/cacerts with every key istiod reads (0003-istiod.k8s.yaml starts istiod)');
      expect(r.err).toContain('  Secret istio-system/cacerts: not created yet; waiting up to 90s');
      expect(r.err).toContain('  Secret istio-system/cacerts: missing ca.crt; waiting up to 90s');
    } finally {
      t.cleanup();
    }
  });

  test('External Secrets: the cacerts ExternalSecret Ready (not the remote secrets), then Secret cacerts complete', async () => {
    const t = tempDir();
    try {
      const folder = trustFolder(t.dir, [externalSecret, remoteSecret]);
      const stub = kubectlStub(t.dir, undefined, [PLUGIN_KEYS]);
      const r = await runCaptured((argv, io) => applyCommand(argv, io, context(stub.bin, undefined, [{ trust: trust.externalSecret }])), [folder]);
      expect(r.status).toBe(0);
      const steps = beforeIstiod(stub.calls(), folder);
      expect(steps).toEqual(['wait --for=condition=Ready --timeout=5m -n istio-system externalsecrets.external-secrets.io/cacerts', expect.stringMatching(/^get secret cacerts /), 'apply 0003-istiod.k8s.yaml']);
      expect(r.err.filter(l => l.includes('waiting up to'))).toEqual([]);
    } finally {
      t.cleanup();
    }
  });

  test('manual: no trust object, so the settings say istiod waits for the Secret the user creates', async () => {
    const t = tempDir();
    try {
      const folder = trustFolder(t.dir, []);
      const stub = kubectlStub(t.dir, undefined, ['', 'keys: ca.crt tls.crt tls.key']);
      const r = await runCaptured((argv, io) => applyCommand(argv, io, context(stub.bin, undefined, [{ trust: { source: 'manual' } }])), [folder]);
      expect(r.status).toBe(0);
      // Either layout: cert-manager's tls.crt/tls.key/ca.crt is as good as Istio's four files.
      expect(beforeIstiod(stub.calls(), folder)).toEqual([expect.stringMatching(/^get secret cacerts /), expect.stringMatching(/^get secret cacerts /), 'apply 0002-istiod.k8s.yaml']);
      expect(r.err).toContain('[3/8] wait for istiod\'s CA: Secret istio-system/cacerts (trust \'manual\': created by hand) with every key istiod reads (0002-istiod.k8s.yaml starts istiod)');
    } finally {
      t.cleanup();
    }
  });

  test.each([
    ['self-signed', { source: 'self-signed' }, false],
    ['a remote cluster (no istiod)', { source: 'remote' }, true],
    ['no settings for the folder', undefined, false],
  ] as const)('%s: nothing waits for a CA', async (_, clusterTrust, remote) => {
    const t = tempDir();
    try {
      const folder = trustFolder(t.dir, [], { remote });
      const stub = kubectlStub(t.dir);
      const r = await runCaptured((argv, io) => applyCommand(argv, io, context(stub.bin, undefined, clusterTrust ? [{ trust: clusterTrust }] : [])), [folder]);
      expect(r.status).toBe(0);
      expect(stub.calls().filter(c => c.includes('secret') || c.includes('--for=condition=Ready'))).toEqual([]);
      expect(r.err.filter(l => l.includes('istiod\'s CA'))).toEqual([]);
    } finally {
      t.cleanup();
    }
  });

  test('--dry-run=server: no CA wait either', async () => {
    const t = tempDir();
    try {
      const folder = trustFolder(t.dir, [certificate]);
      const stub = kubectlStub(t.dir);
      const r = await runCaptured((argv, io) => applyCommand(argv, io, context(stub.bin, undefined, [{ trust: trust.certManager }])), ['--dry-run=server', folder]);
      expect(r.status).toBe(0);
      expect(stub.calls().every(c => c[0] === 'apply')).toBe(true);
      expect(r.err).toContain('[4/9] wait for istiod\'s CA: Certificate istio-system/cacerts Ready, then Secret istio-system/cacerts with every key istiod reads (0003-istiod.k8s.yaml starts istiod): skipped (dry run: nothing was created)');
    } finally {
      t.cleanup();
    }
  });

  /** A fleet's output with one cluster, `one`, whose folder holds these trust objects. */
  function fleetOfOne(dir: string, trustObjects: object[]): string {
    const dist = path.join(dir, 'dist');
    trustFolder(dist, trustObjects, { name: 'one' });
    return dist;
  }
  const istiodApplied = (calls: string[][]) => calls.some(c => c.some(a => a.endsWith('-istiod.k8s.yaml')));

  test.each([
    ['the Certificate not Ready', [certificate], trust.certManager, 'certificates.cert-manager.io/cacerts', [],
      'error: cluster one: Certificate istio-system/cacerts not Ready within 1m (istiod in 0003-istiod.k8s.yaml takes its CA from Secret istio-system/cacerts, and started without it makes a root of its own): error: timed out waiting for the condition on certificates/cacerts; is cert-manager installed and the ClusterIssuer root-issuer Ready? (kubectl -n istio-system describe certificate cacerts says why)'],
    ['the ExternalSecret not Ready', [externalSecret, remoteSecret], trust.externalSecret, 'externalsecrets.external-secrets.io/cacerts', [],
      'error: cluster one: ExternalSecret istio-system/cacerts not Ready within 1m (istiod in 0003-istiod.k8s.yaml takes its CA from Secret istio-system/cacerts, and started without it makes a root of its own): error: timed out waiting for the condition on externalsecrets/cacerts; is External Secrets installed, the ClusterSecretStore store-a Ready, and do ca/one, ca/root exist in it? (kubectl -n istio-system describe externalsecret cacerts says why)'],
    ['cert-manager\'s Secret without ca.crt', [certificate], trust.certManager, undefined, ['keys: tls.crt tls.key'],
      'error: cluster one: Secret istio-system/cacerts lacks ca.crt (it has tls.crt, tls.key) after 1m (istiod in 0003-istiod.k8s.yaml takes its CA from Secret istio-system/cacerts, and started without it makes a root of its own): cert-manager wrote it without ca.crt: the ClusterIssuer root-issuer must be a CA that returns its own certificate as ca.crt (a CA or Vault issuer; kubectl -n istio-system describe certificate cacerts)'],
    ['the ExternalSecret\'s Secret without root-cert.pem', [externalSecret], trust.externalSecret, undefined, ['keys: ca-cert.pem ca-key.pem cert-chain.pem'],
      'error: cluster one: Secret istio-system/cacerts lacks root-cert.pem (it has ca-cert.pem, ca-key.pem, cert-chain.pem) after 1m (istiod in 0003-istiod.k8s.yaml takes its CA from Secret istio-system/cacerts, and started without it makes a root of its own): the ExternalSecret istio-system/cacerts writes it: do ca/one, ca/root in the ClusterSecretStore store-a have the properties ca-cert.pem, ca-key.pem, cert-chain.pem, root-cert.pem? (kubectl -n istio-system describe externalsecret cacerts)'],
    ['manual: no Secret', [], { source: 'manual' }, undefined, [''],
      'error: cluster one: Secret istio-system/cacerts does not exist after 1m (istiod in 0002-istiod.k8s.yaml takes its CA from Secret istio-system/cacerts, and started without it makes a root of its own): create it before istiod starts, with this cluster\'s intermediate CA: kubectl -n istio-system create secret generic cacerts --from-file=ca-cert.pem --from-file=ca-key.pem --from-file=cert-chain.pem --from-file=root-cert.pem (or with tls.crt, tls.key, ca.crt), then run npm run apply again'],
  ] as const)('a CA that is not there in time: %s; one error naming the cluster and the fix, istiod not applied', async (_, trustObjects, clusterTrust, failOn, secretKeys, message) => {
    const t = tempDir();
    try {
      const dist = fleetOfOne(t.dir, [...trustObjects]);
      const stub = kubectlStub(t.dir, failOn ? { on: failOn, stderr: `error: timed out waiting for the condition on ${failOn.split('.')[0]}/cacerts` } : undefined, secretKeys);
      // The Secret's deadline is --timeout, as for every wait: here it has passed when the first read returns.
      const clock = jest.spyOn(Date, 'now');
      let now = 0;
      clock.mockImplementation(() => (now += 60_000));
      let r;
      try {
        r = await runCaptured((argv, io) => applyCommand(argv, io, context(stub.bin, undefined, [{ name: 'one', trust: clusterTrust }])), ['--cluster', 'one', '--timeout', '1m', dist]);
      } finally {
        clock.mockRestore();
      }
      expect(r.status).toBe(1);
      const errors = r.err.filter(l => l.startsWith('error:'));
      expect(errors).toHaveLength(1);
      const [headline, state] = errors[0].split('\n');
      expect(headline).toBe(message);
      expect(state).toMatch(/^\d files were applied before it; fix the cause and run npm run apply again/);
      expect(istiodApplied(stub.calls())).toBe(false);
    } finally {
      t.cleanup();
    }
  });

  test('a cluster without cert-manager: the trust file\'s apply fails naming what to install', async () => {
    const t = tempDir();
    try {
      const folder = trustFolder(t.dir, [certificate]);
      const stub = kubectlStub(t.dir, { on: '0002-trust', stderr: 'error: resource mapping not found for name: "cacerts" namespace: "istio-system" from "0002-trust.k8s.yaml": no matches for kind "Certificate" in version "cert-manager.io/v1"\nensure CRDs are installed first' });
      const r = await runCaptured((argv, io) => applyCommand(argv, io, context(stub.bin, undefined, [{ trust: trust.certManager }])), ['--context', 'east', folder]);
      expect(r.status).toBe(1);
      expect(r.err.find(l => l.startsWith('error:'))).toContain('(cert-manager is not installed in context east: install it, and what istiod\'s CA comes from, before npm run apply)');
      expect(istiodApplied(stub.calls())).toBe(false);
    } finally {
      t.cleanup();
    }
  });

  test('refused before kubectl runs: a CA writer in or after istiod\'s file; settings that name a CA the folder does not render', async () => {
    const t = tempDir();
    try {
      const late = trustFolder(t.dir, [], { name: 'late' });
      fs.appendFileSync(path.join(late, '0002-istiod.k8s.yaml'), `---\n${stringify(certificate)}`);
      const stale = trustFolder(t.dir, [], { name: 'stale' });
      const stub = kubectlStub(t.dir);
      const lateRun = await runCaptured((argv, io) => applyCommand(argv, io, context(stub.bin)), [late]);
      expect(lateRun.err.join('\n')).toContain('error: 0002-istiod.k8s.yaml: Certificate/istio-system/cacerts writes Secret istio-system/cacerts, istiod\'s CA, but istiod starts in the same file');
      const later = trustFolder(t.dir, [], { name: 'later' });
      fs.appendFileSync(path.join(later, '0003-gateways.k8s.yaml'), `---\n${stringify(externalSecret)}`);
      const laterRun = await runCaptured((argv, io) => applyCommand(argv, io, context(stub.bin)), [later]);
      expect(laterRun.err.join('\n')).toContain('error: 0003-gateways.k8s.yaml: ExternalSecret/istio-system/cacerts writes Secret istio-system/cacerts, istiod\'s CA, but istiod starts in an earlier file, 0002-istiod.k8s.yaml');
      const staleRun = await runCaptured((argv, io) => applyCommand(argv, io, context(stub.bin, undefined, [{ trust: trust.externalSecret }])), [stale]);
      expect(staleRun.err.join('\n')).toContain('error: the settings take istiod\'s CA from external-secret, but no ExternalSecret before 0002-istiod.k8s.yaml writes Secret istio-system/cacerts');
      expect(stub.calls()).toEqual([]);
    } finally {
      t.cleanup();
    }
  });

  test('a fleet: each primary before its remote clusters, otherwise main.ts\'s order; --cluster <remote> applies it alone, with a note', async () => {
    const t = tempDir();
    try {
      const dist = path.join(t.dir, 'dist');
      trustFolder(dist, [certificate], { name: 'east' });
      trustFolder(dist, [certificate], { name: 'west' });
      trustFolder(dist, [], { name: 'edge', remote: true });
      // main.ts lists the remote first.
      const clusters: ApplyClusterSettings[] = [
        { name: 'edge', trust: { source: 'remote' }, primary: 'east' },
        { name: 'west', trust: trust.certManager },
        { name: 'east', trust: trust.certManager },
      ];
      const stub = kubectlStub(t.dir, undefined, [TLS_KEYS]);
      const all = await runCaptured((argv, io) => applyCommand(argv, io, context(stub.bin, undefined, clusters)), [dist]);
      expect(all.status).toBe(0);
      expect(all.err.filter(l => l.startsWith('=='))).toEqual([
        '== cluster west (kube context west)',
        '== cluster east (kube context east)',
        '== cluster edge (kube context edge), a remote cluster of east',
      ]);
      const contexts = stub.calls().map(c => c[1]);
      expect(contexts.filter((c, i) => c !== contexts[i - 1])).toEqual(['west', 'east', 'edge']);
      // Each primary waited for its own CA; the remote waits for none.
      expect(stub.calls().filter(c => c.includes('get')).map(c => c[1])).toEqual(['west', 'east']);

      const one = kubectlStub(fs.mkdtempSync(path.join(t.dir, 'one-')));
      const alone = await runCaptured((argv, io) => applyCommand(argv, io, context(one.bin, undefined, clusters)), ['--cluster', 'edge', dist]);
      expect(alone.status).toBe(0);
      expect(alone.err).toContain('note: edge is a remote cluster of east: its proxies reach east\'s istiod, so east must be applied first (npm run apply -- --cluster east)');
      expect(new Set(one.calls().map(c => c[1]))).toEqual(new Set(['edge']));
    } finally {
      t.cleanup();
    }
  });

  test('a fleet: a cluster whose folder is refused stops the apply before the first cluster is touched', async () => {
    const t = tempDir();
    try {
      const dist = path.join(t.dir, 'dist');
      trustFolder(dist, [certificate], { name: 'east' });
      trustFolder(dist, [], { name: 'west' });
      const stub = kubectlStub(t.dir, undefined, [TLS_KEYS]);
      const r = await runCaptured((argv, io) => applyCommand(argv, io, context(stub.bin, undefined, [{ name: 'east', trust: trust.certManager }, { name: 'west', trust: trust.certManager }])), [dist]);
      expect(r.status).toBe(1);
      expect(r.err.join('\n')).toContain('error: cluster west: the settings take istiod\'s CA from cert-manager, but no cert-manager Certificate before 0002-istiod.k8s.yaml writes Secret istio-system/cacerts');
      expect(stub.calls()).toEqual([]);
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
