/**
 * @module
 * Watches the served root with `Deno.watchFs` and reports what changed, for
 * what a `stat` of an answer's own files cannot see: a listed file edited in
 * place leaves its directory's mtime alone. Failing to watch is logged once
 * and leaves the per-hit `stat` checks as the only guard.
 */

import { getLogger } from "@logtape/logtape";
import { LOG_CATEGORY } from "../log/setup.ts";

/** A running watch; closing it stops the events. */
export interface CacheWatch {
  /** Stops watching; hits are still checked with `stat`. */
  close(): void;
}

/** What the watcher tells its owner. */
export interface CacheWatchHandlers {
  /** Something happened under the root (called first for every event). */
  onEvent(): void;
  /** `path` was created, changed, renamed or removed. */
  onChange(path: string): void;
  /** An event says nothing precise (a rescan, an overflow): drop everything. */
  onReset(): void;
  /** The watch ended (closed or failed): no further events will say what changed. */
  onStop(): void;
}

/** A watch that does nothing (cache off, or already watching). */
export const NO_WATCH: CacheWatch = Object.freeze({ close() {} });

/** Starts watching `root` (a real path) recursively and feeds `handlers` until closed. */
export function watchForChanges(root: string, handlers: CacheWatchHandlers): CacheWatch {
  const logger = getLogger([...LOG_CATEGORY, "cache"]);
  let watcher: Deno.FsWatcher;
  try {
    watcher = Deno.watchFs(root, { recursive: true });
  } catch (error) {
    logger.warn(
      "Cannot watch {root} for changes ({error}); listings are checked by directory mtime only",
      { root, error: String(error) },
    );
    return NO_WATCH;
  }
  let running = true;
  const stop = () => {
    if (!running) return;
    running = false;
    handlers.onStop();
  };
  (async () => {
    try {
      for await (const event of watcher) {
        handlers.onEvent();
        if (event.kind === "other" || event.paths.length === 0) handlers.onReset();
        else for (const path of event.paths) handlers.onChange(path);
      }
    } catch (error) {
      if (running) {
        logger.warn(
          "Stopped watching for changes ({error}); listings are checked by directory mtime only",
          { error: String(error) },
        );
      }
    } finally {
      stop();
    }
  })();
  return {
    close() {
      stop();
      try {
        watcher.close();
      } catch {
        // Already closed by the runtime.
      }
    },
  };
}
