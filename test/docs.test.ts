import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_ROOT } from '../lib/project-root';
import { docPages, outputBlocks, outputBlocksOf, replaceOutput } from '../tools/docs-outputs/blocks';
import { OUTPUT_RUNS } from '../tools/docs-outputs/runs';

// The docs as a new user reads them: every TypeScript example that declares main.ts's
// exports type-checks as a main.ts of this project, and every relative link leads to a file.

const docFiles = () => docPages(PROJECT_ROOT);

interface Example {
  readonly file: string;
  readonly line: number;
  readonly code: string;
}

/** The ```ts blocks that declare main.ts's exports (settings, clusters, extend). */
function mainTsExamples(): Example[] {
  const out: Example[] = [];
  for (const file of docFiles()) {
    const lines = fs.readFileSync(path.join(PROJECT_ROOT, file), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (!/^```(ts|typescript)\s*$/.test(lines[i])) continue;
      const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
      const code = lines.slice(i + 1, end).join('\n');
      if (/\bexport\s+(const|function)\s+(settings|clusters|extend)\b/.test(code)) out.push({ file, line: i + 2, code });
      i = end;
    }
  }
  return out;
}

test('every TypeScript example declaring settings, clusters or extend type-checks as this project\'s main.ts', () => {
  const examples = mainTsExamples();
  expect(examples.length).toBeGreaterThan(3);
  const ts = require('typescript') as typeof import('typescript');
  const config = ts.readConfigFile(path.join(PROJECT_ROOT, 'tsconfig.json'), ts.sys.readFile);
  const options = { ...ts.parseJsonConfigFileContent(config.config, ts.sys, PROJECT_ROOT).options, noEmit: true, types: ['node'] };
  // Each example as a module at the project root (where main.ts is, so its imports resolve as main.ts's do).
  const virtual = new Map(examples.map((e, i) => [path.join(PROJECT_ROOT, `__doc_example_${i}.ts`), `${e.code}\nexport {};\n`]));
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = f => virtual.has(f) || fileExists.call(host, f);
  host.readFile = f => virtual.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, ...rest) => (virtual.has(f) ? ts.createSourceFile(f, virtual.get(f)!, lang) : getSourceFile.call(host, f, lang, ...rest));
  const program = ts.createProgram([...virtual.keys()], options, host);
  const problems = ts.getPreEmitDiagnostics(program).filter(d => d.file && virtual.has(d.file.fileName)).map(d => {
    const example = examples[Number(/__doc_example_(\d+)\.ts$/.exec(d.file!.fileName)![1])];
    const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
    return `${example.file}:${example.line + line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
  expect(problems).toEqual([]);
}, 60_000);

test('every relative link of the docs leads to a file (and its #anchor to a heading)', () => {
  const broken: string[] = [];
  for (const file of docFiles()) {
    const text = fs.readFileSync(path.join(PROJECT_ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;
      const [rel, anchor] = target.split('#');
      const dest = rel ? path.join(path.dirname(path.join(PROJECT_ROOT, file)), rel) : path.join(PROJECT_ROOT, file);
      if (!fs.existsSync(dest)) {
        broken.push(`${file}: ${target}`);
        continue;
      }
      if (anchor && dest.endsWith('.md') && !headingAnchors(fs.readFileSync(dest, 'utf8')).has(anchor)) broken.push(`${file}: ${target} (no such heading)`);
    }
  }
  expect(broken).toEqual([]);
});

/** GitHub's anchors of a page's headings. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of markdown.replace(/```[\s\S]*?```/g, '').matchAll(/^#{1,6}\s+(.+)$/gm)) {
    const base = heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n ? `${base}-${n}` : base);
  }
  for (const [, id] of markdown.matchAll(/<a (?:name|id)="([^"]+)"/g)) anchors.add(id);
  return anchors;
}

// The printed outputs themselves are re-made by `npm run docs-outputs -- --check` in CI
// (a copy of the project per block, ~20 s); here, that each has a run and is found.
test('every printed output of the docs has a run that makes it, and every run a block', () => {
  const blocks = outputBlocks(PROJECT_ROOT);
  expect(blocks.filter(b => !OUTPUT_RUNS[b.name]).map(b => `${b.file}:${b.line} (${b.name})`)).toEqual([]);
  expect(Object.keys(OUTPUT_RUNS).filter(n => !blocks.some(b => b.name === n))).toEqual([]);
  expect(new Set(blocks.map(b => b.name)).size).toBe(blocks.length);
  for (const b of blocks) expect(b.text.trim()).not.toBe('');
});

test('an output block is found with the examples above it, and replaced alone', () => {
  const page = ['# t', '```ts', 'export const settings = 1;', '```', 'x', '```sh', 'npm run synth', '```', '<!-- output: one -->', '```', 'old', 'lines', '```', 'after', ''].join('\n');
  expect(outputBlocksOf('p.md', page)).toEqual([{ name: 'one', file: 'p.md', line: 9, text: 'old\nlines', examplesAbove: ['export const settings = 1;'] }]);
  const replaced = replaceOutput(page, 'one', 'new');
  expect(outputBlocksOf('p.md', replaced)[0].text).toBe('new');
  expect(replaced.split('\n').slice(-2)).toEqual(['after', '']);
  expect(() => outputBlocksOf('p.md', '<!-- output: two -->\ntext\n')).toThrow('p.md:1: <!-- output: two --> is not followed by a plain ``` block');
});

/** The `npm run <script> -- <flags>` lines of the docs' shell blocks. */
function npmRunLines(): Array<{ file: string; script: string; flags: string[] }> {
  const out: Array<{ file: string; script: string; flags: string[] }> = [];
  for (const file of docFiles()) {
    const text = fs.readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
    for (const [, block] of text.matchAll(/^```(?:sh|bash)\n([\s\S]*?)^```/gm)) {
      for (const [, script, rest] of block.matchAll(/npm run (?:--silent )?([\w:-]+)((?: [^#&\n]*)?)/g)) {
        out.push({ file, script, flags: [...rest.matchAll(/(?:^|\s)(--?[a-z][\w-]*)/g)].map(m => m[1]).filter(f => f !== '--' && f !== '--help') });
      }
    }
  }
  return out;
}

test('every npm run line of the docs names a script, with options its --help lists', () => {
  const scripts = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
  const lines = npmRunLines();
  expect(lines.length).toBeGreaterThan(10);
  expect(lines.filter(l => !scripts[l.script]).map(l => `${l.file}: npm run ${l.script}`)).toEqual([]);
  const usage = new Map<string, string>();
  const problems: string[] = [];
  for (const { file, script, flags } of lines.filter(l => l.flags.length)) {
    if (!usage.has(script)) {
      // The script's entry, run with --help as npm would run it (synth through its bundle's source).
      const entry = scripts[script] === 'sh lib/synth/synth.sh' ? 'lib/synth/cli.ts' : /^tsx (\S+)$/.exec(scripts[script])?.[1];
      if (!entry) throw new Error(`no entry for npm run ${script}: ${scripts[script]}`);
      const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', entry, '--help'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
      usage.set(script, r.stdout);
    }
    for (const flag of flags.filter(f => !usage.get(script)!.includes(f.replace(/=.*/, '')))) problems.push(`${file}: npm run ${script}: ${flag} is not in its --help`);
  }
  expect(problems).toEqual([]);
}, 60_000);
