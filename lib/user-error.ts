/**
 * An error caused by the user's input (settings, charts, environment), not by a bug.
 *
 * Entry points print only its message (no stack trace) and exit non-zero; the message
 * names the problem and how to fix it.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** Runs an entry point: prints a UserError as one line and exits 1, rethrows anything else. */
export function runMain(main: () => Promise<void> | void): void {
  Promise.resolve()
    .then(main)
    .catch((err: unknown) => {
      if (err instanceof UserError) {
        process.stderr.write(`error: ${err.message}\n`);
      } else {
        process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      }
      process.exitCode = 1;
    });
}
