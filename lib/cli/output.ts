/**
 * @module
 * Direct terminal output for the CLI's own answers (help, version, check
 * reports, usage errors) — text a person asked for, not log records.
 */

const TEXT_ENCODER = new TextEncoder();

/** Writes `text` to stdout completely. */
export function writeStdout(text: string): void {
  writeAll(Deno.stdout, TEXT_ENCODER.encode(text));
}

/** Writes `text` to stderr completely. */
export function writeStderr(text: string): void {
  writeAll(Deno.stderr, TEXT_ENCODER.encode(text));
}

function writeAll(target: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += target.writeSync(bytes.subarray(offset));
}
