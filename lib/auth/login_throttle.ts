/**
 * @module
 * The always-on login throttle in front of password checks (login form and
 * HTTP Basic): attempts per address, and exponential backoff after repeated
 * failures per address and per user name. Memory is bounded: idle entries
 * are dropped and the tables have a cap.
 */

import { createTokenBuckets, rateLimitKey, type TakeResult } from "../http/token_buckets.ts";
import { createBoundedMap } from "../util/bounded_map.ts";

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
  // Policy: at most maxEntries addresses and names, each forgotten 30 min after its last
  // failure, the one that failed longest ago evicted first (a check does not renew).
  const failures = createBoundedMap<string, FailureRecord>({
    maxEntries,
    ttlMs: LOGIN_FAILURE_MEMORY_MS,
    touchOnGet: false,
    now,
  });

  function keysOf(address: string, user: string): string[] {
    return [`a:${rateLimitKey(address)}`, `u:${user.toLowerCase()}`];
  }

  return {
    admit(address, user) {
      const time = now();
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
        const record = failures.get(key) ?? { failures: 0, blockedUntilMs: 0 };
        record.failures++;
        const excess = record.failures - LOGIN_FREE_FAILURES;
        if (excess >= 0) {
          record.blockedUntilMs = time +
            Math.min(LOGIN_BACKOFF_MAX_MS, LOGIN_BACKOFF_BASE_MS * 2 ** Math.min(excess, 30));
        }
        failures.set(key, record);
      }
    },
    succeed(_address, user) {
      failures.delete(`u:${user.toLowerCase()}`);
    },
  };
}
