/**
 * @module
 * Request limits checked before any other work: URL length, header count and
 * header bytes, and a deadline for producing the response head. Each
 * violation is a clear 4xx/5xx, never a hang.
 */

import type { Middleware } from "../compose.ts";
import { HttpError } from "../errors.ts";
import { STATUS } from "../http/constants.ts";

/** Options for {@linkcode limits}. */
export interface LimitsOptions {
  /** Longest request target accepted, in bytes. */
  maxUrlLength: number;
  /** Most header bytes (names + values) accepted. */
  maxHeaderBytes: number;
  /** Most header fields accepted. */
  maxHeaderCount: number;
  /** Time allowed to produce the response head, in ms (0 disables). */
  requestTimeoutMs: number;
}

/** Builds the limits middleware. */
export function limits(options: LimitsOptions): Middleware {
  return async function enforceLimits(request, context, next) {
    const target = context.url.pathname.length + context.url.search.length;
    if (target > options.maxUrlLength) {
      throw new HttpError(
        STATUS.URI_TOO_LONG,
        `The request URL is longer than ${options.maxUrlLength} bytes`,
      );
    }
    let count = 0;
    let bytes = 0;
    for (const [name, value] of request.headers) {
      count++;
      bytes += name.length + value.length;
    }
    if (count > options.maxHeaderCount || bytes > options.maxHeaderBytes) {
      throw new HttpError(
        STATUS.REQUEST_HEADER_FIELDS_TOO_LARGE,
        `The request headers exceed ${options.maxHeaderCount} fields or ${options.maxHeaderBytes} bytes`,
      );
    }
    if (options.requestTimeoutMs <= 0) return await next();
    return await withDeadline(next(), options.requestTimeoutMs);
  };
}

/**
 * Resolves with `work`, or fails with 503 if it takes longer than `timeoutMs`.
 * A response that arrives after the deadline has its body cancelled, so an
 * open file behind it is closed.
 */
async function withDeadline(work: Promise<Response>, timeoutMs: number): Promise<Response> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new HttpError(STATUS.SERVICE_UNAVAILABLE, "The server took too long to answer"));
    }, timeoutMs);
  });
  work.then((late) => {
    if (timedOut) late.body?.cancel().catch(() => {});
  }, () => {});
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
