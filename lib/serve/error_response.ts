/**
 * @module
 * Built-in error responses: the same status and message as JSON for API
 * clients, a small HTML page for browsers and plain text otherwise. They never
 * contain stack traces, filesystem paths or error internals. Like every
 * answer berth builds, they start from the base headers (security and CORS
 * headers), which their own headers override.
 */

import type { BaseHeaders } from "../http/base_headers.ts";
import { HEADER, STATUS, STATUS_TEXT } from "../http/constants.ts";
import { acceptsHtml, prefersJson } from "../http/accept.ts";
import { ResponseTemplate } from "../http/response_template.ts";
import { escapeHtml, renderPage } from "./html.ts";

/** Options for {@linkcode createErrorResponse}. */
export interface ErrorResponseOptions {
  /** Extra headers such as `Allow` or `Retry-After`. */
  headers?: HeadersInit;
  /** Answer JSON unless the client asks for HTML (API-style endpoints such as auth). */
  preferJson?: boolean;
  /** The headers every answer starts from (none by default); `headers` override them. */
  baseHeaders?: BaseHeaders;
  /** Where a 404 page's "home" link points: the site's root, `/` or the `basePath`. */
  home?: string;
}

/** Builds the error response for `status`, negotiated on the request's `Accept`. */
export function createErrorResponse(
  request: Request,
  status: number,
  message: string,
  options: ErrorResponseOptions = {},
): Response {
  const kind = chooseKind(request.headers.get(HEADER.ACCEPT), options.preferJson === true);
  const variant = renderVariant(kind, status, message, options.home ?? "/");
  const headers = new Headers(options.headers);
  // Keep-if-absent: `headers` may be a Headers with repeated names (WWW-Authenticate).
  for (const [name, value] of Object.entries(options.baseHeaders ?? {})) {
    if (!headers.has(name)) headers.set(name, value);
  }
  headers.set(HEADER.CACHE_CONTROL, "no-store");
  headers.set(HEADER.CONTENT_TYPE, variant.contentType);
  headers.set(HEADER.CONTENT_LENGTH, String(variant.bytes.byteLength));
  return new Response(request.method === "HEAD" ? null : variant.bytes, { status, headers });
}

/** Options for {@linkcode createErrorResponder}. */
export interface ErrorResponderOptions {
  /** Extra headers, as a plain lower-case record (added to every answer). */
  headers?: Readonly<Record<string, string>>;
  /** The headers every answer starts from (none by default); `headers` override them. */
  baseHeaders?: BaseHeaders;
  /** Where a 404 page's "home" link points: the site's root, `/` or the `basePath`. */
  home?: string;
}

/**
 * Returns a function answering one fixed error (e.g. the file core's 404)
 * exactly as {@linkcode createErrorResponse} would, with the three bodies and
 * header sets built once instead of per request.
 */
export function createErrorResponder(
  status: number,
  message: string,
  options: ErrorResponderOptions = {},
): (request: Request) => Response {
  const prepared = new Map<ErrorKind, ResponseTemplate>();
  for (const kind of ERROR_KINDS) {
    const variant = renderVariant(kind, status, message, options.home ?? "/");
    prepared.set(
      kind,
      new ResponseTemplate(variant.bytes, {
        status,
        headers: {
          ...options.baseHeaders,
          ...options.headers,
          [HEADER.CACHE_CONTROL]: "no-store",
          [HEADER.CONTENT_TYPE]: variant.contentType,
          [HEADER.CONTENT_LENGTH]: String(variant.bytes.byteLength),
        },
      }),
    );
  }
  return function respondWithError(request) {
    const kind = chooseKind(request.headers.get(HEADER.ACCEPT), false);
    return prepared.get(kind)!.respond(request.method);
  };
}

/** The three shapes of an error body. */
type ErrorKind = "json" | "html" | "text";

const ERROR_KINDS: readonly ErrorKind[] = ["json", "html", "text"];

/** Picks the body shape for an `Accept` value. */
function chooseKind(accept: string | null, preferJson: boolean): ErrorKind {
  if (prefersJson(accept) || (preferJson && !acceptsHtml(accept))) return "json";
  return acceptsHtml(accept) ? "html" : "text";
}

/** Renders the body of one error in one shape. */
function renderVariant(
  kind: ErrorKind,
  status: number,
  message: string,
  home: string,
): { contentType: string; bytes: Uint8Array<ArrayBuffer> } {
  const title = `${status} ${STATUS_TEXT[status] ?? "Error"}`;
  if (kind === "json") {
    return {
      contentType: "application/json; charset=utf-8",
      bytes: TEXT_ENCODER.encode(JSON.stringify({ error: { status, message } }) + "\n"),
    };
  }
  if (kind === "html") {
    return {
      contentType: "text/html; charset=utf-8",
      bytes: TEXT_ENCODER.encode(renderPage(title, {
        bodyHtml: `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>${
          status === STATUS.NOT_FOUND
            ? `\n<p><a href="${escapeHtml(home)}">Go to the home page</a></p>`
            : ""
        }`,
      })),
    };
  }
  return {
    contentType: "text/plain; charset=utf-8",
    bytes: TEXT_ENCODER.encode(`${title}: ${message}\n`),
  };
}

/**
 * The way on from a built-in 404 page: the site's root. It names no path
 * and says nothing about what exists.
 */

const TEXT_ENCODER = new TextEncoder();
