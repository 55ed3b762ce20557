/**
 * @module
 * The strict reading of command-line tokens that both parsers share (args.ts
 * for serving, user.ts for `berth user`). `node:util` parseArgs splits argv
 * into tokens without judging them, because its strict mode throws node's
 * wording with no facts to report; the functions here enforce what strict
 * mode would — a known option, a value where one is needed that is not the
 * next flag, a switch value that is a boolean word — and fail with one line
 * naming the flag.
 */

import { parseArgs } from "node:util";
import { formatValue } from "../config/errors.ts";
import { parseBooleanWord } from "../config/values.ts";
import { CliError } from "./cli_error.ts";

/** How parseArgs splits one option: whether it takes a value, and its one-letter alias. */
export interface OptionShape {
  /** `string` options take a value; `boolean` ones may carry `=VALUE` only. */
  type: "string" | "boolean";
  /** One-letter alias without the dash. */
  short?: string;
}

/** A parseArgs token (node's `Token` type, spelled out). */
export type Token =
  | {
    kind: "option";
    /** The long name for a known short alias, else the name as given without dashes. */
    name: string;
    /** The option as typed, e.g. `-p` or `--port`. */
    rawName: string;
    index: number;
    value?: string;
    inlineValue?: boolean;
  }
  | { kind: "positional"; index: number; value: string }
  | { kind: "option-terminator"; index: number };

/** An option token. */
export type OptionToken = Extract<Token, { kind: "option" }>;

/**
 * Splits `argv` into tokens for `shapes` without refusing anything;
 * `helpCommand` is what the (never expected) failure message tells to run.
 */
export function tokenize(
  argv: readonly string[],
  shapes: Readonly<Record<string, OptionShape>>,
  helpCommand: string,
): Token[] {
  try {
    return parseArgs({
      args: [...argv],
      options: { ...shapes },
      strict: false,
      allowPositionals: true,
      tokens: true,
    }).tokens as Token[];
  } catch (error) {
    // Non-strict parsing does not throw today; never show node's wording if it does.
    throw new CliError(`Cannot parse the command line: run "${helpCommand}"`, { cause: error });
  }
}

/**
 * The value of an option that takes one, or a CliError: absent, or the next
 * flag taken as the value (`--host --port 80`; `--host=--x` is a value).
 */
export function requireValue(token: OptionToken, flag: string): string {
  const value = token.value;
  if (value === undefined || (!token.inlineValue && value.startsWith("--"))) {
    throw new CliError(`Missing value for "${flag}"`);
  }
  return value;
}

/** A switch is on when given; `--listing=false` style values are accepted too. */
export function parseSwitch(flag: string, value: string | undefined): boolean {
  if (value === undefined) return true;
  const on = parseBooleanWord(value);
  if (on !== undefined) return on;
  throw new CliError(
    `Cannot parse "${flag}": ${
      formatValue(value)
    } is not true or false (the switch needs no value)`,
  );
}
