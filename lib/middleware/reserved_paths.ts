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
  return function hideReservedPaths(_request, context, next) {
    const pathname = context.url.pathname;
    if (isPlainlyUnreserved(pathname, prefixSegment)) return next();
    return hideSlowly(pathname, prefixSegment, next);
  };
}

/**
 * The cheap answer for most paths: with no `%` and no dot segment, the
 * decoded segments are the raw ones, so a first segment that is neither the
 * prefix nor (alone) a rules file cannot be reserved. False means "decode
 * and look properly", never "reserved".
 */
function isPlainlyUnreserved(pathname: string, prefixSegment: string | undefined): boolean {
  if (pathname.includes("%") || pathname.includes("/.") || pathname.includes("\\")) return false;
  let start = 0;
  while (pathname.charCodeAt(start) === SLASH) start++;
  const end = pathname.indexOf("/", start);
  const first = end === -1 ? pathname.slice(start) : pathname.slice(start, end);
  if (first === prefixSegment) return false;
  if (!HIDDEN_NAME_LENGTHS.has(first.length)) return true;
  const alone = end === -1 || pathname.slice(end).split("/").every((part) => part === "");
  return !(alone && HIDDEN_ROOT_FILES.has(first.toLowerCase()));
}

/** Lengths of the hidden root names: most first segments are ruled out by length alone. */
const HIDDEN_NAME_LENGTHS: ReadonlySet<number> = new Set(
  [...HIDDEN_ROOT_FILES].map((name) => name.length),
);

/** `/` as a char code. */
const SLASH = 0x2f;

/** The full check: decode the path as the file core will, then look at its segments. */
async function hideSlowly(
  pathname: string,
  prefixSegment: string | undefined,
  next: () => Promise<Response>,
): Promise<Response> {
  const decoded = decodeRequestPath(pathname);
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
}
