/**
 * @module
 * Safe default response headers: no MIME sniffing, a conservative referrer
 * policy, no framing by other origins, and HSTS only when serving TLS (sending
 * it over plain HTTP is meaningless and can lock users out of a dev host).
 */

import type { Middleware } from "../compose.ts";
import { createBaseHeaders } from "../http/base_headers.ts";
import { applyHeaders } from "../http/response_headers.ts";

/** Options for {@linkcode securityHeaders}. */
export interface SecurityHeadersOptions {
  /** True when the server listens with TLS. */
  tls: boolean;
}

/** Builds the middleware that adds the security headers. */
export function securityHeaders(options: SecurityHeadersOptions): Middleware {
  const entries = Object.entries(
    createBaseHeaders({ securityHeaders: true, tls: options.tls, cors: false }),
  );
  return async function addSecurityHeaders(_request, _context, next) {
    const response = await next();
    return applyHeaders(response, entries);
  };
}
