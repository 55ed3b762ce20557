/**
 * @module
 * One running berth instance: composes the pipeline over a compiled runtime,
 * starts the hot-file cache's watcher, binds host/port (0 picks a free port)
 * through the transport (lib/transport/listen.ts, the one module that
 * listens, and owns TLS, timeouts and connection limits), builds the
 * per-request context, reports the URL, and stops gracefully, bounded in
 * time, without ever throwing. The CLI's main isolate and every `--workers`
 * isolate start through {@linkcode startInstance}.
 */

import { createApp } from "./app.ts";
import type { Settings } from "./config/schema.ts";
import { proxyOptionsOf } from "./http/client_address.ts";
import { createRequestContextFactory } from "./request_context.ts";
import type { Runtime } from "./runtime.ts";
import type { CacheWatch } from "./serve/file_cache.ts";
import {
  ASSUMED_FD_LIMIT,
  type ConnectionBudget,
  deriveConnectionBudget,
  probeFreeFds,
  readFdLimit,
} from "./transport/fd_limit.ts";
import { listen } from "./transport/listen.ts";
import {
  ListenAddressInUseError,
  type ListenRefusal,
  ListenRefusedError,
  TlsMaterialError,
} from "./transport/listen_errors.ts";

/** How an instance listens (the rest comes from the runtime's settings). */
export interface InstanceListenOptions {
  /** Port to bind; 0 lets the OS pick a free one. Defaults to `settings.port`. */
  port?: number;
  /** PEM certificate chain and key, when `runtime.tls` is true. */
  tls?: { cert: string; key: string };
  /** Let other isolates bind the same port (SO_REUSEPORT, Linux only); used by `--workers`. */
  reusePort?: boolean;
  /**
   * The connection budget the main isolate derived, for a `--workers`
   * isolate: each worker probing descriptors itself (while the main isolate
   * already serves) could open a thousand sockets at once.
   */
  budget?: ConnectionBudget;
  /** Isolates sharing the process's descriptors (`--workers`), for the derived budget. */
  isolates?: number;
  /** Watch the root so cached listings follow edits (with `cache.watch`); off for embedded sites. */
  watchCache?: boolean;
  /** Told about recoverable connection trouble (already rate-limited to one call per 5 s). */
  onTrouble?: (message: string) => void;
}

/** A listening instance. */
export interface RunningInstance {
  /** The URL clients should use, e.g. `http://127.0.0.1:8000/` (with the base path). */
  url: string;
  /** The bound port (useful with port 0). */
  port: number;
  /** The connection limits in force, for the startup log. */
  budget: ConnectionBudget;
  /** Resolves when the server has stopped. */
  finished: Promise<void>;
  /**
   * Stops accepting, waits up to `timeoutMs` for in-flight responses, then
   * aborts the rest (their bodies are cancelled, so files close), and stops
   * the cache watcher. Never rejects; a second call waits for the first.
   * The runtime stays the caller's to close.
   */
  stop(timeoutMs: number): Promise<void>;
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

/** Thrown when the system refuses the address, so the CLI can name the fix. */
export class BindRefusedError extends Error {
  constructor(
    readonly refusal: ListenRefusal,
    readonly hostname: string,
    readonly port: number,
    options?: ErrorOptions,
  ) {
    const address = `${formatHost(hostname)}:${port}`;
    super(
      refusal === "unknown-host"
        ? `Cannot listen on "${hostname}": the host name does not resolve`
        : refusal === "not-local"
        ? `Cannot listen on ${address}: ${hostname} is not an address of this machine`
        : `Cannot listen on ${address}: permission denied${
          port < PRIVILEGED_PORT_LIMIT
            ? ` (ports below ${PRIVILEGED_PORT_LIMIT} need privileges)`
            : ""
        }`,
      options,
    );
    this.name = "BindRefusedError";
  }
}

/** Ports below this need privileges on Linux and macOS (Linux: `ip_unprivileged_port_start`). */
export const PRIVILEGED_PORT_LIMIT = 1024;

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
 * Composes the pipeline over `runtime` and starts listening on
 * `settings.host`; throws {@linkcode AddressInUseError} when the port is
 * taken, {@linkcode BindRefusedError} when the system refuses the address
 * and {@linkcode TlsError} for unusable TLS material.
 */
export async function startInstance(
  runtime: Runtime,
  options: InstanceListenOptions = {},
): Promise<RunningInstance> {
  const { settings } = runtime;
  const hostname = settings.host;
  const port = options.port ?? settings.port;
  const secure = options.tls !== undefined;
  // HSTS and Secure cookies follow runtime.tls; the listener follows options.tls: one truth.
  if (secure !== runtime.tls) {
    throw new Error(
      `startInstance: the runtime was compiled with tls ${runtime.tls}, the listener ${secure}`,
    );
  }
  const handler = createApp(runtime);
  const createRequestContext = createRequestContextFactory({
    secure,
    proxy: proxyOptionsOf(settings),
    basePath: settings.basePath,
  });
  const limits = settings.limits;
  const budget = options.budget ?? deriveBudget(limits, { hostname, isolates: options.isolates });
  let lastTrouble = -Infinity;
  const onTrouble = (message: string) => {
    const now = performance.now();
    if (now - lastTrouble < TROUBLE_INTERVAL_MS) return;
    lastTrouble = now;
    options.onTrouble?.(message);
  };
  let cacheWatch: CacheWatch | undefined;
  let stopping: Promise<void> | undefined;
  try {
    const transport = await listen({
      handler: (request, info) => handler(request, createRequestContext(request, info)),
      hostname,
      port,
      tls: options.tls,
      reusePort: options.reusePort,
      timeouts: limits,
      budget,
      maxConcurrentStreams: limits.maxConcurrentStreams,
      maxHeaderBytes: limits.maxHeaderBytes,
      baseHeaders: runtime.baseHeaders,
      onTrouble,
    });
    // Started once listening, so a port that is taken leaves no watcher behind; a frozen
    // root does not change, so it is not watched.
    if (
      options.watchCache === true && settings.cache.enabled && settings.cache.watch &&
      !settings.frozen
    ) {
      cacheWatch = runtime.cache.watch(runtime.root);
    }
    const url = `${secure ? "https" : "http"}://${
      formatHost(hostname)
    }:${transport.port}${settings.basePath}`;
    return {
      url,
      port: transport.port,
      budget,
      finished: transport.finished,
      // Only the first call's timeout counts: a later call waits for the same stop.
      stop(timeoutMs) {
        stopping ??= transport.shutdown(timeoutMs).then(() => cacheWatch?.close());
        return stopping;
      },
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
      throw new AddressInUseError(hostname, port, { cause: error });
    }
    if (error instanceof ListenRefusedError) {
      throw new BindRefusedError(error.refusal, hostname, port, { cause: error });
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
