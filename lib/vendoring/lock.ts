import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../user-error';

/** The Istio charts this project renders: control plane, gateways, and the ambient node agents. */
export const ISTIO_CHARTS = ['base', 'istiod', 'gateway', 'cni', 'ztunnel'] as const;

/** One of the Istio charts. */
export type IstioChart = typeof ISTIO_CHARTS[number];

/** What the lock pins for one chart. */
export interface ChartLockEntry {
  /** Chart name in the repository index. */
  readonly name: string;
  /** Chart version. */
  readonly version: string;
  /** Archive file name, as the repository index names it. */
  readonly file: string;
  /** sha256 of the archive, hex. */
  readonly sha256: string;
  /** sha256 over the unpacked files (sorted path + content digest), hex; detects hand edits. */
  readonly treeSha256: string;
}

/** The one file of a Gateway API release that is vendored: its standard-channel CRDs. */
export const GATEWAY_API_FILE = 'standard-install.yaml';

/** What the lock pins for the Gateway API CRDs of one Istio version. */
export interface GatewayApiLockEntry {
  /** Gateway API release, e.g. `v1.5.1` (which one goes with which Istio minor: GATEWAY_API_VERSIONS). */
  readonly version: string;
  /** File name within the release: always `standard-install.yaml`. */
  readonly file: string;
  /** sha256 of the file, hex (also the digest the render cache keys on). */
  readonly sha256: string;
}

/** Where the Gateway API CRDs come from when the lock names no sources: the team mirror, then upstream's releases. */
export const DEFAULT_GATEWAY_API_SOURCES: readonly string[] = [
  '../shared/gateway-api',
  'https://github.com/kubernetes-sigs/gateway-api/releases/download',
];

/** Where the CRDs of the tools (cert-manager, External Secrets, …) come from when the lock names no sources: the team's folder. */
export const DEFAULT_TOOL_CRD_SOURCES: readonly string[] = ['../shared/crds'];

/**
 * What the lock pins for the CRDs of one tool (cert-manager, External Secrets, …): they
 * are vendored to validate and type objects of its kinds, never rendered (each tool
 * installs its own CRDs in a cluster). Which release of which tool: lib/vendoring/tool-crd-versions.ts.
 */
export interface ToolCrdsLockEntry {
  /** The tool's release, as the table names it (e.g. `v1.21.1`). */
  readonly version: string;
  /** Per file, its path below `<source>/<tool>/` and `vendor/crds/<tool>/` (e.g. `v1.21.1/cert-manager.io_certificates.yaml`) → its sha256, hex. */
  readonly files: { readonly [file: string]: string };
}

/** One locked Istio release, complete, as synth and the renderer use it: its charts, its Gateway API CRDs, and where to fetch them. */
export interface ChartsLock {
  /** The pinned Istio release. */
  readonly istioVersion: string;
  /** Chart sources to try in order: folders (relative to the project root) or HTTP(S) repository URLs. */
  readonly sources: readonly string[];
  /** Gateway API sources to try in order: folders (relative to the project root) or HTTP(S) URLs. */
  readonly gatewayApiSources: readonly string[];
  /** One entry per chart. */
  readonly charts: { readonly [chart in IstioChart]: ChartLockEntry };
  /** The Gateway API CRDs that go with this release. @default - none: the Gateway API table does not list its minor */
  readonly gatewayApi?: GatewayApiLockEntry;
}

/**
 * What the lock file holds for one Istio version. A lock written before this project
 * rendered the node agents and the Gateway API CRDs pins only base, istiod and gateway:
 * it is read, and `npm run vendor` pins the rest.
 */
export interface PinnedRelease {
  /** The charts pinned so far. */
  readonly charts: { readonly [chart in IstioChart]?: ChartLockEntry };
  /** The Gateway API CRDs, once pinned. */
  readonly gatewayApi?: GatewayApiLockEntry;
}

/**
 * vendor/charts.lock.json: every Istio release main.ts uses, side by side (a canary
 * upgrade runs two), and the sources they come from. `npm run vendor` keeps it in step
 * with main.ts; synth only reads it.
 */
export interface LockFile {
  /** Chart sources to try in order. */
  readonly sources: readonly string[];
  /** Gateway API sources to try in order. @default DEFAULT_GATEWAY_API_SOURCES */
  readonly gatewayApiSources?: readonly string[];
  /** Per Istio version, its charts and Gateway API CRDs. */
  readonly istio: { readonly [istioVersion: string]: PinnedRelease };
  /** Tool CRD sources to try in order: folders (relative to the project root) or HTTP(S) URLs. @default DEFAULT_TOOL_CRD_SOURCES */
  readonly toolCrdSources?: readonly string[];
  /** Per tool main.ts uses (lib/vendoring/tool-crd-versions.ts, toolCrdsUsed), its CRD files. @default - none */
  readonly toolCrds?: { readonly [tool: string]: ToolCrdsLockEntry };
}

/** The lock file's path below the project root. */
export const LOCK_FILE = path.join('vendor', 'charts.lock.json');

/** Where a locked version's charts are unpacked, below the project root. */
export function versionDir(root: string, istioVersion: string): string {
  return path.join(root, 'vendor', `istio-${istioVersion}`);
}

/** Where one Gateway API release's CRDs are vendored (shared by the Istio versions that use it). */
export function gatewayApiDir(root: string, gatewayApiVersion: string): string {
  return path.join(root, 'vendor', `gateway-api-${gatewayApiVersion}`);
}

/** Where one tool's pinned CRD files are vendored, below the project root (its files' paths below it as the lock names them). */
export function toolCrdsDir(root: string, tool: string): string {
  return path.join(root, 'vendor', 'crds', tool);
}

const HEX64 = /^[0-9a-f]{64}$/;
/** A tool's name in the lock. */
const TOOL_NAME = /^[a-z0-9][a-z0-9-]*$/;
/** A tool CRD file's path below its tool's folder: relative, `/`-separated, each segment starting with a letter, digit or `_` (so no `..`). */
const TOOL_FILE = /^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/;
const VERSION = /^\d+\.\d+\.\d+$/;
/** A Gateway API release tag. */
export const GATEWAY_API_VERSION = /^v\d+\.\d+\.\d+$/;

/** Versions in numeric order (1.9.0 before 1.10.0). */
export function byVersion(a: string, b: string): number {
  const [pa, pb] = [a, b].map(v => v.split('.').map(Number));
  return pa[0] - pb[0] || pa[1] - pb[1] || pa[2] - pb[2];
}

function isSourceList(v: unknown): v is string[] {
  return Array.isArray(v) && v.length > 0 && v.every(s => typeof s === 'string');
}

/**
 * Reads and checks vendor/charts.lock.json. A lock of the single-release layout this
 * project wrote before (`istioVersion`, `charts`) is read as a lock of that one release;
 * a release without cni/ztunnel or Gateway API CRDs (locked before they were rendered)
 * is read as partly pinned.
 */
export function readLockFile(root: string): LockFile {
  const file = path.join(root, LOCK_FILE);
  let raw: any;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`cannot read ${LOCK_FILE}: ${(err as Error).message}. Restore it from git (git checkout -- ${LOCK_FILE}).`);
  }
  const bad = (what: string) => new UserError(`${LOCK_FILE} is malformed: ${what}. Restore it from git (git checkout -- ${LOCK_FILE}), then run npm run vendor`);
  if (raw && typeof raw.istioVersion === 'string' && raw.charts) {
    raw = { sources: raw.sources, gatewayApiSources: raw.gatewayApiSources, istio: { [raw.istioVersion]: { charts: raw.charts, gatewayApi: raw.gatewayApi } } };
  }
  if (!raw || !isSourceList(raw.sources)) throw bad('sources must be a non-empty list of folders or URLs');
  if (raw.gatewayApiSources !== undefined && !isSourceList(raw.gatewayApiSources)) throw bad('gatewayApiSources must be a non-empty list of folders or URLs');
  if (!raw.istio || typeof raw.istio !== 'object') throw bad('istio must map Istio versions to their charts');
  if (raw.toolCrdSources !== undefined && !isSourceList(raw.toolCrdSources)) throw bad('toolCrdSources must be a non-empty list of folders or URLs');
  if (raw.toolCrds !== undefined && (!raw.toolCrds || typeof raw.toolCrds !== 'object' || Array.isArray(raw.toolCrds))) throw bad('toolCrds must map tool names to their CRD files');
  for (const [tool, e] of Object.entries<any>(raw.toolCrds ?? {})) {
    const files = e?.files;
    if (!TOOL_NAME.test(tool) || !e || typeof e.version !== 'string' || !e.version || !files || typeof files !== 'object' || Array.isArray(files) || Object.keys(files).length === 0 ||
      !Object.entries(files).every(([f, d]) => TOOL_FILE.test(f) && HEX64.test(String(d)))) {
      throw bad(`toolCrds["${tool}"] needs version and files (each a relative path such as v1.21.1/certificates.yaml, with its sha256 in 64 hex digits)`);
    }
  }
  const gatewayApiDigests = new Map<string, { sha256: string; istioVersion: string }>();
  for (const [version, release] of Object.entries<any>(raw.istio)) {
    if (!VERSION.test(version)) throw bad(`istio: "${version}" is not a version such as 1.30.3`);
    if (!release || typeof release !== 'object') throw bad(`istio["${version}"] must hold the version's pins`);
    // No charts: all of them to be pinned (the way to re-pin a version from another source).
    if (release.charts === undefined) release.charts = {};
    if (typeof release.charts !== 'object' || release.charts === null) throw bad(`istio["${version}"].charts must map chart names to their pins`);
    for (const chart of Object.keys(release.charts)) {
      if (!(ISTIO_CHARTS as readonly string[]).includes(chart)) throw bad(`istio["${version}"].charts.${chart} is not one of ${ISTIO_CHARTS.join(', ')}`);
    }
    for (const chart of ISTIO_CHARTS) {
      const e = release.charts[chart];
      // Absent: locked before this project rendered that chart; npm run vendor pins it.
      if (e === undefined) continue;
      if (!e || typeof e.file !== 'string' || typeof e.name !== 'string' || typeof e.version !== 'string' || !HEX64.test(e.sha256 ?? '') || !HEX64.test(e.treeSha256 ?? '')) {
        throw bad(`istio["${version}"].charts.${chart} needs name, version, file, sha256 and treeSha256 (64 hex digits)`);
      }
    }
    const g = release.gatewayApi;
    if (g === undefined) continue;
    if (!g || typeof g.version !== 'string' || !GATEWAY_API_VERSION.test(g.version) || g.file !== GATEWAY_API_FILE || !HEX64.test(g.sha256 ?? '')) {
      throw bad(`istio["${version}"].gatewayApi needs version (such as v1.5.1), file ("${GATEWAY_API_FILE}") and sha256 (64 hex digits)`);
    }
    const other = gatewayApiDigests.get(g.version);
    if (other && other.sha256 !== g.sha256) {
      throw bad(`istio["${other.istioVersion}"].gatewayApi and istio["${version}"].gatewayApi pin Gateway API ${g.version} with different sha256 (${other.sha256}, ${g.sha256}); one file cannot have both`);
    }
    gatewayApiDigests.set(g.version, { sha256: g.sha256, istioVersion: version });
  }
  return raw as LockFile;
}

/** The locked Istio versions, oldest first. */
export function lockedVersions(root: string): string[] {
  return Object.keys(readLockFile(root).istio).sort(byVersion);
}

/** The Gateway API sources of a lock: its own list, else the default. */
export function gatewayApiSourcesOf(lock: LockFile): readonly string[] {
  return lock.gatewayApiSources ?? DEFAULT_GATEWAY_API_SOURCES;
}

/** The tool CRD sources of a lock: its own list, else the default. */
export function toolCrdSourcesOf(lock: LockFile): readonly string[] {
  return lock.toolCrdSources ?? DEFAULT_TOOL_CRD_SOURCES;
}

/**
 * What a release still lacks in the lock: chart names, and `Gateway API CRDs` when the
 * Gateway API table lists its minor (`withGatewayApi`).
 */
export function unpinned(release: PinnedRelease, withGatewayApi: boolean): string[] {
  return [...ISTIO_CHARTS.filter(chart => !release.charts[chart]), ...release.gatewayApi || !withGatewayApi ? [] : ['Gateway API CRDs']];
}

/** "the cni and ztunnel charts and its Gateway API CRDs", for messages. */
export function describeUnpinned(release: PinnedRelease, withGatewayApi: boolean): string {
  const charts = ISTIO_CHARTS.filter(chart => !release.charts[chart]);
  const parts = [
    ...charts.length ? [`the ${charts.length > 1 ? `${charts.slice(0, -1).join(', ')} and ${charts[charts.length - 1]} charts` : `${charts[0]} chart`}`] : [],
    ...release.gatewayApi || !withGatewayApi ? [] : ['its Gateway API CRDs'],
  ];
  return parts.join(' and ');
}

/** The error for locked releases that lack pins (version, release, whether it needs Gateway API CRDs): only `npm run vendor` may add them. */
export function unpinnedError(incomplete: ReadonlyArray<readonly [string, PinnedRelease, boolean]>): UserError {
  const what = incomplete.map(([v, release, withGatewayApi]) => `Istio ${v} without ${describeUnpinned(release, withGatewayApi)}`).join(', and ');
  return new UserError(
    `${LOCK_FILE} pins ${what} (locked before this project rendered them): ` +
    'run `npm run vendor` to fetch, verify and pin them (synth never changes the lock), then synth again',
  );
}

/**
 * One locked release, complete: `version`, or the newest the lock pins. A UserError
 * naming `npm run vendor` when the lock does not pin it, or pins only part of it.
 */
export function readLock(root: string, version?: string): ChartsLock {
  const lock = readLockFile(root);
  const versions = Object.keys(lock.istio).sort(byVersion);
  const istioVersion = version ?? versions[versions.length - 1];
  const release = istioVersion === undefined ? undefined : lock.istio[istioVersion];
  if (!release) {
    throw new UserError(`${LOCK_FILE} does not pin Istio ${istioVersion ?? '(any version)'} (it pins ${versions.join(', ') || 'nothing'}): run \`npm run vendor\`, which pins every version main.ts names`);
  }
  // Its Gateway API CRDs are not required here: only the table says whether a version has
  // them, and synth's check of the lock (ensure.ts) holds the lock to it.
  if (unpinned(release, false).length) throw unpinnedError([[istioVersion, release, false]]);
  return {
    istioVersion,
    sources: lock.sources,
    gatewayApiSources: gatewayApiSourcesOf(lock),
    charts: release.charts as ChartsLock['charts'],
    ...(release.gatewayApi ? { gatewayApi: release.gatewayApi } : {}),
  };
}

/** Writes the lock atomically (temporary file, then rename): versions in order, charts in ISTIO_CHARTS order, tools and their files by name. */
export function writeLockFile(root: string, lock: LockFile): void {
  const file = path.join(root, LOCK_FILE);
  const istio = Object.fromEntries(Object.keys(lock.istio).sort(byVersion).map(v => {
    const release = lock.istio[v];
    const charts = Object.fromEntries(ISTIO_CHARTS.filter(c => release.charts[c]).map(c => [c, release.charts[c]]));
    const g = release.gatewayApi;
    return [v, { charts, ...g ? { gatewayApi: { version: g.version, file: g.file, sha256: g.sha256 } } : {} }];
  }));
  // Tool CRDs, and their sources, only when the lock pins some (or names other sources):
  // a project that uses no tool keeps the lock it had.
  const tools = Object.keys(lock.toolCrds ?? {}).sort();
  const toolCrds = Object.fromEntries(tools.map(t => {
    const e = lock.toolCrds![t];
    return [t, { version: e.version, files: Object.fromEntries(Object.keys(e.files).sort().map(f => [f, e.files[f]])) }];
  }));
  const toolSources = toolCrdSourcesOf(lock);
  const ownToolSources = toolSources.join('\n') !== DEFAULT_TOOL_CRD_SOURCES.join('\n');
  const data = {
    sources: lock.sources,
    gatewayApiSources: gatewayApiSourcesOf(lock),
    ...tools.length || ownToolSources ? { toolCrdSources: toolSources } : {},
    istio,
    ...tools.length ? { toolCrds } : {},
  };
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(data, null, 2) + '\n');
  fs.renameSync(tmp, file);
}
