import { parseArgs, ParseArgsConfig } from 'util';
import { describeSystemError, UserError } from './user-error';

/**
 * Where a command writes its output, a line per call (the newline is added). Scripts
 * get the process streams; tests pass collectors and call the command in-process.
 */
export interface CommandIO {
  /** Standard output: the command's result (reports, summaries, usage after --help). */
  readonly out: (line: string) => void;
  /** Standard error: progress, notes, and the one `error:` line. */
  readonly err: (line: string) => void;
}

/** The process's own streams. */
export const PROCESS_IO: CommandIO = {
  out: line => process.stdout.write(`${line}\n`),
  err: line => process.stderr.write(`${line}\n`),
};

/** A command line program as a function: it parses `argv` itself and returns its exit status. */
export type Command = (argv: readonly string[], io: CommandIO) => Promise<number> | number;

/** How a command reports a failure. */
export interface CommandOptions {
  /** Exit status for an error. @default 1 (diff uses 2: its 1 means "different") */
  readonly errorStatus?: number;
}

/**
 * Runs a command and turns every failure caused by the user's input or machine (a
 * UserError, or a file-system error) into one `error:` line and `errorStatus`: no stack
 * trace. Anything else is a bug, reported with its stack.
 */
export async function runCommand(command: Command, argv: readonly string[], io: CommandIO = PROCESS_IO, opts: CommandOptions = {}): Promise<number> {
  const errorStatus = opts.errorStatus ?? 1;
  try {
    return await command(argv, io);
  } catch (err) {
    const message = err instanceof UserError ? err.message : describeSystemError(err);
    if (message !== undefined) {
      io.err(`error: ${message}`);
    } else {
      io.err(err instanceof Error ? err.stack ?? err.message : String(err));
    }
    return errorStatus;
  }
}

/**
 * Runs `command` with the process's arguments when `mod` is the program being executed
 * (`node file`, `tsx file`, or the esbuild bundle), and does nothing when it is imported
 * (by tests, or by another command).
 */
export function runIfMain(mod: NodeModule, command: Command, opts: CommandOptions = {}): void {
  if (require.main !== mod) return;
  // Ctrl-C or a kill: exit through process.exit, so that 'exit' handlers remove temporary folders.
  for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => process.exit(status));
  }
  // `npm run x | head` closes the pipe early: that ends the output, it is not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      process.exit(process.exitCode ?? 0);
    });
  }
  void runCommand(command, process.argv.slice(2), PROCESS_IO, opts).then(status => {
    process.exitCode = status;
  });
}

/** A command's options, as util.parseArgs takes them (`--help`/`-h` is added). */
export type CommandOptionsSpec = NonNullable<ParseArgsConfig['options']>;

/** What parseCommandArgs returns: parseArgs' result for these options. */
export type ParsedCommandArgs<O extends CommandOptionsSpec> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;

/**
 * Parses a command's arguments strictly, in words of our own: an unknown option, an
 * option without its value, or more than `maxPositionals` arguments is a UserError naming
 * it and showing the usage (Node's own messages advise about `--`, which npm's `--`
 * makes confusing). `--help` is the caller's to handle (parseCommandArgs does).
 */
export function parseOptions<O extends CommandOptionsSpec>(argv: readonly string[], usage: string, options: O, maxPositionals = Infinity): ParsedCommandArgs<O> {
  let parsed: ParsedCommandArgs<O>;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (err) {
    const { code, message } = err as { code?: string; message: string };
    const option = /'(-[^' ]+)/.exec(message)?.[1];
    const what = code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? `unknown option ${option}`
      : code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' ? `${option} needs a value`
        : message.split('\n')[0];
    throw new UserError(`${what}\n${usage}`);
  }
  if (parsed.positionals.length > maxPositionals) throw new UserError(`unexpected argument ${parsed.positionals[maxPositionals]}\n${usage}`);
  return parsed;
}

/**
 * Parses a command's arguments (parseOptions). `--help` prints `usage` and returns
 * undefined (the command then does nothing else). Positionals beyond `maxPositionals`
 * are refused; the command checks the rest.
 */
export function parseCommandArgs<O extends CommandOptionsSpec>(argv: readonly string[], io: CommandIO, usage: string, options: O, maxPositionals = Infinity): ParsedCommandArgs<O> | undefined {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(usage);
    return undefined;
  }
  return parseOptions(argv, usage, options, maxPositionals);
}
