import * as path from 'path';
import * as mainTs from '../../main';
import { readProject } from '../../lib/project/definition';
import { synthMesh } from '../../lib/synth/synth';

// One synthesis in a fresh process: prints the in-process time (modules already loaded)
// and this process's peak RSS, as JSON, for the benchmark to collect.
const loadedAt = performance.now();
synthMesh(readProject(mainTs), { outdir: process.argv[2] ?? path.join(__dirname, 'out'), log: () => undefined })
  .then(() => {
    const synthMs = performance.now() - loadedAt;
    process.stdout.write(JSON.stringify({ synthMs, processMs: process.uptime() * 1000, maxRssKb: process.resourceUsage().maxRSS }) + '\n');
  })
  .catch((err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 1;
  });
