import { parseArgs } from 'util';
import { PROJECT_ROOT } from '../project-root';
import { runMain, UserError } from '../user-error';
import { vendorCharts } from './vendor';

const USAGE = `usage: npm run vendor [-- --force] [-- --version <istio version>]
  (no flags)          fetch and verify the charts pinned in vendor/charts.lock.json
  --force             replace vendored charts that no longer match the lock
  --version <X>       re-lock to Istio X: fetch it from the first source that has it, pin its digests
environment: ISTIO_CHARTS_MIRROR=<folder or URL> replaces the lock's list of sources`;

runMain(async () => {
  let values: { force?: boolean; version?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: { force: { type: 'boolean' }, version: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (err) {
    throw new UserError(`${(err as Error).message}\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  await vendorCharts({
    root: PROJECT_ROOT,
    force: values.force,
    relockVersion: values.version,
    log: line => process.stdout.write(`${line}\n`),
  });
});
