/**
 * @module
 * Building same-site redirect targets and responses for the routing layers
 * (clean URLs, trailing-slash policy, `_redirects`).
 */

import { HEADER } from "./constants.ts";
import { parseRequestPath, type RequestPath } from "./request_path.ts";

/**
 * Path rebuilt from decoded segments, each percent-encoded again.
 * SECURITY: never echo a raw path into Location: `//evil.example/` would be a
 * protocol-relative open redirect; rebuilt paths always start with one `/`.
 */
export function buildLocalPath(segments: readonly string[], trailingSlash: boolean): string {
  const path = "/" + segments.map(encodeURIComponent).join("/");
  return trailingSlash && segments.length > 0 ? path + "/" : path;
}

/**
 * Collapses leading slashes and backslashes of a substituted target into one
 * `/`. SECURITY: a placeholder can carry `//evil.example` (from a request for
 * `//evil.example`), which browsers would follow off-site.
 */
export function pinToSite(path: string): string {
  return path.replace(/^[/\\]+/, "/");
}

/** A redirect with mutable headers (Response.redirect's are immutable) and no body. */
export function createRedirect(location: string, status: number): Response {
  return new Response(null, {
    status,
    headers: { [HEADER.LOCATION]: location, [HEADER.CACHE_CONTROL]: "no-cache" },
  });
}

/**
 * Request and context for the layers below, re-routed to `url` (a rewrite).
 * The new context's canonical path is derived from `url` once, here; the
 * request's outcome object is shared, so what the layers below learn (the
 * answer was protected, the file it came from) reaches the layers above.
 */
export function rerouteRequest<C extends { url: URL; path: RequestPath }>(
  request: Request,
  context: C,
  url: URL,
  options: { dropHeaders?: readonly string[] } = {},
): [Request, C] {
  const init: RequestInit = { method: request.method, headers: request.headers };
  if (options.dropHeaders !== undefined && options.dropHeaders.length > 0) {
    const headers = new Headers(request.headers);
    for (const name of options.dropHeaders) headers.delete(name);
    init.headers = headers;
  }
  if (request.body !== null) {
    init.body = request.body;
    (init as { duplex?: string }).duplex = "half";
  }
  init.signal = request.signal;
  // Spread copies own fields only; the lazy getters of berth's own context
  // class are read here and become plain values of the re-routed context.
  const routed = {
    ...context,
    url,
    path: parseRequestPath(url.pathname),
    requestId: (context as { requestId?: string }).requestId,
  };
  return [new Request(url, init), routed];
}
