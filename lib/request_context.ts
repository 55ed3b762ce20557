/**
 * @module
 * Builds the per-request {@linkcode RequestContext} every layer shares: the
 * parsed URL, a short request id, the peer address, the arrival time and
 * whether the connection is TLS. Used by berth's own server and by
 * `createHandler` when berth runs inside another `Deno.serve` application.
 */

import type { RequestContext } from "./compose.ts";
import { resolveClientAddress } from "./http/client_address.ts";

/** Options for {@linkcode createRequestContextFactory}. */
export interface RequestContextFactoryOptions {
  /** True when the connection is TLS (as known to whoever accepted it). */
  secure: boolean;
  /** Take the client address from proxy headers (see `resolveClientAddress`). */
  trustProxy?: boolean;
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
  const proxy = { trustProxy: options.trustProxy === true };
  let requestCount = 0;
  return function createRequestContext(request, info) {
    const number = ++requestCount;
    let requestId: string | undefined;
    // Read now: Deno's request handle may be gone once the response is sent.
    const peer = info?.remoteAddr;
    return {
      url: new URL(request.url),
      get requestId() {
        return requestId ??= `${idPrefix}-${number.toString(36)}`;
      },
      clientAddress: resolveClientAddress(
        peer !== undefined && "hostname" in peer ? peer.hostname : "",
        request.headers,
        proxy,
      ),
      startTime: performance.now(),
      secure: options.secure,
      user: null,
    };
  };
}
