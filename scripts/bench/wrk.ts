/**
 * @module
 * Runs `wrk` (pinned to a CPU when asked) and reads its report: requests per
 * second, transfer rate, p99 latency and errors.
 */

/** One wrk measurement. */
export interface Measurement {
  requestsPerSecond: number;
  megabytesPerSecond: number;
  p99Ms: number;
  /** Socket errors plus non-2xx/3xx answers. */
  errors: number;
}

/** How to load a server. */
export interface WrkOptions {
  seconds: number;
  connections: number;
  /** CPU list for taskset, or null to run unpinned. */
  pin: string | null;
}

const LATENCY_REGEXP = /^\s*99%\s+([\d.]+)(us|ms|s)\s*$/m;
const RPS_REGEXP = /^Requests\/sec:\s+([\d.]+)/m;
const TRANSFER_REGEXP = /^Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB)/m;
const NON_2XX_REGEXP = /Non-2xx or 3xx responses:\s+(\d+)/;
const SOCKET_ERRORS_REGEXP = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/;

/** Reads wrk's text report (exported for the parser's sake; the bench is not a test). */
export function parseWrkReport(text: string): Measurement {
  const transfer = TRANSFER_REGEXP.exec(text);
  const unit = { B: 1 / 1024 / 1024, KB: 1 / 1024, MB: 1, GB: 1024 }[transfer?.[2] ?? "MB"] ?? 1;
  const latency = LATENCY_REGEXP.exec(text);
  const scale = { us: 0.001, ms: 1, s: 1000 }[latency?.[2] ?? "ms"] ?? 1;
  const socket = SOCKET_ERRORS_REGEXP.exec(text);
  const socketErrors = socket === null ? 0 : socket.slice(1).reduce((sum, n) => sum + Number(n), 0);
  return {
    requestsPerSecond: Number(RPS_REGEXP.exec(text)?.[1] ?? 0),
    megabytesPerSecond: Number(transfer?.[1] ?? 0) * unit,
    p99Ms: Number(latency?.[1] ?? 0) * scale,
    errors: Number(NON_2XX_REGEXP.exec(text)?.[1] ?? 0) + socketErrors,
  };
}

/** Loads `url` with one wrk thread and `options.connections` connections. */
export async function runWrk(
  url: string,
  headers: Record<string, string>,
  options: WrkOptions,
): Promise<Measurement> {
  const args = ["-t1", `-c${options.connections}`, `-d${options.seconds}s`, "--latency"];
  for (const [name, value] of Object.entries(headers)) args.push("-H", `${name}: ${value}`);
  args.push(url);
  const argv = options.pin === null
    ? ["wrk", ...args]
    : ["taskset", "-c", options.pin, "wrk", ...args];
  const { stdout } = await new Deno.Command(argv[0], { args: argv.slice(1), stderr: "null" })
    .output();
  return parseWrkReport(new TextDecoder().decode(stdout));
}
