/**
 * @module
 * Safe default response headers: no MIME sniffing, a conservative referrer
 * policy, no framing by other origins, and HSTS only when serving TLS (sending
 * it over plain HTTP is meaningless and can lock users out of a dev host).
 */

import type { Middleware } from "../compose.ts";
import { applyHeaders } from "../http/response_headers.ts";

/** Options for {@linkcode securityHeaders}. */
export interface SecurityHeadersOptions {
  /** True when the server listens with TLS. */
  tls: boolean;
}

/** The headers sent on every response unless a response or `--header` sets its own. */
export const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ["x-content-type-options", "nosniff"],
  ["referrer-policy", "strict-origin-when-cross-origin"],
  ["x-frame-options", "SAMEORIGIN"],
];

/** HSTS value used under TLS: two years, subdomains included, no preload opt-in. */
export const HSTS_VALUE = "max-age=63072000; includeSubDomains";

/** Builds the middleware that adds the security headers. */
export function securityHeaders(options: SecurityHeadersOptions): Middleware {
  const entries = options.tls
    ? [...SECURITY_HEADERS, ["strict-transport-security", HSTS_VALUE] as const]
    : SECURITY_HEADERS;
  return async function addSecurityHeaders(_request, _context, next) {
    return applyHeaders(await next(), entries);
  };
}
