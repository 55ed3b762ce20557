/**
 * @module
 * Operator-supplied response headers (`--header "Name: value"` and the config
 * file's `headers`): they replace whatever the server would have sent, except
 * that an answer which needed authentication stays private (they may tighten
 * its caching, never loosen it; see private_caching.ts).
 */

import type { Middleware } from "../compose.ts";
import { HEADER } from "../http/constants.ts";
import { keepPrivate } from "../http/private_caching.ts";
import { applyHeaders } from "../http/response_headers.ts";

/** Builds the middleware that sets `headers` on every response. */
export function customHeaders(headers: Readonly<Record<string, string>>): Middleware {
  const entries = Object.entries(headers).map(([name, value]) =>
    [name.toLowerCase(), value] as const
  );
  return async function setCustomHeaders(_request, context, next) {
    const response = await next();
    const before = response.headers.get(HEADER.CACHE_CONTROL);
    const decorated = applyHeaders(response, entries, { mode: "override" });
    const { outcome } = context;
    return outcome.protected && !outcome.shareable ? keepPrivate(decorated, before) : decorated;
  };
}
