/**
 * @module
 * In-process request metrics and their Prometheus text exposition (format
 * 0.0.4): requests by method and status class, response body bytes, a
 * latency histogram, requests in flight, log lines dropped and, when the
 * file cache reports them, cache hits and misses. Label values come from
 * small fixed sets, so hostile requests cannot grow memory.
 */

/** Counters a file cache exposes (hits, misses, entries, bytes). */
export interface CacheStats {
  /** Lookups answered from memory. */
  hits: number;
  /** Lookups that went to the disk. */
  misses: number;
  /** Files held now. */
  entries: number;
  /** Bytes held now. */
  bytes: number;
}

/** Options for {@linkcode createMetricsRegistry}. */
export interface MetricsRegistryOptions {
  /** Reads the file cache's counters, when there is a cache. */
  cacheStats?: () => CacheStats;
  /** Reads how many log lines were dropped because the log output did not keep up. */
  droppedLogLines?: () => number;
  /** Labels of `berth_build_info`, e.g. version and Deno version. */
  buildInfo?: Readonly<Record<string, string>>;
}

/** The collector the metrics middleware feeds and the endpoint renders. */
export interface MetricsRegistry {
  /** Counts one request answered with `status` after `seconds` (to the response head). */
  recordResponse(method: string, status: number, seconds: number): void;
  /** Adds body bytes as they are sent. */
  addBytes(count: number): void;
  /** A request started (`+1`) or its response finished or was abandoned (`-1`). */
  addInFlight(delta: number): void;
  /** The Prometheus text exposition of every metric. */
  render(): string;
}

/** Upper bounds (seconds) of the latency histogram buckets. */
export const LATENCY_BUCKETS: readonly number[] = [
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
];

/** Methods counted under their own label; anything else is `OTHER`. */
const KNOWN_METHODS: ReadonlySet<string> = new Set([
  "GET",
  "HEAD",
  "OPTIONS",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
]);

/** The Content-Type of the exposition format. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Creates an empty registry. */
export function createMetricsRegistry(options: MetricsRegistryOptions = {}): MetricsRegistry {
  const requests = new Map<string, number>();
  const buckets = new Array<number>(LATENCY_BUCKETS.length).fill(0);
  let latencyCount = 0;
  let latencySum = 0;
  let bytes = 0;
  let inFlight = 0;
  const startedSeconds = Date.now() / 1000;

  return {
    recordResponse(method, status, seconds) {
      const label = KNOWN_METHODS.has(method) ? method : "OTHER";
      const statusClass = status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : "other";
      const key = `method="${label}",status_class="${statusClass}"`;
      requests.set(key, (requests.get(key) ?? 0) + 1);
      latencyCount++;
      latencySum += seconds;
      for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
        if (seconds <= LATENCY_BUCKETS[i]) buckets[i]++;
      }
    },
    addBytes(count) {
      bytes += count;
    },
    addInFlight(delta) {
      inFlight += delta;
    },
    render() {
      const lines: string[] = [];
      const metric = (name: string, type: string, help: string, samples: string[]) => {
        lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples);
      };
      if (options.buildInfo !== undefined) {
        const labels = Object.entries(options.buildInfo)
          .map(([name, value]) => `${name}="${escapeLabel(value)}"`).join(",");
        metric("berth_build_info", "gauge", "Build information; always 1.", [
          `berth_build_info{${labels}} 1`,
        ]);
      }
      metric(
        "berth_process_start_time_seconds",
        "gauge",
        "Start time of the process since the Unix epoch in seconds.",
        [`berth_process_start_time_seconds ${startedSeconds.toFixed(3)}`],
      );
      metric(
        "berth_http_requests_total",
        "counter",
        "HTTP requests answered, by method and status class.",
        [...requests].sort(([a], [b]) => a.localeCompare(b)).map(([labels, count]) =>
          `berth_http_requests_total{${labels}} ${count}`
        ),
      );
      metric(
        "berth_http_response_body_bytes_total",
        "counter",
        "Response body bytes handed to the connection.",
        [`berth_http_response_body_bytes_total ${bytes}`],
      );
      metric(
        "berth_http_requests_in_flight",
        "gauge",
        "Requests being answered, counted until their response body is finished or abandoned.",
        [`berth_http_requests_in_flight ${inFlight}`],
      );
      const histogram = "berth_http_request_duration_seconds";
      metric(histogram, "histogram", "Time from request arrival to the response head.", [
        ...LATENCY_BUCKETS.map((bound, i) => `${histogram}_bucket{le="${bound}"} ${buckets[i]}`),
        `${histogram}_bucket{le="+Inf"} ${latencyCount}`,
        `${histogram}_sum ${latencySum.toFixed(6)}`,
        `${histogram}_count ${latencyCount}`,
      ]);
      if (options.droppedLogLines !== undefined) {
        metric(
          "berth_log_lines_dropped_total",
          "counter",
          "Log lines dropped because the log output did not keep up.",
          [`berth_log_lines_dropped_total ${options.droppedLogLines()}`],
        );
      }
      if (options.cacheStats !== undefined) {
        const stats = options.cacheStats();
        metric("berth_cache_hits_total", "counter", "File cache hits.", [
          `berth_cache_hits_total ${stats.hits}`,
        ]);
        metric("berth_cache_misses_total", "counter", "File cache misses.", [
          `berth_cache_misses_total ${stats.misses}`,
        ]);
        metric("berth_cache_entries", "gauge", "Files held in the cache.", [
          `berth_cache_entries ${stats.entries}`,
        ]);
        metric("berth_cache_bytes", "gauge", "Bytes held in the cache.", [
          `berth_cache_bytes ${stats.bytes}`,
        ]);
      }
      return lines.join("\n") + "\n";
    },
  };
}

/** Escapes a label value (backslash, quote, newline) per the exposition format. */
function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}
