import * as fs from 'fs';
import * as path from 'path';
import { Command } from '../lib/command';
import { PROJECT_ROOT } from '../lib/project-root';
import { runCaptured } from './command-io';

const scripts: { [name: string]: string } = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')).scripts;

/** The project's own module behind a script: `tsx lib/x.ts`, or the synth bundle's entry point. */
function moduleOf(command: string): string | undefined {
  const script = /^sh (lib\/\S+\.sh)$/.exec(command)?.[1];
  // The script bundles with lib/synth/bundle.cjs, beside it: its entry point is the module.
  if (script) return /entryPoints: \['(lib\/\S+\.ts)'\]/.exec(fs.readFileSync(path.join(PROJECT_ROOT, path.dirname(script), 'bundle.cjs'), 'utf8'))?.[1];
  return /^tsx ((?:lib|tools)\/\S+\.ts)$/.exec(command)?.[1];
}

// Scripts that run another tool answer --help with that tool's own help.
const THIRD_PARTY = new Set(['typecheck', 'cdk8s:synth']);

describe('every npm script answers --help with its usage and does nothing else', () => {
  test('each script runs a command module of ours, or a tool with its own --help', () => {
    expect(Object.keys(scripts).filter(name => !moduleOf(scripts[name]) && !THIRD_PARTY.has(name))).toEqual([]);
  });

  test.each(Object.keys(scripts).filter(name => moduleOf(scripts[name])))('npm run %s -- --help', async name => {
    const mod: { main?: Command } = require(path.join(PROJECT_ROOT, moduleOf(scripts[name])!));
    expect(typeof mod.main).toBe('function');
    const r = await runCaptured(mod.main!, ['--help']);
    expect(r.status).toBe(0);
    expect(r.err).toEqual([]);
    expect(r.out).toEqual([expect.stringMatching(/^usage: npm (run \S+|test)/)]);
  });
});
