/**
 * @module
 * The one layer that turns errors into responses, directly under the access
 * log: an HttpError keeps its status, public message and headers; anything
 * else is logged once with the request id and answered with a generic 500
 * that reveals nothing. The pages it builds start from the base headers and
 * get the operator's header rules, so an error page carries exactly the
 * headers any other answer to the same request would.
 */

import { getLogger } from "@logtape/logtape";
import type { Middleware } from "../compose.ts";
import { HttpError } from "../errors.ts";
import { type BaseHeaders, NO_BASE_HEADERS } from "../http/base_headers.ts";
import { STATUS } from "../http/constants.ts";
import { LOG_CATEGORY } from "../log/setup.ts";
import { createErrorResponse } from "../serve/error_response.ts";
import type { HeaderRules } from "./site_headers.ts";

/** Options for {@linkcode errorBoundary}. */
export interface ErrorBoundaryOptions {
  /** The headers every error page starts from. */
  baseHeaders?: BaseHeaders;
  /** The header rules `siteHeaders` applies to other answers, applied to the pages built here. */
  headerRules?: HeaderRules;
}

/** Builds the error boundary middleware. */
export function errorBoundary(options: ErrorBoundaryOptions = {}): Middleware {
  const logger = getLogger([...LOG_CATEGORY]);
  const baseHeaders = options.baseHeaders ?? NO_BASE_HEADERS;
  const { headerRules } = options;
  return async function catchErrors(request, context, next) {
    try {
      return await next();
    } catch (error) {
      let response: Response;
      if (error instanceof HttpError) {
        response = createErrorResponse(request, error.status, error.publicMessage, {
          headers: error.headers,
          preferJson: error.preferJson,
          baseHeaders,
        });
      } else {
        // SECURITY: the message, stack and any path stay in the log only.
        logger.error("Request {requestId} failed: {error}", {
          requestId: context.requestId,
          error,
        });
        response = createErrorResponse(
          request,
          STATUS.INTERNAL_SERVER_ERROR,
          "The server could not answer this request",
          { baseHeaders },
        );
      }
      return headerRules?.active() ? headerRules.apply(response, context) : response;
    }
  };
}
