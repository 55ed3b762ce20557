/**
 * @module
 * Turns the bench's measurements into its tables: one ratio table (every
 * server's median per scenario, as a ratio to nginx), and, with a baseline
 * checkout, the change of each berth variant against the same variant of the
 * baseline.
 */

import type { Measurement } from "./wrk.ts";

/** Measurements by scenario name, then by server name (one per round). */
export type Results = Map<string, Map<string, Measurement[]>>;

/** Adds one measurement to `results`. */
export function record(
  results: Results,
  scenario: string,
  server: string,
  measurement: Measurement,
): void {
  const byServer = results.get(scenario) ?? new Map<string, Measurement[]>();
  results.set(scenario, byServer);
  byServer.set(server, [...(byServer.get(server) ?? []), measurement]);
}

/** The median of `values` (the lower middle for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** Formats `value` with thousands separators and `digits` decimals. */
export function formatNumber(value: number, digits = 0): string {
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** The figure a scenario is judged by: MB/s for the 10 MB file, req/s otherwise. */
function throughputOf(scenario: string, measurement: Measurement): number {
  return scenario === "10m" ? measurement.megabytesPerSecond : measurement.requestsPerSecond;
}

/** The median throughput of `server` in `scenario`, or undefined when it was not measured. */
export function medianThroughput(
  results: Results,
  scenario: string,
  server: string,
): number | undefined {
  const list = results.get(scenario)?.get(server);
  if (list === undefined || list.length === 0) return undefined;
  return median(list.map((m) => throughputOf(scenario, m)));
}

/** The ratio table: rows are scenarios, cells "median (×nginx)". */
export function ratioTable(
  results: Results,
  scenarios: readonly string[],
  servers: readonly string[],
): string {
  const lines = [
    `| scenario | ${servers.join(" | ")} |`,
    `|---|${servers.map(() => "---:|").join("")}`,
  ];
  for (const scenario of scenarios) {
    const nginx = medianThroughput(results, scenario, "nginx");
    const cells = servers.map((server) => {
      const value = medianThroughput(results, scenario, server);
      if (value === undefined) return "-";
      const shown = formatNumber(value, scenario === "10m" ? 1 : 0);
      if (server === "nginx" || nginx === undefined || nginx === 0) return shown;
      return `${shown} (${(value / nginx).toFixed(2)})`;
    });
    lines.push(`| ${scenario}${scenario === "10m" ? " (MB/s)" : ""} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n") + "\n";
}

/** Each pair's change, `after / before` of the medians, per scenario. */
export function changeTable(
  results: Results,
  scenarios: readonly string[],
  pairs: readonly { label: string; after: string; before: string }[],
): string {
  const lines = [
    `| scenario | ${pairs.map((pair) => pair.label).join(" | ")} |`,
    `|---|${pairs.map(() => "---:|").join("")}`,
  ];
  for (const scenario of scenarios) {
    const cells = pairs.map((pair) => {
      const after = medianThroughput(results, scenario, pair.after);
      const before = medianThroughput(results, scenario, pair.before);
      return after === undefined || before === undefined || before === 0
        ? "-"
        : (after / before).toFixed(2);
    });
    lines.push(`| ${scenario} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n") + "\n";
}
