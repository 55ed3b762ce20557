/**
 * @module
 * Whether something worked out from a file earlier still describes it now:
 * validators (path, kind, size, mtime, inode) taken when an answer was built,
 * compared against a fresh `stat` when the answer is about to be reused. A
 * replaced file has a new inode even with equal size and mtime, so a
 * swapped-in symlink or file never passes.
 *
 * PERF: the check is a blocking `statSync` when the filesystem offers one:
 * metadata of a file just served sits in the kernel's cache, and a blocking
 * stat costs ~3 µs where an async one costs ~40 µs (docs/performance.md).
 * The trade-off: on a slow or network disk a stat that
 * blocks stalls every request of the isolate, not just this one.
 *
 * With `frozen` (a root that does not change while served) the check is
 * {@linkcode FROZEN_FRESHNESS}: every validator holds, nothing is stat'ed.
 */

import type { FileInfo, FileSystem } from "../fs/types.ts";

/** What an answer was derived from; a `stat` of `path` must still match it. */
export interface CacheValidator {
  /** Path to `stat` (the joined request path, so symlinks are followed as a request would). */
  path: string;
  /** True for a directory (listings, "not found" answers), false for a file. */
  directory: boolean;
  /** Size in bytes when taken. */
  size: number;
  /** Modification time in ms when taken. */
  mtimeMs: number | null;
  /** Inode when taken; a replaced file has a new one even with equal size and mtime. */
  ino: number | null;
}

/**
 * Answers whose files changed less than this long ago are not kept: mtimes
 * advance in kernel ticks (up to 10 ms) and Deno reports whole milliseconds,
 * so a same-size rewrite within one tick would look unchanged.
 */
export const RECENT_CHANGE_MS = 50;

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

/** Reports whether a fresh `stat` still describes the file a validator was taken from. */
export function isSameFile(validator: CacheValidator, info: FileInfo): boolean {
  return (validator.directory ? info.isDirectory : info.isFile) &&
    info.size === validator.size && info.mtimeMs === validator.mtimeMs &&
    info.ino === validator.ino;
}

/** Whether a validator's mtime is too close to `now` to tell a further change apart. */
export function changedRecently(validator: CacheValidator, now: number): boolean {
  return validator.mtimeMs === null || validator.mtimeMs > now - RECENT_CHANGE_MS;
}

/** Checks validators against the filesystem. */
export interface FreshnessCheck {
  /**
   * The blocking check, or null when the filesystem has no `statSync`
   * (then only {@linkcode FreshnessCheck.isCurrent} can answer).
   */
  readonly isCurrentNow: ((validators: readonly CacheValidator[]) => boolean) | null;
  /** The asynchronous check, for filesystems without `statSync`. */
  isCurrent(validators: readonly CacheValidator[]): Promise<boolean>;
  /**
   * A validator for the directory at `path` taken now with a blocking stat,
   * to remember a "not found" answer against; null when that is not possible
   * (no `statSync`, not a directory, changed too recently to compare).
   */
  snapshotDirectory(path: string): CacheValidator | null;
  /**
   * Whether answers built on `validators` may be remembered at all: not when
   * one of them changed too recently to tell a further change apart.
   */
  keeps(validators: readonly CacheValidator[]): boolean;
}

/** Whether no validator changed too recently to be compared later. */
function keepsIfSettled(validators: readonly CacheValidator[]): boolean {
  const now = Date.now();
  for (const validator of validators) {
    if (changedRecently(validator, now)) return false;
  }
  return true;
}

/**
 * The check for a frozen root (`frozen: true`): the tree is taken not to
 * change while served, so every validator holds and a "not found" is
 * remembered against a directory nobody stats.
 * PERF: this is what lets a cache hit and a remembered 404 make no
 * filesystem call at all. The trade-off, documented for the setting: a file
 * changed on disk keeps being answered as it was until its entry is evicted.
 */
export const FROZEN_FRESHNESS: FreshnessCheck = Object.freeze({
  isCurrentNow: () => true,
  isCurrent: () => Promise.resolve(true),
  snapshotDirectory: (path: string): CacheValidator => ({
    path,
    directory: true,
    size: 0,
    mtimeMs: null,
    ino: null,
  }),
  // Nothing is compared later, so a recent mtime (or none) is no reason to forget.
  keeps: () => true,
});

/** Builds the check over `fs`. */
export function createFreshnessCheck(fs: FileSystem): FreshnessCheck {
  const statSync = fs.statSync?.bind(fs);

  return {
    isCurrentNow: statSync === undefined ? null : (validators) => {
      for (const validator of validators) {
        // PERF: blocking stat on the request path (see the module comment).
        if (!matchesNow(validator, statSync)) return false;
      }
      return true;
    },
    async isCurrent(validators) {
      try {
        const infos = await Promise.all(validators.map((validator) => fs.stat(validator.path)));
        return infos.every((info, i) => isSameFile(validators[i], info));
      } catch {
        return false;
      }
    },
    snapshotDirectory(path) {
      if (statSync === undefined) return null;
      let info: FileInfo;
      try {
        // PERF: blocking stat on the request path (see the module comment).
        info = statSync(path);
      } catch {
        return null;
      }
      const validator = toValidator(path, info);
      return info.isDirectory && !changedRecently(validator, Date.now()) ? validator : null;
    },
    keeps: keepsIfSettled,
  };
}

/** Whether a blocking `stat` of the validator's path still matches it. */
function matchesNow(validator: CacheValidator, stat: (path: string) => FileInfo): boolean {
  try {
    return isSameFile(validator, stat(validator.path));
  } catch {
    return false;
  }
}
