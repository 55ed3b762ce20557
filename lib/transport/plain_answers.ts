/**
 * @module
 * The answers the transport gives itself, around the app: 400 and 405 for
 * request heads the bridge refuses, 500 for a handler that threw past the
 * app's error boundary, 503 past the open-response budget, and the raw bytes
 * written to a socket whose head node's parser refused (400, 405, 408, 431).
 * Like every berth answer they start from the base headers (security
 * headers, HSTS under TLS, CORS simple headers), so a client cannot tell a
 * transport refusal by a missing `X-Content-Type-Options`.
 */

import type { BaseHeaders } from "../http/base_headers.ts";
import { ALLOW_STATIC, STATUS } from "../http/constants.ts";

/** The transport's own answers for one listener. */
export interface PlainAnswers {
  /** 400 for a request head the bridge cannot turn into a `Request`. */
  badRequest(): Response;
  /** 405 with `Allow` for a method berth never serves. */
  methodNotAllowed(): Response;
  /** 500 for a handler that threw outside the app's error handling. */
  internalError(): Response;
  /** 503 with `Retry-After` and `Connection: close` past the open-response budget. */
  unavailable(): Response;
  /** The raw HTTP/1.1 answer for a head node's parser refused, by its error. */
  clientError(error: NodeJS.ErrnoException): string;
}

const TEXT_PLAIN = "text/plain; charset=utf-8";

/** Status lines of the raw answers, by node's parser error code. */
const CLIENT_ERROR_STATUS: Readonly<Record<string, string>> = {
  HPE_INVALID_METHOD: "405 Method Not Allowed",
  HPE_HEADER_OVERFLOW: "431 Request Header Fields Too Large",
  ERR_HTTP_REQUEST_TIMEOUT: "408 Request Timeout",
};
const DEFAULT_CLIENT_ERROR_STATUS = "400 Bad Request";

/** A well-formed request line whose method node's parser does not know (Deno says HPE_ERROR). */
const REQUEST_LINE_REGEXP = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ \S+ HTTP\/1\.[01]\r?\n/;

/**
 * Builds the answers over `base`. The raw answers are rendered once here:
 * SECURITY: the base values are berth's own constants (no CR or LF), so
 * writing them into a raw head cannot split it.
 */
export function createPlainAnswers(base: BaseHeaders): PlainAnswers {
  const plain = (status: number, text: string, own: Record<string, string> = {}) =>
    new Response(`${text}\n`, { status, headers: { ...base, "content-type": TEXT_PLAIN, ...own } });
  const baseLines = Object.entries(base).map(([name, value]) => `${name}: ${value}\r\n`).join("");
  const raw = (status: string, extra = "") =>
    `HTTP/1.1 ${status}\r\n${extra}${baseLines}Content-Length: 0\r\nConnection: close\r\n\r\n`;
  const rawAnswers = new Map(
    Object.entries(CLIENT_ERROR_STATUS).map(([code, status]) => [
      code,
      raw(status, code === "HPE_INVALID_METHOD" ? `Allow: ${ALLOW_STATIC}\r\n` : ""),
    ]),
  );
  const rawDefault = raw(DEFAULT_CLIENT_ERROR_STATUS);
  return {
    badRequest: () => plain(STATUS.BAD_REQUEST, "Bad Request"),
    methodNotAllowed: () =>
      plain(STATUS.METHOD_NOT_ALLOWED, "Method Not Allowed", { allow: ALLOW_STATIC }),
    internalError: () => plain(STATUS.INTERNAL_SERVER_ERROR, "Internal Server Error"),
    unavailable: () =>
      plain(STATUS.SERVICE_UNAVAILABLE, "Service Unavailable", {
        "retry-after": "1",
        connection: "close",
      }),
    clientError(error) {
      // Name the allowed methods for one node does not know, as node would not.
      const code = isUnknownMethod(error) ? "HPE_INVALID_METHOD" : error.code ?? "";
      return rawAnswers.get(code) ?? rawDefault;
    },
  };
}

function isUnknownMethod(error: NodeJS.ErrnoException): boolean {
  if (error.code === "HPE_INVALID_METHOD") return true;
  const raw = (error as { rawPacket?: Uint8Array }).rawPacket;
  if (error.code !== "HPE_ERROR" || raw === undefined) return false;
  return REQUEST_LINE_REGEXP.test(new TextDecoder().decode(raw.subarray(0, 8192)));
}
