/**
 * @module
 * Builds the per-request {@linkcode RequestContext} every layer shares: the
 * parsed URL, a short request id, the peer address, the arrival time and
 * whether the connection is TLS. Used by berth's own server and by
 * `createHandler` when berth runs inside another `Deno.serve` application.
 */

import type { RequestContext } from "./compose.ts";
import { createClientResolver, type ProxyOptions } from "./http/client_address.ts";

/** Options for {@linkcode createRequestContextFactory}. */
export interface RequestContextFactoryOptions {
  /** True when the connection is TLS (as known to whoever accepted it). */
  secure: boolean;
  /** Which proxies to believe about the client (see `createClientResolver`); default none. */
  proxy?: ProxyOptions;
}

/** Builds the context of one request; `info` is what `Deno.serve` passes, when there is one. */
export type RequestContextFactory = (
  request: Request,
  info?: Deno.ServeHandlerInfo,
) => RequestContext;

/**
 * Returns a context builder whose request ids share a random per-instance
 * prefix plus a counter, so ids are unique within a process and cheap. The
 * id string is made on first read: most requests (cached files with the
 * access log off) never need it.
 */
export function createRequestContextFactory(
  options: RequestContextFactoryOptions,
): RequestContextFactory {
  const idPrefix = crypto.getRandomValues(new Uint32Array(1))[0].toString(36);
  const client = createClientResolver(options.proxy ?? { trustProxy: false });
  let requestCount = 0;
  return function createRequestContext(request, info) {
    const number = ++requestCount;
    let requestId: string | undefined;
    // Read now: Deno's request handle may be gone once the response is sent.
    const remote = info?.remoteAddr;
    const peer = remote !== undefined && "hostname" in remote ? remote.hostname : "";
    return {
      url: new URL(request.url),
      get requestId() {
        return requestId ??= `${idPrefix}-${number.toString(36)}`;
      },
      clientAddress: client.address(peer, request.headers),
      startTime: performance.now(),
      // TLS to berth, or a trusted TLS-terminating proxy in front of it.
      secure: options.secure || client.viaHttps(peer, request.headers),
      user: null,
    };
  };
}
