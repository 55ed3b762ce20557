/**
 * @module
 * Reading a password for `berth user` and `berth hash-password`: the first
 * line of stdin when it is not a terminal (CI pipes it), otherwise a prompt on
 * stderr that echoes nothing, asked twice. Never argv: `ps` and shell history
 * would keep it.
 */

import { MAX_PASSWORD_BYTES } from "../auth/passwords.ts";
import { CliError } from "./cli_error.ts";
import { writeStderr } from "./output.ts";

/** Longest line read from stdin as a password, in bytes. */
const MAX_STDIN_BYTES = MAX_PASSWORD_BYTES + 2;

/** Reads passwords; replaced in tests. */
export interface PasswordSource {
  /** Resolves to the password (asked twice on a terminal when `confirm`). */
  read(options: { confirm: boolean }): Promise<string>;
}

/** Passwords from a piped stdin (first line) or a no-echo terminal prompt. */
export function createStdinPasswordSource(): PasswordSource {
  return {
    async read({ confirm }) {
      if (!Deno.stdin.isTerminal()) return checkPassword(await readStdinLine());
      const first = await promptHidden("Password: ");
      checkPassword(first);
      if (confirm && await promptHidden("Repeat password: ") !== first) {
        throw new CliError("The passwords do not match");
      }
      return first;
    },
  };
}

function checkPassword(password: string): string {
  if (password === "") throw new CliError("The password is empty");
  if (new TextEncoder().encode(password).length > MAX_PASSWORD_BYTES) {
    throw new CliError(`The password is longer than ${MAX_PASSWORD_BYTES} bytes`);
  }
  return password;
}

/** Reads stdin up to the first newline (CR LF or LF, removed) or the end. */
async function readStdinLine(): Promise<string> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const buffer = new Uint8Array(1024);
  while (true) {
    const read = await Deno.stdin.read(buffer);
    if (read === null) break;
    const chunk = buffer.slice(0, read);
    const newline = chunk.indexOf(0x0a);
    chunks.push(newline >= 0 ? chunk.subarray(0, newline) : chunk);
    total += newline >= 0 ? newline : read;
    if (newline >= 0) break;
    if (total > MAX_STDIN_BYTES) {
      throw new CliError(`The password is longer than ${MAX_PASSWORD_BYTES} bytes`);
    }
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new CliError("The password on stdin is not valid UTF-8");
  }
  return text.endsWith("\r") ? text.slice(0, -1) : text;
}

/** Prompts on stderr and reads a line from the terminal in raw mode, echoing nothing. */
async function promptHidden(prompt: string): Promise<string> {
  // Raw mode first: a fast typist (or a pasted line) must not be echoed.
  Deno.stdin.setRaw(true);
  writeStderr(prompt);
  const bytes: number[] = [];
  const buffer = new Uint8Array(64);
  try {
    reading: while (true) {
      const read = await Deno.stdin.read(buffer);
      if (read === null) break;
      for (const byte of buffer.subarray(0, read)) {
        if (byte === 0x0d || byte === 0x0a) break reading;
        if (byte === 0x03) throw new CliError("Cancelled");
        if (byte === 0x04 && bytes.length === 0) break reading;
        if (byte === 0x7f || byte === 0x08) {
          // Backspace removes one UTF-8 character (its continuation bytes too).
          while (bytes.length > 0 && (bytes.pop()! & 0xc0) === 0x80);
          continue;
        }
        if (byte < 0x20) continue;
        bytes.push(byte);
        if (bytes.length > MAX_STDIN_BYTES) {
          throw new CliError(`The password is longer than ${MAX_PASSWORD_BYTES} bytes`);
        }
      }
    }
  } finally {
    Deno.stdin.setRaw(false);
    writeStderr("\n");
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
