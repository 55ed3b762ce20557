/**
 * @module
 * The headers every response berth builds starts from, worked out once at
 * startup: the security headers (no MIME sniffing, a conservative referrer
 * policy, no framing by other origins, HSTS only under TLS, where it means
 * something) and the CORS simple headers for a public site. Response builders
 * spread them first, so a header a response sets itself wins, and no layer
 * has to edit a response's headers after it is built.
 */

/** Which base headers are on (from the `securityHeaders` and `cors` settings and the listener). */
export interface BaseHeaderOptions {
  /** The `securityHeaders` setting. */
  securityHeaders: boolean;
  /** True when the server listens with TLS (adds HSTS to the security headers). */
  tls: boolean;
  /** The `cors` setting. */
  cors: boolean;
}

/** Lower-case header names to values, added to every response berth builds. */
export type BaseHeaders = Readonly<Record<string, string>>;

/** No base headers (a core or responder used on its own, e.g. in tests). */
export const NO_BASE_HEADERS: BaseHeaders = Object.freeze({});

/** The security headers sent unless a response or an operator header sets its own. */
const SECURITY_HEADERS: BaseHeaders = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "strict-origin-when-cross-origin",
  "x-frame-options": "SAMEORIGIN",
};

/** HSTS value used under TLS: two years, subdomains included, no preload opt-in. */
const HSTS_VALUE = "max-age=63072000; includeSubDomains";

/** Response headers a page script may read besides the CORS-safelisted ones. */
const EXPOSED_HEADERS =
  "Content-Range, Content-Length, Accept-Ranges, ETag, Last-Modified, Content-Encoding";

/** What any origin may read of a non-preflight response (no credentials). */
const CORS_SIMPLE_HEADERS: BaseHeaders = {
  "access-control-allow-origin": "*",
  "access-control-expose-headers": EXPOSED_HEADERS,
};

/** Builds the base-header record for `options` (frozen: it is shared by every response). */
export function createBaseHeaders(options: BaseHeaderOptions): BaseHeaders {
  return Object.freeze({
    ...(options.securityHeaders ? SECURITY_HEADERS : {}),
    ...(options.securityHeaders && options.tls ? { "strict-transport-security": HSTS_VALUE } : {}),
    ...(options.cors ? CORS_SIMPLE_HEADERS : {}),
  });
}
