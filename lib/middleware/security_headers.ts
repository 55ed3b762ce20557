/**
 * @module
 * Safe default response headers: no MIME sniffing, a conservative referrer
 * policy, no framing by other origins, and HSTS only when serving TLS (sending
 * it over plain HTTP is meaningless and can lock users out of a dev host).
 */

import type { Middleware } from "../compose.ts";
import type { Predecoration } from "../http/predecorated.ts";
import { applyHeaders } from "../http/response_headers.ts";

/** Options for {@linkcode securityHeaders}. */
export interface SecurityHeadersOptions {
  /** True when the server listens with TLS. */
  tls: boolean;
  /** Responses it marks already carry these headers (the file core's) and pass untouched. */
  predecoration?: Predecoration;
}

/** The headers sent on every response unless a response or `--header` sets its own. */
const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ["x-content-type-options", "nosniff"],
  ["referrer-policy", "strict-origin-when-cross-origin"],
  ["x-frame-options", "SAMEORIGIN"],
];

/** HSTS value used under TLS: two years, subdomains included, no preload opt-in. */
const HSTS_VALUE = "max-age=63072000; includeSubDomains";

/** The security headers for a server with or without TLS (HSTS only with it). */
export function securityHeaderEntries(tls: boolean): readonly (readonly [string, string])[] {
  return tls ? [...SECURITY_HEADERS, ["strict-transport-security", HSTS_VALUE]] : SECURITY_HEADERS;
}

/** Builds the middleware that adds the security headers. */
export function securityHeaders(options: SecurityHeadersOptions): Middleware {
  const entries = securityHeaderEntries(options.tls);
  const predecoration = options.predecoration;
  return async function addSecurityHeaders(_request, _context, next) {
    const response = await next();
    if (predecoration?.isMarked(response)) return response;
    return applyHeaders(response, entries);
  };
}
