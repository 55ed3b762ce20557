/**
 * @module
 * Turns errors thrown by inner layers into responses, once: an HttpError keeps
 * its status, public message and headers; anything else is logged with the
 * request id and answered with a generic 500 that reveals nothing.
 */

import { getLogger } from "@logtape/logtape";
import type { Middleware } from "../compose.ts";
import { HttpError } from "../errors.ts";
import { STATUS } from "../http/constants.ts";
import { LOG_CATEGORY } from "../log/setup.ts";
import { createErrorResponse } from "../serve/error_response.ts";

/** Builds the error boundary middleware. */
export function errorBoundary(): Middleware {
  const logger = getLogger([...LOG_CATEGORY]);
  return async function catchErrors(request, context, next) {
    try {
      return await next();
    } catch (error) {
      if (error instanceof HttpError) {
        return createErrorResponse(request, error.status, error.publicMessage, {
          headers: error.headers,
        });
      }
      // SECURITY: the message, stack and any path stay in the log only.
      logger.error("Request {requestId} failed: {error}", { requestId: context.requestId, error });
      return createErrorResponse(
        request,
        STATUS.INTERNAL_SERVER_ERROR,
        "The server could not answer this request",
      );
    }
  };
}
