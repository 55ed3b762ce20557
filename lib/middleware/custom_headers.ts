/**
 * @module
 * Operator-supplied response headers (`--header "Name: value"` and the config
 * file's `headers`): they replace whatever the server would have sent.
 */

import type { Middleware } from "../compose.ts";
import { applyHeaders } from "../http/response_headers.ts";

/** Builds the middleware that sets `headers` on every response. */
export function customHeaders(headers: Readonly<Record<string, string>>): Middleware {
  const entries = Object.entries(headers).map(([name, value]) =>
    [name.toLowerCase(), value] as const
  );
  return async function setCustomHeaders(_request, _context, next) {
    return applyHeaders(await next(), entries, { mode: "override" });
  };
}
