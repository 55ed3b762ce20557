/**
 * @module
 * The hot-file cache: what the file core worked out for a URL path (body
 * bytes, precomputed headers, encoded variants, rendered listings) kept in a
 * least-recently-used table bounded by bytes, keyed by the canonical path, so
 * a repeat request costs one `stat` of the file (the freshness check) and
 * neither a read nor a path resolution.
 *
 * Never stale: every hit checks the entry's validators (see freshness.ts)
 * before answering, so an edit is visible on the very next request, and
 * nothing changed in the last {@linkcode RECENT_CHANGE_MS} is stored. A
 * watcher (see cache_watcher.ts) adds what those checks cannot see, dropping
 * entries whose dependencies change; each of its events bumps an epoch, and
 * an answer worked out across a bump is not stored.
 *
 * With `frozen` the checks and the watcher are off: the root is taken not to
 * change, so a hit makes no filesystem call; the byte bound still holds and
 * an evicted entry is built from disk again once.
 */

import type { CacheStats } from "../metrics/registry.ts";
import type { FileSystem } from "../fs/types.ts";
import { createBoundedMap } from "../util/bounded_map.ts";
import { type CacheWatch, NO_WATCH, watchForChanges } from "./cache_watcher.ts";
import {
  type CacheValidator,
  createFreshnessCheck,
  type FreshnessCheck,
  FROZEN_FRESHNESS,
} from "./freshness.ts";

import type { FileRecord } from "./representation.ts";
import type { ListingRecord } from "./directory.ts";

export type { CacheWatch } from "./cache_watcher.ts";
export { type CacheValidator, isSameFile, RECENT_CHANGE_MS, toValidator } from "./freshness.ts";

/** Options for {@linkcode createFileCache}. */
export interface FileCacheOptions {
  /** False turns the cache off: every lookup misses and nothing is stored. */
  enabled: boolean;
  /** Largest file body kept in memory, in bytes. */
  maxFileBytes: number;
  /** Total bytes of all entries (bodies and encoded variants). */
  maxTotalBytes: number;
  /**
   * The root does not change while served (`frozen: true`): hits are not
   * checked against the disk and nothing is watched (see freshness.ts).
   */
  frozen?: boolean;
}

/** Paths whose change on disk must drop an entry (used by the watcher). */
export interface CacheDependencies {
  /** Files (or their ancestors) the entry depends on. */
  files: readonly string[];
  /** Directories whose direct or indirect children the entry depends on (listings, index lookup). */
  directories: readonly string[];
}

/** Input of {@linkcode FileCache.set}. */
export interface CacheEntryInit<V> {
  /** The cached value. */
  value: V;
  /** Bytes the value holds (bodies, variants); a small overhead is added. */
  bytes: number;
  /** What each hit's check compares against (the file first, then e.g. its siblings). */
  validators: readonly CacheValidator[];
  /** What a watcher event invalidates. */
  dependencies: CacheDependencies;
}

/** What the file core keeps per URL path: a file's record or a rendered listing. */
export type CachedAnswer = FileRecord | ListingRecord;

/**
 * The cache shared by the file core, the path resolver and the metrics
 * endpoint; values are the core's answers unless a test stores others.
 */
export interface FileCache<V = CachedAnswer> {
  /** The options the cache was built with. */
  readonly options: Readonly<FileCacheOptions>;
  /** Bumped on every watcher event; a miss started before a bump must not store its result. */
  readonly epoch: number;
  /** How hits are checked; the path resolver checks its own answers with it too. */
  readonly freshness: FreshnessCheck;
  /**
   * True when hits are checked with a blocking stat, so {@linkcode FileCache.get}
   * answers; false when the filesystem has no `statSync` and only
   * {@linkcode FileCache.getChecked} can.
   */
  readonly checksNow: boolean;
  /** The value under `key` when its files are unchanged, else undefined (needs `checksNow`). */
  get(key: string): V | undefined;
  /** {@linkcode FileCache.get} for filesystems without `statSync`: checks with async stats. */
  getChecked(key: string): Promise<V | undefined>;
  /** Stores an entry unless it is too big, too fresh to compare, or the cache is off. */
  set(key: string, entry: CacheEntryInit<V>, epoch: number): void;
  /** Grows an entry's byte count (a compressed variant was added); false if it no longer fits. */
  grow(key: string, bytes: number): boolean;
  /** Counts a lookup answered from memory elsewhere (a remembered "not found"). */
  countHit(): void;
  /** Drops every entry that depends on `path`. */
  invalidate(path: string): void;
  /** Drops every entry (the resolver checks its own answers by stat). */
  clear(): void;
  /** Starts watching `root` (a real path) to drop entries whose dependencies change. */
  watch(root: string): CacheWatch;
  /** Current counters. */
  stats(): CacheStats;
}

/** Default largest cached file: 1 MiB. */
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
/** Bookkeeping bytes counted per entry on top of its value. */
const ENTRY_OVERHEAD_BYTES = 512;

interface Entry<V> {
  value: V;
  bytes: number;
  validators: readonly CacheValidator[];
  dependencies: CacheDependencies;
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
export function createFileCache<V = CachedAnswer>(
  fs: FileSystem,
  options: FileCacheOptions,
): FileCache<V> {
  // Policy: least recently used out first, bounded by the bytes of bodies and variants.
  const entries = createBoundedMap<string, Entry<V>>({
    maxEntries: Infinity,
    maxBytes: options.maxTotalBytes,
    sizeOf: (entry) => entry.bytes,
  });
  const frozen = options.frozen === true;
  const freshness = frozen ? FROZEN_FRESHNESS : createFreshnessCheck(fs);
  const { isCurrentNow } = freshness;
  let hits = 0;
  let misses = 0;
  let epoch = 0;
  let watching = false;

  /** Passes a current entry's value on, counting the lookup; drops a stale entry. */
  function settle(key: string, entry: Entry<V> | undefined, current: boolean): V | undefined {
    if (entry !== undefined && current) {
      hits++;
      return entry.value;
    }
    misses++;
    if (entry !== undefined && entries.get(key) === entry) entries.delete(key);
    return undefined;
  }

  const cache: FileCache<V> = {
    options,
    get epoch() {
      return epoch;
    },
    freshness,
    checksNow: isCurrentNow !== null,
    get(key) {
      const entry = entries.get(key);
      if (entry === undefined) {
        misses++;
        return undefined;
      }
      return settle(key, entry, isCurrentNow !== null && isCurrentNow(entry.validators));
    },
    async getChecked(key) {
      const entry = entries.get(key);
      if (entry === undefined) return settle(key, entry, false);
      return settle(key, entry, await freshness.isCurrent(entry.validators));
    },
    set(key, init, startEpoch) {
      if (!options.enabled || startEpoch !== epoch) return;
      if (!freshness.keeps(init.validators)) return;
      // The key counts too: a long path costs what it holds.
      entries.set(key, { ...init, bytes: init.bytes + ENTRY_OVERHEAD_BYTES + key.length * 2 });
    },
    grow(key, bytes) {
      return entries.grow(key, bytes);
    },
    countHit() {
      hits++;
    },
    invalidate(path) {
      for (const [key, entry] of entries.entries()) {
        if (dependsOn(entry.dependencies, path)) entries.delete(key);
      }
    },
    clear() {
      entries.clear();
    },
    watch(root) {
      // Frozen: nothing on disk changes, so there is nothing to watch for.
      if (!options.enabled || frozen || watching) return NO_WATCH;
      const watch = watchForChanges(root, {
        onEvent: () => epoch++,
        onChange: (path) => cache.invalidate(path),
        onReset: () => entries.clear(),
        onStop: () => {
          watching = false;
          epoch++;
        },
      });
      // A watch that could not start may be tried again later.
      watching = watch !== NO_WATCH;
      return watch;
    },
    stats() {
      return { hits, misses, entries: entries.size, bytes: entries.bytes };
    },
  };
  return cache;
}
