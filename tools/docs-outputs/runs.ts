import { OutputBlock } from './blocks';
import { CommandResult, Sandbox } from './sandbox';

/** What makes one output block: the commands its page describes, run in a sandbox. */
export type OutputRun = (block: OutputBlock, sandbox: Sandbox, page: string) => string;

/** The command's result, or an error showing what it printed instead. */
function expectStatus(what: string, r: CommandResult, status: number): CommandResult {
  if (r.status !== status) throw new Error(`${what} exited ${r.status}, not ${status}:\n${r.stdout}${r.stderr}`);
  return r;
}

/** The main.ts example nearest above the block. */
function exampleOf(block: OutputBlock): string {
  const example = block.examplesAbove.at(-1);
  if (example === undefined) throw new Error(`${block.file}:${block.line}: no TypeScript example above the output`);
  return example;
}

/** `text` with `from` replaced by `to`, which must occur in it once. */
function edit(text: string, from: string, to: string): string {
  const parts = text.split(from);
  if (parts.length !== 2) throw new Error(`the example has ${parts.length - 1} occurrences of ${from}, not 1`);
  return parts.join(to);
}

/** `npm run synth` refusing the example: what it prints on stderr. */
const synthRefusal: OutputRun = (block, sandbox) => {
  sandbox.writeMain(exampleOf(block));
  return expectStatus('npm run synth', sandbox.npm('synth'), 1).stderr.trimEnd();
};

/** The example synthesized over `before`'s committed output, then `npm run diff -- HEAD`'s lines. */
function diffAfter(sandbox: Sandbox, before: string, after: string, vendor = false): string[] {
  sandbox.writeMain(before);
  if (vendor) expectStatus('npm run vendor', sandbox.npm('vendor'), 0);
  expectStatus('npm run synth (before)', sandbox.npm('synth', '--quiet'), 0);
  sandbox.commit('before');
  sandbox.writeMain(after);
  if (vendor) expectStatus('npm run vendor', sandbox.npm('vendor'), 0);
  expectStatus('npm run synth (after)', sandbox.npm('synth', '--quiet'), 0);
  return expectStatus('npm run diff -- HEAD', sandbox.npm('diff', 'HEAD'), 1).stdout.trimEnd().split('\n');
}

/** The lines from the first file section on (after the summary lines). */
function fileSections(lines: readonly string[]): string[] {
  const first = lines.findIndex(l => /^\S+\.k8s\.yaml$/.test(l));
  if (first < 0) throw new Error(`the diff names no file:\n${lines.join('\n')}`);
  return lines.slice(first);
}

/** The lines of the upgrade report: from the first line to the end of its last section. */
function upgradeReport(lines: readonly string[]): string[] {
  const start = lines.findIndex(l => l.startsWith('Istio upgrade: '));
  if (start < 0) throw new Error(`the diff has no upgrade report:\n${lines.join('\n')}`);
  const end = lines.findIndex((l, i) => i > start && l === '');
  return lines.slice(0, end < 0 ? lines.length : end);
}

/** Each output block's run, by the block's name. */
export const OUTPUT_RUNS: Readonly<Record<string, OutputRun>> = {
  'settings-invalid': synthRefusal,
  'check-refusal': synthRefusal,
  'fleet-files': (block, sandbox) => {
    sandbox.writeMain(exampleOf(block));
    expectStatus('npm run synth', sandbox.npm('synth', '--quiet'), 0);
    return expectStatus('find', sandbox.shell('find dist -type f | sort'), 0).stdout.trimEnd();
  },
  'fleet-trust-file': (block, sandbox) => {
    sandbox.writeMain(exampleOf(block));
    expectStatus('npm run vendor', sandbox.npm('vendor'), 0);
    expectStatus('npm run synth', sandbox.npm('synth', '--quiet'), 0);
    return expectStatus('cat', sandbox.shell('cat dist/east/0002-trust.k8s.yaml'), 0).stdout.trimEnd();
  },
  // The example synthesized, then npm run check -- --authz: the matrix after the check's summary.
  'check-authz': (block, sandbox) => {
    sandbox.writeMain(exampleOf(block));
    expectStatus('npm run synth', sandbox.npm('synth', '--quiet'), 0);
    const lines = expectStatus('npm run check -- --authz', sandbox.npm('check', '--authz'), 0).stdout.trimEnd().split('\n');
    const start = lines.findIndex(l => l.startsWith('authorization of '));
    if (start < 0) throw new Error(`npm run check -- --authz printed no matrix:\n${lines.join('\n')}`);
    return lines.slice(start).join('\n');
  },
  // Step 1 of the runbook, then step 2's edit; the page shows the diff after its summary.
  'canary-move-namespace': (block, sandbox) => {
    const step1 = exampleOf(block);
    return fileSections(diffAfter(sandbox, step1, edit(step1, "{ name: 'shop' }", "{ name: 'shop', revision: 'canary' }"), true)).join('\n');
  },
  // The example without its `// inserted` line, then with it; the diff after its first line.
  'diff-toleration': (block, sandbox) => {
    const after = exampleOf(block);
    const before = after.split('\n').filter(l => !l.includes('// inserted')).join('\n');
    if (before === after) throw new Error('the example marks no line `// inserted`');
    return diffAfter(sandbox, before, after).slice(1).join('\n');
  },
  // The example with each line marked `// was: …` as it was, then as printed: the authorization section.
  'diff-authz': (block, sandbox) => {
    const after = exampleOf(block);
    const before = after.split('\n').map(l => {
      const m = /^(\s*).*?\s*\/\/ was: (.*)$/.exec(l);
      return m ? `${m[1]}${m[2]}` : l;
    }).join('\n');
    if (before === after) throw new Error('the example marks no line `// was: …`');
    const lines = diffAfter(sandbox, before, after);
    const start = lines.findIndex(l => l.startsWith('authorization ('));
    if (start < 0) throw new Error(`the diff has no authorization section:\n${lines.join('\n')}`);
    const end = lines.findIndex((l, i) => i > start && l === '');
    return lines.slice(start, end < 0 ? lines.length : end).join('\n');
  },
  // The example at the version the page says it was, then as printed: the report's start.
  'diff-upgrade': (block, sandbox, page) => {
    const after = exampleOf(block);
    const was = /`istioVersion` was `'([^']+)'`/.exec(page)?.[1];
    if (!was) throw new Error(`${block.file}: the page does not say what \`istioVersion\` was`);
    const before = after.replace(/istioVersion: '[^']+'/, `istioVersion: '${was}'`);
    return upgradeReport(diffAfter(sandbox, before, after, true)).slice(1).join('\n');
  },
};
