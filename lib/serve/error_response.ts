/**
 * @module
 * Built-in error responses: the same status and message as JSON for API
 * clients, a small HTML page for browsers and plain text otherwise. They never
 * contain stack traces, filesystem paths or error internals.
 */

import { HEADER, STATUS_TEXT } from "../http/constants.ts";
import { acceptsHtml, prefersJson } from "../http/accept.ts";
import { escapeHtml, renderPage } from "./html.ts";

/** Options for {@linkcode createErrorResponse}. */
export interface ErrorResponseOptions {
  /** Extra headers such as `Allow` or `Retry-After`. */
  headers?: HeadersInit;
  /** Answer JSON unless the client asks for HTML (API-style endpoints such as auth). */
  preferJson?: boolean;
}

/** Builds the error response for `status`, negotiated on the request's `Accept`. */
export function createErrorResponse(
  request: Request,
  status: number,
  message: string,
  options: ErrorResponseOptions = {},
): Response {
  const headers = new Headers(options.headers);
  headers.set(HEADER.CACHE_CONTROL, "no-store");
  const title = `${status} ${STATUS_TEXT[status] ?? "Error"}`;
  const accept = request.headers.get(HEADER.ACCEPT);
  let body: string;
  if (prefersJson(accept) || (options.preferJson === true && !acceptsHtml(accept))) {
    headers.set(HEADER.CONTENT_TYPE, "application/json; charset=utf-8");
    body = JSON.stringify({ error: { status, message } }) + "\n";
  } else if (acceptsHtml(accept)) {
    headers.set(HEADER.CONTENT_TYPE, "text/html; charset=utf-8");
    body = renderPage(title, {
      bodyHtml: `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>`,
    });
  } else {
    headers.set(HEADER.CONTENT_TYPE, "text/plain; charset=utf-8");
    body = `${title}: ${message}\n`;
  }
  const bytes = TEXT_ENCODER.encode(body);
  headers.set(HEADER.CONTENT_LENGTH, String(bytes.byteLength));
  return new Response(request.method === "HEAD" ? null : bytes, { status, headers });
}

const TEXT_ENCODER = new TextEncoder();
