import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse as parseYaml } from 'yaml';
import { PROJECT_ROOT } from '../../lib/project-root';
import { HELM_ENV, locateHelm } from '../../lib/render/helm-binary';
import { CACHE_DIR_ENV, NO_CACHE_ENV } from '../../lib/render/render-cache';
import { CommandIO, parseCommandArgs, runIfMain } from '../../lib/command';
import { UserError } from '../../lib/user-error';

const USAGE = `usage: npm run bench [-- --runs N] [-- --no-test]
  --runs N     runs per measurement (default 5)
  --no-test    skip timing one \`npm test\` run`;

/** Figures of one measurement over several runs. */
interface Series {
  /** What was measured. */
  readonly name: string;
  /** Wall times, ms. */
  readonly ms: number[];
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function check(r: SpawnSyncReturns<string>, what: string): string {
  if (r.error) throw new UserError(`${what} could not run: ${r.error.message}`);
  if (r.status !== 0) throw new UserError(`${what} failed (exit ${r.status}):\n${r.stderr}`);
  return r.stdout;
}

function timed(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

/**
 * A stand-in helm that records each call (arguments, and a copy of the values file synth
 * deletes afterwards) and then runs the real helm: so the floor replays exactly the calls
 * synth makes.
 */
function recordHelmCalls(scratch: string, realHelm: string): string[][] {
  const calls = path.join(scratch, 'calls');
  fs.mkdirSync(calls);
  const shim = path.join(scratch, 'recording-helm');
  // Named by pid: synth runs the releases in parallel.
  fs.writeFileSync(shim, `#!/bin/bash
[ "$1" = version ] && exec '${realHelm}' "$@"
d='${calls}'/$$; mkdir "$d"; args=(); prev=
for a in "$@"; do
  if [ "$prev" = "-f" ]; then cp "$a" "$d/values.yaml"; a="$d/values.yaml"; fi
  args+=("$a"); prev="$a"
done
printf '%s\\n' "\${args[@]}" > "$d/args"
exec '${realHelm}' "\${args[@]}"
`, { mode: 0o755 });
  check(spawnSync(process.execPath, ['--require', 'tsx/cjs', 'tools/bench/synth-once.ts', path.join(scratch, 'recorded')], {
    cwd: PROJECT_ROOT, encoding: 'utf8', env: { ...process.env, [HELM_ENV]: shim, [NO_CACHE_ENV]: '1' },
  }), 'synth with a recording helm');
  return fs.readdirSync(calls).sort()
    .map(n => fs.readFileSync(path.join(calls, n, 'args'), 'utf8').replace(/\n$/, '').split('\n'));
}

/**
 * Fleets and app namespaces (tools/bench/synth-fleet.ts): each shape synthesised cold
 * (empty render cache) and warm, in a fresh process, with its ratio to the floor.
 */
function scalingTable(scratch: string, env: NodeJS.ProcessEnv, floorMs: number, runs: number): string[] {
  const shapes = [[1, 1], [3, 1], [10, 1], [1, 100], [1, 1000]] as const;
  const rows: string[] = [`scaling (${runs} run(s) each; N clusters × M app namespaces; each cluster a mesh of its own, named after it):`];
  const results = new Map<string, { cold: number; warm: number }>();
  for (const [clusters, namespaces] of shapes) {
    const outdir = path.join(scratch, `fleet-${clusters}-${namespaces}`, 'dist');
    fs.mkdirSync(path.dirname(outdir), { recursive: true });
    const synth = (cacheDir: string) => () => check(spawnSync(process.execPath, ['--require', 'tsx/cjs', 'tools/bench/synth-fleet.ts', outdir, String(clusters), String(namespaces)], {
      cwd: PROJECT_ROOT, encoding: 'utf8', env: { ...env, [CACHE_DIR_ENV]: cacheDir },
    }), `synth of ${clusters} clusters × ${namespaces} namespaces`);
    const cold: number[] = [];
    const warm: number[] = [];
    const warmCache = path.join(scratch, `fleet-warm-${clusters}-${namespaces}`);
    synth(warmCache)();
    for (let i = 0; i < runs; i++) {
      const coldCache = path.join(scratch, `fleet-cold-${clusters}-${namespaces}-${i}`);
      cold.push(timed(synth(coldCache)));
      fs.rmSync(coldCache, { recursive: true, force: true });
      warm.push(timed(synth(warmCache)));
    }
    results.set(`${clusters}x${namespaces}`, { cold: median(cold), warm: median(warm) });
    const r = results.get(`${clusters}x${namespaces}`)!;
    rows.push(`  ${String(clusters).padStart(2)} × ${String(namespaces).padStart(4)}   cold median ${r.cold.toFixed(0).padStart(5)} ms (${(r.cold / floorMs).toFixed(2)}× floor)   warm median ${r.warm.toFixed(0).padStart(5)} ms (${(r.warm / floorMs).toFixed(2)}× floor)`);
  }
  const one = results.get('1x1')!;
  const ten = results.get('10x1')!;
  const thousand = results.get('1x1000')!;
  rows.push(`  10 clusters cold / 1 cluster cold: ${(ten.cold / one.cold).toFixed(2)}×  (target ≤ 3×)`);
  rows.push(`  1,000 app namespaces add: ${((thousand.warm - one.warm) / 1000).toFixed(2)} s warm, ${((thousand.cold - one.cold) / 1000).toFixed(2)} s cold  (target ≤ 0.3 s)`);
  rows.push('  (these run through tsx, without the esbuild bundle: compare them with each other, not with the rows above)');
  return rows;
}

/**
 * What following the API server (defaults, CEL rules, list types, formats, metadata) costs
 * `npm run check` on dist/: the command as npm runs it, and its checking alone (a fresh
 * process each, tools/bench/check-once.ts), with and without it.
 */
function checkCost(env: NodeJS.ProcessEnv, runs: number): string[] {
  const run = (schemaOnly: boolean) => {
    const started = performance.now();
    const out = JSON.parse(check(spawnSync(process.execPath, ['--require', 'tsx/cjs', 'tools/bench/check-once.ts', ...(schemaOnly ? ['--schema-only'] : [])], {
      cwd: PROJECT_ROOT, encoding: 'utf8', env,
    }), 'check of dist/')) as { checkMs: number };
    return { command: performance.now() - started, checking: out.checkMs };
  };
  const full: { command: number; checking: number }[] = [];
  const schemaOnly: { command: number; checking: number }[] = [];
  for (let i = 0; i < runs; i++) {
    full.push(run(false));
    schemaOnly.push(run(true));
  }
  const row = (label: string, of: (r: { command: number; checking: number }) => number, target = '') => {
    const [a, b] = [median(full.map(of)), median(schemaOnly.map(of))];
    return `  ${label.padEnd(16)} median ${a.toFixed(0).padStart(5)} ms vs ${b.toFixed(0).padStart(5)} ms: +${((a / b - 1) * 100).toFixed(0)} %${target}`;
  };
  return [
    'npm run check on dist/, API server semantics (CEL rules, defaults, list types, formats, metadata) vs schema only:',
    row('whole command', r => r.command, '  (target ≤ +30 %)'),
    row('checking alone', r => r.checking),
  ];
}

/** `npm run bench`. */
export function main(argv: readonly string[], io: CommandIO): number {
  const parsed = parseCommandArgs(argv, io, USAGE, { 'runs': { type: 'string' }, 'no-test': { type: 'boolean' } });
  if (!parsed) return 0;
  const { values } = parsed;
  const runs = Number(values.runs ?? 5);
  if (!Number.isInteger(runs) || runs < 1) throw new UserError(`--runs wants a whole number of at least 1, got "${values.runs}"`);

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'istio-cdk8s-bench-'));
  try {
    const realHelm = locateHelm({ root: PROJECT_ROOT });
    const calls = recordHelmCalls(scratch, realHelm);
    const helmEnv = { PATH: '/usr/bin:/bin', HOME: path.join(scratch, 'home'), HELM_CONFIG_HOME: path.join(scratch, 'home') };
    const outdir = path.join(scratch, 'out', 'dist');
    fs.mkdirSync(path.dirname(outdir));
    const env = { ...process.env, CDK8S_CHECK_UPGRADE: 'false' };

    const appCommand: string = parseYaml(fs.readFileSync(path.join(PROJECT_ROOT, 'cdk8s.yaml'), 'utf8')).app;
    const synthCommand = (cacheDir: string) => () => check(spawnSync('sh', ['-c', appCommand], {
      cwd: PROJECT_ROOT, encoding: 'utf8', env: { ...env, CDK8S_OUTDIR: outdir, [CACHE_DIR_ENV]: cacheDir },
    }), 'npm run synth');
    const warmCache = path.join(scratch, 'warm-cache');
    synthCommand(warmCache)();

    const floor: Series = { name: `floor: ${calls.length} × helm template, run directly`, ms: [] };
    const cold: Series = { name: 'synth, cold (empty render cache)', ms: [] };
    const warm: Series = { name: 'synth, warm (inputs unchanged, cache filled)', ms: [] };
    const npx: Series = { name: 'npx cdk8s synth, warm', ms: [] };
    const rss: number[] = [];
    for (let i = 0; i < runs; i++) {
      floor.ms.push(timed(() => calls.forEach(args => check(spawnSync(realHelm, args, { encoding: 'utf8', env: helmEnv, maxBuffer: 64 << 20 }), 'helm template'))));
      const coldCache = path.join(scratch, `cold-cache-${i}`);
      cold.ms.push(timed(synthCommand(coldCache)));
      fs.rmSync(coldCache, { recursive: true, force: true });
      warm.ms.push(timed(synthCommand(warmCache)));
      npx.ms.push(timed(() => check(spawnSync('npx', ['cdk8s', 'synth', '--output', outdir], { cwd: PROJECT_ROOT, encoding: 'utf8', env: { ...env, [CACHE_DIR_ENV]: warmCache } }), 'npx cdk8s synth')));
      // GNU time's %M: the peak resident set of the largest process (the node synth), in KB.
      const timedRun = spawnSync('/usr/bin/time', ['-f', '%M', 'sh', '-c', appCommand], { cwd: PROJECT_ROOT, encoding: 'utf8', env: { ...env, CDK8S_OUTDIR: outdir, [NO_CACHE_ENV]: '1' } });
      check(timedRun, 'synth under /usr/bin/time');
      rss.push(Number(/(\d+)\s*$/.exec(timedRun.stderr)?.[1] ?? 0) / 1024);
    }

    const floorMs = median(floor.ms);
    const row = (s: Series, target?: string) => {
      const m = median(s.ms);
      const ratio = s === floor ? '' : `  ${(m / floorMs).toFixed(2)}× floor`;
      return `${s.name.padEnd(46)} median ${m.toFixed(0).padStart(5)} ms  min ${Math.min(...s.ms).toFixed(0).padStart(5)}  max ${Math.max(...s.ms).toFixed(0).padStart(5)}${ratio}${target ? `  (target ${target})` : ''}`;
    };
    const lines = [
      `istio-cdk8s bench: ${runs} run(s) each, ${os.cpus().length} cores, node ${process.version}; synth = npm run synth's command without npm`,
      row(floor),
      row(warm, '≤ 1.0× floor'),
      row(cold, '≤ 2.0× floor'),
      row(npx, '≤ 1800 ms'),
      `${'peak RSS of a synth process (no cache)'.padEnd(46)} median ${median(rss).toFixed(0).padStart(5)} MB  max ${Math.max(...rss).toFixed(0)} MB  (target ≤ 300 MB)`,
    ];
    lines.push(...checkCost(env, runs));
    lines.push(...scalingTable(scratch, env, floorMs, Math.min(runs, 3)));
    if (!values['no-test']) {
      const ms = timed(() => check(spawnSync('npm', ['test', '--silent'], { cwd: PROJECT_ROOT, encoding: 'utf8', env }), 'npm test'));
      lines.push(`${'npm test (one run)'.padEnd(46)} ${ms.toFixed(0).padStart(12)} ms  (target ≤ 15000 ms)`);
    }
    lines.forEach(l => io.out(l));
    return 0;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

runIfMain(module, main);
