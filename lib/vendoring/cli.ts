import { CommandIO, parseCommandArgs, runCommand, runIfMain } from '../command';
import * as mainTs from '../../main';
import { clustersOf, ProjectDefinition, readProject } from '../project/definition';
import { PROJECT_ROOT } from '../project-root';
import { compareVersions, settingsVersions } from '../settings/revisions';
import { VENDOR_USAGE } from './args';
import { GatewayApiTable } from './gateway-api-versions';
import { vendorCharts } from './vendor';

/** The project and environment `npm run vendor` works on; tests pass a scratch project. */
export interface VendorContext {
  /** Project root (holds vendor/charts.lock.json). */
  readonly root: string;
  /** Environment (ISTIO_CHARTS_MIRROR, ISTIO_GATEWAY_API_MIRROR). */
  readonly env: NodeJS.ProcessEnv;
  /** Which Gateway API release goes with which Istio minor. @default GATEWAY_API_VERSIONS */
  readonly gatewayApiVersions?: GatewayApiTable;
  /** The Istio versions main.ts names; read after --help, which needs none. @default - the locked versions */
  readonly versions?: () => readonly string[];
}

/**
 * `npm run vendor` against any project: returns the exit status, and reports a failure
 * as one `error:` line on `io.err` whoever calls it (runIfMain, or a test).
 */
export function vendorMain(argv: readonly string[], io: CommandIO, context: VendorContext): Promise<number> {
  return runCommand(async (args, cio) => {
    const parsed = parseCommandArgs(args, cio, VENDOR_USAGE, { force: { type: 'boolean' } }, 0);
    if (!parsed) return 0;
    await vendorCharts({ root: context.root, env: context.env, force: parsed.values.force ?? false, versions: context.versions?.(), log: cio.out, gatewayApiVersions: context.gatewayApiVersions });
    return 0;
  }, argv, io);
}

/** Every Istio version any cluster of the project names, oldest first. */
export function projectSettingsVersions(project: ProjectDefinition): string[] {
  const versions = new Set(clustersOf(project).flatMap(c => settingsVersions(c.settings)));
  return [...versions].sort(compareVersions);
}

/** `npm run vendor`: the project this file belongs to, the process's environment. */
export function main(argv: readonly string[], io: CommandIO): Promise<number> {
  return vendorMain(argv, io, { root: PROJECT_ROOT, env: process.env, versions: () => projectSettingsVersions(readProject(mainTs)) });
}

runIfMain(module, main);
