/**
 * @module
 * Validation of the `next` parameter of the login page: where to send the
 * browser after signing in. Only a path on this site is accepted, so the login
 * page can never be turned into an open redirect.
 */

/** Where to go when `next` is absent or refused. */
export const DEFAULT_NEXT = "/";
/** Longest `next` accepted. */
const MAX_NEXT_LENGTH = 2048;
/** Characters of a path-absolute URL with query (RFC 3986 pchar, `/`, `?`, `%`). */
const SAFE_NEXT_REGEXP = /^\/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*$/;
/** A percent-escape of `/`, `\`, a control character or DEL. */
const DANGEROUS_ESCAPE_REGEXP = /%(?:2f|5c|[01][0-9a-f]|7f)/i;

/**
 * Returns `next` when it is a same-origin path, else {@linkcode DEFAULT_NEXT}.
 *
 * Accepted: one leading `/` not followed by `/` or `\`, then only URL path
 * and query characters (no fragments, spaces, controls, backslashes or
 * non-ASCII), no escaped slash, backslash or control character, and the
 * result must still be a path on this origin after URL parsing.
 * SECURITY: `//evil.example`, `/\evil.example`, `\\evil`, `https://…`,
 * `javascript:…` and `/%2F%2Fevil` are all refused; browsers treat several of
 * them as other hosts.
 */
export function sanitizeNext(next: string | null | undefined): string {
  if (typeof next !== "string" || next.length === 0 || next.length > MAX_NEXT_LENGTH) {
    return DEFAULT_NEXT;
  }
  if (!SAFE_NEXT_REGEXP.test(next) || DANGEROUS_ESCAPE_REGEXP.test(next)) return DEFAULT_NEXT;
  // Belt and braces: resolve against a dummy origin and require it to stay there.
  const base = "http://berth.invalid";
  let resolved: URL;
  try {
    resolved = new URL(next, base);
  } catch {
    return DEFAULT_NEXT;
  }
  if (resolved.origin !== base) return DEFAULT_NEXT;
  return next;
}

/**
 * The `next` value for a request: its path and query, if they pass
 * {@linkcode sanitizeNext}. `url` is a site URL; `basePath`, the mount it came
 * in under, goes back in front, as the browser will ask for it.
 */
export function nextForUrl(url: URL, basePath = "/"): string {
  const path = basePath === "/" ? url.pathname : basePath + url.pathname.slice(1);
  return sanitizeNext(path + url.search);
}
