import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_ROOT } from '../lib/project-root';

// docs/design.md, "proofs independent of the generator": the readers (check, diff,
// apply) read dist/ and schemas, never the code that produced dist/, or they would repeat
// its mistakes. Followed through every module they load, lazily or by re-export.
const GENERATOR = /^lib\/(mesh\.ts|stages\/|render\/|synth\/|delivery\/|vendoring\/(?!lock\.ts))/;
/** The readers and what they share. */
const READERS = /^lib\/(check|diff|apply|manifests)\//;
const SHARED = /^lib\/(command|user-error|project-root|scratch)\.ts$/;
/**
 * check and apply compare dist/ with main.ts's settings (each cluster's scheduling,
 * gateways, node agents): they read main.ts, resolve its settings and read the lock's
 * pinned versions — these modules, and no other (docs/design.md says so too).
 */
const SETTINGS_READING = /^(main\.ts|lib\/(project\/(definition|resolve|fleet)\.ts|settings\/|vendoring\/lock\.ts))/;

/**
 * Relative modules a file loads at run time: `import … from`, `export … from` (a re-export
 * loads its module too) and `require(…)`, lazy ones included. Type-only imports and
 * exports are erased, and skipped.
 */
function runtimeImports(file: string, withTypes = false): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specs = [
    ...[...text.matchAll(withTypes ? /^(?:import|export) [^;]*?from '(\.[^']*)';/gms : /^(?:import|export) (?!type )[^;]*?from '(\.[^']*)';/gms)].map(m => m[1]),
    ...[...text.matchAll(/^import '(\.[^']*)';/gm)].map(m => m[1]),
    ...[...text.matchAll(/require\('(\.[^']*)'\)/g)].map(m => m[1]),
  ];
  return specs.map(spec => {
    const base = path.resolve(path.dirname(file), spec);
    return [`${base}.ts`, path.join(base, 'index.ts'), base].find(f => fs.existsSync(f) && fs.statSync(f).isFile())!;
  }).filter(Boolean);
}

/** Every project module `entry` loads, main.ts (the user's file) not followed. */
function closure(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    const rel = path.relative(PROJECT_ROOT, file);
    if (seen.has(rel)) return;
    seen.add(rel);
    if (rel !== 'main.ts') runtimeImports(file).forEach(visit);
  };
  visit(path.join(PROJECT_ROOT, entry));
  return [...seen].sort();
}

test.each(['lib/check/cli.ts', 'lib/diff/cli.ts', 'lib/apply/cli.ts'])('%s loads nothing of the generator', entry => {
  const modules = closure(entry);
  expect(modules).toContain(entry);
  expect(modules.filter(m => GENERATOR.test(m))).toEqual([]);
});

test.each([
  ['lib/check/cli.ts', true],
  ['lib/apply/cli.ts', true],
  ['lib/diff/cli.ts', false],
])('%s loads only the readers, what they share, and (settings: %s) main.ts\'s settings', (entry, readsSettings) => {
  const outside = closure(entry).filter(m => !READERS.test(m) && !SHARED.test(m));
  expect(outside.filter(m => !readsSettings || !SETTINGS_READING.test(m))).toEqual([]);
});

test('the closure follows imports (it finds the generator from synth)', () => {
  expect(closure('lib/synth/cli.ts')).toEqual(expect.arrayContaining(['lib/mesh.ts', 'lib/render/engine.ts']));
});

test('the closure follows re-exports and lazy requires', () => {
  // lib/manifests/index.ts only re-exports; synth requires its stages lazily.
  expect(closure('lib/manifests/index.ts')).toEqual(expect.arrayContaining(['lib/manifests/read.ts', 'lib/manifests/identity.ts']));
  expect(closure('lib/synth/synth.ts')).toContain('lib/synth/write-manifests.ts');
});

/** Every TypeScript module below a folder of the project. */
function modulesUnder(dir: string): string[] {
  return (fs.readdirSync(path.join(PROJECT_ROOT, dir), { recursive: true }) as string[])
    .filter(f => f.endsWith('.ts')).map(f => path.join(PROJECT_ROOT, dir, f));
}

/** The cycles of the import graph of lib/ (type imports included: a cycle of types is a cycle of concerns). */
function importCycles(): string[][] {
  const graph = new Map(modulesUnder('lib').map(f => [f, runtimeImports(f, true).filter(t => t.startsWith(path.join(PROJECT_ROOT, 'lib')))]));
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    stack.push(f);
    for (const next of graph.get(f) ?? []) {
      if (state.get(next) === 'open') cycles.push(stack.slice(stack.indexOf(next)).map(m => path.relative(PROJECT_ROOT, m)));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  return cycles;
}

test('lib/ has no import cycle', () => {
  expect(importCycles()).toEqual([]);
});
