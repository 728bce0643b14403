import { CommandIO, parseCommandArgs, runCommand, runIfMain } from '../command';
import * as mainTs from '../../main';
import { clustersOf, ProjectDefinition, readProject } from '../project/definition';
import { resolveProject } from '../project/resolve';
import { PROJECT_ROOT } from '../project-root';
import { compareVersions, settingsVersions } from '../settings/revisions';
import { UserError } from '../user-error';
import { VENDOR_USAGE } from './args';
import { GatewayApiTable } from './gateway-api-versions';
import { isToolName, TOOL_NAMES, ToolCrdsTable, ToolName, toolCrdsUsed } from './tool-crd-versions';
import { vendorCharts } from './vendor';

/** The project and environment `npm run vendor` works on; tests pass a scratch project. */
export interface VendorContext {
  /** Project root (holds vendor/charts.lock.json). */
  readonly root: string;
  /** Environment (ISTIO_CHARTS_MIRROR, ISTIO_GATEWAY_API_MIRROR, ISTIO_TOOL_CRDS_MIRROR). */
  readonly env: NodeJS.ProcessEnv;
  /** Which Gateway API release goes with which Istio minor. @default GATEWAY_API_VERSIONS */
  readonly gatewayApiVersions?: GatewayApiTable;
  /** The Istio versions main.ts names; read after --help, which needs none. @default - the locked versions */
  readonly versions?: () => readonly string[];
  /** The tools whose CRDs main.ts's settings use (toolCrdsUsed); read after --help. @default - the tools the lock pins */
  readonly tools?: () => readonly ToolName[];
  /** Which release of each tool's CRDs is vendored. @default TOOL_CRDS */
  readonly toolCrds?: ToolCrdsTable;
}

/**
 * `npm run vendor` against any project: returns the exit status, and reports a failure
 * as one `error:` line on `io.err` whoever calls it (runIfMain, or a test).
 */
export function vendorMain(argv: readonly string[], io: CommandIO, context: VendorContext): Promise<number> {
  return runCommand(async (args, cio) => {
    const parsed = parseCommandArgs(args, cio, VENDOR_USAGE, { force: { type: 'boolean' }, tool: { type: 'string', multiple: true } }, 0);
    if (!parsed) return 0;
    const extra = parsed.values.tool ?? [];
    const unknown = extra.filter(t => !isToolName(t));
    if (unknown.length) throw new UserError(`--tool ${unknown[0]}: not a tool whose CRDs this project knows (${TOOL_NAMES.join(', ')})\n${VENDOR_USAGE}`);
    const versions = context.versions?.();
    const used = context.tools?.();
    // --tool adds to what main.ts uses; without main.ts's list (tests), to what the lock pins.
    const tools = used === undefined && extra.length === 0 ? undefined : TOOL_NAMES.filter(t => used?.includes(t) || extra.includes(t));
    await vendorCharts({
      root: context.root, env: context.env, force: parsed.values.force ?? false, versions, log: cio.out,
      gatewayApiVersions: context.gatewayApiVersions, tools, toolCrds: context.toolCrds,
    });
    return 0;
  }, argv, io);
}

/** Every Istio version any cluster of the project names, oldest first. */
export function projectSettingsVersions(project: ProjectDefinition): string[] {
  const versions = new Set(clustersOf(project).flatMap(c => settingsVersions(c.settings)));
  return [...versions].sort(compareVersions);
}

/**
 * The tools whose CRDs the project's settings use (toolCrdsUsed), from its clusters
 * resolved as synth resolves them, with the versions it names taken as locked (vendoring
 * is what locks them). Settings synth would refuse are refused here too.
 */
export function projectTools(project: ProjectDefinition): ToolName[] {
  return toolCrdsUsed(resolveProject(project, projectSettingsVersions(project)).map(c => c.settings));
}

/** `npm run vendor`: the project this file belongs to, the process's environment. */
export function main(argv: readonly string[], io: CommandIO): Promise<number> {
  return vendorMain(argv, io, {
    root: PROJECT_ROOT,
    env: process.env,
    versions: () => projectSettingsVersions(readProject(mainTs)),
    tools: () => projectTools(readProject(mainTs)),
  });
}

runIfMain(module, main);
