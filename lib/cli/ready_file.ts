/**
 * @module
 * The ready file: once berth listens, it writes its URL (one line ending in
 * a newline) to `--ready-file FILE`, so a CI script can wait for the file
 * instead of parsing logs. Written atomically (temporary file + rename) when
 * berth may write the directory; with `--allow-write=FILE` alone it is one
 * write of the whole line, so readers should wait for the final newline.
 * (Atomic needs `--allow-read` and `--allow-write` on the directory.) A
 * stale file from an earlier run is removed at startup, and the file is
 * removed again on every exit: a clean stop, a forced one, and a startup that
 * fails (so a script waiting for the file never reads an old URL).
 */

import { canWriteFileAtomic, writeFileAtomic } from "../fs/write_file_atomic.ts";

/** A ready file that cannot be written; the CLI exits with code 2. */
export class ReadyFileError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ReadyFileError";
  }
}

/** Removes a ready file left by an earlier run, so waiting scripts never read an old URL. */
export async function removeStaleReadyFile(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw new ReadyFileError(
      `Cannot replace the ready file "${path}": ${describeError(error)}`,
      { cause: error },
    );
  }
}

/** Writes `url` and a newline to `path`; atomically when the directory is writable. */
export async function writeReadyFile(path: string, url: string): Promise<void> {
  const text = `${url}\n`;
  try {
    if (await canWriteFileAtomic(path)) await writeFileAtomic(path, text);
    else await Deno.writeTextFile(path, text);
  } catch (error) {
    throw new ReadyFileError(
      `Cannot write the ready file "${path}": ${describeError(error)}`,
      { cause: error },
    );
  }
}

/** Removes the ready file on a clean stop; a file that is already gone is fine. */
export async function removeReadyFile(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch {
    // Gone or not ours any more: nothing to clean up.
  }
}

/**
 * For a startup that failed: removes the ready file when berth may write it
 * (asked without prompting: a failed start must not stop at a question),
 * so the URL of an earlier run never survives.
 */
export async function removeReadyFileOnFailure(path: string): Promise<void> {
  const status = await Deno.permissions.query({ name: "write", path });
  if (status.state === "granted") await removeReadyFile(path);
}

/** Like {@linkcode removeReadyFile}, for the immediate exit on a second stop signal. */
export function removeReadyFileSync(path: string): void {
  try {
    Deno.removeSync(path);
  } catch {
    // Gone or not ours any more: nothing to clean up.
  }
}

function describeError(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "its directory does not exist";
  if (error instanceof Deno.errors.NotCapable) return "write access not granted";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.IsADirectory) return "it is a directory";
  return error instanceof Error ? error.message.split("\n")[0] : String(error);
}
