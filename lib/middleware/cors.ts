/**
 * @module
 * CORS preflights for a public static site (Fetch standard, "CORS protocol"):
 * answered here, before authentication, as browsers send them without
 * credentials. Every other answer carries the CORS simple headers (any
 * origin may read GET/HEAD responses, without credentials) from the base
 * headers it was built with (http/base_headers.ts).
 */

import type { Middleware } from "../compose.ts";
import { type BaseHeaders, NO_BASE_HEADERS } from "../http/base_headers.ts";
import { ALLOW_STATIC, HEADER, STATUS } from "../http/constants.ts";
import { respondEmpty } from "../http/respond.ts";

/** Options for {@linkcode cors}. */
export interface CorsOptions {
  /** The headers every answer starts from (the preflight's own override them). */
  baseHeaders?: BaseHeaders;
}

/** Request headers allowed when a preflight lists none we can echo. */
const DEFAULT_ALLOWED_HEADERS =
  "Range, If-None-Match, If-Modified-Since, If-Match, If-Unmodified-Since, If-Range";
/** A comma-separated list of header-name tokens (RFC 9110 §5.6.2). */
const HEADER_LIST_REGEXP = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(\s*,\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+)*$/;
/** How long browsers may cache a preflight answer, in seconds. */
const PREFLIGHT_MAX_AGE = "86400";
/** A simple-response header a preflight answer does not carry. */
const EXPOSE_HEADERS = "access-control-expose-headers";

/** Builds the middleware answering CORS preflights (`Access-Control-Allow-Origin: *`). */
export function cors(options: CorsOptions = {}): Middleware {
  const base = Object.fromEntries(
    Object.entries(options.baseHeaders ?? NO_BASE_HEADERS).filter(([name]) =>
      name !== EXPOSE_HEADERS
    ),
  );
  return function answerPreflight(request, _context, next) {
    const isPreflight = request.method === "OPTIONS" &&
      request.headers.has(HEADER.ORIGIN) &&
      request.headers.has("access-control-request-method");
    if (!isPreflight) return next();
    const requested = request.headers.get("access-control-request-headers")?.trim() ?? "";
    const allowHeaders = requested !== "" && HEADER_LIST_REGEXP.test(requested)
      ? requested
      : DEFAULT_ALLOWED_HEADERS;
    return Promise.resolve(respondEmpty(base, STATUS.NO_CONTENT, {
      "access-control-allow-origin": "*",
      "access-control-allow-methods": ALLOW_STATIC,
      "access-control-allow-headers": allowHeaders,
      "access-control-max-age": PREFLIGHT_MAX_AGE,
      [HEADER.ALLOW]: ALLOW_STATIC,
      [HEADER.VARY]: "Access-Control-Request-Headers",
    }));
  };
}
