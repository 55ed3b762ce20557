/**
 * @module
 * Builds the per-request {@linkcode RequestContext} every layer shares: the
 * parsed URL, a short request id, the peer address, the arrival time and
 * whether the connection is TLS. With a `basePath` the URL is the one after
 * the prefix, so the layers work on the site's own paths. Used by berth's own server and by
 * `createHandler` when berth runs inside another `Deno.serve` application.
 */

import type { AuthenticatedUser, RequestContext, RequestOutcome } from "./compose.ts";
import { createClientResolver, type ProxyOptions } from "./http/client_address.ts";
import { HEADER } from "./http/constants.ts";
import { parseRequestPath, type RequestPath, stripBasePath } from "./http/request_path.ts";

/** Options for {@linkcode createRequestContextFactory}. */
export interface RequestContextFactoryOptions {
  /** True when the connection is TLS (as known to whoever accepted it). */
  secure: boolean;
  /** Which proxies to believe about the client (see `createClientResolver`); default none. */
  proxy?: ProxyOptions;
  /**
   * The `basePath` setting (default `/`): a request under it gets the URL
   * after the prefix and `basePath` set; one outside keeps its URL and gets
   * `basePath` `/`, which the mount layer (middleware/mount.ts) answers.
   */
  basePath?: string;
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
  const mountPath = options.basePath ?? "/";
  let requestCount = 0;
  return function createRequestContext(request, info) {
    // Read now: Deno's request handle may be gone once the response is sent.
    const remote = info?.remoteAddr;
    const peer = remote !== undefined && "hostname" in remote ? remote.hostname : "";
    const target = readTarget(request);
    // PERF: not mounted (the default), no prefix work at all.
    const basePath = mountPath === "/" ? "/" : enterMount(target, mountPath);
    return new ServedRequestContext(target.url, target.refusal, {
      basePath,
      idPrefix,
      number: ++requestCount,
      clientAddress: client.address(peer, request.headers),
      // TLS to berth, or a trusted TLS-terminating proxy in front of it.
      secure: options.secure || client.viaHttps(peer, request.headers),
    });
  };
}

/**
 * The context of one request as berth's servers make it. A class, so the
 * lazy `path` and `requestId` are prototype getters: an object literal with
 * getters costs ~0.5 µs a request to build, a class instance a few ns.
 */
class ServedRequestContext implements RequestContext {
  readonly url: URL;
  readonly basePath: string;
  readonly outcome: RequestOutcome = { protected: false, shareable: false, resource: null };
  readonly clientAddress: string;
  readonly startTime = performance.now();
  readonly secure: boolean;
  user: AuthenticatedUser | null = null;
  #path: RequestPath | null;
  #id: string | null = null;
  readonly #idPrefix: string;
  readonly #number: number;

  constructor(
    url: URL,
    refusal: RequestPath | null,
    facts: {
      basePath: string;
      idPrefix: string;
      number: number;
      clientAddress: string;
      secure: boolean;
    },
  ) {
    this.url = url;
    this.basePath = facts.basePath;
    this.#path = refusal;
    this.#idPrefix = facts.idPrefix;
    this.#number = facts.number;
    this.clientAddress = facts.clientAddress;
    this.secure = facts.secure;
  }

  /** Decoded on first read (the first guard reads it, once per request). */
  get path(): RequestPath {
    return this.#path ??= parseRequestPath(this.url.pathname);
  }

  get requestId(): string {
    return this.#id ??= `${this.#idPrefix}-${this.#number.toString(36)}`;
  }
}

/**
 * Moves a request under `mountPath` into the site: its URL becomes the path
 * after the prefix (query kept) and the prefix is returned; a request outside
 * keeps its URL and gets `/`. A refused target stays refused (400, not 404).
 */
function enterMount(target: { url: URL; refusal: RequestPath | null }, mountPath: string): string {
  if (target.refusal !== null) return mountPath;
  const rest = stripBasePath(target.url.pathname, mountPath);
  if (rest === null) return "/";
  // The rest is already in the parser's serialized form: setting it changes nothing else.
  target.url.pathname = rest;
  return mountPath;
}

/**
 * A `Host` that is a valid `host[:port]` (RFC 9110 §7.2, RFC 3986 §3.2.2):
 * a bracketed IP literal or a registered name of unreserved characters.
 */
const HOST_REGEXP = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]+)(?::[0-9]{0,5})?$/;

/** The URL of a request whose path berth refuses to decide on. */
const UNUSABLE_URL = "http://invalid.invalid/";

/**
 * The request URL, with a refusal when its path cannot be trusted.
 * SECURITY: Deno builds `request.url` as scheme + Host + request target, so a
 * Host such as `a/old.html?` moves the real target into the query and serves
 * another path. The path served must come from the request target only: a
 * Host that is not a plain `host[:port]` is refused with 400 before any layer
 * reads the path. (A missing or empty Host, which HTTP/1.0 and HTTP/2 allow,
 * is replaced by Deno with the listening address and is harmless.)
 */
function readTarget(request: Request): { url: URL; refusal: RequestPath | null } {
  const host = request.headers.get(HEADER.HOST);
  if (host !== null && host !== "" && !isValidHost(host)) {
    return {
      url: new URL(UNUSABLE_URL),
      refusal: { ok: false, message: "The Host header is not a valid host[:port]" },
    };
  }
  try {
    return { url: new URL(request.url), refusal: null };
  } catch {
    return {
      url: new URL(UNUSABLE_URL),
      refusal: { ok: false, message: "The request URL cannot be parsed" },
    };
  }
}

/** Reports whether `host` is `name[:port]` with a port up to 65535. */
function isValidHost(host: string): boolean {
  if (!HOST_REGEXP.test(host)) return false;
  const colon = host.lastIndexOf(":");
  // An empty port (`host:`) is allowed by RFC 3986 §3.2.3.
  if (colon === -1 || host.endsWith("]") || colon === host.length - 1) return true;
  return Number(host.slice(colon + 1)) <= 65535;
}
