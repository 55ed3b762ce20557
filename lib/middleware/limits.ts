/**
 * @module
 * Request limits checked before any other work: URL length, a request path
 * that decodes (and a valid Host), header count and header bytes, and a deadline for producing the response head. Each
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
  const deadlines = options.requestTimeoutMs > 0
    ? createDeadlineTracker(options.requestTimeoutMs)
    : null;
  return function enforceLimits(request, context, next) {
    const target = context.url.pathname.length + context.url.search.length;
    if (target > options.maxUrlLength) {
      return Promise.reject(
        new HttpError(
          STATUS.URI_TOO_LONG,
          `The request URL is longer than ${options.maxUrlLength} bytes`,
        ),
      );
    }
    // The one place an undecodable path or a bad Host is answered (400).
    if (!context.path.ok) {
      return Promise.reject(new HttpError(STATUS.BAD_REQUEST, context.path.message));
    }
    let count = 0;
    let bytes = 0;
    // forEach, not for..of: Deno's Headers iterator costs ~20 µs a request here.
    request.headers.forEach((value, name) => {
      count++;
      bytes += name.length + value.length;
    });
    if (count > options.maxHeaderCount || bytes > options.maxHeaderBytes) {
      return Promise.reject(
        new HttpError(
          STATUS.REQUEST_HEADER_FIELDS_TOO_LARGE,
          `The request headers exceed ${options.maxHeaderCount} fields or ${options.maxHeaderBytes} bytes`,
        ),
      );
    }
    let work: Promise<Response>;
    try {
      work = next();
    } catch (error) {
      return Promise.reject(error);
    }
    return deadlines === null ? work : deadlines.track(work, context.startTime);
  };
}

/** One response still being produced, in the order requests arrived. */
interface PendingResponse {
  /** `performance.now()` after which the request is answered with 503. */
  readonly deadline: number;
  /** Fails the request with 503 (called once, by the sweep). */
  readonly expire: () => void;
}

/**
 * Watches the deadlines of in-flight requests with ONE coarse timer instead
 * of a timer per request (setTimeout/clearTimeout per request cost more than
 * answering a cached file). The timer ticks every tenth of the timeout
 * (10 ms..1 s), so a late request gets its 503 within `timeoutMs` plus one
 * tick. It keeps the process alive only while requests are pending (ref and
 * unref are cheap; creating timers is not).
 */
function createDeadlineTracker(timeoutMs: number) {
  const tickMs = Math.min(1000, Math.max(10, Math.ceil(timeoutMs / 10)));
  // A Set iterates in insertion order, and every entry has the same timeout,
  // so deadlines ascend: a sweep stops at the first one still in time.
  const pending = new Set<PendingResponse>();
  let timer: ReturnType<typeof setTimeout> | undefined;

  function sweep(): void {
    timer = undefined;
    const now = performance.now();
    for (const entry of pending) {
      if (entry.deadline > now) break;
      pending.delete(entry);
      entry.expire();
    }
    if (pending.size > 0) timer = setTimeout(sweep, tickMs);
  }

  /** Removes `entry`; false when its deadline already answered the request. */
  function settle(entry: PendingResponse): boolean {
    if (!pending.delete(entry)) return false;
    if (pending.size === 0 && timer !== undefined) Deno.unrefTimer(timer);
    return true;
  }

  return {
    /**
     * Resolves with `work`, or fails with 503 once `startTime + timeoutMs`
     * has passed. A response that arrives after that has its body cancelled,
     * so an open file behind it is closed.
     */
    track(work: Promise<Response>, startTime: number): Promise<Response> {
      return new Promise<Response>((resolve, reject) => {
        const entry: PendingResponse = {
          deadline: startTime + timeoutMs,
          expire: () =>
            reject(new HttpError(STATUS.SERVICE_UNAVAILABLE, "The server took too long to answer")),
        };
        pending.add(entry);
        if (timer === undefined) timer = setTimeout(sweep, tickMs);
        else if (pending.size === 1) Deno.refTimer(timer);
        work.then((response) => {
          if (settle(entry)) resolve(response);
          else response.body?.cancel().catch(() => {});
        }, (error) => {
          if (settle(entry)) reject(error);
        });
      });
    },
  };
}
