/**
 * @module
 * Building berth's own answers (internal endpoints, the login page and its
 * JSON, redirects) with their final headers: every builder starts from the
 * base headers (http/base_headers.ts) and lays its own over them, so a header
 * an answer sets itself wins and no layer edits a response after it is built.
 */

import type { BaseHeaders } from "./base_headers.ts";
import { HEADER } from "./constants.ts";

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

const TEXT_ENCODER = new TextEncoder();
