/**
 * @module
 * The identity of what a request reached: the real path, relative to the
 * served root, of the file or directory the core answers from (symlinks
 * resolved). Access rules and header rules decide on it as well as on the
 * request path, so protection follows the file whichever URL reaches it.
 */

import { relativeToRoot, type ResolvedPath } from "../fs/resolve_path.ts";
import { canonicalAccessPath } from "../auth/access_rules.ts";
import { canonicalPathText } from "../http/request_path.ts";

/** A file or directory under the root, by its real path. */
export interface Resource {
  /** Real path segments relative to the real root. */
  readonly segments: readonly string[];
  /** True for a directory (its canonical forms end in `/`). */
  readonly directory: boolean;
  /** Canonical encoded text, as header rules match it (`/docs/my%20file.txt`). */
  readonly text: string;
  /** Canonical decoded text, as access rules match it (`/docs/my file.txt`). */
  readonly accessPath: string;
}

/**
 * The resource at real path `real` under the real `root`, or null when it
 * lies outside (which `resolvePath` never returns).
 */
export function resourceAt(root: string, real: string, directory: boolean): Resource | null {
  const segments = relativeToRoot(root, real);
  return segments === null ? null : resourceFor(segments, directory);
}

/** The resource named by real, root-relative `segments`. */
export function resourceFor(segments: readonly string[], directory: boolean): Resource {
  const slash = directory && segments.length > 0;
  return {
    segments,
    directory,
    text: canonicalPathText(segments, slash),
    accessPath: canonicalAccessPath(segments, slash),
  };
}

/** Finds the resource a request path stands for, existing or not. */
export type ResourceLocator = (
  segments: readonly string[],
  directory: boolean,
) => Promise<Resource | null>;

/** Most directory lookups one {@linkcode ResourceLocator} call makes for a missing path. */
export const MAX_LOCATE_DEPTH = 32;

/**
 * Builds a locator over `resolve` (the core's resolution: root, dotfiles,
 * symlinks, own files). An existing path is its real path. For a missing
 * one, the deepest existing directory on the way (found top-down, at most
 * {@linkcode MAX_LOCATE_DEPTH} lookups, so a path of thousands of segments
 * costs no more than a short one) stands in for its prefix: through
 * `pub/adm -> ../admin`, `/pub/adm/no-such-file` is `admin/no-such-file`.
 * SECURITY: without this, a 404 under an alias and a 401 for an existing
 * file there would tell a visitor which protected files exist.
 */
export function createResourceLocator(
  root: string,
  resolve: (segments: readonly string[]) => Promise<ResolvedPath>,
): ResourceLocator {
  return async function locate(segments, directory) {
    const target = await resolve(segments);
    if (target.kind !== "not-found") {
      return resourceAt(root, target.path, target.kind === "directory");
    }
    let base: readonly string[] = [];
    let reached = 0;
    const limit = Math.min(segments.length - 1, MAX_LOCATE_DEPTH);
    for (let end = 1; end <= limit; end++) {
      const prefix = await resolve(segments.slice(0, end));
      if (prefix.kind !== "directory") break;
      const found = relativeToRoot(root, prefix.path);
      if (found === null) break;
      base = found;
      reached = end;
    }
    return resourceFor([...base, ...segments.slice(reached)], directory);
  };
}
