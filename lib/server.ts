/**
 * @module
 * berth's server: binds host/port (0 picks a free port) through the
 * transport (lib/transport/listen.ts, which owns TLS, timeouts and
 * connection limits), builds the per-request context, reports the ready URL,
 * and shuts down gracefully, bounded in time, without ever throwing.
 */

import type { Handler } from "./compose.ts";
import { DEFAULT_SETTINGS, type Settings } from "./config/schema.ts";
import type { ProxyOptions } from "./http/client_address.ts";
import { createRequestContextFactory } from "./request_context.ts";
import {
  ASSUMED_FD_LIMIT,
  type ConnectionBudget,
  deriveConnectionBudget,
  probeFreeFds,
  readFdLimit,
} from "./transport/fd_limit.ts";
import { listen, ListenAddressInUseError, TlsMaterialError } from "./transport/listen.ts";

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
  /** Timeouts and connection limits (the `limits` settings); defaults when absent. */
  limits?: Settings["limits"];
  /** Isolates sharing the process's descriptors (`--workers`), for the derived budget. */
  isolates?: number;
  /** Told about recoverable connection trouble (already rate-limited to one call per 5 s). */
  onTrouble?: (message: string) => void;
}

/** A listening server. */
export interface RunningServer {
  /** The URL clients should use, e.g. `http://127.0.0.1:8000/`. */
  url: string;
  /** The bound port (useful with port 0). */
  port: number;
  /** The connection limits in force, for the startup log. */
  budget: ConnectionBudget;
  /** Resolves when the server has stopped. */
  finished: Promise<void>;
  /**
   * Stops accepting, waits up to `timeoutMs` for in-flight responses, then
   * aborts the rest (their bodies are cancelled, so files close). Never rejects.
   */
  shutdown(timeoutMs: number): Promise<void>;
  /** Swaps the TLS certificate for new connections; throws {@linkcode TlsError} if unusable. */
  setCertificate(tls: { cert: string; key: string }): void;
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

/** Thrown when the certificate or key is not usable PEM. */
export class TlsError extends Error {
  constructor(options?: ErrorOptions) {
    super("Cannot start TLS: the certificate or key is not valid PEM", options);
    this.name = "TlsError";
  }
}

/** Minimum time between two trouble reports, so an attack cannot flood the log. */
const TROUBLE_INTERVAL_MS = 5000;

/**
 * Starts listening; throws {@linkcode AddressInUseError} when the port is
 * taken and {@linkcode TlsError} for unusable TLS material.
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const secure = options.tls !== undefined;
  const createRequestContext = createRequestContextFactory({
    secure,
    proxy: options.proxy,
  });
  const limits = options.limits ?? DEFAULT_SETTINGS.limits;
  const budget = deriveBudget(limits, options);
  let lastTrouble = -Infinity;
  const onTrouble = (message: string) => {
    const now = performance.now();
    if (now - lastTrouble < TROUBLE_INTERVAL_MS) return;
    lastTrouble = now;
    options.onTrouble?.(message);
  };
  try {
    const transport = await listen({
      handler: (request, info) => options.handler(request, createRequestContext(request, info)),
      hostname: options.hostname,
      port: options.port,
      tls: options.tls,
      reusePort: options.reusePort,
      timeouts: limits,
      budget,
      maxConcurrentStreams: limits.maxConcurrentStreams,
      maxHeaderBytes: limits.maxHeaderBytes,
      onTrouble,
    });
    const url = `${secure ? "https" : "http"}://${formatHost(options.hostname)}:${transport.port}/`;
    return {
      url,
      port: transport.port,
      budget,
      finished: transport.finished,
      shutdown: (timeoutMs) => transport.shutdown(timeoutMs),
      setCertificate(tls) {
        try {
          transport.setCertificate(tls);
        } catch (error) {
          throw new TlsError({ cause: error });
        }
      },
    };
  } catch (error) {
    if (error instanceof ListenAddressInUseError) {
      throw new AddressInUseError(options.hostname, options.port, { cause: error });
    }
    if (error instanceof TlsMaterialError) throw new TlsError({ cause: error });
    throw error;
  }
}

/**
 * The connection budget from the descriptor limit when berth may read it;
 * otherwise from the descriptors it can open now (counted before listening).
 * SECURITY: a guessed limit above the real one would let descriptors run
 * out, and Deno's node listener never accepts again after that.
 */
function deriveBudget(
  limits: Settings["limits"],
  options: { hostname: string; isolates?: number },
): ConnectionBudget {
  const fdLimit = readFdLimit();
  const isolates = options.isolates;
  if (fdLimit !== null || limits.maxConnections > 0 || Deno.build.os === "windows") {
    return deriveConnectionBudget(limits, { fdLimit, isolates });
  }
  const free = probeFreeFds(options.hostname, ASSUMED_FD_LIMIT);
  if (free === null) return deriveConnectionBudget(limits, { fdLimit: null, isolates });
  return { ...deriveConnectionBudget(limits, { fdLimit: free, isolates }), source: "probed" };
}

/** Brackets IPv6 literals for use in a URL authority. */
function formatHost(hostname: string): string {
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}
