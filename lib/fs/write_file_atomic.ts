/**
 * @module
 * Atomic file replacement: write a new temp file in the same directory, then
 * rename it over the target, so readers see the old file or the whole new
 * one, never half a file.
 */

import { basename, dirname, join } from "node:path";

/** Options for {@linkcode writeFileAtomic}. */
export interface WriteFileAtomicOptions {
  /** Permissions of the new file (before the umask); the Deno default when absent. */
  mode?: number;
}

/**
 * Writes `text` to `path` through a temp file and a rename. The temp file is
 * removed when either step fails, and the original error is rethrown.
 */
export async function writeFileAtomic(
  path: string,
  text: string,
  options: WriteFileAtomicOptions = {},
): Promise<void> {
  const temp = tempPathFor(path);
  try {
    await Deno.writeTextFile(temp, text, { mode: options.mode, createNew: true });
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}

/**
 * Whether Deno grants what {@linkcode writeFileAtomic} needs: `Deno.rename`
 * wants read and write access to both names, so to `path` and its directory.
 */
export async function canWriteFileAtomic(path: string): Promise<boolean> {
  const needs: Deno.PermissionDescriptor[] = [dirname(path), path].flatMap((name) => [
    { name: "write" as const, path: name },
    { name: "read" as const, path: name },
  ]);
  const states = await Promise.all(needs.map((need) => Deno.permissions.query(need)));
  return states.every((status) => status.state === "granted");
}

/** A fresh hidden name next to `path`: `.name.<12 hex digits>.tmp`. */
function tempPathFor(path: string): string {
  const random = crypto.getRandomValues(new Uint8Array(6));
  const suffix = Array.from(random, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return join(dirname(path), `.${basename(path)}.${suffix}.tmp`);
}
