/**
 * @module
 * CORS for a public static site (Fetch standard, "CORS protocol"): any origin
 * may read GET/HEAD responses, without credentials, and preflight requests
 * are answered here, before authentication, as browsers send them without
 * credentials.
 */

import type { Middleware } from "../compose.ts";
import { ALLOW_STATIC, HEADER, STATUS } from "../http/constants.ts";
import { createBaseHeaders } from "../http/base_headers.ts";
import { applyHeaders } from "../http/response_headers.ts";

/** Request headers allowed when a preflight lists none we can echo. */
const DEFAULT_ALLOWED_HEADERS =
  "Range, If-None-Match, If-Modified-Since, If-Match, If-Unmodified-Since, If-Range";
/** A comma-separated list of header-name tokens (RFC 9110 §5.6.2). */
const HEADER_LIST_REGEXP = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(\s*,\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+)*$/;
/** How long browsers may cache a preflight answer, in seconds. */
const PREFLIGHT_MAX_AGE = "86400";

/** Builds the CORS middleware (`Access-Control-Allow-Origin: *`). */
export function cors(): Middleware {
  const simpleHeaders = Object.entries(
    createBaseHeaders({ securityHeaders: false, tls: false, cors: true }),
  );
  return async function allowCrossOrigin(request, _context, next) {
    const isPreflight = request.method === "OPTIONS" &&
      request.headers.has(HEADER.ORIGIN) &&
      request.headers.has("access-control-request-method");
    if (!isPreflight) {
      const response = await next();
      return applyHeaders(response, simpleHeaders, { mode: "override" });
    }
    const requested = request.headers.get("access-control-request-headers")?.trim() ?? "";
    const allowHeaders = requested !== "" && HEADER_LIST_REGEXP.test(requested)
      ? requested
      : DEFAULT_ALLOWED_HEADERS;
    return new Response(null, {
      status: STATUS.NO_CONTENT,
      headers: {
        "access-control-allow-origin": "*",
        "access-control-allow-methods": ALLOW_STATIC,
        "access-control-allow-headers": allowHeaders,
        "access-control-max-age": PREFLIGHT_MAX_AGE,
        [HEADER.ALLOW]: ALLOW_STATIC,
        [HEADER.VARY]: "Access-Control-Request-Headers",
      },
    });
  };
}
