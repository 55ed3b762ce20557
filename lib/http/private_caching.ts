/**
 * @module
 * Keeping an answer that needed authentication private to its caller. Such
 * an answer carries `Cache-Control: private` and `Vary: Authorization,
 * Cookie`; header rules (`_headers`, `--header`) may tighten its caching but
 * never loosen it, so `Cache-Control: public, max-age=3600` in a rule cannot
 * hand one user's file to the next visitor of a shared cache.
 */

import { HEADER } from "./constants.ts";
import { appendHeaderToken } from "./response_headers.ts";

/** Request headers a private answer depends on (RFC 9110 §12.5.5). */
export const CREDENTIAL_VARY: readonly string[] = ["Authorization", "Cookie"];

/** Directives only shared caches act on, or that allow them to store: dropped from private answers. */
const SHARED_CACHE_DIRECTIVES: ReadonlySet<string> = new Set(["public", "s-maxage"]);

/**
 * Headers that tell a CDN or proxy how to cache, which they obey over
 * `Cache-Control: private`: RFC 9213 `CDN-Cache-Control` and every
 * vendor's `*-Cache-Control` (Cloudflare, Netlify, Vercel, Fastly, Akamai),
 * `Surrogate-Control`, `Edge-Control` and nginx's `X-Accel-Expires`. By
 * pattern, so a vendor name not listed here is caught too.
 */
export function isSharedCacheHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return (lower.endsWith("cache-control") && lower !== "cache-control") ||
    lower === "surrogate-control" || lower === "edge-control" || lower === "x-accel-expires";
}

/** Directives with a number of seconds, of which the smaller is the tighter. */
const SECONDS_DIRECTIVES: ReadonlySet<string> = new Set(["max-age", "stale-while-revalidate"]);

/**
 * The `Cache-Control` of a private answer: `private`, then every directive
 * of `berth` (what berth sent) and of `ruled` (what a rule made of it) that
 * does not let a shared cache store it; for a directive both give a number
 * to, the smaller one. `no-cache` or `no-store` from either side stays.
 */
export function tightenCacheControl(berth: string | null, ruled: string | null): string {
  const kept = new Map<string, string>();
  for (const value of [berth, ruled]) {
    if (value === null) continue;
    for (const raw of value.split(",")) {
      const part = raw.trim();
      if (part === "") continue;
      const equals = part.indexOf("=");
      const name = (equals === -1 ? part : part.slice(0, equals)).trim().toLowerCase();
      if (SHARED_CACHE_DIRECTIVES.has(name) || name === "private") continue;
      const previous = kept.get(name);
      if (previous !== undefined && SECONDS_DIRECTIVES.has(name)) {
        if (secondsOf(part) >= secondsOf(previous)) continue;
      } else if (previous !== undefined) {
        continue;
      }
      kept.set(name, part);
    }
  }
  return ["private", ...kept.values()].join(", ");
}

/** The seconds of `max-age=N`; unparseable counts as 0 (the tightest). */
function secondsOf(directive: string): number {
  const value = Number(directive.slice(directive.indexOf("=") + 1).replaceAll('"', ""));
  return Number.isFinite(value) && value >= 0 ? value : 0;
}

/**
 * Returns `response` made private: its `Cache-Control` tightened against
 * `berth` (the value before any rule touched it; null when none did), no
 * CDN caching header, and `Vary` naming the credential headers. Copies the
 * response only when its headers are immutable.
 */
export function keepPrivate(response: Response, berth: string | null = null): Response {
  let target = response;
  const value = tightenCacheControl(berth, response.headers.get(HEADER.CACHE_CONTROL));
  try {
    target.headers.set(HEADER.CACHE_CONTROL, value);
  } catch {
    target = new Response(response.body, response);
    target.headers.set(HEADER.CACHE_CONTROL, value);
  }
  const shared: string[] = [];
  target.headers.forEach((_value, name) => {
    if (isSharedCacheHeader(name)) shared.push(name);
  });
  for (const name of shared) target.headers.delete(name);
  for (const token of CREDENTIAL_VARY) appendHeaderToken(target.headers, HEADER.VARY, token);
  return target;
}
