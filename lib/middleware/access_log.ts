/**
 * @module
 * Access log: one record per request (method, path, status, bytes, duration,
 * client address, request id). It is the outermost layer, so it also turns a
 * failure of any layer below into a generic 500 instead of a dropped connection.
 */

import { getLogger } from "@logtape/logtape";
import type { Middleware } from "../compose.ts";
import { HEADER, STATUS } from "../http/constants.ts";
import { ACCESS_LOG_CATEGORY, LOG_CATEGORY } from "../log/setup.ts";
import { createErrorResponse } from "../serve/error_response.ts";

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
    const durationMs = Math.round((performance.now() - context.startTime) * 100) / 100;
    const length = response.headers.get(HEADER.CONTENT_LENGTH);
    const bytes = request.method === "HEAD" || length === null ? 0 : Number(length);
    logger.info("{method} {path} {status} {bytes}B {durationMs}ms {client}", {
      method: request.method,
      path: context.url.pathname,
      status: response.status,
      bytes,
      durationMs,
      client: context.clientAddress,
      requestId: context.requestId,
      user: context.user?.name ?? null,
    });
    return response;
  };
}
