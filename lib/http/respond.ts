/**
 * @module
 * Building berth's own answers (internal endpoints, the login page and its
 * JSON, redirects) with their final headers: every builder starts from the
 * base headers (http/base_headers.ts) and lays its own over them, so a header
 * an answer sets itself wins and no layer edits a response after it is built.
 */

import type { Middleware } from "../compose.ts";
import type { BaseHeaders } from "./base_headers.ts";
import { HEADER } from "./constants.ts";
import { applyHeaders } from "./response_headers.ts";

/** Headers of one answer: `base`, then `own` (own values win). */
type OwnHeaders = Readonly<Record<string, string>>;

/** An answer with an in-memory body (none for HEAD, same headers), `Content-Length` included. */
export function respondBytes(
  base: BaseHeaders,
  request: Request,
  answer: { status: number; body: Uint8Array<ArrayBuffer>; headers: OwnHeaders },
): Response {
  return new Response(request.method === "HEAD" ? null : answer.body, {
    status: answer.status,
    headers: {
      ...base,
      ...answer.headers,
      [HEADER.CONTENT_LENGTH]: String(answer.body.byteLength),
    },
  });
}

/** `value` as one line of UTF-8 JSON, with `headers` (e.g. `Cache-Control`, `Set-Cookie`). */
export function respondJson(
  base: BaseHeaders,
  request: Request,
  answer: { status: number; value: unknown; headers: OwnHeaders },
): Response {
  return respondBytes(base, request, {
    status: answer.status,
    body: TEXT_ENCODER.encode(JSON.stringify(answer.value) + "\n"),
    headers: { [HEADER.CONTENT_TYPE]: "application/json; charset=utf-8", ...answer.headers },
  });
}

/** An answer without a body (204, 303, ...): `base`, then `headers`. */
export function respondEmpty(base: BaseHeaders, status: number, headers: OwnHeaders): Response {
  return new Response(null, { status, headers: { ...base, ...headers } });
}

/**
 * A redirect to `location` with mutable headers (`Response.redirect`'s are
 * immutable) and no body; `headers` default to `Cache-Control: no-cache`.
 */
export function redirect(
  base: BaseHeaders,
  location: string,
  options: { status: number; headers?: OwnHeaders },
): Response {
  return respondEmpty(base, options.status, {
    [HEADER.CACHE_CONTROL]: "no-cache",
    ...options.headers,
    [HEADER.LOCATION]: location,
  });
}

/**
 * The layer just above the file core that gives the answers it still builds
 * without the base headers those headers: keep-if-absent, which for those
 * answers (no CORS header of their own) is what the old decorators did.
 * Null when the base is empty (no layer at all).
 * PERF: one `has()` per response; the decorators it replaces cost two async
 * layers and five header edits per response. Transitional: the core's
 * OPTIONS 204, its listings and its directory redirects do not start from the
 * base headers yet; once they do, this goes.
 */
export function completeBaseHeaders(base: BaseHeaders): Middleware | null {
  const entries = Object.entries(base);
  if (entries.length === 0) return null;
  const [probe] = entries[0];
  const complete = (response: Response): Response =>
    response.headers.has(probe) ? response : applyHeaders(response, entries);
  return function completeCoreHeaders(_request, _context, next) {
    return next().then(complete);
  };
}

const TEXT_ENCODER = new TextEncoder();
