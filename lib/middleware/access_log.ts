/**
 * @module
 * Access log: one record per request (method, path, status, bytes, duration,
 * client address, request id, user), written when the response has been sent
 * or cut off: bytes are those actually sent, and `aborted: true` marks a
 * response that did not complete. The error boundary sits directly under it,
 * so every request it sees ends in a response (errors included) and it logs
 * that response's status. Under berth's own logging the line is built and
 * batched by lib/log (access_line.ts, line_batcher.ts); embedded in another
 * application it is a logtape record of the `berth.access` category.
 */

import { getLogger } from "@logtape/logtape";
import type { Middleware, Next, RequestContext } from "../compose.ts";
import { HEADER } from "../http/constants.ts";
import type { AccessRecord } from "../log/access_line.ts";
import { ACCESS_LOG_CATEGORY, type AccessLogOutput, accessLogOutput } from "../log/setup.ts";
import { type Delivery, onDelivered } from "../transport/delivery.ts";

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
  // The host application's logtape configuration decides where records go.
  const viaLogtape: AccessLogOutput = {
    write: ({ aborted, ...fields }) =>
      logger.info("{method} {path} {status} {bytes}B {durationMs}ms {client}", {
        ...fields,
        ...(aborted ? { aborted: true } : {}),
      }),
  };
  const skipPaths = new Set(options.skipPaths ?? []);
  return function logAccess(request, context, next) {
    // Looked up per request: logging may be set up after the app is built.
    const output = accessLogOutput();
    // With access logs off (`--quiet`): no record and no extra async frame.
    if (output === null || skipPaths.has(context.url.pathname)) return next();
    if (output === undefined && !logger.isEnabledFor("info")) return next();
    return logAnswer(request, context, next, output ?? viaLogtape);
  };
}

async function logAnswer(
  request: Request,
  context: RequestContext,
  next: Next,
  output: AccessLogOutput,
): Promise<Response> {
  const response = await next();
  // berth's own transport reports what was really sent once the body is
  // done (or cut off); embedded in another server, the announced length is
  // all there is.
  const watched = onDelivered(
    request,
    (delivery) => output.write(toAccessRecord(request, context, delivery)),
  );
  if (!watched) {
    const length = response.headers.get(HEADER.CONTENT_LENGTH);
    output.write(toAccessRecord(request, context, {
      status: response.status,
      bytes: request.method === "HEAD" || length === null ? 0 : Number(length),
      completed: true,
    }));
  }
  return response;
}

/** The record of `request` answered as `delivery` says, timed up to now. */
function toAccessRecord(
  request: Request,
  context: RequestContext,
  delivery: Delivery,
): AccessRecord {
  return {
    method: request.method,
    path: context.url.pathname,
    status: delivery.status,
    bytes: delivery.bytes,
    durationMs: Math.round((performance.now() - context.startTime) * 100) / 100,
    client: context.clientAddress,
    requestId: context.requestId,
    user: context.user?.name ?? null,
    aborted: !delivery.completed,
  };
}
