import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_TOOL_CRD_SOURCES } from '../../lib/vendoring/lock';

/**
 * The copy's lock with its folder sources made absolute: a relative source
 * (`../shared/istio-charts`) is relative to the project, and the copy lives elsewhere.
 */
function anchorLockSources(root: string, dir: string): void {
  const file = path.join(dir, 'vendor', 'charts.lock.json');
  const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
  const anchor = (specs: unknown) => Array.isArray(specs) ? specs.map(s => (typeof s === 'string' && !/^[a-z]+:\/\//i.test(s) ? path.resolve(root, s) : s)) : specs;
  lock.sources = anchor(lock.sources);
  lock.gatewayApiSources = anchor(lock.gatewayApiSources);
  // The tool CRD sources too, written out when the lock relies on the default.
  lock.toolCrdSources = anchor(lock.toolCrdSources ?? DEFAULT_TOOL_CRD_SOURCES);
  fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
}

/** What a command printed, and how it ended. */
export interface CommandResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A copy of the project in a temporary folder, its own git repository, where a docs
 * example runs as a user would run it: main.ts replaced, real `npm run` commands. The
 * copy holds the working tree's files (committed or not, ignored ones left out) and the
 * vendored charts; node_modules is linked, not copied.
 */
export class Sandbox {
  static create(root: string): Sandbox {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'istio-cdk8s-docs-'));
    const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
    if (listed.status !== 0) throw new Error(`git ls-files failed in ${root}: ${listed.stderr}`);
    for (const file of listed.stdout.split('\0').filter(Boolean)) {
      if (!fs.existsSync(path.join(root, file))) continue; // deleted, not yet staged
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.copyFileSync(path.join(root, file), path.join(dir, file));
    }
    fs.cpSync(path.join(root, 'vendor'), path.join(dir, 'vendor'), { recursive: true });
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
    anchorLockSources(root, dir);
    const sandbox = new Sandbox(dir);
    sandbox.git('init', '-q');
    sandbox.commit('the project');
    return sandbox;
  }

  private constructor(readonly dir: string) {}

  writeMain(code: string): void {
    fs.writeFileSync(path.join(this.dir, 'main.ts'), `${code}\n`);
  }

  readMain(): string {
    return fs.readFileSync(path.join(this.dir, 'main.ts'), 'utf8');
  }

  /** `npm run <script> -- <args>`, without npm's own banner and footer. */
  npm(script: string, ...args: string[]): CommandResult {
    return this.run('npm', ['run', '--silent', script, ...(args.length ? ['--', ...args] : [])]);
  }

  /** A shell command line (`find dist -type f | sort`), as printed in the docs. */
  shell(line: string): CommandResult {
    return this.run('sh', ['-c', line]);
  }

  /** Commits everything, so `npm run diff -- HEAD` compares against this state. */
  commit(message: string): void {
    this.git('add', '-A');
    this.git('-c', 'user.name=docs', '-c', 'user.email=docs@example.invalid', 'commit', '-q', '--allow-empty', '-m', message);
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private git(...args: string[]): void {
    const r = this.run('git', args);
    if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${this.dir}: ${r.stderr}`);
  }

  private run(command: string, args: string[]): CommandResult {
    const r = spawnSync(command, args, { cwd: this.dir, encoding: 'utf8', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false', FORCE_COLOR: '0' }, maxBuffer: 64 << 20 });
    return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
  }
}
