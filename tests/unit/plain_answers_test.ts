/** The transport's own answers (lib/transport/plain_answers.ts) start from the base headers. */

import assert from "node:assert/strict";
import { createBaseHeaders, NO_BASE_HEADERS } from "../../lib/http/base_headers.ts";
import { createPlainAnswers } from "../../lib/transport/plain_answers.ts";

const BASE = createBaseHeaders({ securityHeaders: true, tls: true, cors: true });

Deno.test("createPlainAnswers() answers carry the base headers under their own", async () => {
  const answers = createPlainAnswers(BASE);
  const table: [Response, number, string, Record<string, string>][] = [
    [answers.badRequest(), 400, "Bad Request\n", {}],
    [answers.methodNotAllowed(), 405, "Method Not Allowed\n", { allow: "GET, HEAD, OPTIONS" }],
    [answers.internalError(), 500, "Internal Server Error\n", {}],
    [answers.unavailable(), 503, "Service Unavailable\n", {
      "retry-after": "1",
      connection: "close",
    }],
  ];
  for (const [response, status, body, own] of table) {
    assert.equal(response.status, status);
    assert.equal(await response.text(), body);
    const expected = { ...BASE, "content-type": "text/plain; charset=utf-8", ...own };
    assert.deepEqual(Object.fromEntries(response.headers), expected, String(status));
  }
});

Deno.test("createPlainAnswers() writes the base headers into the raw answers by parser error", () => {
  const answers = createPlainAnswers(BASE);
  const error = (code: string, rawPacket?: string) =>
    Object.assign(new Error(code), {
      code,
      rawPacket: rawPacket === undefined ? undefined : new TextEncoder().encode(rawPacket),
    }) as NodeJS.ErrnoException;
  const table: [NodeJS.ErrnoException, string][] = [
    [
      error("HPE_INVALID_METHOD"),
      "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD, OPTIONS\r\n",
    ],
    // Deno's parser says HPE_ERROR for an unknown method in a well-formed request line.
    [error("HPE_ERROR", "FROB / HTTP/1.1\r\n"), "HTTP/1.1 405 Method Not Allowed\r\n"],
    [error("HPE_ERROR", "\x01 junk"), "HTTP/1.1 400 Bad Request\r\n"],
    [error("HPE_HEADER_OVERFLOW"), "HTTP/1.1 431 Request Header Fields Too Large\r\n"],
    [error("ERR_HTTP_REQUEST_TIMEOUT"), "HTTP/1.1 408 Request Timeout\r\n"],
    [error("ECONNRESET"), "HTTP/1.1 400 Bad Request\r\n"],
  ];
  for (const [cause, start] of table) {
    const raw = answers.clientError(cause);
    assert.ok(raw.startsWith(start), `${cause.code}: ${raw}`);
    for (const [name, value] of Object.entries(BASE)) {
      assert.ok(raw.includes(`\r\n${name}: ${value}\r\n`), `${cause.code}: ${name}`);
    }
    assert.ok(raw.endsWith("Content-Length: 0\r\nConnection: close\r\n\r\n"), String(cause.code));
  }
  // Without base headers the raw answers are exactly node's minimal ones.
  assert.equal(
    createPlainAnswers(NO_BASE_HEADERS).clientError(error("HPE_HEADER_OVERFLOW")),
    "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
  );
});
