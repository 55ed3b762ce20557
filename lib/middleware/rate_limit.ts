/**
 * @module
 * The optional request rate limit: a token bucket per client address for all
 * requests, answered with 429 and `Retry-After` once it is empty. The login
 * throttle is in auth/login_throttle.ts; both use http/token_buckets.ts.
 */

import type { Middleware } from "../compose.ts";
import { HttpError } from "../errors.ts";
import { HEADER, STATUS } from "../http/constants.ts";
import { createTokenBuckets, rateLimitKey } from "../http/token_buckets.ts";
import { writeAuditEvent } from "../log/audit.ts";

/** Options for {@linkcode rateLimit}. */
export interface RateLimitOptions {
  /** Requests per second per client. */
  requestsPerSecond: number;
  /** Requests a client may make at once. */
  burst: number;
  /** Most clients tracked. */
  maxClients: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

/** Builds the per-client rate limit: 429 with `Retry-After` once a bucket is empty. */
export function rateLimit(options: RateLimitOptions): Middleware {
  const buckets = createTokenBuckets({
    ratePerSecond: options.requestsPerSecond,
    burst: options.burst,
    maxEntries: options.maxClients,
    now: options.now,
  });
  return function limitRate(_request, context, next) {
    const result = buckets.take(rateLimitKey(context.clientAddress));
    if (result.ok) return next();
    return refuse(context.clientAddress, result.retryAfterSeconds);
  };
}

/** Audits a refused request; its 429 is a rejection, as from any other layer. */
function refuse(address: string, retryAfterSeconds: number): Promise<never> {
  writeAuditEvent({ event: "rate-limited", scope: "request", address });
  return Promise.reject(
    tooManyRequests(retryAfterSeconds, "Too many requests from this address"),
  );
}

/** A 429 HttpError with `Retry-After` in whole seconds (RFC 9110 §10.2.3). */
export function tooManyRequests(retryAfterSeconds: number, message: string): HttpError {
  return new HttpError(STATUS.TOO_MANY_REQUESTS, `${message}; retry in ${retryAfterSeconds} s`, {
    headers: { [HEADER.RETRY_AFTER]: String(retryAfterSeconds) },
  });
}
