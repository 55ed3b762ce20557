/**
 * @module
 * Hot reload of the users file (and the session revocation list beside it)
 * in a running server: a watch on the file's directory for a quick reaction,
 * plus a stat poll every 500 ms that works where file events do not (no
 * inotify, a network disk, no read access to the directory). A file that
 * fails validation keeps the previous users and is reported once.
 */

import { basename, dirname } from "node:path";
import { ConfigError } from "../config/errors.ts";
import type { RevocationList } from "./revocations.ts";
import { readUsersFile, type UserStore } from "./users.ts";

/** Options for {@linkcode watchUsersFile}. */
export interface WatchUsersFileOptions {
  /** The users file. */
  path: string;
  /** The store to swap the users of. */
  store: UserStore;
  /** The revocation list beside the users file, re-read when its file changes. */
  revocations?: RevocationList | null;
  /** What the users file looked like when `store` was filled ({@linkcode fileSignature}). */
  initial?: string;
  /** Poll interval in milliseconds (default 500). */
  pollMs?: number;
  /** Called after each successful reload with the number of users. */
  onReload?: (count: number) => void;
  /** Called with one line when a changed file is refused. */
  onError?: (message: string) => void;
}

/** A running watch; `close()` stops the watcher and the poll. */
export interface UsersWatch {
  close(): void;
  /** Resolves when the check running now (if any) has finished; for tests. */
  settled(): Promise<void>;
}

const DEFAULT_POLL_MS = 500;
/** Events come in bursts (create, modify, rename); check once they have passed. */
const EVENT_SETTLE_MS = 20;

/**
 * A string that changes when the file at `path` is replaced or edited
 * (inode, size, modification time), or `"missing"`.
 */
export async function fileSignature(path: string): Promise<string> {
  try {
    const info = await Deno.stat(path);
    return `${info.ino ?? 0}:${info.size}:${info.mtime?.getTime() ?? 0}:${
      info.ctime?.getTime() ?? 0
    }`;
  } catch {
    return "missing";
  }
}

/**
 * Starts watching `options.path`. Changes are picked up within the poll
 * interval at the latest; reloads run one at a time.
 */
export function watchUsersFile(options: WatchUsersFileOptions): UsersWatch {
  const { path, store } = options;
  const revocations = options.revocations ?? null;
  const revocationsPath = revocations?.path ?? null;
  let usersSignature = options.initial ?? null;
  let revocationsSignature: string | null = null;
  let closed = false;
  let running: Promise<void> | null = null;
  let again = false;
  // One line per problem: a write seen twice (truncate, then data) must not log it twice.
  let lastProblem: string | null = null;

  async function check(): Promise<void> {
    const signature = await fileSignature(path);
    if (usersSignature === null) {
      usersSignature = signature;
    } else if (signature !== usersSignature) {
      // A file written in place (an editor, not berth's rename) can be caught
      // half-written: read it only once its signature holds still.
      await new Promise((settle) => setTimeout(settle, EVENT_SETTLE_MS));
      if (closed) return;
      if (await fileSignature(path) !== signature) {
        again = true;
        return;
      }
      usersSignature = signature;
      try {
        const users = await readUsersFile(path);
        if (closed) return;
        store.replace(users);
        lastProblem = null;
        options.onReload?.(users.length);
      } catch (error) {
        const message = error instanceof ConfigError ? error.message : String(error);
        if (message !== lastProblem) {
          lastProblem = message;
          options.onError?.(`${message}; keeping the previous ${store.size} user(s)`);
        }
      }
    }
    if (revocations !== null && revocationsPath !== null) {
      const current = await fileSignature(revocationsPath);
      if (revocationsSignature !== null && current !== revocationsSignature) {
        await revocations.reload();
      }
      revocationsSignature = current;
    }
  }

  function schedule(): void {
    if (closed) return;
    if (running !== null) {
      again = true;
      return;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await check();
        } while (again && !closed);
      } catch (error) {
        // Nothing a check meets (a vanished directory, a bad revocation
        // file) may end the process: say so and keep polling.
        options.onError?.(`Cannot check the users file "${path}": ${String(error)}`);
      } finally {
        running = null;
      }
    })();
  }

  const poll = setInterval(schedule, options.pollMs ?? DEFAULT_POLL_MS);
  // The poll must not keep a process alive that has nothing else to do.
  Deno.unrefTimer(poll);
  schedule();

  let watcher: Deno.FsWatcher | null = null;
  let settleTimer: ReturnType<typeof setTimeout> | undefined;
  const names = new Set([basename(path), ...(revocationsPath ? [basename(revocationsPath)] : [])]);
  try {
    // Needs read access to the directory; without it the poll alone does the work.
    watcher = Deno.watchFs(dirname(path), { recursive: false });
    (async () => {
      try {
        for await (const event of watcher!) {
          if (!event.paths.some((changed) => names.has(basename(changed)))) continue;
          clearTimeout(settleTimer);
          settleTimer = setTimeout(schedule, EVENT_SETTLE_MS);
        }
      } catch {
        // The watcher failed or was closed; the poll keeps going.
      }
    })();
  } catch {
    watcher = null;
  }

  return {
    close() {
      if (closed) return;
      closed = true;
      clearInterval(poll);
      clearTimeout(settleTimer);
      try {
        watcher?.close();
      } catch {
        // Already closed.
      }
    },
    async settled() {
      while (running !== null) await running;
    },
  };
}
