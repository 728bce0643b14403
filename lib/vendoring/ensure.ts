import { UserError } from '../user-error';
import { GATEWAY_API_TABLE_FILE, GATEWAY_API_VERSIONS, GatewayApiTable, knownGatewayApiVersion } from './gateway-api-versions';
import { byVersion, LOCK_FILE, readLockFile, unpinned, unpinnedError } from './lock';
import { checkVendored, isOk, refusal } from './state';
import { isToolName, TOOL_CRDS, TOOL_CRDS_TABLE_FILE, ToolCrdsTable, ToolName, toolCrdsRelease } from './tool-crd-versions';
import { pinnedTools, pinsRelease, toolCrdsRefusal, toolCrdsState } from './tool-crds';
import { vendorCharts } from './vendor';
import { VendoredReleases, vendoredReleases } from './vendored';

/**
 * For synth: every version main.ts uses must be locked, completely, with the Gateway
 * API release `gatewayApiVersions` names (synth never changes the lock); its charts and
 * CRDs are vendored when missing (or re-verified when vendored without an archive
 * record), and refused when they or the lock were changed. Likewise the CRDs of the
 * `tools` main.ts uses (toolCrdsUsed): pinned at the release `toolCrds` names; and every
 * tool the lock pins is vendored (check validates objects of its kinds against them).
 */
export async function ensureVendored(
  root: string,
  env: NodeJS.ProcessEnv = process.env,
  log?: (line: string) => void,
  versions?: readonly string[],
  gatewayApiVersions: GatewayApiTable = GATEWAY_API_VERSIONS,
  tools: readonly ToolName[] = [],
  toolCrds: ToolCrdsTable = TOOL_CRDS,
): Promise<VendoredReleases> {
  const lockFile = readLockFile(root);
  const locked = Object.keys(lockFile.istio).sort(byVersion);
  const wanted = versions ?? locked;
  const unlocked = wanted.filter(v => !locked.includes(v));
  if (unlocked.length) {
    throw new UserError(`main.ts uses Istio ${unlocked.join(', ')}, which ${LOCK_FILE} does not pin (it pins ${locked.join(', ')}): run \`npm run vendor\` to fetch, verify and pin it, then synth again`);
  }
  const withGatewayApi = (v: string) => knownGatewayApiVersion(v, gatewayApiVersions) !== undefined;
  const incomplete = wanted.filter(v => unpinned(lockFile.istio[v], withGatewayApi(v)).length).map(v => [v, lockFile.istio[v], withGatewayApi(v)] as const);
  if (incomplete.length) throw unpinnedError(incomplete);
  const stale = wanted.flatMap(v => {
    const g = knownGatewayApiVersion(v, gatewayApiVersions);
    const pinned = lockFile.istio[v].gatewayApi?.version;
    return g === undefined || pinned === g ? [] : [`Istio ${v} with Gateway API ${pinned}, but ${GATEWAY_API_TABLE_FILE} pairs Istio ${v.split('.').slice(0, 2).join('.')} with ${g}`];
  });
  if (stale.length) {
    throw new UserError(`${LOCK_FILE} pins ${stale.join('; and ')}: run \`npm run vendor\` to fetch, verify and pin it (synth never changes the lock), then synth again`);
  }
  const toolProblems = tools.flatMap(tool => {
    const release = toolCrdsRelease(tool, toolCrds);
    const pinned = lockFile.toolCrds?.[tool];
    if (!release) return [`main.ts uses ${tool}, whose CRD release ${TOOL_CRDS_TABLE_FILE} does not name`];
    if (!pinned) return [`main.ts uses ${tool} (${release.usedBy}), whose CRDs ${LOCK_FILE} does not pin`];
    if (!pinsRelease(pinned, release)) return [`${LOCK_FILE} pins ${tool} ${pinned.version} CRDs, but ${TOOL_CRDS_TABLE_FILE} names ${tool} ${release.version}`];
    return [];
  });
  if (toolProblems.length) {
    throw new UserError(`${toolProblems.join('; and ')}: run \`npm run vendor\` to fetch, verify and pin them (synth never changes the lock), then synth again`);
  }
  let ok = true;
  for (const version of wanted) {
    const state = checkVendored(root, version, lockFile.istio[version]);
    const refused = refusal(root, state);
    if (refused) throw refused;
    ok &&= isOk(state);
  }
  // Every pinned tool, used or not, is what check validates with: vendored, as the lock says.
  // Those the table names at another release are left for npm run vendor, which re-pins them.
  const pinned = pinnedTools(lockFile).filter(isToolName).filter(t => {
    const release = toolCrdsRelease(t, toolCrds);
    return release !== undefined && pinsRelease(lockFile.toolCrds![t], release);
  });
  for (const tool of pinned) {
    const entry = lockFile.toolCrds![tool];
    const state = toolCrdsState(root, tool, entry);
    const refused = toolCrdsRefusal(root, tool, entry, state);
    if (refused) throw refused;
    ok &&= state.state === 'ok';
  }
  if (ok) return vendoredReleases(root, wanted);
  return vendorCharts({ root, env, log, versions: wanted, prune: false, gatewayApiVersions, tools: pinned, toolCrds });
}
