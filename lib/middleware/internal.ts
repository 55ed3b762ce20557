/**
 * @module
 * berth's own endpoints under the internal prefix (`/_berth/` by default):
 * `health` (always on, `{"status":"ok"}`, for load balancers and CI) and
 * `metrics` (Prometheus text, with `--metrics`). Other paths under the prefix
 * pass on (login and logout live there too) and end in a 404 before the
 * file core, so files under `_berth/` in the root are never served.
 */

import type { Middleware, Next, RequestContext } from "../compose.ts";
import { HttpError } from "../errors.ts";
import { type BaseHeaders, NO_BASE_HEADERS } from "../http/base_headers.ts";
import { HEADER, READ_METHODS, STATUS } from "../http/constants.ts";
import { isLoopbackAddress } from "../http/ip_address.ts";
import { respondBytes } from "../http/respond.ts";
import { METRICS_CONTENT_TYPE, type MetricsRegistry } from "../metrics/registry.ts";

/** Who may read the metrics: loopback clients, anyone, or users with a role. */
export type MetricsAccess = "loopback" | "any" | { role: string };

/** Options for {@linkcode internalEndpoints}. */
export interface InternalEndpointsOptions {
  /** The prefix, starting and ending with `/`, e.g. `/_berth/`. */
  prefix: string;
  /** The registry to render, or `null` when metrics are off. */
  metrics: MetricsRegistry | null;
  /** Who may read the metrics. */
  metricsAccess: MetricsAccess;
  /** The headers every answer starts from. */
  baseHeaders?: BaseHeaders;
}

/** Path of the health endpoint below the prefix. */
export const HEALTH_PATH = "health";
/** Path of the metrics endpoint below the prefix. */
const METRICS_PATH = "metrics";

const HEALTH_BODY = new TextEncoder().encode('{"status":"ok"}\n');

/** Builds the middleware answering the internal endpoints. */
export function internalEndpoints(options: InternalEndpointsOptions): Middleware {
  const healthPath = options.prefix + HEALTH_PATH;
  const metricsPath = options.prefix + METRICS_PATH;
  const { metrics, metricsAccess } = options;
  const base = options.baseHeaders ?? NO_BASE_HEADERS;
  return function answerInternal(request, context, next) {
    const path = context.url.pathname;
    // Most requests: two string comparisons and straight on, no extra async frame.
    if (path !== healthPath && (path !== metricsPath || metrics === null)) return next();
    return answerEndpoint(request, context, next);
  };

  async function answerEndpoint(
    request: Request,
    context: RequestContext,
    next: Next,
  ): Promise<Response> {
    const path = context.url.pathname;
    if (path === healthPath) {
      requireReadMethod(request);
      return respondBytes(base, request, {
        status: STATUS.OK,
        body: HEALTH_BODY,
        headers: {
          [HEADER.CONTENT_TYPE]: "application/json; charset=utf-8",
          [HEADER.CACHE_CONTROL]: "no-store",
        },
      });
    }
    if (path === metricsPath && metrics !== null) {
      requireReadMethod(request);
      checkMetricsAccess(context, metricsAccess);
      return respondBytes(base, request, {
        status: STATUS.OK,
        body: new TextEncoder().encode(metrics.render()),
        headers: {
          [HEADER.CONTENT_TYPE]: METRICS_CONTENT_TYPE,
          [HEADER.CACHE_CONTROL]: "no-store",
        },
      });
    }
    return await next();
  }
}

function requireReadMethod(request: Request): void {
  if (READ_METHODS.has(request.method)) return;
  throw new HttpError(STATUS.METHOD_NOT_ALLOWED, `Method ${request.method} is not allowed here`, {
    headers: { [HEADER.ALLOW]: "GET, HEAD" },
  });
}

/**
 * SECURITY: metrics reveal traffic patterns; by default only clients on this
 * machine may read them. A role needs an authentication layer that runs
 * before this one and sets `context.user`.
 */
function checkMetricsAccess(context: RequestContext, access: MetricsAccess): void {
  if (access === "any") return;
  if (access === "loopback") {
    if (isLoopbackAddress(context.clientAddress)) return;
    throw new HttpError(STATUS.FORBIDDEN, "Metrics are only served to clients on this machine");
  }
  if (context.user === null) {
    throw new HttpError(STATUS.UNAUTHORIZED, "Sign in to read the metrics");
  }
  if (!context.user.roles.includes(access.role)) {
    throw new HttpError(STATUS.FORBIDDEN, "Your account may not read the metrics");
  }
}
