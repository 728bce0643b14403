import { Command, CommandOptions, runCommand } from '../lib/command';

/** What a command printed and returned, run in-process as its script would run it. */
export interface CommandRun {
  /** Exit status. */
  readonly status: number;
  /** Lines written to standard output. */
  readonly out: string[];
  /** Lines written to standard error. */
  readonly err: string[];
}

/** Runs a command with collecting streams: the script's code path, minus the process. */
export async function runCaptured(command: Command, argv: readonly string[], opts: CommandOptions = {}): Promise<CommandRun> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await runCommand(command, argv, { out: l => out.push(l), err: l => err.push(l) }, opts);
  return { status, out, err };
}
