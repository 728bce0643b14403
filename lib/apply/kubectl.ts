import { spawnSync } from 'child_process';
import { UserError } from '../user-error';

/** What one kubectl run printed and how it ended. */
export interface KubectlResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs kubectl (the one on PATH) with a fixed `--context` in front, output captured. */
export class Kubectl {
  constructor(private readonly context?: string, private readonly command = 'kubectl') {}

  /** The full argument list of a call, as it is run (and as progress shows it). */
  args(args: readonly string[]): string[] {
    return [...(this.context ? ['--context', this.context] : []), ...args];
  }

  run(args: readonly string[]): KubectlResult {
    const r = spawnSync(this.command, this.args(args), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
    if (r.error) {
      const code = (r.error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new UserError(`${this.command} not found on PATH: install kubectl (within one minor version of the cluster) and put it on PATH`);
      throw new UserError(`cannot run ${this.command}: ${r.error.message}`);
    }
    return { status: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }
}
