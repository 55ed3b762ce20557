import assert from "node:assert/strict";
import { createMetricsRegistry, LATENCY_BUCKETS } from "../../lib/metrics/registry.ts";
import { isLoopbackAddress } from "../../lib/http/ip_address.ts";

Deno.test("createMetricsRegistry() renders cumulative buckets and bounded labels", () => {
  const registry = createMetricsRegistry({
    buildInfo: { version: '1.0"x', deno: "2.9.6" },
    cacheStats: () => ({ hits: 5, misses: 2, entries: 3, bytes: 4096 }),
    droppedLogLines: () => 12,
  });
  registry.recordResponse("GET", 200, 0.0004);
  registry.recordResponse("GET", 304, 0.02);
  registry.recordResponse("BREW", 405, 3);
  registry.recordResponse("GET", 999, 20);
  registry.addBytes(100);
  registry.addInFlight(2);
  registry.addInFlight(-1);
  const text = registry.render();
  assert.match(text, /^berth_build_info\{version="1\.0\\"x",deno="2\.9\.6"\} 1$/m);
  assert.match(text, /^berth_http_requests_total\{method="GET",status_class="2xx"\} 1$/m);
  assert.match(text, /^berth_http_requests_total\{method="GET",status_class="3xx"\} 1$/m);
  assert.match(text, /^berth_http_requests_total\{method="OTHER",status_class="4xx"\} 1$/m);
  assert.match(text, /^berth_http_requests_total\{method="GET",status_class="other"\} 1$/m);
  assert.match(text, /^berth_http_response_body_bytes_total 100$/m);
  assert.match(text, /^berth_http_requests_in_flight 1$/m);
  assert.match(text, /^berth_cache_hits_total 5$/m);
  assert.match(text, /^berth_cache_misses_total 2$/m);
  assert.match(text, /^berth_cache_bytes 4096$/m);
  assert.match(text, /^# TYPE berth_log_lines_dropped_total counter$/m);
  assert.match(text, /^berth_log_lines_dropped_total 12$/m);
  const counts = LATENCY_BUCKETS.map((bound) =>
    Number(text.match(new RegExp(`_bucket\\{le="${bound}"\\} (\\d+)`))?.[1])
  );
  assert.equal(counts[0], 1, "0.0004 s falls in the first bucket");
  assert.deepEqual([...counts].sort((a, b) => a - b), counts, "buckets are cumulative");
  assert.equal(counts.at(-1), 3, "20 s only counts in +Inf");
  assert.match(text, /_bucket\{le="\+Inf"\} 4$/m);
  assert.match(text, /^berth_http_request_duration_seconds_count 4$/m);
  assert.ok(text.endsWith("\n"));
});

Deno.test("isLoopbackAddress() accepts only loopback forms", () => {
  for (const address of ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"]) {
    assert.ok(isLoopbackAddress(address), address);
  }
  for (
    const address of ["10.0.0.1", "::", "0.0.0.0", "::ffff:10.0.0.1", "128.0.0.1", "localhost"]
  ) {
    assert.ok(!isLoopbackAddress(address), address);
  }
});
