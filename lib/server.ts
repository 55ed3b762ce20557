/**
 * @module
 * Deno.serve wiring: listen on host/port (0 picks a free port), optional TLS
 * (HTTP/2 via ALPN comes with it), a per-request context, the ready URL, and
 * graceful shutdown bounded in time.
 */

import type { Handler } from "./compose.ts";
import type { ProxyOptions } from "./http/client_address.ts";
import { createRequestContextFactory } from "./request_context.ts";

/** Options for {@linkcode startServer}. */
export interface StartServerOptions {
  /** The composed application handler. */
  handler: Handler;
  /** Interface to bind, e.g. `127.0.0.1`. */
  hostname: string;
  /** Port to bind; 0 lets the OS pick a free one. */
  port: number;
  /** PEM certificate chain and key: both present means TLS. */
  tls?: { cert: string; key: string };
  /** Which proxies to believe about the client (see `createClientResolver`). */
  proxy?: ProxyOptions;
  /** Let other isolates bind the same port (SO_REUSEPORT, Linux only); used by `--workers`. */
  reusePort?: boolean;
}

/** A listening server. */
export interface RunningServer {
  /** The URL clients should use, e.g. `http://127.0.0.1:8000/`. */
  url: string;
  /** The bound port (useful with port 0). */
  port: number;
  /** Resolves when the server has stopped. */
  finished: Promise<void>;
  /** Stops accepting, waits up to `timeoutMs` for in-flight responses, then aborts the rest. */
  shutdown(timeoutMs: number): Promise<void>;
}

/** Thrown when the port is taken, so the CLI can exit with its own code. */
export class AddressInUseError extends Error {
  constructor(readonly hostname: string, readonly port: number, options?: ErrorOptions) {
    super(
      `Cannot listen on ${formatHost(hostname)}:${port}: the address is already in use`,
      options,
    );
    this.name = "AddressInUseError";
  }
}

/** Starts listening; throws {@linkcode AddressInUseError} when the port is taken. */
export function startServer(options: StartServerOptions): RunningServer {
  const secure = options.tls !== undefined;
  const createRequestContext = createRequestContextFactory({
    secure,
    proxy: options.proxy,
  });
  const abort = new AbortController();
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: options.hostname,
      port: options.port,
      ...options.tls,
      ...(options.reusePort ? { reusePort: true } : {}),
      signal: abort.signal,
      onListen: () => {},
      // Errors are answered by the app; anything that still escapes is a bug
      // and gets a body-less 500 rather than Deno's default page.
      onError: () => new Response(null, { status: 500 }),
    }, (request, info) => options.handler(request, createRequestContext(request, info)));
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new AddressInUseError(options.hostname, options.port, { cause: error });
    }
    throw error;
  }
  const port = server.addr.port;
  const url = `${secure ? "https" : "http"}://${formatHost(options.hostname)}:${port}/`;
  return {
    url,
    port,
    finished: server.finished,
    async shutdown(timeoutMs: number) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const graceful = server.shutdown();
      const forced = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          abort.abort();
          resolve();
        }, timeoutMs);
      });
      await Promise.race([graceful, forced]);
      clearTimeout(timer);
    },
  };
}

/** Brackets IPv6 literals for use in a URL authority. */
function formatHost(hostname: string): string {
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}
