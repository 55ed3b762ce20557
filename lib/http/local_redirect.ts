/**
 * @module
 * Building same-site redirect targets and responses for the routing layers
 * (clean URLs, trailing-slash policy, `_redirects`), and the re-routed
 * request and context a rewrite hands to the layers below.
 */

import type { AuthenticatedUser, RequestContext, RequestOutcome } from "../compose.ts";
import { type BaseHeaders, NO_BASE_HEADERS } from "./base_headers.ts";
import { parseRequestPath, type RequestPath } from "./request_path.ts";
import { redirect } from "./respond.ts";

/**
 * Path rebuilt from decoded segments, each percent-encoded again.
 * SECURITY: never echo a raw path into Location: `//evil.example/` would be a
 * protocol-relative open redirect; rebuilt paths always start with one `/`.
 */
export function buildLocalPath(segments: readonly string[], trailingSlash: boolean): string {
  const path = "/" + segments.map(encodeURIComponent).join("/");
  return trailingSlash && segments.length > 0 ? path + "/" : path;
}

/**
 * Collapses leading slashes and backslashes of a substituted target into one
 * `/`. SECURITY: a placeholder can carry `//evil.example` (from a request for
 * `//evil.example`), which browsers would follow off-site.
 */
export function pinToSite(path: string): string {
  return path.replace(/^[/\\]+/, "/");
}

/**
 * A same-site redirect (`Cache-Control: no-cache`, no body) starting from
 * `base`, the headers every answer carries.
 */
export function createRedirect(
  location: string,
  status: number,
  base: BaseHeaders = NO_BASE_HEADERS,
): Response {
  return redirect(base, location, { status });
}

/**
 * Request and context for the layers below, re-routed to `url` (a rewrite).
 * The new context's canonical path is derived from `url` once, here; the
 * request's outcome object is shared, so what the layers below learn (the
 * answer was protected, the file it came from) reaches the layers above.
 */
export function rerouteRequest(
  request: Request,
  context: RequestContext,
  url: URL,
  options: { dropHeaders?: readonly string[] } = {},
): [Request, RequestContext] {
  const init: RequestInit = { method: request.method, headers: request.headers };
  if (options.dropHeaders !== undefined && options.dropHeaders.length > 0) {
    const headers = new Headers(request.headers);
    for (const name of options.dropHeaders) headers.delete(name);
    init.headers = headers;
  }
  if (request.body !== null) {
    init.body = request.body;
    (init as { duplex?: string }).duplex = "half";
  }
  // No `signal`: no layer reads it, and reading `request.signal` under
  // Deno.serve (berth embedded) makes Deno print a plain-text warning on
  // stderr that breaks JSON log consumers, and builds an AbortSignal for
  // nothing. Work for a client that went away is bounded by the request
  // timeout and the body's cancellation instead.
  return [new Request(url, init), new ReroutedContext(context, url)];
}

/**
 * The context of a re-routed request: its own URL and path, everything else
 * the original's. A class whose `requestId` getter asks the original, so a
 * rewrite never makes the id string the original makes only on first read
 * (a spread would evaluate the getter).
 */
class ReroutedContext implements RequestContext {
  readonly url: URL;
  readonly path: RequestPath;
  readonly outcome: RequestOutcome;
  readonly clientAddress: string;
  readonly startTime: number;
  readonly secure: boolean;
  user: AuthenticatedUser | null;
  readonly #original: RequestContext;

  constructor(original: RequestContext, url: URL) {
    this.url = url;
    this.path = parseRequestPath(url.pathname);
    this.outcome = original.outcome;
    this.clientAddress = original.clientAddress;
    this.startTime = original.startTime;
    this.secure = original.secure;
    this.user = original.user;
    this.#original = original;
  }

  get requestId(): string {
    return this.#original.requestId;
  }
}
