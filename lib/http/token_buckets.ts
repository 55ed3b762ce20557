/**
 * @module
 * Token buckets keyed by client, and the key a client is limited by. Shared
 * by the request rate limit (middleware/rate_limit.ts) and the login
 * throttle (auth/login_throttle.ts), so neither layer imports the other.
 * Memory is bounded: idle buckets are dropped and the table has a cap.
 */

import { formatIpAddress, parseIpAddress } from "./ip_address.ts";
import { createBoundedMap } from "../util/bounded_map.ts";

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
  // Policy: at most maxEntries buckets, each until idle long enough to be full again, least
  // recently used evicted (every take() sets its bucket again).
  const buckets = createBoundedMap<string, Bucket>({
    maxEntries: options.maxEntries,
    touchOnGet: false,
    now,
  });

  return {
    take(key) {
      const time = now();
      const bucket = buckets.get(key);
      let tokens = options.burst;
      if (bucket !== undefined) {
        tokens = Math.min(options.burst, bucket.tokens + (time - bucket.updatedMs) * perMs);
      }
      if (tokens < 1) {
        buckets.set(key, { tokens, updatedMs: time }, time + refillMs);
        return {
          ok: false,
          retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)),
        };
      }
      buckets.set(key, { tokens: tokens - 1, updatedMs: time }, time + refillMs);
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
