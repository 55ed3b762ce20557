/**
 * @module
 * Single-page-app fallback: a browser navigation to a path with no content
 * gets the app's page (default `index.html`) with status 200, so client-side
 * routes survive a reload. Only navigations qualify — GET or HEAD, `Accept`
 * naming `text/html`, and a last path segment without a file extension — so
 * a missing `/app.3f9a.js` or `/x.css` is still a 404 and a broken build is
 * not hidden behind HTML.
 */

import type { Middleware } from "../compose.ts";
import { acceptsHtml } from "../http/accept.ts";
import { HEADER, READ_METHODS } from "../http/constants.ts";
import { buildLocalPath, rerouteRequest } from "../http/local_redirect.ts";
import type { PathProbe } from "../rules/path_probe.ts";

/** Options for {@linkcode spaFallback}. */
export interface SpaFallbackOptions {
  /** The page served for client-side routes, relative to the root, e.g. `index.html`. */
  file: string;
  /** What exists under the root. */
  probe: PathProbe;
}

/** Builds the SPA fallback middleware. */
export function spaFallback(options: SpaFallbackOptions): Middleware {
  const page = buildLocalPath(options.file.split("/").filter((part) => part !== ""), false);
  return async function fallBackToApp(request, context, next) {
    if (!READ_METHODS.has(request.method)) return await next();
    if (!acceptsHtml(request.headers.get(HEADER.ACCEPT))) return await next();
    const decoded = context.path;
    if (!decoded.ok) return await next();
    const last = decoded.segments.at(-1) ?? "";
    if (last.includes(".")) return await next();
    if (await options.probe.exists(decoded.segments)) return await next();
    return await next(
      ...rerouteRequest(request, context, new URL(page + context.url.search, context.url)),
    );
  };
}
