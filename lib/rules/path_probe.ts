/**
 * @module
 * Answers "would the file core serve something at this path?" for the routing
 * layers (redirect shadowing, clean URLs, SPA fallback) using the same
 * resolution rules as the core (`resolvePath`: root, dotfiles, symlinks), so
 * routing and serving never disagree about what exists. It asks the file
 * core's resolver (resolver.ts), so an answer either of them worked out
 * saves the other the disk lookup.
 */

import type { ResolvedPath } from "../fs/resolve_path.ts";
import type { FileSystem } from "../fs/types.ts";
import type { OwnFiles } from "../config/own_files.ts";
import type { FileCache } from "../serve/file_cache.ts";
import { createSiteResolver, type SiteResolver } from "../serve/resolver.ts";

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
  /**
   * The resolver the file core uses, so both remember the same answers; when
   * absent one is made from `fs`, `root`, `dotfiles`, `ownFiles` and `cache`.
   */
  resolver?: SiteResolver;
  /** The hot-file cache a resolver made here follows (switch, epoch, freshness check). */
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

/** Builds a probe bound to the root and the core's policies. */
export function createPathProbe(options: PathProbeOptions): PathProbe {
  const resolver = options.resolver ?? createSiteResolver(options);
  const resolve = (segments: readonly string[]) => resolver.resolve(segments);
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
