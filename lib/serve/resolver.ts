/**
 * @module
 * What a URL path names under the root — a file, a directory, or nothing —
 * decided by `resolvePath` (root, dotfiles, symlinks, berth's own files) and
 * remembered, so the file core and the routing layers (through path_probe.ts)
 * ask one resolver and never disagree. A remembered file or directory is
 * reused while a stat of its joined path still matches; a remembered "not
 * found" while the directory it was looked for in is unchanged (creating,
 * deleting or renaming an entry changes that directory's mtime, and a stat
 * that succeeds is far cheaper than one that throws). With a frozen root
 * (see freshness.ts) neither is checked: each answer is worked out once.
 */

import { join } from "node:path";
import type { FileSystem } from "../fs/types.ts";
import { type ResolvedPath, resolvePath, type ResolvePathOptions } from "../fs/resolve_path.ts";
import { canonicalPathText, parseRequestPath } from "../http/request_path.ts";
import { createBoundedMap } from "../util/bounded_map.ts";
import type { FileCache } from "./file_cache.ts";
import { type CacheValidator, toValidator } from "./freshness.ts";
import { createResourceLocator, type ResourceLocator } from "./resource.ts";

/** Options for {@linkcode createSiteResolver}. */
export interface SiteResolverOptions extends ResolvePathOptions {
  /** Filesystem the root lives on. */
  fs: FileSystem;
  /**
   * The hot-file cache whose switch, epoch and freshness check the resolver
   * follows; without one (or with it off) nothing is remembered.
   */
  cache?: Pick<FileCache<unknown>, "options" | "epoch" | "freshness">;
}

/** Resolves paths under the root, remembering the answers. */
export interface SiteResolver {
  /** The options every resolution uses. */
  readonly options: Readonly<ResolvePathOptions>;
  /**
   * The remembered, still current answer for `key` (a URL path that decodes
   * to the segments asked for), else undefined. Synchronous: only answers
   * checked with a blocking stat are remembered.
   */
  lookup(key: string): ResolvedPath | undefined;
  /**
   * Resolves `segments`, remembering the answer under `key` (by default the
   * canonical URL path of `segments`; the core passes the request's own path).
   */
  resolve(segments: readonly string[], key?: string | null): Promise<ResolvedPath>;
  /** The resource a request path stands for, existing or not (see resource.ts). */
  readonly locate: ResourceLocator;
}

/** Most remembered answers of each kind (found, not found). */
const MAX_REMEMBERED = 10_000;
/**
 * Longest key remembered, in UTF-16 units. SECURITY: made-up paths fill the
 * "not found" table; with keys up to the URL limit (8 KiB) its 10,000 entries
 * could hold ~160 MB. Longer paths are looked up every time instead.
 */
const MAX_REMEMBERED_KEY_LENGTH = 512;

const NOT_FOUND: ResolvedPath = Object.freeze({ kind: "not-found" });

/** A remembered file or directory with what a stat must still match (one-element list). */
interface Found {
  resolved: ResolvedPath;
  validators: readonly [CacheValidator];
}

/**
 * Builds a resolver over `options.fs`.
 * SECURITY: a key must decode to exactly the segments resolved under it (URL
 * paths do; see {@linkcode keyOf}), so a remembered answer replays the full
 * path-safety decision for the same segments and nothing else.
 */
export function createSiteResolver(options: SiteResolverOptions): SiteResolver {
  const { fs, cache } = options;
  const resolveOptions: ResolvePathOptions = {
    root: options.root,
    dotfiles: options.dotfiles,
    ownFiles: options.ownFiles,
  };
  // Only answers a blocking stat can check are remembered, so lookup() stays synchronous.
  // A frozen root's answers are remembered even with the file cache off: they cost no stat.
  const memory = (cache?.options.enabled || cache?.options.frozen) &&
      cache.freshness.isCurrentNow !== null
    ? { cache, isCurrentNow: cache.freshness.isCurrentNow }
    : null;
  // Policy: at most MAX_REMEMBERED files and directories, least recently used out first.
  const found = createBoundedMap<string, Found>({ maxEntries: MAX_REMEMBERED });
  // Policy: at most MAX_REMEMBERED "not found" answers, oldest stored out first (a 404 costs
  // one lookup, and a scan of made-up paths cannot keep its entries alive by repeating them).
  const missing = createBoundedMap<string, readonly [CacheValidator]>({
    maxEntries: MAX_REMEMBERED,
    touchOnGet: false,
  });

  function lookup(key: string): ResolvedPath | undefined {
    if (memory === null) return undefined;
    const { isCurrentNow } = memory;
    const gone = missing.get(key);
    if (gone !== undefined) {
      if (isCurrentNow(gone)) return NOT_FOUND;
      // The directory changed: forget the answer and look the path up afresh.
      missing.delete(key);
      return undefined;
    }
    const known = found.get(key);
    if (known === undefined) return undefined;
    if (isCurrentNow(known.validators)) return known.resolved;
    found.delete(key);
    return undefined;
  }

  async function resolve(
    segments: readonly string[],
    key: string | null = keyOf(segments),
  ): Promise<ResolvedPath> {
    if (memory === null || key === null || key.length > MAX_REMEMBERED_KEY_LENGTH) {
      return await resolvePath(fs, segments, resolveOptions);
    }
    const known = lookup(key);
    if (known !== undefined) return known;
    const { cache } = memory;
    const epoch = cache.epoch;
    const joined = join(options.root, ...segments);
    // Taken before the lookup, so a file created meanwhile changes what it compares.
    const directory = cache.freshness.snapshotDirectory(
      segments.length === 0 ? options.root : join(joined, ".."),
    );
    const target = await resolvePath(fs, segments, resolveOptions);
    // An answer worked out across a watcher event may already be stale.
    if (cache.epoch !== epoch) return target;
    if (target.kind === "not-found") {
      if (directory !== null) missing.set(key, [directory]);
    } else {
      const validators = [toValidator(joined, target.info)] as const;
      if (cache.freshness.keeps(validators)) found.set(key, { resolved: target, validators });
    }
    return target;
  }

  return {
    options: resolveOptions,
    lookup,
    resolve,
    locate: createResourceLocator(options.root, (segments) => resolve(segments)),
  };
}

/**
 * The canonical path text (see request_path.ts) of a request for exactly
 * `segments` (no trailing slash), the key every spelling of that path shares,
 * or null when no request path decodes to them (empty, `.` or `..` segments,
 * separators, control characters, malformed text), so no answer is
 * remembered for them.
 * SECURITY: checked by decoding the key again, the way requests are; a key
 * that decoded to other segments (or to a 400) would let an answer
 * remembered for one path stand for another.
 */
export function keyOf(segments: readonly string[]): string | null {
  // Lone surrogates cannot even be percent-encoded.
  if (!segments.every((segment) => segment.isWellFormed())) return null;
  const key = canonicalPathText(segments, false);
  const decoded = parseRequestPath(key);
  if (!decoded.ok || decoded.segments.length !== segments.length) return null;
  for (let i = 0; i < segments.length; i++) {
    if (decoded.segments[i] !== segments[i]) return null;
  }
  return key;
}
