import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../user-error';
import { HelmBinary } from './helm-binary';
import { helmTemplateArgs, ReleaseRequest } from './release-request';

/**
 * The whole environment helm runs with: nothing of the caller's (no HELM_* variable,
 * KUBECONFIG, kube context, plugin, repository, proxy or locale) can reach it, and its
 * home, caches and temporary files are in `scratch`, which the caller removes.
 */
export function helmEnvironment(scratch: string): NodeJS.ProcessEnv {
  const home = path.join(scratch, 'home');
  return {
    PATH: '/usr/bin:/bin',
    HOME: home,
    HELM_CONFIG_HOME: path.join(home, 'config'),
    HELM_CACHE_HOME: path.join(home, 'cache'),
    HELM_DATA_HOME: path.join(home, 'data'),
    TMPDIR: scratch,
  };
}

/** A failure of helm for one release, with what helm said. */
function releaseError(req: ReleaseRequest, detail: string): UserError {
  // helm itself was verified before; only a complaint about values or templates points at main.ts.
  const valuesToBlame = /values don't meet|values\.schema|execution error|template: |YAML|json: /i.test(detail);
  return new UserError(
    `helm template failed for release ${req.releaseName} (chart ${req.chart}, namespace ${req.namespace}):\n${detail.trim()}\n` +
    (valuesToBlame
      ? 'Check the values given to this release in main.ts (values, images, gateways).'
      : 'The chart or helm failed, not the settings: restore the charts with `npm run vendor -- --force`, or check ISTIO_CDK8S_HELM.'),
  );
}

/**
 * Runs `helm template` for one release and resolves to what it printed. Asynchronous,
 * so that several releases render at once; `scratch` is a private folder for the
 * values file and helm's home; `running` holds the process while it runs (so that an
 * interrupted synth can stop it).
 */
export function helmTemplate(helm: HelmBinary, req: ReleaseRequest, scratch: string, running?: Set<ChildProcess>): Promise<string> {
  const work = fs.mkdtempSync(path.join(scratch, `${req.releaseName}-`));
  let valuesFile: string | undefined;
  if (Object.keys(req.values).length > 0) {
    valuesFile = path.join(work, 'values.json');
    // JSON is YAML: no YAML 1.1 surprise (`yes`, `0775`) can change a value on its way to helm.
    fs.writeFileSync(valuesFile, JSON.stringify(req.values));
  }
  return new Promise((resolve, reject) => {
    const child = spawn(helm.path, helmTemplateArgs(req, valuesFile), { env: helmEnvironment(scratch), stdio: ['ignore', 'pipe', 'pipe'] });
    running?.add(child);
    child.on('close', () => running?.delete(child));
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', e => reject(new UserError(`helm at ${helm.path} cannot run (${(e as NodeJS.ErrnoException).code ?? e.message}) for release ${req.releaseName}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(releaseError(req, Buffer.concat(err).toString('utf8') || `helm exited with ${signal ?? code}`));
    });
  });
}
