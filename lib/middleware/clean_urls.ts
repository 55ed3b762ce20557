/**
 * @module
 * Clean URLs and the trailing-slash policy. With clean URLs, `/about` is
 * served from `about.html` and `/about.html` redirects (301) to `/about`;
 * `/dir/index.html` redirects to `/dir/`. The trailing-slash policy decides
 * the canonical form of pages and directories:
 *
 * - `auto`: files (and clean-URL pages) without a slash, directories with one
 *   (the core's own rule);
 * - `always`: clean-URL pages and directories end in `/` (`/about/`);
 * - `never`: nothing ends in `/`; `/docs` serves `docs/index.html` directly.
 *
 * Redirect targets are rebuilt from decoded segments (never echoed) and keep
 * the query string. Only GET and HEAD are redirected or re-routed.
 */

import type { Middleware } from "../compose.ts";
import type { BaseHeaders } from "../http/base_headers.ts";
import { READ_METHODS, STATUS } from "../http/constants.ts";
import {
  buildLocalPath,
  createRedirect,
  publicPath,
  rerouteRequest,
} from "../http/local_redirect.ts";
import type { PathProbe } from "../rules/path_probe.ts";

/** Canonical trailing-slash form; see the module doc. */
export type TrailingSlashPolicy = "auto" | "always" | "never";

/** Options for {@linkcode cleanUrls}. */
export interface CleanUrlsOptions {
  /** Serve `/about` from `about.html` and redirect `/about.html` to `/about`. */
  cleanUrls: boolean;
  /** Canonical trailing-slash form. */
  trailingSlash: TrailingSlashPolicy;
  /** Index file names (only the first is hidden from URLs). */
  index: readonly string[];
  /** What exists under the root. */
  probe: PathProbe;
  /** The headers every answer starts from (its redirects). */
  baseHeaders?: BaseHeaders;
}

const HTML_EXTENSION = ".html";

/** Builds the clean-URL / trailing-slash middleware. */
export function cleanUrls(options: CleanUrlsOptions): Middleware {
  const { probe, trailingSlash } = options;
  const indexName = options.index[0];
  return async function routeCleanUrls(request, context, next) {
    if (!READ_METHODS.has(request.method)) return await next();
    const decoded = context.path;
    if (!decoded.ok || decoded.segments.length === 0) return await next();
    const { segments } = decoded;
    const slash = decoded.trailingSlash;
    const search = context.url.search;
    const last = segments[segments.length - 1];
    const redirect = (path: string) =>
      createRedirect(
        publicPath(context, path) + search,
        STATUS.MOVED_PERMANENTLY,
        options.baseHeaders,
      );
    const reroute = (path: string) =>
      next(...rerouteRequest(request, context, new URL(path + search, context.url)));

    const target = await probe.resolve(segments);
    if (target.kind === "file") {
      if (options.cleanUrls && !slash && last.endsWith(HTML_EXTENSION)) {
        const parent = segments.slice(0, -1);
        if (last === indexName) {
          return redirect(buildLocalPath(parent, trailingSlash !== "never" || parent.length === 0));
        }
        const page = [...parent, last.slice(0, -HTML_EXTENSION.length)];
        // Only when the clean form would come back here (no directory of that name).
        if (page.at(-1) !== "" && (await probe.resolve(page)).kind === "not-found") {
          return redirect(buildLocalPath(page, trailingSlash === "always"));
        }
      }
      return await next();
    }
    if (target.kind === "directory") {
      if (trailingSlash !== "never") return await next();
      if (slash) return redirect(buildLocalPath(segments, false));
      return await reroute(buildLocalPath(segments, true));
    }
    if (!options.cleanUrls) return await next();
    const page = [...segments.slice(0, -1), last + HTML_EXTENSION];
    if ((await probe.resolve(page)).kind !== "file") return await next();
    if (trailingSlash === "always" && !slash) return redirect(buildLocalPath(segments, true));
    if (trailingSlash !== "always" && slash) return redirect(buildLocalPath(segments, false));
    return await reroute(buildLocalPath(page, false));
  };
}
