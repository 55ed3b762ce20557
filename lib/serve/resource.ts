/**
 * @module
 * The identity of what a request reached: the real path, relative to the
 * served root, of the file or directory the core answers from (symlinks
 * resolved). Access rules and header rules decide on it as well as on the
 * request path, so protection follows the file whichever URL reaches it.
 */

import type { RequestContext } from "../compose.ts";
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
 * The access check the file core runs on what it resolved a request to. The
 * core defines what it needs; the auth layer (`createResourceGuard`) supplies it.
 */
export interface ResourceGuard {
  /**
   * Null when the caller may have an answer from `resource` (recording on
   * the outcome when that needed authentication), else the 401/403/303 to
   * send instead.
   */
  admit(request: Request, context: RequestContext, resource: Resource): Response | null;
  /**
   * Whether the caller may see `resource` as an error page (no audit record:
   * refusing means sending the built-in page instead).
   */
  mayShow(context: RequestContext, resource: Resource): boolean;
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

/**
 * Builds a locator over `resolve` (the core's resolution: root, dotfiles,
 * symlinks, own files). An existing path is its real path. For a missing
 * one, the deepest existing directory on the way stands in for its prefix:
 * through `pub/adm -> ../admin`, `/pub/adm/no-such-file` is
 * `admin/no-such-file`. That directory is found by binary search over the
 * prefix length ("resolves to a directory" holds up to some depth and never
 * after), so a path of thousands of segments costs a dozen lookups, and no
 * depth is too deep to be mapped.
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
    // Invariant: the prefix of length `low` is a directory (0: the root);
    // the one of length `high` is not.
    let low = 0;
    let high = segments.length;
    let base: readonly string[] = [];
    while (high - low > 1) {
      const middle = (low + high) >>> 1;
      const prefix = await resolve(segments.slice(0, middle));
      const found = prefix.kind === "directory" ? relativeToRoot(root, prefix.path) : null;
      if (found === null) {
        high = middle;
      } else {
        low = middle;
        base = found;
      }
    }
    return resourceFor([...base, ...segments.slice(low)], directory);
  };
}

/**
 * The guard's verdict on `resource` (null: go ahead), recording the resource
 * on the outcome first, for the header rules of the layers above.
 */
export function admitResource(
  guard: ResourceGuard | undefined,
  request: Request,
  context: RequestContext,
  resource: Resource | null,
): Response | null {
  context.outcome.resource = resource?.text ?? null;
  if (guard === undefined || resource === null) return null;
  return guard.admit(request, context, resource);
}
