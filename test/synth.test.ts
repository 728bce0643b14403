import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { HELM_ENV } from '../lib/helm';
import { PROJECT_ROOT } from '../lib/project-root';
import { synthMesh } from '../lib/synth';
import { settings } from '../main';
import { tempDir } from './render';

/** An output folder holding a previous synthesis (one stale file), to see what a run leaves. */
function previousOutput() {
  const t = tempDir('istio-cdk8s-synth-');
  const outdir = path.join(t.dir, 'dist');
  fs.mkdirSync(outdir);
  fs.writeFileSync(path.join(outdir, '0009-stale.k8s.yaml'), 'kind: Stale\n');
  const entries = () => fs.readdirSync(t.dir).sort();
  return { ...t, outdir, entries };
}

const quiet = () => undefined;

describe('synthMesh', () => {
  let out: ReturnType<typeof previousOutput>;
  beforeEach(() => { out = previousOutput(); });
  afterEach(() => out.cleanup());

  const expectUntouched = () => {
    expect(out.entries()).toEqual(['dist']);
    expect(fs.readdirSync(out.outdir)).toEqual(['0009-stale.k8s.yaml']);
  };

  test('bad settings fail before rendering and leave the output as it was', async () => {
    await expect(synthMesh({ ...settings, kubeVersion: '1.20.0' }, { outdir: out.outdir, log: quiet }))
      .rejects.toThrow(/kubeVersion: "1\.20\.0" is too old/);
    expectUntouched();
  });

  test('no helm: one error naming the fix, output as it was', async () => {
    await expect(synthMesh(settings, { outdir: out.outdir, env: { [HELM_ENV]: '/nowhere/helm' }, log: quiet }))
      .rejects.toThrow(`${HELM_ENV}=/nowhere/helm: no such helm file`);
    expectUntouched();
  });

  test('a failing helm: its message surfaces, output as it was', async () => {
    const fake = path.join(out.dir, 'broken-helm');
    fs.writeFileSync(fake, '#!/bin/sh\necho "Error: chart is broken" >&2\nexit 1\n', { mode: 0o755 });
    await expect(synthMesh(settings, { outdir: out.outdir, env: { [HELM_ENV]: fake }, log: quiet }))
      .rejects.toThrow(/^helm template failed for release istio-base \(chart base, namespace istio-system\):\nError: chart is broken\n/);
    fs.rmSync(fake);
    expectUntouched();
  });

  test('values a chart rejects: one error naming the release, output as it was', async () => {
    // The gateway chart's values.schema.json allows kind Deployment or DaemonSet only.
    const bad = { ...settings, gateways: [{ name: 'gw', namespace: 'gw', kind: 'ingress' as const, values: { kind: 'Banana' } }] };
    await expect(synthMesh(bad, { outdir: out.outdir, log: quiet })).rejects.toThrow(/^helm template failed for release gw \(chart gateway, namespace gw\):\nError: values don't meet the specifications of the schema[\s\S]*'\/kind': value must be one of 'Deployment', 'DaemonSet'/);
    expectUntouched();
  });

  test('a successful run replaces the whole output: no stale file survives', async () => {
    await synthMesh(settings, { outdir: out.outdir, log: quiet });
    expect(out.entries()).toEqual(['dist']);
    expect(fs.readdirSync(out.outdir)).toEqual([
      '0000-namespaces.k8s.yaml', '0001-istio-base.k8s.yaml', '0002-istiod.k8s.yaml', '0003-gateways.k8s.yaml', '0004-apps.k8s.yaml',
    ]);
  });
});

describe('npm run synth (main.ts)', () => {
  test('an error is one line on stderr, exit code 1, output folder untouched', () => {
    const out = previousOutput();
    try {
      const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'main.ts'], {
        cwd: PROJECT_ROOT,
        encoding: 'utf8',
        env: { ...process.env, CDK8S_OUTDIR: out.outdir, [HELM_ENV]: '/nowhere/helm' },
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`error: ${HELM_ENV}=/nowhere/helm: no such helm file; point it at a helm binary, or unset it to use the bundled Helm\n`);
      expect(fs.readdirSync(out.outdir)).toEqual(['0009-stale.k8s.yaml']);
    } finally {
      out.cleanup();
    }
  });
});
