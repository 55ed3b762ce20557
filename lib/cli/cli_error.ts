/**
 * @module
 * The error of a command-line mistake, shared by every parser in lib/cli
 * (its own module so the token helpers and the parsers can all throw it).
 */

/** A command-line mistake; the message is the one line shown to the user. */
export class CliError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "CliError";
  }
}
