import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { CommandIO, parseCommandArgs, runIfMain } from '../lib/command';
import { PROJECT_ROOT } from '../lib/project-root';
import { UserError } from '../lib/user-error';
import { LOCK_FILE, readLockFile, toolCrdsDir } from '../lib/vendoring/lock';
import { TOOL_CRDS, TOOL_CRDS_TABLE_FILE, ToolCrdsTable, ToolName, toolCrdsRelease } from '../lib/vendoring/tool-crd-versions';
import { pinsRelease, toolCrdsRefusal, toolCrdsState } from '../lib/vendoring/tool-crds';
import { vendoredCharts } from '../lib/vendoring/vendored';

/**
 * The API groups that get typed classes: the ones users write objects of (mTLS and
 * authorization, traffic routing and egress, telemetry). `extensions.istio.io` (alpha
 * WasmPlugin, TrafficExtension) is left out until someone needs it: add it here and run
 * `npm run import`.
 */
export const IMPORTED_GROUPS: readonly string[] = ['networking.istio.io', 'security.istio.io', 'telemetry.istio.io'];

/** The classes generated from a tool's CRDs (lib/vendoring/tool-crd-versions.ts): one file per group. */
export interface ToolImport {
  /** The tool whose vendored CRDs define the group. */
  readonly tool: ToolName;
  /** The API group: the file is `imports/<group>.ts`. */
  readonly group: string;
  /** The kinds that get a class. @default - every kind of the group */
  readonly kinds?: readonly string[];
}

/**
 * The tools' groups that get typed classes, from their vendored CRDs. cert-manager: every
 * kind (Certificate, CertificateRequest, Issuer, ClusterIssuer). External Secrets: the
 * objects a mesh's trust and remote secrets are made of (ExternalSecret) and the stores
 * they read (SecretStore, ClusterSecretStore), which alone come to 2.3 MB of TypeScript
 * (every provider's schema, twice); ClusterExternalSecret, PushSecret, ClusterPushSecret
 * and the generators.external-secrets.io group are left out until someone needs them:
 * add them here and run `npm run import`. Argo CD and Flux: the kinds the delivery
 * objects are made of (lib/delivery/): Application and AppProject (ApplicationSet's CRD
 * alone is 1.4 MB of YAML, and nothing renders one), Kustomization and GitRepository
 * (OCIRepository is left out likewise).
 */
export const IMPORTED_TOOL_GROUPS: readonly ToolImport[] = [
  { tool: 'cert-manager', group: 'cert-manager.io' },
  { tool: 'external-secrets', group: 'external-secrets.io', kinds: ['ExternalSecret', 'SecretStore', 'ClusterSecretStore'] },
  { tool: 'argo-cd', group: 'argoproj.io', kinds: ['Application', 'AppProject'] },
  { tool: 'flux', group: 'kustomize.toolkit.fluxcd.io' },
  { tool: 'flux', group: 'source.toolkit.fluxcd.io', kinds: ['GitRepository'] },
];

/** Where the generated classes are committed, below the project root. */
export const IMPORTS_DIR = 'imports';

/** The CRD file inside the vendored `base` chart. */
export const CRD_FILE = path.join('files', 'crd-all.gen.yaml');

const USAGE = `usage: npm run import [-- --check]
  (no flags)   regenerate ${IMPORTS_DIR}/<group>.ts from the vendored Istio CRDs (version from ${LOCK_FILE}),
               and from the vendored CRDs of each tool the lock pins; a tool's file whose CRDs are not
               vendored (main.ts does not use it) is left as it is
  --check      regenerate into a temporary folder and compare: exit 1 naming the files that differ (nothing
               written); a tool's file whose CRDs are not vendored is not checked, unless its header names
               another release than ${TOOL_CRDS_TABLE_FILE} (then exit 1: vendor it with --tool, and import)
groups: ${IMPORTED_GROUPS.join(', ')}; ${IMPORTED_TOOL_GROUPS.map(t => `${t.group} (${t.tool})`).join(', ')};
one class per kind, for its preferred version`;

/** The parts of a CustomResourceDefinition this generator reads (the rest is passed on as is). */
export interface Crd {
  /** `CustomResourceDefinition` (other documents are skipped). */
  readonly kind?: string;
  /** Its group, kind and versions. */
  readonly spec?: {
    readonly group?: string;
    readonly names?: { readonly kind?: string };
    readonly versions?: readonly CrdVersion[];
  };
}

/** One entry of a CRD's `spec.versions`. */
export interface CrdVersion {
  /** Version name, e.g. `v1beta1`. */
  readonly name: string;
  /** Whether the API server serves it. */
  readonly served?: boolean;
  /** Whether it is deprecated (still served, with a warning). */
  readonly deprecated?: boolean;
  /** Its schema; only the descriptions are read. */
  readonly schema?: { readonly openAPIV3Schema?: { readonly description?: string; readonly properties?: { readonly spec?: { readonly description?: string } } } };
}

/** One kind that gets a class, and the version the class is generated for. */
export interface ImportedKind {
  /** API group, e.g. `security.istio.io`. */
  readonly group: string;
  /** Kind, e.g. `PeerAuthentication`. */
  readonly kind: string;
  /** The preferred served version, e.g. `v1`. */
  readonly version: string;
  /** The CRD's other served versions, which get no class. */
  readonly otherServed: readonly string[];
}

const KUBE_VERSION = /^v(\d+)(?:(alpha|beta)(\d+))?$/;
const STABILITY = { alpha: 0, beta: 1, ga: 2 } as const;

/**
 * Orders CRD version names as the API server's version priority does (GA before beta
 * before alpha, higher numbers first, names like `foo1` last and alphabetically): the
 * first served version is what `kubectl get` uses and discovery calls "preferred".
 */
export function compareVersionPriority(a: string, b: string): number {
  const ma = KUBE_VERSION.exec(a);
  const mb = KUBE_VERSION.exec(b);
  if (!ma || !mb) {
    if (ma) return -1;
    if (mb) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const rank = (m: RegExpExecArray) => [STABILITY[(m[2] as 'alpha' | 'beta' | undefined) ?? 'ga'], Number(m[1]), Number(m[3] ?? 0)];
  const [ra, rb] = [rank(ma), rank(mb)];
  for (let i = 0; i < ra.length; i++) {
    if (ra[i] !== rb[i]) return rb[i] - ra[i];
  }
  return 0;
}

/**
 * The version a CRD's class is generated for: the highest-priority served version that
 * is not deprecated (any served one if all are). One class per kind instead of one per
 * version keeps imports/ small enough for `tsc` in `npm test`, and old versions are only
 * kept by Istio for objects written before the upgrade; undefined when nothing is served.
 */
export function preferredVersion(versions: readonly CrdVersion[]): string | undefined {
  const served = versions.filter(v => v.served).map(v => v.name).sort(compareVersionPriority);
  const current = served.filter(name => !versions.find(v => v.name === name)?.deprecated);
  return current[0] ?? served[0];
}

/** The CRDs of the wanted groups (only the `only` kinds, when given), each reduced to its preferred version. */
export function selectCrds(crdYaml: string, groups: readonly string[] = IMPORTED_GROUPS, only?: readonly string[]): { readonly crds: readonly Crd[]; readonly kinds: readonly ImportedKind[] } {
  const crds: Crd[] = [];
  const kinds: ImportedKind[] = [];
  for (const doc of parseAllDocuments(crdYaml)) {
    const crd = doc.toJS() as Crd | null;
    const group = crd?.spec?.group;
    const kind = crd?.spec?.names?.kind;
    if (crd?.kind !== 'CustomResourceDefinition' || !group || !kind || !groups.includes(group) || (only && !only.includes(kind))) continue;
    const versions = crd.spec?.versions ?? [];
    const version = preferredVersion(versions);
    if (!version) continue;
    const chosen = versions.find(v => v.name === version)!;
    const root = chosen.schema?.openAPIV3Schema;
    // cdk8s import documents a class with the schema root's description, which Istio
    // leaves empty: the spec's description says what the kind is for, so it goes there.
    const described = root && !root.description && root.properties?.spec?.description
      ? { ...chosen, schema: { ...chosen.schema, openAPIV3Schema: { ...root, description: root.properties.spec.description } } }
      : chosen;
    crds.push({ ...crd, spec: { ...crd.spec, versions: [described] } });
    kinds.push({ group, kind, version, otherServed: versions.filter(v => v.served && v.name !== version).map(v => v.name) });
  }
  const missing = groups.filter(g => !kinds.some(k => k.group === g));
  if (missing.length) throw new UserError(`the vendored CRDs define no served kind of ${missing.join(', ')}: remove ${missing.length > 1 ? 'them' : 'it'} from IMPORTED_GROUPS in tools/import-crds.ts`);
  const absent = (only ?? []).filter(k => !kinds.some(i => i.kind === k));
  if (absent.length) throw new UserError(`the vendored CRDs define no served kind ${absent.join(', ')} of ${groups.join(', ')}: remove ${absent.length > 1 ? 'them' : 'it'} from IMPORTED_TOOL_GROUPS in tools/import-crds.ts`);
  return { crds, kinds };
}

/** Generated files: file name (e.g. `security.istio.io.ts`) → content. */
export type GeneratedFiles = ReadonlyMap<string, string>;

/** What one generation produced. */
export interface Generated {
  /** The Istio version of the lock the CRDs came from. */
  readonly istioVersion: string;
  /** The kinds that got a class. */
  readonly kinds: readonly ImportedKind[];
  /** The files for imports/. */
  readonly files: GeneratedFiles;
}

/**
 * The vendored base chart's CRD file, for the locked Istio version. The chart's digest
 * is checked against the lock so that classes are never generated from edited CRDs.
 */
export function vendoredCrdFile(root: string): { readonly istioVersion: string; readonly file: string } {
  // The same verification synth makes: missing, hand-edited charts and an edited lock are refused.
  const charts = vendoredCharts(root);
  return { istioVersion: charts.lock.istioVersion, file: path.join(charts.dirs.base, CRD_FILE) };
}

/** Runs the project's own cdk8s-cli on one CRD file, writing `<group>.ts` files into `outDir`. */
function cdk8sImport(root: string, crdFile: string, outDir: string, cwd: string): void {
  const cli = path.join(root, 'node_modules', '.bin', 'cdk8s');
  if (!fs.existsSync(cli)) throw new UserError(`${path.relative(root, cli)} is missing: run \`npm ci\` (cdk8s-cli is a devDependency)`);
  // The temporary cwd has no cdk8s.yaml, so cdk8s-cli cannot record the import there
  // (it rewrites the file and drops its comments); --no-save says the same.
  const r = spawnSync(cli, ['import', crdFile, '--output', outDir, '--language', 'typescript', '--no-save', '--no-check-upgrade'], {
    cwd,
    env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
    encoding: 'utf8',
  });
  if (r.error) throw new UserError(`cannot run ${cli}: ${r.error.message}`);
  if (r.status !== 0) {
    const output = `${r.stderr}\n${r.stdout}`.trim().split('\n').slice(-10).join('\n  ');
    throw new UserError(`cdk8s import failed (exit ${r.status ?? r.signal}):\n  ${output}`);
  }
}

/** The header that says where a file comes from (`of Istio 1.30.3's vendored base chart (…)`) and that it is regenerated, not edited. */
function header(from: string, kinds: readonly ImportedKind[]): string {
  const lines = kinds.map(k => `//   ${k.kind} ${k.group}/${k.version}${k.otherServed.length ? ` (also served, no class: ${k.otherServed.join(', ')})` : ''}`);
  return [
    `// Do not edit: \`npm run import\` generates this file with cdk8s import from the CRDs`,
    `// ${from}, one class per kind:`,
    ...lines,
    '',
  ].join('\n');
}

/** How a tool's file names its source in its header: `of cert-manager v1.21.1 (vendor/crds/cert-manager/, …)`. */
function toolSource(tool: string, version: string): string {
  return `of ${tool} ${version} (vendor/crds/${tool}/, pinned in ${LOCK_FILE})`;
}

/** The tool and release a tool's file was generated from, read from its header; undefined when it has no such header. */
export function toolImportOrigin(text: string): { readonly tool: string; readonly version: string } | undefined {
  const m = /^\/\/ of (\S+) (.+) \(vendor\/crds\/\1\/, pinned in /m.exec(text.slice(0, 600));
  return m ? { tool: m[1], version: m[2] } : undefined;
}

/** Runs cdk8s import on CRDs already selected, in a temporary folder (removed afterwards): the files for imports/, each with its header. */
function importSelected(root: string, crds: readonly Crd[], kinds: readonly ImportedKind[], from: string): Map<string, string> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'istio-cdk8s-import-'));
  try {
    const filtered = path.join(tmp, 'crds.yaml');
    // JSON is YAML: cdk8s import reads it as it reads the original.
    fs.writeFileSync(filtered, crds.map(c => JSON.stringify(c)).join('\n---\n') + '\n');
    const out = path.join(tmp, 'out');
    cdk8sImport(root, filtered, out, tmp);
    const files = new Map<string, string>();
    for (const name of fs.readdirSync(out).filter(f => f.endsWith('.ts')).sort()) {
      const group = name.slice(0, -'.ts'.length);
      files.set(name, header(from, kinds.filter(k => k.group === group)) + fs.readFileSync(path.join(out, name), 'utf8'));
    }
    const expected = [...new Set(kinds.map(k => `${k.group}.ts`))].sort();
    if (expected.join() !== [...files.keys()].join()) {
      throw new UserError(`cdk8s import wrote ${[...files.keys()].join(', ') || 'nothing'}, expected ${expected.join(', ')}`);
    }
    return files;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Generates the classes for the locked Istio version's CRDs in a temporary folder
 * (removed afterwards) and returns the files; writes nothing into the project.
 */
export function generateImports(root: string = PROJECT_ROOT): Generated {
  const { istioVersion, file } = vendoredCrdFile(root);
  const { crds, kinds } = selectCrds(fs.readFileSync(file, 'utf8'));
  return { istioVersion, kinds, files: importSelected(root, crds, kinds, `of Istio ${istioVersion}'s vendored base chart (${CRD_FILE})`) };
}

/** What `npm run import` does with the file of one tool group. */
export type ToolImportPlan =
  /** The lock pins the tool, and its CRDs are vendored: the file is generated (and compared, with --check). */
  | { readonly action: 'generate'; readonly file: string; readonly import: ToolImport; readonly version: string; readonly crdFiles: readonly string[] }
  /** Not vendored (main.ts does not use the tool), and the file comes from the release the table names: left as it is, not checked. */
  | { readonly action: 'keep'; readonly file: string; readonly import: ToolImport; readonly version: string }
  /** Not vendored, and the file is missing or comes from another release than the table names: vendor it, then import. */
  | { readonly action: 'stale'; readonly file: string; readonly import: ToolImport; readonly version: string; readonly from?: string };

/**
 * What to do with each tool group's file: generate it from the vendored CRDs when the lock
 * pins the tool (verified as synth verifies them: missing files, hand edits and a lock
 * edited since vendoring are errors), else keep the committed file when its header names
 * the release `table` names.
 */
export function planToolImports(root: string, dir: string, table: ToolCrdsTable = TOOL_CRDS, groups: readonly ToolImport[] = IMPORTED_TOOL_GROUPS): ToolImportPlan[] {
  const pinned = readLockFile(root).toolCrds ?? {};
  return groups.map(imp => {
    const file = `${imp.group}.ts`;
    const release = toolCrdsRelease(imp.tool, table);
    if (!release) throw new UserError(`IMPORTED_TOOL_GROUPS names ${imp.tool}, whose CRD release ${TOOL_CRDS_TABLE_FILE} does not name`);
    const entry = pinned[imp.tool];
    if (entry) {
      if (!pinsRelease(entry, release)) {
        throw new UserError(`${LOCK_FILE} pins ${imp.tool} ${entry.version} CRDs, but ${TOOL_CRDS_TABLE_FILE} names ${imp.tool} ${release.version}: run \`npm run vendor\`, then npm run import`);
      }
      const state = toolCrdsState(root, imp.tool, entry);
      const refused = toolCrdsRefusal(root, imp.tool, entry, state);
      if (refused) throw refused;
      if (state.state === 'missing') {
        throw new UserError(`the ${imp.tool} ${entry.version} CRDs are pinned but not vendored (missing: ${state.files.join(', ')}): run \`npm run vendor\``);
      }
      return { action: 'generate', file, import: imp, version: entry.version, crdFiles: Object.keys(entry.files).sort() };
    }
    const abs = path.join(dir, file);
    const from = fs.existsSync(abs) ? toolImportOrigin(fs.readFileSync(abs, 'utf8')) : undefined;
    if (from && from.tool === imp.tool && from.version === release.version) return { action: 'keep', file, import: imp, version: release.version };
    return { action: 'stale', file, import: imp, version: release.version, ...(from ? { from: `${from.tool} ${from.version}` } : {}) };
  });
}

/** Generates one tool group's classes from its vendored CRDs (a plan's `generate`): its file for imports/. */
export function generateToolImport(root: string, plan: Extract<ToolImportPlan, { action: 'generate' }>): { readonly kinds: readonly ImportedKind[]; readonly files: GeneratedFiles } {
  const { tool, group } = plan.import;
  const yaml = plan.crdFiles.map(f => fs.readFileSync(path.join(toolCrdsDir(root, tool), ...f.split('/')), 'utf8')).join('\n---\n');
  const { crds, kinds } = selectCrds(yaml, [group], plan.import.kinds);
  return { kinds, files: importSelected(root, crds, kinds, toolSource(tool, plan.version)) };
}

/** How imports/ differs from freshly generated files. */
export interface ImportsDrift {
  /** Files whose content differs. */
  readonly changed: readonly string[];
  /** Files that would be generated but are not in imports/. */
  readonly missing: readonly string[];
  /** `.ts` files in imports/ that are no longer generated. */
  readonly extra: readonly string[];
}

/**
 * Compares imports/ (only its `.ts` files: README.md is ours) with generated files.
 * `kept` files (a tool's, not generated because its CRDs are not vendored) are not extra.
 */
export function compareImports(dir: string, files: GeneratedFiles, kept: readonly string[] = []): ImportsDrift {
  const present = fs.existsSync(dir) ? fs.readdirSync(dir).filter(f => f.endsWith('.ts')).sort() : [];
  return {
    changed: present.filter(f => files.has(f) && fs.readFileSync(path.join(dir, f), 'utf8') !== files.get(f)),
    missing: [...files.keys()].filter(f => !present.includes(f)),
    extra: present.filter(f => !files.has(f) && !kept.includes(f)),
  };
}

function sizeOf(text: string): string {
  return `${Math.round(Buffer.byteLength(text) / 1024)} KB, ${text.split('\n').length - 1} lines`;
}

/** The project `npm run import` works on; tests pass a scratch one. */
export interface ImportContext {
  /** Project root (vendor/, imports/). */
  readonly root: string;
  /** Generates the Istio classes. @default generateImports */
  readonly generateIstio?: (root: string) => Generated;
  /** Which release of each tool's CRDs is vendored. @default TOOL_CRDS */
  readonly toolCrds?: ToolCrdsTable;
}

/** `npm run import` against any project: regenerates imports/, or with `--check` proves it current. */
export function importMain(argv: readonly string[], io: CommandIO, ctx: ImportContext): number {
  const parsed = parseCommandArgs(argv, io, USAGE, { check: { type: 'boolean' } }, 0);
  if (!parsed) return 0;
  const { values } = parsed;
  const dir = path.join(ctx.root, IMPORTS_DIR);
  const generated = (ctx.generateIstio ?? generateImports)(ctx.root);
  const toolPlans = planToolImports(ctx.root, dir, ctx.toolCrds);
  const toolKinds: ImportedKind[] = [];
  const files = new Map(generated.files);
  for (const plan of toolPlans) {
    if (plan.action !== 'generate') continue;
    const tool = generateToolImport(ctx.root, plan);
    toolKinds.push(...tool.kinds);
    for (const [name, text] of tool.files) files.set(name, text);
  }
  const drift = compareImports(dir, files, toolPlans.filter(p => p.action !== 'generate').map(p => p.file));
  const stale = [...drift.changed.map(f => `${f} (differs)`), ...drift.missing.map(f => `${f} (missing)`), ...drift.extra.map(f => `${f} (not generated)`)];
  const tables = TOOL_CRDS_TABLE_FILE;
  for (const p of toolPlans) {
    if (p.action === 'keep') {
      io.out(`${IMPORTS_DIR}/${p.file}: ${values.check ? 'not checked' : 'left as it is'}: the ${p.import.tool} CRDs are not vendored (main.ts does not use ${p.import.tool}); ` +
        `its header names ${p.import.tool} ${p.version}, as ${tables} does`);
    }
  }
  const toolStale = toolPlans.flatMap(p => p.action !== 'stale' ? [] : [
    `${IMPORTS_DIR}/${p.file} ${p.from ? `comes from ${p.from}` : fs.existsSync(path.join(dir, p.file)) ? 'names no tool release in its header' : 'is missing'}, but ${tables} names ${p.import.tool} ${p.version}: ` +
    `vendor its CRDs (npm run vendor -- --tool ${p.import.tool}), then npm run import, commit ${IMPORTS_DIR}/, and npm run vendor (which drops them again if main.ts does not use ${p.import.tool})`,
  ]);
  const checked = toolPlans.filter(p => p.action === 'generate').map(p => `${p.import.tool} ${p.version}`);

  if (values.check) {
    toolStale.forEach(line => io.err(line));
    if (stale.length === 0) {
      if (toolStale.length === 0) io.out(`${IMPORTS_DIR}/ is up to date (Istio ${generated.istioVersion}${checked.map(c => `, ${c}`).join('')}, ${files.size} files)`);
      return toolStale.length ? 1 : 0;
    }
    io.err(`${IMPORTS_DIR}/ is stale for Istio ${generated.istioVersion}${checked.map(c => `, ${c}`).join('')}: run \`npm run import\` and commit ${IMPORTS_DIR}/`);
    stale.forEach(line => io.err(`  ${IMPORTS_DIR}/${line}`));
    return 1;
  }

  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of files) {
    const state = drift.changed.includes(name) ? 'written' : drift.missing.includes(name) ? 'added' : 'up to date';
    if (state !== 'up to date') {
      // Renamed into place, so an interrupted run never leaves half a file for tsc.
      const tmp = path.join(dir, `.${name}.tmp-${process.pid}`);
      fs.writeFileSync(tmp, text);
      fs.renameSync(tmp, path.join(dir, name));
    }
    io.out(`${IMPORTS_DIR}/${name}: ${state} (${sizeOf(text)})`);
  }
  // imports/ holds only generated classes: a file no longer generated (a group dropped
  // from IMPORTED_GROUPS) would otherwise keep compiling against outdated CRDs.
  for (const name of drift.extra) {
    fs.rmSync(path.join(dir, name));
    io.out(`${IMPORTS_DIR}/${name}: removed (not generated any more)`);
  }
  for (const k of [...generated.kinds, ...toolKinds]) io.out(`  ${k.group}/${k.version} ${k.kind}`);
  toolStale.forEach(line => io.err(line));
  return toolStale.length ? 1 : 0;
}

/** `npm run import`: this project. */
export function main(argv: readonly string[], io: CommandIO): number {
  return importMain(argv, io, { root: PROJECT_ROOT });
}

runIfMain(module, main);
