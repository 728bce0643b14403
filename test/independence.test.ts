import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_ROOT } from '../lib/project-root';

// Design decision 9: the proofs read dist/ and schemas, never the code that produced
// dist/, or they would repeat its mistakes. Followed through every module they load.
const GENERATOR = /^lib\/(mesh\.ts|prepare-mesh\.ts|scheduling\.ts|values\.ts|stages\/|render\/|synth\/)/;

/**
 * Relative modules a file loads at run time: `import … from`, `export … from` (a re-export
 * loads its module too) and `require(…)`, lazy ones included. Type-only imports and
 * exports are erased, and skipped.
 */
function runtimeImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specs = [
    ...[...text.matchAll(/^(?:import|export) (?!type )[^;]*?from '(\.[^']+)';/gms)].map(m => m[1]),
    ...[...text.matchAll(/^import '(\.[^']+)';/gm)].map(m => m[1]),
    ...[...text.matchAll(/require\('(\.[^']+)'\)/g)].map(m => m[1]),
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

test('the closure follows imports (it finds the generator from synth)', () => {
  expect(closure('lib/synth/cli.ts')).toEqual(expect.arrayContaining(['lib/mesh.ts', 'lib/render/engine.ts']));
});

test('the closure follows re-exports and lazy requires', () => {
  // lib/manifests/index.ts only re-exports; synth requires its stages lazily.
  expect(closure('lib/manifests/index.ts')).toEqual(expect.arrayContaining(['lib/manifests/read.ts', 'lib/manifests/identity.ts']));
  expect(closure('lib/synth/synth.ts')).toContain('lib/synth/write-manifests.ts');
});
