/**
 * @module
 * The session cookie: reading it from a `Cookie` header and writing the
 * `Set-Cookie` values that set and clear it (RFC 6265). The cookie is always
 * `HttpOnly; SameSite=Strict; Path=/`, and `Secure` under TLS.
 */

/** Options for {@linkcode serializeSessionCookie}. */
export interface SessionCookieOptions {
  /** Cookie name, e.g. `berth_session`. */
  name: string;
  /** Seconds until the browser drops it (0 clears it). */
  maxAgeSeconds: number;
  /** Add `Secure` (the connection is TLS). */
  secure: boolean;
}

/** Characters allowed in a cookie value (RFC 6265 §4.1.1 cookie-octet); JWTs fit. */
const COOKIE_VALUE_REGEXP = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;
/** Longest cookie value read; longer ones are ignored rather than verified. */
const MAX_COOKIE_VALUE_LENGTH = 8192;

/**
 * Returns the value of cookie `name` from a `Cookie` header, or null. When
 * the name appears more than once the first wins (RFC 6265 §5.4 order: the
 * most specific path first).
 */
export function readCookie(header: string | null, name: string): string | null {
  if (header === null) return null;
  for (const pair of header.split(";")) {
    const equals = pair.indexOf("=");
    if (equals < 0) continue;
    if (pair.slice(0, equals).trim() !== name) continue;
    let value = pair.slice(equals + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1);
    }
    if (value === "" || value.length > MAX_COOKIE_VALUE_LENGTH) return null;
    return COOKIE_VALUE_REGEXP.test(value) ? value : null;
  }
  return null;
}

/**
 * The `Set-Cookie` value carrying `token`.
 * SECURITY: HttpOnly keeps page scripts (and so XSS) away from the token;
 * SameSite=Strict keeps other sites from riding on it (CSRF).
 */
export function serializeSessionCookie(token: string, options: SessionCookieOptions): string {
  if (!COOKIE_VALUE_REGEXP.test(token)) throw new TypeError("Token is not a valid cookie value");
  const parts = [
    `${options.name}=${token}`,
    "Path=/",
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`,
    "HttpOnly",
    "SameSite=Strict",
  ];
  if (options.secure) parts.push("Secure");
  return parts.join("; ");
}

/** The `Set-Cookie` value that removes the session cookie (`Max-Age=0`). */
export function serializeClearedCookie(name: string, options: { secure: boolean }): string {
  return serializeSessionCookie("", { name, maxAgeSeconds: 0, secure: options.secure });
}
