/**
 * @module
 * Answers "would the file core serve something at this path?" for the routing
 * layers (redirect shadowing, clean URLs, SPA fallback) using the same
 * resolution rules as the core (`resolvePath`: root, dotfiles, symlinks), so
 * routing and serving never disagree about what exists. With the core's
 * hot-file cache at hand, a current answer there saves the disk lookup.
 */

import { type ResolvedPath, resolvePath } from "../fs/resolve_path.ts";
import type { FileSystem } from "../fs/types.ts";
import type { OwnFiles } from "../config/own_files.ts";
import { buildLocalPath } from "../http/local_redirect.ts";
import type { FileCache } from "../serve/file_cache.ts";
import type { CachedFile } from "../serve/serve_file.ts";

/** Options for {@linkcode createPathProbe}. */
export interface PathProbeOptions {
  /** Filesystem the root lives on. */
  fs: FileSystem;
  /** Real path of the root. */
  root: string;
  /** Whether dot names are served. */
  dotfiles: boolean;
  /** Index file names tried for a directory. */
  index: readonly string[];
  /** Whether directories without an index get a listing. */
  listing: boolean;
  /** Whether `/about` is served from `about.html`. */
  cleanUrls: boolean;
  /** The file core's cache, consulted before the disk (nothing is counted or stored). */
  cache?: FileCache;
  /** berth's own files, which exist for no request. */
  ownFiles?: OwnFiles;
}

/** What the routing layers ask about paths. */
export interface PathProbe {
  /** The core's resolution of decoded segments. */
  resolve(segments: readonly string[]): Promise<ResolvedPath>;
  /**
   * Whether a request for `segments` would be answered with content: a file,
   * a directory with an index file (or any directory with listings on), or,
   * with clean URLs, a sibling `.html` file.
   */
  exists(segments: readonly string[]): Promise<boolean>;
}

const NOT_FOUND: ResolvedPath = Object.freeze({ kind: "not-found" });

/** Builds a probe bound to the root and the core's policies. */
export function createPathProbe(options: PathProbeOptions): PathProbe {
  const { cache } = options;
  const resolveOptions = {
    root: options.root,
    dotfiles: options.dotfiles,
    ownFiles: options.ownFiles,
  };
  const resolveOnDisk = (segments: readonly string[]) =>
    resolvePath(options.fs, segments, resolveOptions);
  const resolve = cache === undefined
    ? resolveOnDisk
    : (segments: readonly string[]) => resolveThroughCache(cache, segments, resolveOnDisk);
  return {
    resolve,
    async exists(segments) {
      const target = await resolve(segments);
      if (target.kind === "file") return true;
      if (target.kind === "directory") {
        if (options.listing) return true;
        for (const name of options.index) {
          if ((await resolve([...segments, name])).kind === "file") return true;
        }
        return false;
      }
      if (!options.cleanUrls || segments.length === 0) return false;
      const html = [...segments.slice(0, -1), `${segments.at(-1)}.html`];
      return (await resolve(html)).kind === "file";
    },
  };
}

/**
 * The core's cached answer for `segments` when it holds a current one, else
 * `resolveOnDisk`'s. The core caches under the request's URL path; under a
 * path without a trailing slash it keeps a file only when the segments
 * resolved to that file, and "not found" only when they resolved to nothing.
 */
async function resolveThroughCache(
  cache: FileCache,
  segments: readonly string[],
  resolveOnDisk: (segments: readonly string[]) => Promise<ResolvedPath>,
): Promise<ResolvedPath> {
  const key = cacheKeyOf(segments);
  if (key !== null) {
    let hit = cache.peek<CachedFile | { kind: "listing" }>(key);
    if (hit instanceof Promise) hit = await hit;
    if (hit?.kind === "file") return { kind: "file", path: hit.path, info: hit.info };
    if (cache.peekMissing(key)) return NOT_FOUND;
  }
  return await resolveOnDisk(segments);
}

/**
 * The URL path a request for exactly `segments` (no trailing slash) has,
 * or null when no cached answer can stand for them: the root (cached under
 * `/` as its index page) and segments a request path never decodes to.
 */
function cacheKeyOf(segments: readonly string[]): string | null {
  if (segments.length === 0) return null;
  for (const segment of segments) {
    if (segment === "" || segment === "." || segment === ".." || !segment.isWellFormed()) {
      return null;
    }
  }
  return buildLocalPath(segments, false);
}
