/**
 * @module
 * Paths that are never served from the root, whatever any rewrite says:
 * everything under berth's internal prefix (`/_berth/` by default) that no
 * internal endpoint answered. Sits just above the file core so rewrites
 * cannot reach them either. (The rules files `_headers` and `_redirects` are
 * among berth's own files, which the resolver treats as missing on every
 * route: see config/own_files.ts.)
 */

import type { Middleware } from "../compose.ts";
import { HttpError } from "../errors.ts";
import { STATUS } from "../http/constants.ts";

/** Options for {@linkcode reservedPaths}. */
export interface ReservedPathsOptions {
  /** The internal prefix, e.g. `/_berth/`. */
  internalPrefix: string;
}

/** Builds the middleware that answers 404 for reserved paths. */
export function reservedPaths(options: ReservedPathsOptions): Middleware {
  const prefixSegment = options.internalPrefix.split("/").filter((part) => part !== "")[0];
  return function hideReservedPaths(_request, context, next) {
    const path = context.path;
    if (!path.ok) return Promise.reject(new HttpError(STATUS.BAD_REQUEST, path.message));
    const first = path.segments[0];
    if (first !== undefined && first === prefixSegment) {
      return Promise.reject(new HttpError(STATUS.NOT_FOUND, "Nothing is served at this path"));
    }
    return next();
  };
}
