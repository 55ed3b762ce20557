/**
 * @module
 * The identity of what a request reached: the real path, relative to the
 * served root, of the file or directory the core answers from (symlinks
 * resolved). Access rules and header rules decide on it as well as on the
 * request path, so protection follows the file whichever URL reaches it.
 */

import { relativeToRoot } from "../fs/resolve_path.ts";
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
