/**
 * @module
 * The edge of a mount: with a `basePath` such as `/static/`, requests outside
 * it are not berth's. `/static` (the prefix without its slash) redirects to
 * `/static/`, as a directory would; every other path outside answers the
 * built-in 404 — not served, not redirected, and never the site's custom 404
 * page or header rules, which belong to the site inside. Composed only when
 * berth is mounted; the request context has already moved a request inside
 * the prefix onto the site's own path (request_context.ts).
 */

import type { Middleware } from "../compose.ts";
import type { BaseHeaders } from "../http/base_headers.ts";
import { STATUS } from "../http/constants.ts";
import { createRedirect } from "../http/local_redirect.ts";
import { createErrorResponse } from "../serve/error_response.ts";

/** Options for {@linkcode mount}. */
export interface MountOptions {
  /** The `basePath` setting, e.g. `/static/` (never `/`: then there is no mount layer). */
  basePath: string;
  /** The headers every answer starts from. */
  baseHeaders?: BaseHeaders;
}

/** Builds the layer answering requests outside the base path. */
export function mount(options: MountOptions): Middleware {
  const { basePath, baseHeaders } = options;
  const bare = basePath.slice(0, -1);
  return function keepInsideMount(request, context, next) {
    // The context factory gives a request inside the prefix the prefix as its base path.
    if (context.basePath === basePath) return next();
    if (context.url.pathname === bare) {
      return Promise.resolve(
        createRedirect(basePath + context.url.search, STATUS.MOVED_PERMANENTLY, baseHeaders),
      );
    }
    return Promise.resolve(
      createErrorResponse(request, STATUS.NOT_FOUND, "Nothing is served at this path", {
        baseHeaders,
        home: basePath,
      }),
    );
  };
}
