/**
 * @module
 * The lock around every read-modify-write of the users file and the session
 * revocation list: an exclusive `Deno.FsFile` lock on `<users file>.lock`.
 * The users file itself is replaced by rename, so a lock on it would guard a
 * file that is about to disappear; the companion file stays put.
 */

import { dirname } from "node:path";
import { ConfigError } from "../config/errors.ts";

/** Options for {@linkcode withUsersFileLock}. */
export interface UsersFileLockOptions {
  /** Give up after this long, in milliseconds (default 10 000). */
  timeoutMs?: number;
}

/** Suffix of the lock file next to the users file (listed in config/own_files.ts). */
export const USERS_LOCK_SUFFIX = ".lock";
/** Default wait for another holder of the lock. */
const DEFAULT_LOCK_TIMEOUT_MS = 10_000;
/** Pause between two attempts to take the lock. */
const LOCK_RETRY_MS = 15;

/**
 * Runs `work` while holding the exclusive lock of `usersPath`, so concurrent
 * `berth user add` runs (and servers writing the revocation list) take turns
 * instead of overwriting each other's changes.
 *
 * @throws {ConfigError} when the lock file cannot be opened, or another
 * process holds the lock longer than the timeout.
 */
export async function withUsersFileLock<T>(
  usersPath: string,
  work: () => Promise<T>,
  options: UsersFileLockOptions = {},
): Promise<T> {
  const lockPath = usersPath + USERS_LOCK_SUFFIX;
  let file: Deno.FsFile;
  try {
    file = await Deno.open(lockPath, { write: true, create: true, mode: 0o600 });
  } catch (error) {
    const why = error instanceof Deno.errors.NotCapable ||
        error instanceof Deno.errors.PermissionDenied
      ? `berth has no write access to it (run with --allow-write=${dirname(usersPath)})`
      : error instanceof Deno.errors.NotFound
      ? "its directory does not exist"
      : error instanceof Error
      ? error.name
      : "unknown error";
    throw new ConfigError(
      `Cannot write the users file "${usersPath}": cannot open its lock file "${lockPath}": ${why}`,
      { cause: error },
    );
  }
  try {
    // tryLock in a loop rather than lock(): a wait that can time out leaves no pending operation.
    const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);
    while (!(await file.tryLock(true))) {
      if (Date.now() >= deadline) {
        throw new ConfigError(
          `Cannot lock the users file "${usersPath}": another berth command has held "${lockPath}" for ${
            Math.round((options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS) / 1000)
          } s; try again`,
        );
      }
      await new Promise((done) => setTimeout(done, LOCK_RETRY_MS));
    }
    try {
      return await work();
    } finally {
      await file.unlock();
    }
  } finally {
    file.close();
  }
}
