/**
 * @module
 * The hot-file cache: an LRU bounded by bytes that keeps what the file core
 * worked out for a URL path (body bytes, precomputed headers, encoded
 * variants, rendered listings) so a repeat request touches neither the disk
 * nor the path resolver.
 *
 * Never stale. Each entry remembers the files it came from (path, size,
 * mtime, inode) and every hit checks them with a `stat` before answering, so
 * an edit is visible on the very next request. The check is synchronous when
 * the filesystem offers `statSync`: metadata of a file just served sits in the
 * kernel's cache, and a blocking stat costs ~3 µs where an async one costs
 * ~40 µs. A remembered "not found" answer is checked with a stat of the
 * directory it was looked for in: creating, deleting or renaming an entry
 * changes that directory's mtime (and a stat that succeeds is far cheaper
 * than one that throws). Timestamps are coarse (a kernel tick, and Deno
 * reports milliseconds), so nothing changed in the last
 * {@linkcode RECENT_CHANGE_MS} is stored: a second write in the same tick
 * could not be told apart.
 *
 * A watcher ({@linkcode FileCache.watch}) adds what a stat of the entry's own
 * files cannot see: a listed file edited in place leaves its directory's mtime
 * alone, so `Deno.watchFs` events drop the listings (and anything else) that
 * depend on a changed path.
 */

import { getLogger } from "@logtape/logtape";
import type { FileInfo, FileSystem } from "../fs/types.ts";
import { LOG_CATEGORY } from "../log/setup.ts";

/** Options for {@linkcode createFileCache}. */
export interface FileCacheOptions {
  /** False turns the cache off: every lookup misses and nothing is stored. */
  enabled: boolean;
  /** Largest file body kept in memory, in bytes. */
  maxFileBytes: number;
  /** Total bytes of all entries (bodies and encoded variants). */
  maxTotalBytes: number;
}

/** What an entry was derived from; a `stat` of `path` must still match it. */
export interface CacheValidator {
  /** Path to `stat` (the joined request path, so symlinks are followed as a request would). */
  path: string;
  /** True for a directory (listings), false for a file. */
  directory: boolean;
  /** Size in bytes when cached. */
  size: number;
  /** Modification time in ms when cached. */
  mtimeMs: number | null;
  /** Inode when cached; a replaced file has a new one even with equal size and mtime. */
  ino: number | null;
}

/** Paths whose change on disk must drop an entry (used by the watcher). */
export interface CacheDependencies {
  /** Files (or their ancestors) the entry depends on. */
  files: readonly string[];
  /** Directories whose direct or indirect children the entry depends on (listings, index lookup). */
  directories: readonly string[];
}

/** Input of {@linkcode FileCache.set}. */
export interface CacheEntryInit<T> {
  /** The cached value. */
  value: T;
  /** Bytes the value holds (bodies, variants); a small overhead is added. */
  bytes: number;
  /** What per-hit `stat`s compare against (the file first, then e.g. its siblings). */
  validators: readonly CacheValidator[];
  /** What a watcher event invalidates. */
  dependencies: CacheDependencies;
}

/** Counters exposed for metrics. */
export interface FileCacheStats {
  /** Lookups answered from memory. */
  hits: number;
  /** Lookups that had to go to the disk. */
  misses: number;
  /** Entries held now. */
  entries: number;
  /** Bytes held now. */
  bytes: number;
}

/** A running `Deno.watchFs` subscription that drops entries whose dependencies change. */
export interface CacheWatch {
  /** Stops watching; hits are still checked with `stat`. */
  close(): void;
}

/** The cache shared by the file core, listings and the metrics endpoint. */
export interface FileCache {
  /** The options the cache was built with. */
  readonly options: Readonly<FileCacheOptions>;
  /** Bumped on every watcher event; a miss started before a bump must not store its result. */
  readonly epoch: number;
  /**
   * Looks `key` up: the value when its files are unchanged, else undefined.
   * Returns a promise only when the filesystem has no `statSync`.
   */
  get<T>(key: string): T | undefined | Promise<T | undefined>;
  /**
   * Answers like {@linkcode FileCache.get} without counting a hit or miss or
   * reordering entries: for layers that ask ahead of the file core.
   */
  peek<T>(key: string): T | undefined | Promise<T | undefined>;
  /** Stores an entry unless it is too big or the cache is off; evicts least recently used ones. */
  set<T>(key: string, entry: CacheEntryInit<T>, epoch: number): void;
  /** Grows an entry's byte count (a compressed variant was added); false if it no longer fits. */
  grow(key: string, bytes: number): boolean;
  /** Whether `key` was remembered as "nothing here" and its directory is unchanged since. */
  isKnownMissing(key: string): boolean;
  /** Answers like {@linkcode FileCache.isKnownMissing} without counting a hit. */
  peekMissing(key: string): boolean;
  /**
   * Stats `directory` (where a path is about to be looked up) so a "not
   * found" answer can be remembered against it; null when that is not
   * possible (no `statSync`, not a directory, changed too recently).
   * Must be called BEFORE the lookup, so a file created during it is seen.
   */
  missingGuard(directory: string): CacheValidator | null;
  /** Remembers that `key` resolves to nothing while `guard`'s directory stays unchanged. */
  setMissing(key: string, guard: CacheValidator | null, epoch: number): void;
  /** Drops every entry that depends on `path`. */
  invalidate(path: string): void;
  /** Drops everything. */
  clear(): void;
  /** Starts watching `root` (a real path) to drop entries whose dependencies change. */
  watch(root: string): CacheWatch;
  /** Current counters. */
  stats(): FileCacheStats;
}

/** Default largest cached file: 1 MiB. */
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
/** Bookkeeping bytes counted per entry on top of its value. */
const ENTRY_OVERHEAD_BYTES = 512;
/** Most remembered "not found" paths; the set is cleared when full, so scans cannot grow it. */
const MAX_MISSING_ENTRIES = 10_000;
/**
 * Entries whose files changed less than this long ago are not stored:
 * mtimes advance in kernel ticks (up to 10 ms) and Deno reports whole
 * milliseconds, so a same-size rewrite within one tick would look unchanged.
 */
export const RECENT_CHANGE_MS = 50;

/** Whether a validator's mtime is too close to now to tell a further change apart. */
function changedRecently(validator: CacheValidator, now: number): boolean {
  return validator.mtimeMs === null || validator.mtimeMs > now - RECENT_CHANGE_MS;
}

interface Entry {
  value: unknown;
  bytes: number;
  validators: readonly CacheValidator[];
  dependencies: CacheDependencies;
}

/** What a later `stat` of `path` must match for an answer built from `info` to still hold. */
export function toValidator(path: string, info: FileInfo): CacheValidator {
  return {
    path,
    directory: info.isDirectory,
    size: info.size,
    mtimeMs: info.mtimeMs,
    ino: info.ino,
  };
}

/** Reports whether a fresh `stat` still describes the file an entry was built from. */
export function isSameFile(validator: CacheValidator, info: FileInfo): boolean {
  return (validator.directory ? info.isDirectory : info.isFile) &&
    info.size === validator.size && info.mtimeMs === validator.mtimeMs &&
    info.ino === validator.ino;
}

/** Reports whether a change at `changed` affects an entry with these dependencies. */
export function dependsOn(dependencies: CacheDependencies, changed: string): boolean {
  const prefix = changed + "/";
  for (const file of dependencies.files) {
    if (file === changed || file.startsWith(prefix)) return true;
  }
  for (const directory of dependencies.directories) {
    if (
      directory === changed || directory.startsWith(prefix) ||
      changed.startsWith(directory + "/")
    ) {
      return true;
    }
  }
  return false;
}

/**
 * Builds a cache checking its hits through `fs`.
 * SECURITY: keys must be URL paths (or derived strings) whose entries were
 * stored only after the full path-safety checks; a hit replays that decision,
 * and revalidation compares the inode so a swapped-in symlink or file misses.
 */
export function createFileCache(fs: FileSystem, options: FileCacheOptions): FileCache {
  const logger = getLogger([...LOG_CATEGORY, "cache"]);
  const entries = new Map<string, Entry>();
  // Remembered "not found" keys with the directory that must stay unchanged.
  const missing = new Map<string, CacheValidator>();
  const statSync = fs.statSync?.bind(fs);
  let totalBytes = 0;
  let hits = 0;
  let misses = 0;
  let epoch = 0;
  let watcher: Deno.FsWatcher | null = null;

  function remove(key: string, entry: Entry): void {
    entries.delete(key);
    totalBytes -= entry.bytes;
  }

  function evictUntilFits(incoming: number): void {
    for (const [key, entry] of entries) {
      if (totalBytes + incoming <= options.maxTotalBytes) return;
      remove(key, entry);
    }
  }

  function touch(key: string, entry: Entry): void {
    // Map keeps insertion order: re-inserting makes this the most recently used.
    entries.delete(key);
    entries.set(key, entry);
  }

  /** Whether a blocking `stat` of the validator's path still matches it. */
  function matchesNow(validator: CacheValidator, stat: (path: string) => FileInfo): boolean {
    try {
      return isSameFile(validator, stat(validator.path));
    } catch {
      return false;
    }
  }

  /** The entry's value while it is current; a stale entry is dropped. */
  function keepIfCurrent(key: string, entry: Entry, current: boolean): unknown {
    if (current) return entry.value;
    if (entries.get(key) === entry) remove(key, entry);
    return undefined;
  }

  async function revalidate(key: string, entry: Entry): Promise<unknown> {
    let current: boolean;
    try {
      const infos = await Promise.all(
        entry.validators.map((validator) => fs.stat(validator.path)),
      );
      current = infos.every((info, i) => isSameFile(entry.validators[i], info));
    } catch {
      current = false;
    }
    return keepIfCurrent(key, entry, current);
  }

  /** The entry's value after checking its files (async without `statSync`), or undefined. */
  function check(key: string, entry: Entry): unknown {
    if (statSync === undefined) return revalidate(key, entry);
    const current = entry.validators.every((validator) => matchesNow(validator, statSync));
    return keepIfCurrent(key, entry, current);
  }

  /** Counts a lookup's answer as a hit or a miss and passes it on. */
  function count(value: unknown): unknown {
    if (value === undefined) misses++;
    else hits++;
    return value;
  }

  /** Whether `key` is remembered as missing and its directory is unchanged; forgets it otherwise. */
  function isMissingNow(key: string): boolean {
    const guard = missing.get(key);
    if (guard === undefined || statSync === undefined) return false;
    if (matchesNow(guard, statSync)) return true;
    // The directory changed: forget it and look the path up afresh.
    missing.delete(key);
    return false;
  }

  const cache: FileCache = {
    options,
    get epoch() {
      return epoch;
    },
    get<T>(key: string): T | undefined | Promise<T | undefined> {
      const entry = entries.get(key);
      if (entry === undefined) {
        misses++;
        return undefined;
      }
      touch(key, entry);
      const value = check(key, entry);
      return (value instanceof Promise ? value.then(count) : count(value)) as
        | T
        | undefined
        | Promise<T | undefined>;
    },
    peek<T>(key: string): T | undefined | Promise<T | undefined> {
      const entry = entries.get(key);
      return entry === undefined
        ? undefined
        : check(key, entry) as T | undefined | Promise<T | undefined>;
    },
    set<T>(key: string, init: CacheEntryInit<T>, startEpoch: number): void {
      if (!options.enabled || startEpoch !== epoch) return;
      const now = Date.now();
      if (init.validators.some((validator) => changedRecently(validator, now))) return;
      const bytes = init.bytes + ENTRY_OVERHEAD_BYTES;
      if (bytes > options.maxTotalBytes) return;
      const previous = entries.get(key);
      if (previous !== undefined) remove(key, previous);
      evictUntilFits(bytes);
      entries.set(key, { ...init, bytes });
      totalBytes += bytes;
    },
    grow(key: string, bytes: number): boolean {
      const entry = entries.get(key);
      if (entry === undefined) return false;
      if (entry.bytes + bytes > options.maxTotalBytes) return false;
      entries.delete(key);
      totalBytes -= entry.bytes;
      evictUntilFits(entry.bytes + bytes);
      entry.bytes += bytes;
      entries.set(key, entry);
      totalBytes += entry.bytes;
      return true;
    },
    isKnownMissing(key: string): boolean {
      if (!isMissingNow(key)) return false;
      hits++;
      return true;
    },
    peekMissing: isMissingNow,
    missingGuard(directory: string): CacheValidator | null {
      if (!options.enabled || statSync === undefined) return null;
      let info: FileInfo;
      try {
        info = statSync(directory);
      } catch {
        return null;
      }
      const guard = toValidator(directory, info);
      return info.isDirectory && !changedRecently(guard, Date.now()) ? guard : null;
    },
    setMissing(key: string, guard: CacheValidator | null, startEpoch: number): void {
      if (guard === null || !options.enabled || startEpoch !== epoch) return;
      if (missing.size >= MAX_MISSING_ENTRIES) missing.clear();
      missing.set(key, guard);
    },
    invalidate(path: string): void {
      for (const [key, entry] of entries) {
        if (dependsOn(entry.dependencies, path)) remove(key, entry);
      }
    },
    clear(): void {
      entries.clear();
      missing.clear();
      totalBytes = 0;
    },
    watch(root: string): CacheWatch {
      if (!options.enabled || watcher !== null) return { close() {} };
      let current: Deno.FsWatcher;
      try {
        current = Deno.watchFs(root, { recursive: true });
      } catch (error) {
        logger.warn(
          "Cannot watch {root} for changes ({error}); listings are checked by directory mtime only",
          {
            root,
            error: String(error),
          },
        );
        return { close() {} };
      }
      watcher = current;
      const stop = () => {
        if (watcher !== current) return;
        watcher = null;
        epoch++;
      };
      (async () => {
        try {
          for await (const event of current) {
            epoch++;
            if (event.kind === "other" || event.paths.length === 0) {
              // Rescans and overflows say nothing precise: start over.
              entries.clear();
              totalBytes = 0;
              continue;
            }
            for (const path of event.paths) cache.invalidate(path);
          }
        } catch (error) {
          if (watcher === current) {
            logger.warn(
              "Stopped watching for changes ({error}); listings are checked by directory mtime only",
              {
                error: String(error),
              },
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
            current.close();
          } catch {
            // Already closed by the runtime.
          }
        },
      };
    },
    stats(): FileCacheStats {
      return { hits, misses, entries: entries.size, bytes: totalBytes };
    },
  };
  return cache;
}
