/**
 * @module
 * berth's transport: it owns listening, TLS and every connection limit.
 * Plain HTTP is served by `node:http` and TLS by `node:https`, both
 * HTTP/1.1. Measured in Deno 2.9.6 (README "Connections, timeouts and
 * TLS"): Deno.serve over TLS waits ~44 ms on every kept-alive request (no
 * TCP_NODELAY on TLS sockets) while `node:https` answers in well under
 * 1 ms, and only the node servers expose the sockets that header, idle and
 * send timeouts and connection limits need. HTTP/2 is off: Deno's
 * `node:http2` server can be crashed by a client (see
 * {@linkcode ListenOptions.http2}), and Deno.serve's has the stall and no
 * connection control. h2c is off for the same reasons, and no browser
 * speaks it.
 */

import http, { type IncomingMessage, type ServerResponse } from "node:http";
import http2, { type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
import https from "node:https";
import type { Server as NetServer, Socket } from "node:net";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { BaseHeaders } from "../http/base_headers.ts";
import type { ConnectionBudget } from "./fd_limit.ts";
import { createConnectionTable } from "./connections.ts";
import { type Delivery, reportDelivery, trackDelivery } from "./delivery.ts";
import { installConnectionErrorGuard } from "./error_guard.ts";
import {
  classifyListenError,
  ListenAddressInUseError,
  ListenRefusedError,
  TlsMaterialError,
} from "./listen_errors.ts";
import { createPlainAnswers } from "./plain_answers.ts";
import {
  type NodeRequest,
  type NodeResponse,
  sendWebResponse,
  toWebRequest,
} from "./node_bridge.ts";

/** The timeouts the transport enforces, in ms (from the `limits` settings). */
export interface TransportTimeouts {
  /** A request head must be complete this long after the connection opened. */
  headerTimeoutMs: number;
  /** A whole request (head and body) must arrive within this. */
  requestTimeoutMs: number;
  /** A kept-alive connection with no request in flight closes after this. */
  idleTimeoutMs: number;
  /** A response whose client takes no bytes for this long is cut off. */
  sendTimeoutMs: number;
  /** An HTTP/2 stream with no frames for this long is reset. */
  streamIdleTimeoutMs: number;
}

/** Options for {@linkcode listen}. */
export interface ListenOptions {
  /** Answers one request; `info` carries the peer address. */
  handler: (request: Request, info: Deno.ServeHandlerInfo) => Promise<Response>;
  /** Interface to bind. */
  hostname: string;
  /** Port to bind; 0 picks a free one. */
  port: number;
  /** PEM certificate chain and key: TLS with HTTP/2 and HTTP/1.1. */
  tls?: { cert: string; key: string };
  /** SO_REUSEPORT, for `--workers`. */
  reusePort?: boolean;
  /** Timeouts. */
  timeouts: TransportTimeouts;
  /** Connection and open-response limits. */
  budget: ConnectionBudget;
  /**
   * Offer HTTP/2 over TLS (ALPN, one `node:http2` server that also speaks
   * HTTP/1.1). Off by default and not reachable from the CLI: in Deno 2.9.6
   * that server aborts the whole process (`free(): invalid pointer`, an
   * nghttp2 assertion in `find_stream_on_goaway_func`, segfaults) after a few
   * ordinary `h2load -c1 -n200` sessions — any client could end berth.
   */
  http2?: boolean;
  /** Most concurrent HTTP/2 streams per connection (with `http2`). */
  maxConcurrentStreams: number;
  /** Largest request head node accepts (431 above it). */
  maxHeaderBytes: number;
  /** Headers every answer starts from; the transport's own answers (400, 405, 408, 431, 500, 503) carry them too. */
  baseHeaders?: BaseHeaders;
  /** Told about recoverable trouble (shed connections, listener errors), rate-limited by the caller. */
  onTrouble?: (message: string, error?: unknown) => void;
}

/** A listening transport. */
export interface Transport {
  /** The bound port. */
  port: number;
  /** Resolves once the transport has stopped (after {@linkcode Transport.shutdown}). */
  finished: Promise<void>;
  /**
   * Stops accepting, closes idle connections, lets in-flight responses finish
   * for up to `timeoutMs`, then aborts the rest. Never rejects.
   */
  shutdown(timeoutMs: number): Promise<void>;
  /** Replaces the TLS certificate for new connections (no-op without TLS). */
  setCertificate(tls: { cert: string; key: string }): void;
  /** Counters for tests and the startup log. */
  stats(): { connections: number; shed: number; openResponses: number };
}

/** RST_STREAM code for a stream berth gives up on (RFC 9113 §7). */
const NGHTTP2_CANCEL = 8;

/**
 * Binds and starts serving; throws {@linkcode ListenAddressInUseError},
 * {@linkcode ListenRefusedError} or {@linkcode TlsMaterialError}.
 */
export async function listen(options: ListenOptions): Promise<Transport> {
  installConnectionErrorGuard();
  // Before the TLS check, which listens too and would blame the certificate.
  await checkHostResolves(options.hostname);
  const answers = createPlainAnswers(options.baseHeaders ?? {});
  const { timeouts, budget } = options;
  const secure = options.tls !== undefined;
  const trouble = options.onTrouble ?? (() => {});
  const table = createConnectionTable({
    maxConnections: budget.maxConnections,
    maxConnectionsPerClient: budget.maxConnectionsPerClient,
    // The node servers answer a late head with 408 themselves; the table is the
    // backstop for what they do not watch (TLS handshakes, HTTP/2 sessions).
    headerTimeoutMs: timeouts.headerTimeoutMs + 1000,
    idleTimeoutMs: timeouts.idleTimeoutMs,
  });
  let openResponses = 0;
  const openPerClient = new Map<string, number>();
  const maxOpenResponsesPerClient = Math.max(4, Math.floor(budget.maxOpenResponses / 4));
  let draining = false;
  const headersTimeout = Math.min(timeouts.headerTimeoutMs, timeouts.requestTimeoutMs);
  const http1Options = {
    headersTimeout,
    requestTimeout: timeouts.requestTimeoutMs,
    keepAliveTimeout: timeouts.idleTimeoutMs,
    // Node checks head deadlines only this often (default 30 s).
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(headersTimeout / 4))),
    maxHeaderSize: options.maxHeaderBytes + 8192,
    noDelay: true,
  };

  const onRequest = (req: NodeRequest, res: NodeResponse) => {
    const http2 = req.httpVersionMajor === 2;
    const socket = req.socket as Socket;
    const counted = table.requestStarted(socket);
    const peer = { hostname: socket.remoteAddress ?? "", port: socket.remotePort ?? 0 };
    if (http2) {
      const stream = (req as Http2ServerRequest).stream;
      stream.on("error", () => {});
      if (timeouts.streamIdleTimeoutMs > 0) {
        stream.setTimeout(timeouts.streamIdleTimeoutMs, () => stream.close(NGHTTP2_CANCEL));
      }
    }
    const finish = () => {
      if (counted) table.requestEnded(socket);
    };
    // PERF: no AbortSignal per request (~2 µs in Request's constructor): a
    // client that goes away cancels the response body instead, which closes
    // the file behind it; handler work already started is bounded by
    // limits.requestTimeoutMs.
    const request = toWebRequest(req, {
      scheme: secure ? "https" : "http",
      fallbackHost: options.hostname,
    });
    const send = (response: Response): Promise<Delivery> =>
      sendWebResponse(res, response, {
        head: req.method === "HEAD",
        http2,
        sendTimeoutMs: timeouts.sendTimeoutMs,
        close: draining && !http2,
      });
    if (typeof request === "string") {
      const refusal = request === "bad-request" ? answers.badRequest() : answers.methodNotAllowed();
      send(refusal).finally(finish);
      return;
    }
    trackDelivery(request);
    const info = {
      remoteAddr: { ...peer, transport: "tcp" as const },
      completed: Promise.resolve(),
    } as unknown as Deno.ServeHandlerInfo;
    answer(request, info, { head: req.method === "HEAD", client: peer.hostname }, send)
      .finally(finish);
  };

  /** Runs the handler and sends its answer, or a 503 past the open-response budget. */
  async function answer(
    request: Request,
    info: Deno.ServeHandlerInfo,
    facts: { head: boolean; client: string },
    send: (response: Response) => Promise<Delivery>,
  ): Promise<void> {
    let response: Response;
    try {
      response = await options.handler(request, info);
    } catch (error) {
      trouble("A request failed outside the app's error handling", error);
      response = answers.internalError();
    }
    let sent = response;
    const holdsBody = response.body !== null && !facts.head;
    const clientOpen = holdsBody ? openPerClient.get(facts.client) ?? 0 : 0;
    if (
      holdsBody &&
      (openResponses >= budget.maxOpenResponses || clientOpen >= maxOpenResponsesPerClient)
    ) {
      // SECURITY: each response being sent may hold an open file; past the
      // budget (a quarter of it per client, so one address cannot take every
      // slot) new ones are refused and stalled clients cannot use up descriptors.
      response.body?.cancel().catch(() => {});
      sent = answers.unavailable();
      trouble("Too many responses being sent at once: answering 503");
    }
    const counts = holdsBody && sent === response;
    if (counts) {
      openResponses++;
      openPerClient.set(facts.client, clientOpen + 1);
    }
    try {
      reportDelivery(request, await send(sent));
    } finally {
      if (counts) {
        openResponses--;
        const left = (openPerClient.get(facts.client) ?? 1) - 1;
        if (left === 0) openPerClient.delete(facts.client);
        else openPerClient.set(facts.client, left);
      }
    }
  }

  let server: http.Server | https.Server | http2.Http2SecureServer;
  if (options.tls === undefined) {
    server = http.createServer(
      http1Options,
      onRequest as (req: IncomingMessage, res: ServerResponse) => void,
    );
  } else if (options.http2 !== true) {
    validateTlsMaterial(options.hostname, options.tls);
    try {
      server = https.createServer(
        { ...options.tls, ...http1Options },
        onRequest as (req: IncomingMessage, res: ServerResponse) => void,
      );
    } catch (error) {
      throw new TlsMaterialError({ cause: error });
    }
    server.on("tlsClientError", (_error, socket) => socket.destroy());
  } else {
    validateTlsMaterial(options.hostname, options.tls);
    try {
      server = http2.createSecureServer({
        ...options.tls,
        allowHTTP1: true,
        settings: { maxConcurrentStreams: options.maxConcurrentStreams },
        ...http1Options,
      }, onRequest as (req: Http2ServerRequest, res: Http2ServerResponse) => void);
    } catch (error) {
      throw new TlsMaterialError({ cause: error });
    }
    // The HTTP/1.1 side of an HTTP/2 server reads these as properties.
    Object.assign(server, {
      headersTimeout: http1Options.headersTimeout,
      requestTimeout: http1Options.requestTimeout,
      keepAliveTimeout: http1Options.keepAliveTimeout,
    });
    server.on("session", (session) => session.on("error", () => {}));
    server.on("tlsClientError", (_error, socket) => socket.destroy());
  }
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    // node's parser refused the head; answer as node would, with the base headers.
    if (socket.writable && !socket.destroyed) socket.end(answers.clientError(error));
    socket.destroy();
  });
  const net = server as unknown as NetServer;
  net.on("connection", (socket: Socket) => {
    socket.on("error", () => {});
    const admission = table.admit(socket);
    if (admission !== "admitted") {
      trouble(
        `Connection limit reached (${table.size} open): closing idle connections, refusing new ones while all are busy`,
      );
    }
    if (admission !== "refused") socket.setNoDelay(true);
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const refusal = classifyListenError(error.code);
      if (error.code === "EADDRINUSE") reject(new ListenAddressInUseError({ cause: error }));
      else if (refusal !== null) reject(new ListenRefusedError(refusal, { cause: error }));
      else reject(error);
    };
    net.once("error", onError);
    net.listen({
      host: options.hostname,
      port: options.port,
      ...(options.reusePort ? { reusePort: true } : {}),
    }, () => {
      net.off("error", onError);
      resolve();
    });
  });
  net.on("error", (error) => trouble("The listener reported an error", error));
  const address = net.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;

  let resolveFinished!: () => void;
  const finished = new Promise<void>((resolve) => resolveFinished = resolve);
  let stopping: Promise<void> | null = null;
  return {
    port,
    finished,
    shutdown(timeoutMs) {
      stopping ??= (async () => {
        draining = true;
        const closed = new Promise<void>((resolve) => net.close(() => resolve()));
        table.drain();
        let timer: ReturnType<typeof setTimeout> | undefined;
        const graceOver = new Promise<void>((resolve) => timer = setTimeout(resolve, timeoutMs));
        await Promise.race([table.whenEmpty(), graceOver]);
        clearTimeout(timer);
        table.destroyAll();
        // Destroyed sockets close on the next turns; bounded so shutdown always ends.
        await Promise.race([
          Promise.all([closed, table.whenEmpty()]),
          new Promise((resolve) => setTimeout(resolve, 500)),
        ]);
        table.close();
        resolveFinished();
      })();
      return stopping;
    },
    setCertificate(tls) {
      if (!secure) return;
      validateTlsMaterial(options.hostname, tls);
      try {
        (server as https.Server).setSecureContext(tls);
      } catch (error) {
        throw new TlsMaterialError({ cause: error });
      }
    },
    stats: () => ({ connections: table.size, shed: table.shed, openResponses }),
  };
}

/** Throws {@linkcode ListenRefusedError} for a host name that does not resolve. */
async function checkHostResolves(hostname: string): Promise<void> {
  if (isIP(hostname) !== 0) return;
  try {
    await lookup(hostname);
  } catch (error) {
    const refusal = classifyListenError((error as NodeJS.ErrnoException).code);
    if (refusal === "unknown-host") throw new ListenRefusedError(refusal, { cause: error });
    throw error;
  }
}

/**
 * Throws {@linkcode TlsMaterialError} unless `tls` is a usable certificate
 * and key: node's TLS server would only fail on the first handshake, so a
 * throwaway Deno TLS listener on port 0 checks them at startup and on reload.
 */
function validateTlsMaterial(hostname: string, tls: { cert: string; key: string }): void {
  try {
    Deno.listenTls({ hostname, port: 0, cert: tls.cert, key: tls.key }).close();
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) throw error;
    throw new TlsMaterialError({ cause: error });
  }
}
