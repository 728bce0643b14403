import * as fs from 'fs';
import * as path from 'path';
import { CommandIO } from '../lib/command';
import { ResolvedMeshSettings } from '../lib/settings';
import { VENDOR_USAGE } from '../lib/vendoring/args';
import { vendorMain } from '../lib/vendoring/cli';
import { sha256 } from '../lib/vendoring/digest';
import { ensureVendored } from '../lib/vendoring/ensure';
import { LOCK_FILE, readLockFile } from '../lib/vendoring/lock';
import { TOOL_CRDS, TOOL_NAMES, ToolName, toolCrdsUsed } from '../lib/vendoring/tool-crd-versions';
import { TOOL_CRDS_RECORD } from '../lib/vendoring/tool-crds';
import { vendorCharts, VendorOptions } from '../lib/vendoring/vendor';
import { FIXTURE_GATEWAY_API, lockFileOf, ScratchProject, scratchProject } from './fixtures/chart-repo';
import { FIXTURE_TOOL_CRDS, MOVED_ON_TOOL_CRDS, writeToolCrdRepo } from './fixtures/tool-crds';
import { snapshotTree } from './render';
import { rejection } from './rejection';

// The CRDs of the tools (cert-manager, External Secrets, …) as `npm run vendor` and synth
// pin, fetch, verify and drop them, from a made-up source shaped like ../shared/crds.

const vendor = (opts: VendorOptions) => vendorCharts({ gatewayApiVersions: FIXTURE_GATEWAY_API, toolCrds: FIXTURE_TOOL_CRDS, ...opts });
const ensure = (root: string, tools: readonly ToolName[], log?: (line: string) => void, table = FIXTURE_TOOL_CRDS) =>
  ensureVendored(root, {}, log, undefined, FIXTURE_GATEWAY_API, tools, table);


const ESC = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('tool CRDs', () => {
  let s: ScratchProject;
  let source: string;
  let digests: Record<string, string>;
  const lockText = () => fs.readFileSync(path.join(s.root, LOCK_FILE), 'utf8');
  const toolDir = (tool: string) => path.join(s.vendorDir, 'crds', tool);
  beforeEach(async () => {
    s = scratchProject();
    source = path.join(s.dir, 'crds');
    digests = writeToolCrdRepo(source);
    fs.writeFileSync(path.join(s.root, LOCK_FILE), JSON.stringify({ ...(lockFileOf(s.lock) as object), toolCrdSources: ['../crds'] }, null, 2) + '\n');
    await vendor({ root: s.root, env: {} });
  });
  afterEach(() => s.cleanup());

  test('are pinned per file and vendored from a folder with a SHA256SUMS, then found up to date', async () => {
    const lines: string[] = [];
    await vendor({ root: s.root, env: {}, tools: ['cert-manager'], log: l => lines.push(l) });
    const files = FIXTURE_TOOL_CRDS['cert-manager']!.files;
    expect(lines.slice(1)).toEqual([
      ...files.map(f => `cert-manager v0.1.0: ${f} from ../crds, sha256 ${digests[`cert-manager/${f}`]} verified`),
      'vendored cert-manager v0.1.0 CRDs into vendor/crds/cert-manager',
      `pinned cert-manager v0.1.0 CRDs in ${LOCK_FILE}`,
    ]);
    const lock = JSON.parse(lockText());
    expect(Object.keys(lock)).toEqual(['sources', 'gatewayApiSources', 'toolCrdSources', 'istio', 'toolCrds']);
    expect(lock.toolCrds).toEqual({
      'cert-manager': { version: 'v0.1.0', files: Object.fromEntries([...files].sort().map(f => [f, digests[`cert-manager/${f}`]])) },
    });
    for (const f of files) expect(fs.readFileSync(path.join(toolDir('cert-manager'), f), 'utf8')).toBe(fs.readFileSync(path.join(source, 'cert-manager', f), 'utf8'));
    expect(fs.existsSync(path.join(toolDir('cert-manager'), TOOL_CRDS_RECORD))).toBe(true);

    const again: string[] = [];
    const before = snapshotTree(s.vendorDir);
    await vendor({ root: s.root, env: {}, tools: ['cert-manager'], log: l => again.push(l) });
    expect(again).toContain(`cert-manager v0.1.0 CRDs are vendored and match ${LOCK_FILE}`);
    expect(snapshotTree(s.vendorDir)).toEqual(before);
    // Synth finds them as pinned: nothing to do.
    await ensure(s.root, ['cert-manager']);
    expect(snapshotTree(s.vendorDir)).toEqual(before);
  });

  test('ISTIO_TOOL_CRDS_MIRROR replaces the lock\'s sources', async () => {
    fs.writeFileSync(path.join(s.root, LOCK_FILE), JSON.stringify({ ...(lockFileOf(s.lock) as object), toolCrdSources: ['no-such-folder'] }));
    const lines: string[] = [];
    await vendor({ root: s.root, env: { ISTIO_TOOL_CRDS_MIRROR: source }, tools: ['external-secrets'], log: l => lines.push(l) });
    expect(lines).toContain(`external-secrets v0.2.0: v0.2.0/bundle.yaml from ${source}, sha256 ${digests['external-secrets/v0.2.0/bundle.yaml']} verified`);
    expect(readLockFile(s.root).toolCrdSources).toEqual(['no-such-folder']);
    // Without it, nothing can be fetched: every source's reason, and the variable to set.
    fs.rmSync(toolDir('external-secrets'), { recursive: true });
    expect(await rejection(vendor({ root: s.root, env: {}, tools: ['external-secrets'] }))).toMatch(new RegExp(
      '^external-secrets v0\\.2\\.0 CRDs: v0\\.2\\.0/bundle\\.yaml could not be fetched from any source:\\n {2}- no-such-folder: cannot read .*SHA256SUMS \\(ENOENT\\)\\n' +
      'Set ISTIO_TOOL_CRDS_MIRROR to a folder or URL',
    ));
  });

  test('a file that differs from its source\'s SHA256SUMS, or from the lock\'s pin, is refused and nothing is written', async () => {
    const file = path.join(source, 'cert-manager', 'v0.1.0', 'widgets.yaml');
    const original = fs.readFileSync(file);
    fs.appendFileSync(file, '# tampered\n');
    const lockBefore = lockText();
    const before = snapshotTree(s.vendorDir);
    expect(await rejection(vendor({ root: s.root, env: {}, tools: ['cert-manager'] }))).toBe(
      `cert-manager v0.1.0 CRDs: v0.1.0/widgets.yaml from ../crds has sha256 ${sha256(fs.readFileSync(file))}, but that source's SHA256SUMS says ${digests['cert-manager/v0.1.0/widgets.yaml']}: ` +
      'the file is corrupt or was replaced. Nothing was written; fix or replace the source.',
    );
    expect(lockText()).toBe(lockBefore);
    expect(snapshotTree(s.vendorDir)).toEqual(before);

    // Pinned, then the source is re-released consistently (file and SHA256SUMS): the lock's pin refuses it.
    fs.writeFileSync(file, original);
    await vendor({ root: s.root, env: {}, tools: ['cert-manager'] });
    fs.rmSync(toolDir('cert-manager'), { recursive: true });
    fs.writeFileSync(file, `${original}# re-released\n`);
    const sums = path.join(source, 'SHA256SUMS');
    fs.writeFileSync(sums, fs.readFileSync(sums, 'utf8').replace(digests['cert-manager/v0.1.0/widgets.yaml'], sha256(fs.readFileSync(file))));
    const pinnedLock = lockText();
    expect(await rejection(ensure(s.root, ['cert-manager']))).toMatch(new RegExp(
      `^cert-manager v0\\.1\\.0 CRDs: v0\\.1\\.0/widgets\\.yaml from \\.\\./crds has sha256 ${sha256(fs.readFileSync(file))}, but ${ESC(LOCK_FILE)} pins ${digests['cert-manager/v0.1.0/widgets.yaml']} ` +
      `\\(toolCrds\\["cert-manager"\\]\\.files\\["v0\\.1\\.0/widgets\\.yaml"\\]\\)\\. Nothing was written\\. .*re-pin it: remove toolCrds\\["cert-manager"\\] from ${ESC(LOCK_FILE)}, then npm run vendor$`,
    ));
    expect(lockText()).toBe(pinnedLock);
    expect(fs.existsSync(toolDir('cert-manager'))).toBe(false);
  });

  test('a file that is not CRDs is refused', async () => {
    const file = path.join(source, 'external-secrets', 'v0.2.0', 'bundle.yaml');
    fs.writeFileSync(file, '<html>not found</html>\n');
    const sums = path.join(source, 'SHA256SUMS');
    fs.writeFileSync(sums, fs.readFileSync(sums, 'utf8').replace(digests['external-secrets/v0.2.0/bundle.yaml'], sha256(fs.readFileSync(file))));
    expect(await rejection(vendor({ root: s.root, env: {}, tools: ['external-secrets'] }))).toBe(
      'external-secrets v0.2.0 CRDs: v0.2.0/bundle.yaml from ../crds cannot be used: it holds no CustomResourceDefinition. Nothing was written.',
    );
  });

  test('vendored files edited by hand, or a lock edited after vendoring, are refused by synth and vendor, naming the fix', async () => {
    await vendor({ root: s.root, env: {}, tools: ['cert-manager'] });
    const vendored = path.join(toolDir('cert-manager'), 'v0.1.0', 'gadgets.yaml');
    fs.appendFileSync(vendored, '# edited\n');
    const edited = sha256(fs.readFileSync(vendored));
    for (const message of [await rejection(ensure(s.root, ['cert-manager'])), await rejection(vendor({ root: s.root, env: {}, tools: ['cert-manager'] }))]) {
      expect(message).toBe(
        `the vendored cert-manager v0.1.0 CRDs were changed after vendoring:\n  - vendor/crds/cert-manager: changed v0.1.0/gadgets.yaml: sha256 ${edited}, fetched as ${digests['cert-manager/v0.1.0/gadgets.yaml']}\n` +
        'Vendored files are never edited in place: restore them with `npm run vendor -- --force`.',
      );
    }
    await vendor({ root: s.root, env: {}, tools: ['cert-manager'], force: true });
    expect(fs.readFileSync(vendored, 'utf8')).toBe(fs.readFileSync(path.join(source, 'cert-manager', 'v0.1.0', 'gadgets.yaml'), 'utf8'));

    const lock = JSON.parse(lockText());
    lock.toolCrds['cert-manager'].files['v0.1.0/gadgets.yaml'] = 'ab'.repeat(32);
    fs.writeFileSync(path.join(s.root, LOCK_FILE), JSON.stringify(lock));
    expect(await rejection(ensure(s.root, ['cert-manager']))).toBe(
      `${LOCK_FILE} was edited after the cert-manager v0.1.0 CRDs were vendored (they are as they were fetched; the lock is what changed):\n` +
      `  - toolCrds["cert-manager"].files["v0.1.0/gadgets.yaml"] is ${'ab'.repeat(32)}, but vendor/crds/cert-manager/v0.1.0/gadgets.yaml (unchanged since it was fetched from ../crds) has ${digests['cert-manager/v0.1.0/gadgets.yaml']}\n` +
      `If the edit was a mistake, restore the lock from git: git checkout -- ${LOCK_FILE}. If the new lock is intended, fetch them again and verify them against it: npm run vendor -- --force`,
    );
  });

  test('synth refuses a tool main.ts uses that the lock does not pin, or pins at another release than the table, and vendors a pinned one that is missing', async () => {
    const lockBefore = lockText();
    const before = snapshotTree(s.vendorDir);
    expect(await rejection(ensure(s.root, ['cert-manager', 'external-secrets']))).toBe(
      `main.ts uses cert-manager (mesh.trust.certManager), whose CRDs ${LOCK_FILE} does not pin; and ` +
      `main.ts uses external-secrets (mesh.trust.externalSecret or mesh.remoteSecrets), whose CRDs ${LOCK_FILE} does not pin: ` +
      'run `npm run vendor` to fetch, verify and pin them (synth never changes the lock), then synth again',
    );
    expect(lockText()).toBe(lockBefore);
    expect(snapshotTree(s.vendorDir)).toEqual(before);

    await vendor({ root: s.root, env: {}, tools: ['cert-manager'] });
    const pinned = lockText();
    expect(await rejection(ensure(s.root, ['cert-manager'], undefined, MOVED_ON_TOOL_CRDS))).toBe(
      `${LOCK_FILE} pins cert-manager v0.1.0 CRDs, but lib/vendoring/tool-crd-versions.ts names cert-manager v0.1.1: ` +
      'run `npm run vendor` to fetch, verify and pin them (synth never changes the lock), then synth again',
    );
    expect(lockText()).toBe(pinned);

    // Pinned but not vendored (a fresh clone): synth vendors it from the lock's sources, as it does charts.
    fs.rmSync(toolDir('cert-manager'), { recursive: true });
    const lines: string[] = [];
    await ensure(s.root, ['cert-manager'], l => lines.push(l));
    expect(lines).toContain('vendored cert-manager v0.1.0 CRDs into vendor/crds/cert-manager');
    expect(lockText()).toBe(pinned);

    // npm run vendor moves on to the table's release, replacing the vendored files.
    const moved: string[] = [];
    await vendorCharts({ root: s.root, env: {}, gatewayApiVersions: FIXTURE_GATEWAY_API, toolCrds: MOVED_ON_TOOL_CRDS, tools: ['cert-manager'], log: l => moved.push(l) });
    expect(moved).toContain(`pinned cert-manager v0.1.1 CRDs in ${LOCK_FILE}`);
    expect(readLockFile(s.root).toolCrds!['cert-manager'].version).toBe('v0.1.1');
    expect(fs.readdirSync(toolDir('cert-manager')).sort()).toEqual([TOOL_CRDS_RECORD, 'v0.1.1']);
  });

  test('a tool main.ts no longer uses leaves the lock and vendor/; a lock that pins none is written as before', async () => {
    fs.writeFileSync(path.join(s.root, LOCK_FILE), JSON.stringify(lockFileOf(s.lock), null, 2) + '\n');
    const lockBefore = lockText();
    const env = { ISTIO_TOOL_CRDS_MIRROR: source };
    await vendor({ root: s.root, env, tools: ['cert-manager', 'external-secrets'] });
    expect(Object.keys(readLockFile(s.root).toolCrds!)).toEqual(['cert-manager', 'external-secrets']);
    const lines: string[] = [];
    await vendor({ root: s.root, env, tools: ['external-secrets'], log: l => lines.push(l) });
    expect(lines).toContain(`removed cert-manager CRDs from ${LOCK_FILE} and vendor/ (main.ts no longer uses cert-manager)`);
    expect(Object.keys(readLockFile(s.root).toolCrds!)).toEqual(['external-secrets']);
    expect(fs.existsSync(toolDir('cert-manager'))).toBe(false);
    await vendor({ root: s.root, env, tools: [] });
    expect(fs.existsSync(toolDir('external-secrets'))).toBe(false);
    // No toolCrds, and the default sources not written out: byte for byte the lock of before.
    expect(lockText()).toBe(lockBefore);
  });

  test('npm run vendor pins the tools main.ts uses, and those --tool names; an unknown --tool is an error with the usage', async () => {
    const io = collect();
    const context = { root: s.root, env: {}, gatewayApiVersions: FIXTURE_GATEWAY_API, toolCrds: FIXTURE_TOOL_CRDS };
    expect(await vendorMain([], io, { ...context, tools: () => ['external-secrets'] })).toBe(0);
    expect(Object.keys(readLockFile(s.root).toolCrds!)).toEqual(['external-secrets']);
    expect(await vendorMain(['--tool', 'cert-manager'], io, { ...context, tools: () => ['external-secrets'] })).toBe(0);
    expect(Object.keys(readLockFile(s.root).toolCrds!)).toEqual(['cert-manager', 'external-secrets']);
    expect(await vendorMain([], io, { ...context, tools: () => [] })).toBe(0);
    expect(readLockFile(s.root).toolCrds).toBeUndefined();
    expect(io.errLines).toEqual([]);

    const failing = collect();
    expect(await vendorMain(['--tool', 'helm'], failing, { ...context, tools: () => [] })).toBe(1);
    expect(failing.errLines).toEqual([`error: --tool helm: not a tool whose CRDs this project knows (${TOOL_NAMES.join(', ')})\n${VENDOR_USAGE}`]);
    for (const word of ['--tool', 'ISTIO_TOOL_CRDS_MIRROR', ...TOOL_NAMES]) expect(VENDOR_USAGE).toContain(word);
  });
});

function collect(): CommandIO & { outLines: string[]; errLines: string[] } {
  const outLines: string[] = [];
  const errLines: string[] = [];
  return { outLines, errLines, out: l => outLines.push(l), err: l => errLines.push(l) };
}

describe('toolCrdsUsed', () => {
  const cluster = (trust: ResolvedMeshSettings['trust']['source'], remoteSecrets = 0) =>
    ({ trust: { source: trust }, remoteSecrets: Array.from({ length: remoteSecrets }, () => ({})) }) as unknown as ResolvedMeshSettings;

  test('cert-manager for a cert-manager CA; External Secrets for an ExternalSecret CA or remote secrets; nothing otherwise', () => {
    expect(toolCrdsUsed([cluster('self-signed'), cluster('manual'), cluster('remote')])).toEqual([]);
    expect(toolCrdsUsed([cluster('cert-manager')])).toEqual(['cert-manager']);
    expect(toolCrdsUsed([cluster('external-secret')])).toEqual(['external-secrets']);
    expect(toolCrdsUsed([cluster('self-signed', 1)])).toEqual(['external-secrets']);
    expect(toolCrdsUsed([cluster('external-secret', 2), cluster('cert-manager')])).toEqual(['cert-manager', 'external-secrets']);
  });

  test('the table lists every tool, each file once, below a release folder', () => {
    expect(Object.keys(TOOL_CRDS).sort()).toEqual([...TOOL_NAMES].sort());
    for (const release of Object.values(TOOL_CRDS)) {
      expect(new Set(release!.files).size).toBe(release!.files.length);
      for (const f of release!.files) expect(f).toMatch(/^[^/]+\/[^/]+\.yaml$/);
    }
  });
});
