/**
 * @module
 * Rate limiting: a token bucket per client address for all requests
 * (optional), and the always-on login throttle (attempts per address, and
 * exponential backoff after repeated failures per address and per user name).
 * Memory is bounded: idle entries are dropped and the tables have a cap.
 */

import type { Middleware } from "../compose.ts";
import { HttpError } from "../errors.ts";
import { HEADER, STATUS } from "../http/constants.ts";
import { formatIpAddress, parseIpAddress } from "../http/ip_address.ts";
import { writeAuditEvent } from "../log/audit.ts";

/** Options for {@linkcode createTokenBuckets}. */
export interface TokenBucketOptions {
  /** Tokens added per second. */
  ratePerSecond: number;
  /** Bucket size: requests allowed at once. */
  burst: number;
  /** Most keys tracked; the least recently used is dropped beyond it. */
  maxEntries: number;
  /** Clock in ms (tests pass their own). */
  now?: () => number;
}

/** The outcome of taking a token. */
export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

/** Token buckets keyed by client. */
export interface TokenBuckets {
  /** Takes one token for `key`; says how long to wait when there is none. */
  take(key: string): TakeResult;
  /** Number of keys tracked (for tests of the memory bound). */
  readonly size: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/**
 * Creates token buckets. A bucket idle long enough to be full again is the
 * same as no bucket, so it is dropped; that keeps the table small without
 * losing state that matters.
 */
export function createTokenBuckets(options: TokenBucketOptions): TokenBuckets {
  const now = options.now ?? Date.now;
  const perMs = options.ratePerSecond / 1000;
  const refillMs = options.burst / perMs;
  const buckets = new Map<string, Bucket>();

  function sweep(time: number): void {
    // Map order is least recently used first: stop at the first live bucket.
    for (const [key, bucket] of buckets) {
      if (time - bucket.updatedMs < refillMs && buckets.size <= options.maxEntries) break;
      buckets.delete(key);
    }
  }

  return {
    take(key) {
      const time = now();
      sweep(time);
      const bucket = buckets.get(key);
      let tokens = options.burst;
      if (bucket !== undefined) {
        tokens = Math.min(options.burst, bucket.tokens + (time - bucket.updatedMs) * perMs);
        buckets.delete(key);
      }
      if (tokens < 1) {
        buckets.set(key, { tokens, updatedMs: time });
        return {
          ok: false,
          retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)),
        };
      }
      buckets.set(key, { tokens: tokens - 1, updatedMs: time });
      if (buckets.size > options.maxEntries) sweep(time);
      return { ok: true };
    },
    get size() {
      return buckets.size;
    },
  };
}

/**
 * The key a client is limited by (requests and login attempts): its IPv4
 * address, or the /64 prefix of an IPv6 address. An IPv4-mapped address
 * (`::ffff:1.2.3.4`) is keyed as the IPv4 client it is, never as the shared
 * `::ffff:0:0` prefix. SECURITY: one IPv6 host usually controls a whole /64
 * (SLAAC, privacy addresses; providers assign /64 or larger), so limiting
 * single addresses would let it rotate past the limit; the price is that
 * hosts sharing a /64 share a budget.
 */
export function rateLimitKey(address: string): string {
  // PERF: IPv4 (the common case) is already canonical: no parsing.
  if (!address.includes(":")) return address;
  const bytes = parseIpAddress(address);
  if (bytes === null) return address;
  if (bytes.length === 4) return formatIpAddress(bytes);
  return `${formatIpAddress([...bytes.slice(0, 8), 0, 0, 0, 0, 0, 0, 0, 0])}/64`;
}

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

/** Login attempts per address allowed at once; they refill at {@linkcode LOGIN_ATTEMPTS_PER_MINUTE}. */
export const LOGIN_BURST = 10;
/** Login attempts per address per minute once the burst is spent. */
export const LOGIN_ATTEMPTS_PER_MINUTE = 10;
/** Failures per address or user name before backoff starts. */
export const LOGIN_FREE_FAILURES = 5;
/** First backoff delay; it doubles with every further failure. */
const LOGIN_BACKOFF_BASE_MS = 1000;
/** Longest backoff delay. */
const LOGIN_BACKOFF_MAX_MS = 15 * 60 * 1000;
/** Failures are forgotten after this long without one. */
const LOGIN_FAILURE_MEMORY_MS = 30 * 60 * 1000;
/** Most addresses and user names tracked by the login throttle. */
const LOGIN_MAX_ENTRIES = 50_000;

/** Options for {@linkcode createLoginThrottle}. */
export interface LoginThrottleOptions {
  /** Clock in ms (tests). */
  now?: () => number;
  /** Most entries per table. */
  maxEntries?: number;
}

/** The always-on limits in front of password checks (login form and HTTP Basic). */
export interface LoginThrottle {
  /**
   * Call before checking a password: counts an attempt for the address and
   * says whether the address or the user name is currently backing off.
   */
  admit(address: string, user: string): TakeResult;
  /** Records a failed attempt: past the free failures, each one doubles the wait. */
  fail(address: string, user: string): void;
  /** Records a success: the user name's failures are forgotten. */
  succeed(address: string, user: string): void;
}

interface FailureRecord {
  failures: number;
  blockedUntilMs: number;
  lastFailureMs: number;
}

/**
 * Creates the login throttle.
 * SECURITY: the per-user backoff lets anyone slow down logins for a known
 * user name (at most {@linkcode LOGIN_BACKOFF_MAX_MS} at a time); that is the
 * price of stopping password guessing spread over many addresses.
 */
export function createLoginThrottle(options: LoginThrottleOptions = {}): LoginThrottle {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? LOGIN_MAX_ENTRIES;
  const attempts = createTokenBuckets({
    ratePerSecond: LOGIN_ATTEMPTS_PER_MINUTE / 60,
    burst: LOGIN_BURST,
    maxEntries,
    now,
  });
  const failures = new Map<string, FailureRecord>();

  function keysOf(address: string, user: string): string[] {
    return [`a:${rateLimitKey(address)}`, `u:${user.toLowerCase()}`];
  }

  function sweep(time: number): void {
    for (const [key, record] of failures) {
      if (time - record.lastFailureMs < LOGIN_FAILURE_MEMORY_MS && failures.size <= maxEntries) {
        break;
      }
      failures.delete(key);
    }
  }

  return {
    admit(address, user) {
      const time = now();
      sweep(time);
      let waitMs = 0;
      for (const key of keysOf(address, user)) {
        const record = failures.get(key);
        if (record !== undefined) waitMs = Math.max(waitMs, record.blockedUntilMs - time);
      }
      if (waitMs > 0) return { ok: false, retryAfterSeconds: Math.ceil(waitMs / 1000) };
      return attempts.take(rateLimitKey(address));
    },
    fail(address, user) {
      const time = now();
      for (const key of keysOf(address, user)) {
        const record = failures.get(key) ?? { failures: 0, blockedUntilMs: 0, lastFailureMs: time };
        failures.delete(key);
        record.failures++;
        record.lastFailureMs = time;
        const excess = record.failures - LOGIN_FREE_FAILURES;
        if (excess >= 0) {
          record.blockedUntilMs = time +
            Math.min(LOGIN_BACKOFF_MAX_MS, LOGIN_BACKOFF_BASE_MS * 2 ** Math.min(excess, 30));
        }
        failures.set(key, record);
      }
      if (failures.size > maxEntries) sweep(time);
    },
    succeed(_address, user) {
      failures.delete(`u:${user.toLowerCase()}`);
    },
  };
}
