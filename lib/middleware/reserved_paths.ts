/**
 * @module
 * Paths that are never served from the root, whatever any rewrite says: the
 * site rules files `/_headers` and `/_redirects` (any case, since some
 * filesystems ignore it) and everything under berth's internal prefix
 * (`/_berth/` by default) that no internal endpoint answered. Sits just above
 * the file core so rewrites cannot reach them either.
 */

import type { Middleware } from "../compose.ts";
import { HttpError } from "../errors.ts";
import { decodeRequestPath } from "../fs/resolve_path.ts";
import { STATUS } from "../http/constants.ts";
import { SITE_RULE_FILES } from "../rules/site_rules.ts";

/** Options for {@linkcode reservedPaths}. */
export interface ReservedPathsOptions {
  /** The internal prefix, e.g. `/_berth/`. */
  internalPrefix: string;
}

const HIDDEN_ROOT_FILES: ReadonlySet<string> = new Set(
  Object.values(SITE_RULE_FILES).map((name) => name.toLowerCase()),
);

/** Builds the middleware that answers 404 for reserved paths. */
export function reservedPaths(options: ReservedPathsOptions): Middleware {
  const prefixSegment = options.internalPrefix.split("/").filter((part) => part !== "")[0];
  return async function hideReservedPaths(_request, context, next) {
    const decoded = decodeRequestPath(context.url.pathname);
    if (decoded.ok && decoded.segments.length > 0) {
      const first = decoded.segments[0];
      if (
        first === prefixSegment ||
        (decoded.segments.length === 1 && HIDDEN_ROOT_FILES.has(first.toLowerCase()))
      ) {
        throw new HttpError(STATUS.NOT_FOUND, "Nothing is served at this path");
      }
    }
    return await next();
  };
}
