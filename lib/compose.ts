/**
 * @module
 * The middleware contract and the function that turns an ordered list of
 * middlewares plus a final handler into one request handler.
 */

import type { RequestPath } from "./http/request_path.ts";

/** A user established by an authentication layer. */
export interface AuthenticatedUser {
  /** Stable user name or token subject. */
  name: string;
  /** Roles granted to the user. */
  roles: readonly string[];
}

/**
 * What the layers below learned about a request's answer, for the layers
 * above: one object per request, shared by every context a rewrite makes.
 */
export interface RequestOutcome {
  /**
   * The answer needed authentication (the request path or the file it
   * reached is protected): it is private to the caller, and header rules
   * may tighten its caching but never loosen it.
   */
  protected: boolean;
  /**
   * With `protected`: the deciding access rule opted in (`"shareable": true`)
   * to header rules setting its caching as they please.
   */
  shareable: boolean;
  /**
   * Canonical text of the real path, relative to the root, of the file or
   * directory the core answered from (symlinks resolved), or null when it
   * answered from nothing. Header rules match it as well as the request path.
   */
  resource: string | null;
}

/** Per-request facts shared by every layer. */
export interface RequestContext {
  /** The parsed request URL (its path only ever from the request target, never the Host). */
  readonly url: URL;
  /**
   * The prefix the request arrived under: the `basePath` setting for a
   * request inside it, `/` when berth is not mounted (or the request is
   * outside the mount). `url` and `path` are what follows it, so every layer
   * decides on the site's own paths; a Location berth builds puts it back
   * (`publicPath()` in http/local_redirect.ts).
   */
  readonly basePath: string;
  /**
   * The canonical decoded path of `url`, worked out once (see request_path.ts);
   * every layer decides on it, never on `url.pathname`.
   */
  readonly path: RequestPath;
  /** Shared with every re-routed context of the same request. */
  readonly outcome: RequestOutcome;
  /** Short id that ties the access log line to other records of the request. */
  readonly requestId: string;
  /** Address of the peer (or the proxy-supplied client with trust-proxy). */
  readonly clientAddress: string;
  /** `performance.now()` when the request arrived. */
  readonly startTime: number;
  /** True when the client used TLS: to berth, or to a trusted proxy in front of it. */
  readonly secure: boolean;
  /** Set by the auth layer once the caller is known. */
  user: AuthenticatedUser | null;
}

/** A final request handler. */
export type Handler = (request: Request, context: RequestContext) => Promise<Response>;

/**
 * Calls the rest of the chain. Passing a request or context replaces them for
 * the layers below (how rewrites and fallbacks re-route a request).
 */
export type Next = (request?: Request, context?: RequestContext) => Promise<Response>;

/** One layer: may answer early, or call `next` and decorate the response. */
export type Middleware = (
  request: Request,
  context: RequestContext,
  next: Next,
) => Promise<Response>;

/** Builds one handler that runs `middlewares` outermost first, then `handler`. */
export function compose(middlewares: readonly Middleware[], handler: Handler): Handler {
  return middlewares.reduceRight<Handler>(
    (inner, middleware) => (request, context) =>
      middleware(
        request,
        context,
        (nextRequest = request, nextContext = context) => inner(nextRequest, nextContext),
      ),
    handler,
  );
}
