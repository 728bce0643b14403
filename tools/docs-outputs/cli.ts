import * as fs from 'fs';
import * as path from 'path';
import { CommandIO, parseCommandArgs, runIfMain } from '../../lib/command';
import { PROJECT_ROOT } from '../../lib/project-root';
import { UserError } from '../../lib/user-error';
import { outputBlocks, replaceOutput } from './blocks';
import { OUTPUT_RUNS } from './runs';
import { Sandbox } from './sandbox';

const USAGE = `usage: npm run docs-outputs [-- --check] [NAME...]
  (no flags)   run each docs example in a copy of the project and write what it prints
               into its <!-- output: NAME --> block
  --check      exit 1 if a block differs from what its example prints (nothing written)
  NAME...      only these blocks (default: all)
Examples on other Istio versions are fetched as npm run vendor fetches them, from the
lock's sources (ISTIO_CHARTS_MIRROR and ISTIO_GATEWAY_API_MIRROR apply).`;

/** `npm run docs-outputs`: every printed output in the docs comes from a real run. */
export function main(argv: readonly string[], io: CommandIO, root: string = PROJECT_ROOT): number {
  const parsed = parseCommandArgs(argv, io, USAGE, { check: { type: 'boolean' } });
  if (!parsed) return 0;
  const blocks = outputBlocks(root);
  const unknown = parsed.positionals.filter(n => !blocks.some(b => b.name === n));
  if (unknown.length) throw new UserError(`no output block named ${unknown.join(', ')} in the docs (they have ${blocks.map(b => b.name).join(', ')})`);
  const without = blocks.filter(b => !OUTPUT_RUNS[b.name]);
  if (without.length) throw new UserError(`no run makes ${without.map(b => `${b.file}:${b.line} (${b.name})`).join(', ')}: add one to tools/docs-outputs/runs.ts`);
  let stale = 0;
  for (const block of blocks.filter(b => !parsed.positionals.length || parsed.positionals.includes(b.name))) {
    // A fresh copy per block: each starts from the project as it is, not the last example.
    const sandbox = Sandbox.create(root);
    let fresh: string;
    try {
      const page = fs.readFileSync(path.join(root, block.file), 'utf8');
      fresh = OUTPUT_RUNS[block.name](block, sandbox, page);
    } finally {
      sandbox.remove();
    }
    const where = `${block.file}:${block.line} (${block.name})`;
    if (fresh === block.text) {
      io.out(`${where}: up to date`);
      continue;
    }
    stale++;
    if (parsed.values.check) {
      io.err(`${where} is stale; the example prints:\n${fresh}`);
      continue;
    }
    const file = path.join(root, block.file);
    fs.writeFileSync(file, replaceOutput(fs.readFileSync(file, 'utf8'), block.name, fresh));
    io.out(`${where}: written`);
  }
  if (stale && parsed.values.check) {
    io.err(`${stale} output block${stale === 1 ? '' : 's'} stale: run \`npm run docs-outputs\` and commit the pages`);
    return 1;
  }
  return 0;
}

runIfMain(module, main);
