/**
 * @module
 * The resource settings: the memory cache, compression, request and
 * connection limits, and the per-client rate limit. Declarations only;
 * `schema.ts` puts them into the settings.
 */

import * as v from "valibot";
import { integerBetween, MAX_TIMER_MS } from "./value_schemas.ts";

/** The `cache` group: the hot-file memory cache. */
export const CACHE_SCHEMA = v.pipe(
  v.optional(
    v.strictObject({
      enabled: v.pipe(
        v.optional(v.boolean(), true),
        v.description("Keep small files, their headers and encoded variants in memory"),
      ),
      maxFileBytes: v.pipe(
        v.optional(integerBetween(0, 1_073_741_824), 1_048_576),
        v.description("Largest file kept in the memory cache, in bytes"),
      ),
      maxTotalBytes: v.pipe(
        v.optional(integerBetween(0, 68_719_476_736), 67_108_864),
        v.description("Memory the cache may hold in total, in bytes (per worker)"),
      ),
      watch: v.pipe(
        v.optional(v.boolean(), true),
        v.description(
          "Watch the root so a listing drops when a listed file changes in place (hits are always checked with stat)",
        ),
      ),
    }),
    {},
  ),
  v.description("Hot-file memory cache"),
);

/** The `compress` group: response compression. */
export const COMPRESS_SCHEMA = v.pipe(
  v.optional(
    v.strictObject({
      enabled: v.pipe(
        v.optional(v.boolean(), true),
        v.description(
          "Send compressible files gzip/brotli/zstd encoded when the client accepts it",
        ),
      ),
      precompressed: v.pipe(
        v.optional(v.boolean(), true),
        v.description("Serve .br, .zst and .gz siblings (app.js.br) when present"),
      ),
      onTheFly: v.pipe(
        v.optional(v.boolean(), true),
        v.description("Compress files that have no sibling (results are cached)"),
      ),
      minBytes: v.pipe(
        v.optional(integerBetween(0, 1_073_741_824), 1024),
        v.description("Smallest file compressed on the fly, in bytes"),
      ),
      gzipLevel: v.pipe(
        v.optional(integerBetween(1, 9), 6),
        v.description("gzip level for on-the-fly compression (1 fastest .. 9 smallest)"),
      ),
      brotliLevel: v.pipe(
        v.optional(integerBetween(0, 11), 5),
        v.description("Brotli quality for on-the-fly compression (0 fastest .. 11 smallest)"),
      ),
    }),
    {},
  ),
  v.description("Response compression"),
);

/** The `limits` group: request, connection and stream limits and timeouts. */
export const LIMITS_SCHEMA = v.pipe(
  v.optional(
    v.strictObject({
      maxUrlLength: v.pipe(
        v.optional(integerBetween(64, 1_048_576), 8192),
        v.description("Longest request URL accepted, in bytes (414 above it)"),
      ),
      maxHeaderBytes: v.pipe(
        v.optional(integerBetween(1024, 1_048_576), 16384),
        v.description("Largest total size of the request headers, in bytes (431 above it)"),
      ),
      maxHeaderCount: v.pipe(
        v.optional(integerBetween(8, 10_000), 100),
        v.description("Most request header fields accepted (431 above it)"),
      ),
      requestTimeoutMs: v.pipe(
        v.optional(integerBetween(100, MAX_TIMER_MS), 30000),
        v.description(
          "Milliseconds allowed to receive a whole request, head and body (408 after it), and to start its answer (503)",
        ),
      ),
      headerTimeoutMs: v.pipe(
        v.optional(integerBetween(100, MAX_TIMER_MS), 10000),
        v.description(
          "Milliseconds a new connection may take to send a complete request head (408, then closed)",
        ),
      ),
      idleTimeoutMs: v.pipe(
        v.optional(integerBetween(100, MAX_TIMER_MS), 10000),
        v.description("Milliseconds a kept-alive connection may wait for its next request"),
      ),
      sendTimeoutMs: v.pipe(
        v.optional(integerBetween(100, MAX_TIMER_MS), 30000),
        v.description(
          "Milliseconds a client may take no response bytes before it is cut off (its file closes)",
        ),
      ),
      streamIdleTimeoutMs: v.pipe(
        v.optional(integerBetween(100, MAX_TIMER_MS), 30000),
        v.description("Milliseconds an HTTP/2 stream may go without a frame before it is reset"),
      ),
      maxConcurrentStreams: v.pipe(
        v.optional(integerBetween(1, 1000), 32),
        v.description("Most concurrent HTTP/2 streams per connection"),
      ),
      maxConnections: v.pipe(
        v.optional(integerBetween(0, 1_000_000), 0),
        v.description(
          "Most open connections (0: derived from the descriptor limit, see the startup log)",
        ),
      ),
      maxConnectionsPerClient: v.pipe(
        v.optional(integerBetween(0, 1_000_000), 0),
        v.description(
          "Most open connections from one client address (0: a quarter of maxConnections, 8..256)",
        ),
      ),
      maxOpenResponses: v.pipe(
        v.optional(integerBetween(0, 1_000_000), 0),
        v.description(
          "Most responses being sent at once, each may hold an open file (0: derived from the descriptor limit; 503 above it)",
        ),
      ),
    }),
    {},
  ),
  v.description("Request limits"),
);

/** The `rateLimit` group: a token bucket per client address. */
export const RATE_LIMIT_SCHEMA = v.pipe(
  v.optional(
    v.strictObject({
      requestsPerSecond: v.pipe(
        v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1_000_000)), 0),
        v.description("Requests per second allowed per client address (0 turns it off)"),
      ),
      burst: v.pipe(
        v.optional(integerBetween(1, 1_000_000), 100),
        v.description("Requests a client may make at once before the rate applies"),
      ),
      maxClients: v.pipe(
        v.optional(integerBetween(100, 10_000_000), 100_000),
        v.description("Most client addresses tracked at once (bounds memory)"),
      ),
    }),
    {},
  ),
  v.description("Per-client rate limit (login attempts are always limited)"),
);
