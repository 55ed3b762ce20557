/**
 * @module
 * Access log: one record per request (method, path, status, bytes, duration,
 * client address, request id), written when the response has been sent or
 * cut off: bytes are those actually sent, and `aborted: true` marks a
 * response that did not complete. The error boundary sits directly under it,
 * so every request it sees ends in a response (errors included) and it logs
 * that response's status.
 */

import { getLogger } from "@logtape/logtape";
import type { Middleware, Next, RequestContext } from "../compose.ts";
import { HEADER } from "../http/constants.ts";
import { ACCESS_LOG_CATEGORY } from "../log/setup.ts";
import { onDelivered } from "../transport/delivery.ts";
import { publicPath } from "../http/local_redirect.ts";

/** Options for {@linkcode accessLog}. */
export interface AccessLogOptions {
  /** Paths never logged (e.g. the health endpoint polled by orchestrators). */
  skipPaths?: readonly string[];
}

/**
 * Builds the access-log middleware.
 * SECURITY: records carry the path without its query string and no header
 * values, so tokens, cookies and credentials never reach the log.
 */
export function accessLog(options: AccessLogOptions = {}): Middleware {
  const logger = getLogger([...ACCESS_LOG_CATEGORY]);
  const skipPaths = new Set(options.skipPaths ?? []);
  return function logAccess(request, context, next) {
    // With access logs off (`--quiet`): no record and no extra async frame.
    if (skipPaths.has(context.url.pathname) || !logger.isEnabledFor("info")) return next();
    return logAnswer(request, context, next);
  };

  async function logAnswer(
    request: Request,
    context: RequestContext,
    next: Next,
  ): Promise<Response> {
    const response = await next();
    const record = (status: number, bytes: number, aborted: boolean) =>
      logger.info("{method} {path} {status} {bytes}B {durationMs}ms {client}", {
        method: request.method,
        // As the client asked: with a mount's base path.
        path: publicPath(context, context.url.pathname),
        status,
        bytes,
        durationMs: Math.round((performance.now() - context.startTime) * 100) / 100,
        client: context.clientAddress,
        requestId: context.requestId,
        user: context.user?.name ?? null,
        ...(aborted ? { aborted: true } : {}),
      });
    // berth's own transport reports what was really sent once the body is
    // done (or cut off); embedded in another server, the announced length is
    // all there is.
    const watched = onDelivered(
      request,
      (delivery) => record(delivery.status, delivery.bytes, !delivery.completed),
    );
    if (!watched) {
      const length = response.headers.get(HEADER.CONTENT_LENGTH);
      record(
        response.status,
        request.method === "HEAD" || length === null ? 0 : Number(length),
        false,
      );
    }
    return response;
  }
}
