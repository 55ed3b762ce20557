/**
 * @module
 * Adapts the node servers' request/response objects (`node:http` and the
 * `node:http2` compatibility API, which share this shape) to berth's
 * `Request → Response` handler: builds the web `Request` (its signal aborts
 * when the client goes away), and writes the `Response` with backpressure,
 * a send timeout for clients that stop reading, HEAD without a body, and a
 * cancelled body stream — so the file behind it closes — on any abort.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { Readable } from "node:stream";
import type { Delivery } from "./delivery.ts";

/** A request from either node server. */
export type NodeRequest = IncomingMessage | Http2ServerRequest;
/** A response from either node server. */
export type NodeResponse = ServerResponse | Http2ServerResponse;

/** Header fields HTTP/2 forbids in responses (RFC 9113 §8.2.2); node throws on them. */
const CONNECTION_SPECIFIC_HEADERS = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
]);
const BODYLESS_STATUSES = new Set([204, 205, 304]);

/** Methods the Fetch standard forbids in a `Request`; berth answers them 405. */
const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);

/**
 * Builds the web `Request` for `req`; `"bad-request"` when its header fields
 * or target cannot form one, `"method-not-allowed"` for CONNECT/TRACE/TRACK
 * (a `Request` cannot carry them). A Host header that is not a valid
 * authority is kept as a header (the request context rejects it with its
 * own message) while the URL falls back to `fallbackHost`. `signal`, when
 * given, should abort when the client disconnects.
 */
export function toWebRequest(
  req: NodeRequest,
  options: { scheme: "http" | "https"; fallbackHost: string; signal?: AbortSignal },
): Request | "bad-request" | "method-not-allowed" {
  const method = req.method ?? "GET";
  if (FORBIDDEN_METHODS.has(method.toUpperCase())) return "method-not-allowed";
  const target = req.url ?? "/";
  if (target.charCodeAt(0) !== 47 /* "/" */) return "bad-request";
  const raw = req.rawHeaders;
  // HTTP/2 carries the host in :authority (RFC 9113 §8.3.1).
  let host = "";
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i];
    if (name.length === 4 && name.toLowerCase() === "host") host = raw[i + 1];
    else if (name === ":authority" && host === "") host = raw[i + 1];
  }
  const hasBody = method !== "GET" && method !== "HEAD";
  const init: RequestInit | undefined = method === "GET" && options.signal === undefined
    ? undefined
    : {
      method,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(hasBody
        ? { body: Readable.toWeb(req as Readable) as ReadableStream<Uint8Array>, duplex: "half" }
        : {}),
    } as RequestInit;
  let request: Request;
  try {
    request = new Request(`${options.scheme}://${host || options.fallbackHost}${target}`, init);
  } catch {
    try {
      request = new Request(
        `${options.scheme}://${hostForUrl(options.fallbackHost)}${target}`,
        init,
      );
    } catch {
      return "bad-request";
    }
  }
  // PERF: appended to the Request's own headers after construction: passing
  // a Headers in the init costs ~14 µs for a browser's dozen fields (Deno
  // converts and copies them), appending ~1 µs.
  const headers = request.headers;
  try {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i];
      if (name.charCodeAt(0) !== 58 /* ":" */) headers.append(name, raw[i + 1]);
    }
    if (!headers.has("host") && host !== "") headers.set("host", host);
  } catch {
    return "bad-request";
  }
  return request;
}

function hostForUrl(hostname: string): string {
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}

/** Options for {@linkcode sendWebResponse}. */
export interface SendOptions {
  /** True for HEAD: headers only. */
  head: boolean;
  /** True on HTTP/2, where connection-specific header fields are dropped. */
  http2: boolean;
  /** Longest wait for the client to take more bytes (0 = forever), in ms. */
  sendTimeoutMs: number;
  /** Ask an HTTP/1.1 client to close the connection after this response (shutting down). */
  close?: boolean;
}

/**
 * Writes `response` to `res` and resolves (never rejects) with what was
 * sent. The body is read chunk by chunk and the next read waits for
 * `drain`: memory per response stays at one chunk plus the socket buffer.
 * A client that takes nothing for `sendTimeoutMs` is cut off (nginx's
 * `send_timeout` rule: the timer runs between two successful writes).
 */
export async function sendWebResponse(
  res: NodeResponse,
  response: Response,
  options: SendOptions,
): Promise<Delivery> {
  const status = response.status;
  const closed = whenClosed(res);
  const headers: [string, string][] = [];
  response.headers.forEach((value, name) => {
    if (!options.http2 || !CONNECTION_SPECIFIC_HEADERS.has(name)) headers.push([name, value]);
  });
  if (options.close) headers.push(["connection", "close"]);
  let bytes = 0;
  const bodyless = options.head || BODYLESS_STATUSES.has(status);
  // PERF: a small body with a known length is taken whole (Deno hands an
  // in-memory body over without a stream) and leaves with the head in one
  // write; bigger or unknown-length bodies stream with backpressure.
  const length = bodyless || response.body === null ? 0 : smallLength(response.headers);
  if (length > 0) {
    try {
      const whole = new Uint8Array(await response.arrayBuffer());
      (res as ServerResponse).writeHead(status, headers as unknown as string[]);
      bytes = whole.byteLength;
      (res as ServerResponse).end(whole);
      return { status, bytes, completed: await flushed(res, closed, options) };
    } catch {
      res.destroy();
      await closed;
      return { status, bytes: 0, completed: false };
    }
  }
  const body = response.body;
  try {
    (res as ServerResponse).writeHead(status, headers as unknown as string[]);
    if (body === null || bodyless) {
      body?.cancel().catch(() => {});
      res.end();
      return { status, bytes, completed: await flushed(res, closed, options) };
    }
    const reader = body.getReader();
    try {
      // One chunk is held back so the last one goes out with end(): a small
      // in-memory body is then headers + body in one write.
      let held: Uint8Array | null = null;
      while (true) {
        const next = await reader.read();
        if (res.destroyed) throw new Error("closed");
        if (next.done) break;
        if (held !== null) {
          bytes += held.byteLength;
          if (!(res as ServerResponse).write(held)) await whenDrained(res, options.sendTimeoutMs);
        }
        held = next.value;
      }
      if (held !== null) bytes += held.byteLength;
      if (held === null) res.end();
      else (res as ServerResponse).end(held);
    } catch {
      // What node still held was never handed to the connection.
      bytes = Math.max(0, bytes - ((res as ServerResponse).writableLength ?? 0));
      reader.cancel().catch(() => {});
      res.destroy();
      await closed;
      return { status, bytes, completed: false };
    }
  } catch {
    body?.cancel().catch(() => {});
    res.destroy();
    await closed;
    return { status, bytes, completed: false };
  }
  return { status, bytes, completed: await flushed(res, closed, options) };
}

/**
 * Waits for the ended response to leave node's buffer; a client that takes
 * none of it for `timeoutMs` (an HTTP/2 stream with a zero window) is cut off.
 */
async function flushed(
  res: NodeResponse,
  closed: Promise<boolean>,
  options: SendOptions,
): Promise<boolean> {
  const timeoutMs = options.sendTimeoutMs;
  // PERF: HTTP/1.1 arms no timer unless node's buffer is over its mark (a
  // small answer is in the kernel's hands); HTTP/2 can stall on a zero window
  // whatever the size, so it always does.
  const stalls = options.http2 || (res as ServerResponse).writableNeedDrain;
  if (timeoutMs <= 0 || res.writableFinished || !stalls) return await closed;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => timer = setTimeout(resolve, timeoutMs));
  const completed = await Promise.race([closed, late.then(() => null)]);
  clearTimeout(timer);
  if (completed !== null) return completed;
  res.destroy();
  await closed;
  return false;
}

/** Bodies up to this size with a Content-Length are sent in one piece. */
const WHOLE_BODY_MAX_BYTES = 65536;

/** The Content-Length when it is at most {@linkcode WHOLE_BODY_MAX_BYTES}, else 0. */
function smallLength(headers: Headers): number {
  const value = headers.get("content-length");
  if (value === null) return 0;
  const length = Number(value);
  return length > 0 && length <= WHOLE_BODY_MAX_BYTES ? length : 0;
}

/** Resolves true on `finish` (all handed over), false on `close` before it. */
function whenClosed(res: NodeResponse): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    if (res.destroyed) return resolve(false);
    const stream = res as ServerResponse;
    // node emits close after finish too; writableFinished says which it was.
    stream.once("close", () => resolve(stream.writableFinished));
  });
}

/** Resolves on `drain`; rejects when the response closes or `timeoutMs` passes first. */
function whenDrained(res: NodeResponse, timeoutMs: number): Promise<void> {
  const stream = res as ServerResponse;
  return new Promise<void>((resolve, reject) => {
    const timer = timeoutMs > 0 ? setTimeout(() => done(new Error("send timeout")), timeoutMs) : 0;
    const onDrain = () => done(null);
    const onClose = () => done(new Error("closed"));
    function done(error: Error | null) {
      clearTimeout(timer);
      stream.off("drain", onDrain);
      stream.off("close", onClose);
      if (error === null) resolve();
      else reject(error);
    }
    stream.on("drain", onDrain);
    stream.on("close", onClose);
  });
}
