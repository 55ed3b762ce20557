/**
 * @module
 * Files kept open between small byte-range reads of files too big for the
 * hot-file cache (video seeking, PDF viewers, download resumes). Opening and
 * closing a file costs ~12 µs of a ~14 µs blocking 1 KB range read; seeking
 * and reading an already open one ~2 µs.
 *
 * A kept handle is used only while its inode is the one the caller just
 * checked against the path (the cache's per-request `stat`): an edit in
 * place is read through the same inode, and a replaced file has a new inode,
 * so its old handle is closed instead. Handles unused for a whole idle
 * period are closed (so a deleted file's space is given back), at most
 * `maxFiles` are kept, and `close()` releases them all at shutdown.
 *
 * PERF: every call here blocks (open, seek, read, fstat): for ranges of at
 * most 64 KiB, usually in the page cache, that is several times cheaper than
 * the async ops. The trade-off: on a slow or network disk a read that blocks
 * stalls every request of the isolate until it returns.
 */

import { createBoundedMap } from "../util/bounded_map.ts";

/** Options for {@linkcode createOpenFilePool}. */
export interface OpenFilePoolOptions {
  /** Most files kept open; the least recently used one is closed beyond it. */
  maxFiles: number;
  /** A handle unused for this long (up to twice as long) is closed. */
  idleMs: number;
}

/** What the server uses: a few dozen descriptors, released after 5–10 s unused. */
export const SERVER_OPEN_FILE_POOL: Readonly<OpenFilePoolOptions> = { maxFiles: 64, idleMs: 5_000 };

/** A bounded set of open files for blocking range reads. */
export interface OpenFilePool {
  /**
   * Reads `length` bytes at `start` of the file at `path`, whose inode the
   * caller has just seen to be `ino` (null: unknown, nothing is kept).
   * Null when the file is shorter than that (it changed).
   */
  readRange(
    path: string,
    ino: number | null,
    start: number,
    length: number,
  ): Uint8Array<ArrayBuffer> | null;
  /** Files open now. */
  readonly size: number;
  /** Closes every kept file and stops the idle sweep. */
  close(): void;
}

interface KeptFile {
  file: Deno.FsFile;
  ino: number;
  /** The sweep round in which it was last used. */
  round: number;
}

/** Builds an empty pool; its idle sweep runs only while files are kept and never holds the process open. */
export function createOpenFilePool(options: OpenFilePoolOptions): OpenFilePool {
  // Policy: at most maxFiles open files, least recently used closed; one unused for a whole
  // sweep round (idleMs to 2 × idleMs) is closed by the sweep.
  const kept = createBoundedMap<string, KeptFile>({
    maxEntries: options.maxFiles,
    onEvict: (_path, entry) => entry.file.close(),
  });
  let round = 0;
  let sweepTimer: ReturnType<typeof setInterval> | undefined;

  function release(path: string, entry: KeptFile): void {
    kept.delete(path);
    entry.file.close();
  }

  function sweep(): void {
    round++;
    for (const [path, entry] of kept.entries()) {
      if (entry.round < round - 1) release(path, entry);
    }
    if (kept.size === 0) stopSweeping();
  }

  function stopSweeping(): void {
    if (sweepTimer === undefined) return;
    clearInterval(sweepTimer);
    sweepTimer = undefined;
  }

  function keep(path: string, file: Deno.FsFile, ino: number): void {
    kept.set(path, { file, ino, round });
    if (sweepTimer === undefined) {
      const timer = setInterval(sweep, options.idleMs);
      Deno.unrefTimer(timer);
      sweepTimer = timer;
    }
  }

  return {
    readRange(path, ino, start, length) {
      const entry = kept.get(path);
      if (entry !== undefined) {
        if (entry.ino === ino) {
          entry.round = round;
          return readAt(entry.file, start, length);
        }
        release(path, entry);
      }
      // PERF: blocking open and read (see the module comment).
      const file = Deno.openSync(path, { read: true });
      let bytes: Uint8Array<ArrayBuffer> | null;
      try {
        bytes = readAt(file, start, length);
      } catch (error) {
        file.close();
        throw error;
      }
      // Kept only when it is the very file the caller checked.
      if (ino !== null && file.statSync().ino === ino) keep(path, file, ino);
      else file.close();
      return bytes;
    },
    get size() {
      return kept.size;
    },
    close() {
      for (const [path, entry] of kept.entries()) release(path, entry);
      stopSweeping();
    },
  };
}

/** Reads `length` bytes at `start` with blocking calls; null when the file ends first. */
export function readAt(
  file: Deno.FsFile,
  start: number,
  length: number,
): Uint8Array<ArrayBuffer> | null {
  file.seekSync(start, Deno.SeekMode.Start);
  const buffer = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const read = file.readSync(buffer.subarray(filled));
    if (read === null || read === 0) return null;
    filled += read;
  }
  return buffer;
}
