import { spawn } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../user-error';

/**
 * main.ts type-checked before its output is written. esbuild (synth) and tsx (check, diff)
 * strip types without checking them, and a typed class of imports/ drops what its props
 * do not declare: `spec: { mtsl: … }` would render `spec: {}`, a STRICT policy silently
 * turned empty. tsc runs in a child process alongside rendering, incrementally, and not at
 * all when main.ts and every file it reads are byte-identical to the last passed check.
 */

/** What the last passed check read: file (relative to the root) → sha256. */
interface Stamp {
  readonly files: { readonly [file: string]: string };
}

/** Files besides the sources that decide the verdict: compiler options and the versions of TypeScript and type packages. */
const SETTINGS_FILES = ['tsconfig.json', 'package-lock.json'];

/** Per project folder: a copy of the project sharing node_modules must not take this one's verdict. */
function cacheDir(root: string): string {
  const folder = createHash('sha256').update(path.resolve(root)).digest('hex').slice(0, 16);
  return path.join(root, 'node_modules', '.cache', 'istio-cdk8s', 'main-typecheck', folder);
}

function sha256(file: string): string | undefined {
  try {
    return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch {
    return undefined;
  }
}

/** Whether every file the last passed check read is unchanged (main.ts and its imports, tsconfig, the lock). */
export function mainTypecheckIsCurrent(root: string): boolean {
  let stamp: Stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(path.join(cacheDir(root), 'passed.json'), 'utf8')) as Stamp;
  } catch {
    return false;
  }
  const files = Object.entries(stamp.files ?? {});
  return files.length > 0 && files.every(([file, digest]) => sha256(path.join(root, file)) === digest);
}

/**
 * Records what tsc read and passed, unless a file changed after tsc started (a main.ts
 * saved during the synth): its content now is not the content tsc checked.
 */
function recordPassed(root: string, read: readonly string[], startedMs: number): void {
  const files: { [file: string]: string } = {};
  for (const file of [...SETTINGS_FILES, 'main.ts', ...read]) {
    const abs = path.join(root, file);
    try {
      if (fs.statSync(abs).mtimeMs >= startedMs) return;
    } catch {
      continue;
    }
    const digest = sha256(abs);
    if (digest !== undefined) files[file] = digest;
  }
  try {
    fs.writeFileSync(path.join(cacheDir(root), 'passed.json'), JSON.stringify({ files }));
  } catch {
    // Only a cache: the next synth checks again.
  }
}

/**
 * Type-checks main.ts and what it imports, with the project's compiler options (only
 * Node's global types: main.ts is no test). Resolves when it passes; rejects with a
 * UserError quoting tsc's diagnostics when it does not.
 */
export function typecheckMain(root: string): Promise<void> {
  if (mainTypecheckIsCurrent(root)) return Promise.resolve();
  const dir = cacheDir(root);
  fs.mkdirSync(dir, { recursive: true });
  const tsconfig = path.join(dir, 'tsconfig.json');
  fs.writeFileSync(tsconfig, JSON.stringify({
    extends: path.join(root, 'tsconfig.json'),
    compilerOptions: { types: ['node'], noEmit: true, incremental: true, tsBuildInfoFile: path.join(dir, 'tsbuildinfo') },
    files: [path.join(root, 'main.ts')],
    include: [],
  }));
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const startedMs = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, '-p', tsconfig, '--pretty', 'false', '--listFiles'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    child.on('error', err => reject(new UserError(`cannot type-check main.ts: ${err.message}; run npm ci`)));
    child.on('close', code => {
      const lines = out.split('\n').filter(Boolean);
      // --listFiles prints every file read, one absolute path a line; the rest are diagnostics.
      const read = lines.filter(l => path.isAbsolute(l) && !l.includes(`${path.sep}node_modules${path.sep}`) && fs.existsSync(l)).map(l => path.relative(root, l));
      const diagnostics = lines.filter(l => !path.isAbsolute(l) || !fs.existsSync(l));
      if (code === 0) {
        recordPassed(root, read, startedMs);
        resolve();
        return;
      }
      const shown = diagnostics.map(l => `  ${l.startsWith(root) ? path.relative(root, l) : l}`).join('\n');
      reject(new UserError(`main.ts does not type-check, so nothing was written (synth strips types, and a misspelt field of a typed object would vanish from the output):\n${shown}\nfix the lines above, or run npx tsc --noEmit to see them in context`));
    });
  });
}
