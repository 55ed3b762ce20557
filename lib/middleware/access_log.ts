/**
 * @module
 * Access log: one record per request (method, path, status, bytes, duration,
 * client address, request id), written when the response has been sent or
 * cut off: bytes are those actually sent, and `aborted: true` marks a
 * response that did not complete. It is the outermost layer, so it also turns a
 * failure of any layer below into a generic 500 instead of a dropped connection.
 */

import { getLogger } from "@logtape/logtape";
import type { Middleware } from "../compose.ts";
import { HEADER, STATUS } from "../http/constants.ts";
import { ACCESS_LOG_CATEGORY, LOG_CATEGORY } from "../log/setup.ts";
import { createErrorResponse } from "../serve/error_response.ts";
import { onDelivered } from "../transport/delivery.ts";

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
  const errorLogger = getLogger([...LOG_CATEGORY]);
  const skipPaths = new Set(options.skipPaths ?? []);
  return async function logAccess(request, context, next) {
    let response: Response;
    try {
      response = await next();
    } catch (error) {
      errorLogger.error("Unhandled error in request {requestId}: {error}", {
        requestId: context.requestId,
        error,
      });
      response = createErrorResponse(
        request,
        STATUS.INTERNAL_SERVER_ERROR,
        "The server could not answer this request",
      );
    }
    // With access logs off (`--quiet`), skip building the record at all.
    if (skipPaths.has(context.url.pathname) || !logger.isEnabledFor("info")) return response;
    const record = (status: number, bytes: number, aborted: boolean) =>
      logger.info("{method} {path} {status} {bytes}B {durationMs}ms {client}", {
        method: request.method,
        path: context.url.pathname,
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
  };
}
