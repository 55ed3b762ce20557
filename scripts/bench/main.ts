/**
 * @module
 * `deno task bench`: berth as users run it (default access log), tuned
 * (`--quiet`, and `--frozen` when this berth has it), and optionally the same
 * variants of a baseline checkout, against nginx (when installed) and a bare
 * `Deno.serve` answering 1 KB from memory (the runtime's ceiling), in one
 * interleaved run on loopback with `wrk`. Builds its own fixture tree in a
 * temp dir, starts every server itself and stops only those, by PID.
 *
 * Usage: `deno task bench [--duration 5] [--warmup 1] [--connections 32]
 * [--rounds 3] [--only small,304] [--workers 1] [--baseline DIR]
 * [--startup-runs 10] [--v8-flags=--max-semi-space-size=2]`.
 * Reports medians of the rounds. Not a test: nothing here is asserted.
 */

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { buildFixture, nginxConfig } from "./fixture.ts";
import {
  BARE_SERVER_SOURCE,
  freePort,
  peakRssMb,
  type Server,
  startOnUrl,
  startWithReadyFile,
  stopServer,
} from "./servers.ts";
import { changeTable, formatNumber, median, ratioTable, record, type Results } from "./report.ts";
import { type Measurement, runWrk } from "./wrk.ts";

const MAIN_PATH = fileURLToPath(new URL("../../main.ts", import.meta.url));
const REPO_DIR = fileURLToPath(new URL("../..", import.meta.url));
const CONFIG_PATH = fileURLToPath(new URL("../../deno.json", import.meta.url));

/** Scenarios the bare ceiling server is measured beside (it answers 1 KB to anything). */
const CEILING_SCENARIOS = ["small", "index", "404", "304", "gzip"];

/** One scenario: a path and request headers, the same for every server. */
interface Scenario {
  name: string;
  path: string;
  headers?: Record<string, string>;
  /** Fills headers that depend on the server (the ETag for 304). */
  prepare?: (server: Server) => Promise<Record<string, string>>;
}

/** One berth variant: which checkout, and the flags on top of the shared ones. */
interface Variant {
  name: string;
  main: string;
  flags: string[];
}

function write(text: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(text));
}

async function commandExists(name: string): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("sh", {
      args: ["-c", `command -v ${name}`],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}

/** Whether the berth at `main` knows `flag` (its --help lists it). */
async function berthHasFlag(main: string, flag: string): Promise<boolean> {
  const { stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", `--config=${CONFIG_PATH}`, main, "--help"],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(stdout).includes(flag);
}

/** The ETag a server gives `path` for identity (wrk sends no Accept-Encoding). */
async function identityEtag(server: Server, path: string): Promise<string> {
  const response = await fetch(new URL(path, server.url), {
    headers: { "accept-encoding": "identity" },
  });
  await response.body?.cancel();
  return response.headers.get("etag") ?? '"none"';
}

const SCENARIOS: Scenario[] = [
  { name: "small", path: "/small.txt" },
  { name: "index", path: "/" },
  { name: "64k", path: "/64k.bin" },
  { name: "10m", path: "/10m.bin" },
  { name: "404", path: "/missing.txt" },
  {
    name: "304",
    path: "/small.txt",
    prepare: async (server) => ({ "If-None-Match": await identityEtag(server, "/small.txt") }),
  },
  { name: "range", path: "/10m.bin", headers: { Range: "bytes=1048576-1049599" } },
  { name: "listing", path: "/dir1000/" },
  { name: "gzip", path: "/app.js", headers: { "Accept-Encoding": "gzip" } },
];

/** The deno argv that starts one berth variant on port 0 with a ready file. */
function berthCommand(
  variant: Variant,
  options: {
    root: string;
    readyFile: string;
    workers: string;
    v8Flags?: string;
    baseline?: string;
  },
): string[] {
  const readable = options.workers === "1"
    ? `${options.root},${options.readyFile}`
    : `${options.root},${options.readyFile},${REPO_DIR},${options.baseline ?? REPO_DIR}`;
  return [
    Deno.execPath(),
    "run",
    "--quiet",
    `--config=${CONFIG_PATH}`,
    ...(options.v8Flags === undefined ? [] : [`--v8-flags=${options.v8Flags}`]),
    "--allow-net=127.0.0.1",
    `--allow-read=${readable}`,
    `--allow-write=${options.readyFile}`,
    // Workers share the port through an unstable API.
    ...(options.workers === "1" ? [] : ["--unstable-net"]),
    variant.main,
    options.root,
    "--port",
    "0",
    "--ready-file",
    options.readyFile,
    "--listing",
    "--workers",
    options.workers,
    ...variant.flags,
  ];
}

/** Process start → first 200 of /small.txt, in ms, for `runs` fresh default berths. */
async function measureStartup(root: string, dir: string, runs: number): Promise<number[]> {
  const times: number[] = [];
  const readyFile = `${dir}/startup.url`;
  for (let i = 0; i < runs; i++) {
    await Deno.remove(readyFile).catch(() => {});
    const start = performance.now();
    const child = new Deno.Command(
      Deno.execPath(),
      {
        args: berthCommand({ name: "startup", main: MAIN_PATH, flags: [] }, {
          root,
          readyFile,
          workers: "1",
        }).slice(1),
        stdin: "null",
        stdout: "null",
        stderr: "null",
      },
    ).spawn();
    try {
      while (performance.now() - start < 20_000) {
        const url = await Deno.readTextFile(readyFile).catch(() => "");
        if (url.endsWith("\n")) {
          const response = await fetch(new URL("/small.txt", url.trim())).catch(() => null);
          await response?.body?.cancel();
          if (response?.status === 200) break;
        }
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      times.push(performance.now() - start);
    } finally {
      stopServer(child);
      await child.status;
    }
  }
  return times;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      duration: { type: "string", default: "5" },
      warmup: { type: "string", default: "1" },
      connections: { type: "string", default: "32" },
      rounds: { type: "string", default: "3" },
      only: { type: "string" },
      workers: { type: "string", default: "1" },
      "startup-runs": { type: "string", default: "10" },
      // e.g. --v8-flags=--max-semi-space-size=2, as compiled binaries run.
      "v8-flags": { type: "string" },
      // A checkout of another berth revision, measured in the same run (A/B).
      baseline: { type: "string" },
    },
  });
  const seconds = Number(values.duration);
  const warmup = Number(values.warmup);
  const connections = Number(values.connections);
  const rounds = Number(values.rounds);
  const workers = values.workers!;

  const hasWrk = await commandExists("wrk");
  if (!hasWrk) {
    write("bench: wrk is not installed (apt-get install wrk); only startup is measured\n");
  }
  const hasNginx = await commandExists("nginx");
  if (!hasNginx) write("bench: nginx is not installed (apt-get install nginx-light); no ratios\n");
  const canPin = navigator.hardwareConcurrency >= 2 && await commandExists("taskset");
  const serverPin = canPin ? "0" : null;
  const clientPin = canPin ? "1" : null;

  // berth as users run it (the access log on, to a sink that keeps up:
  // /dev/null), then tuned; the same for a baseline checkout when given.
  const variants: Variant[] = [
    { name: "berth", main: MAIN_PATH, flags: [] },
    { name: "berth-quiet", main: MAIN_PATH, flags: ["--quiet"] },
  ];
  if (await berthHasFlag(MAIN_PATH, "--frozen")) {
    variants.push({ name: "berth-frozen", main: MAIN_PATH, flags: ["--frozen", "--quiet"] });
  }
  const baselineMain = values.baseline === undefined
    ? undefined
    : `${values.baseline.replace(/\/$/, "")}/main.ts`;
  if (baselineMain !== undefined) {
    variants.push(
      { name: "base", main: baselineMain, flags: [] },
      { name: "base-quiet", main: baselineMain, flags: ["--quiet"] },
    );
  }

  const dir = await Deno.makeTempDir({ prefix: "berth-bench-" });
  const root = `${dir}/site`;
  await Deno.mkdir(root);
  // nginx's worker runs as an unprivileged user: it must be able to traverse the tree.
  await Deno.chmod(dir, 0o755);
  const servers: Server[] = [];
  try {
    write(`bench: building fixtures in ${dir}\n`);
    await buildFixture(root);
    for (const variant of variants) {
      const readyFile = `${dir}/${variant.name}.url`;
      const command = berthCommand(variant, {
        root,
        readyFile,
        workers,
        v8Flags: values["v8-flags"],
        baseline: values.baseline,
      });
      servers.push(await startWithReadyFile(variant.name, command, readyFile, serverPin));
    }
    if (hasNginx) {
      const port = freePort();
      await Deno.writeTextFile(`${dir}/nginx.conf`, nginxConfig(dir, root, port));
      servers.push(
        await startOnUrl(
          "nginx",
          ["nginx", "-c", `${dir}/nginx.conf`, "-p", dir, "-e", `${dir}/nginx-error.log`],
          `http://127.0.0.1:${port}/`,
          serverPin,
        ),
      );
    }
    await Deno.writeTextFile(`${dir}/bare.ts`, BARE_SERVER_SOURCE);
    const bareReady = `${dir}/bare.url`;
    const bare = await startWithReadyFile(
      "ceiling",
      [
        Deno.execPath(),
        "run",
        "--quiet",
        "--allow-net=127.0.0.1",
        `--allow-write=${bareReady}`,
        `${dir}/bare.ts`,
        bareReady,
      ],
      bareReady,
      serverPin,
    );
    servers.push(bare);

    const only = values.only?.split(",");
    const selected = only ? SCENARIOS.filter((s) => only.includes(s.name)) : SCENARIOS;
    const results: Results = new Map();
    if (hasWrk) {
      for (let round = 0; round < rounds; round++) {
        for (const scenario of selected) {
          // Interleave: each server in turn, the ceiling last, so drift cancels out.
          for (const server of servers) {
            const isBare = server === bare;
            if (isBare && !CEILING_SCENARIOS.includes(scenario.name)) continue;
            const headers = isBare
              ? {}
              : { ...scenario.headers, ...(await scenario.prepare?.(server)) };
            const url = isBare ? server.url : new URL(scenario.path, server.url).href;
            const load = { connections, pin: clientPin };
            if (warmup > 0) await runWrk(url, headers, { ...load, seconds: warmup });
            const measurement: Measurement = await runWrk(url, headers, { ...load, seconds });
            record(results, scenario.name, server.name, measurement);
            write(
              `  round ${round + 1} ${scenario.name.padEnd(8)} ${server.name.padEnd(12)} ${
                formatNumber(measurement.requestsPerSecond).padStart(8)
              } req/s ${formatNumber(measurement.megabytesPerSecond, 1).padStart(8)} MB/s ${
                formatNumber(measurement.p99Ms, 2).padStart(7)
              } ms p99${
                measurement.errors > 0 ? `  (${measurement.errors} errors or non-2xx/3xx)` : ""
              }\n`,
            );
          }
        }
      }
    }

    const rss = new Map<string, number | null>();
    for (const server of servers) rss.set(server.name, await peakRssMb(server.pid));
    const startup = await measureStartup(root, dir, Number(values["startup-runs"]));

    const names = servers.map((server) => server.name);
    write(
      `\nreq/s (MB/s for 10m), median of ${rounds} round(s), and (ratio to nginx); wrk -t1 ` +
        `-c${connections} -d${seconds}s after ${warmup}s warmup; servers on CPU ${
          serverPin ?? "any"
        }, wrk on CPU ${clientPin ?? "any"}; every berth with --listing --workers ${workers}${
          values["v8-flags"] === undefined ? "" : ` --v8-flags=${values["v8-flags"]}`
        }. "berth" is the default (access log on); "ceiling" is a bare Deno.serve answering 1 KB ` +
        `from memory; nginx has its access log off\n\n`,
    );
    write(ratioTable(results, selected.map((s) => s.name), names));
    const pairs = [
      { label: "berth/berth-quiet (default vs quiet)", after: "berth", before: "berth-quiet" },
    ];
    if (baselineMain !== undefined) {
      pairs.push(
        { label: "berth/base (default)", after: "berth", before: "base" },
        { label: "berth-quiet/base-quiet", after: "berth-quiet", before: "base-quiet" },
      );
    }
    write(`\nratios of medians (after/before)\n\n`);
    write(changeTable(results, selected.map((s) => s.name), pairs));
    write("\nPeak RSS (VmHWM): ");
    write(
      [...rss].map(([name, mb]) => `${name} ${mb === null ? "?" : formatNumber(mb, 1) + " MB"}`)
        .join(", ") + "\n",
    );
    if (startup.length > 0) {
      write(
        `Startup of the default berth (process start → first 200), ${startup.length} runs: median ${
          formatNumber(median(startup), 1)
        } ms (min ${formatNumber(Math.min(...startup), 1)}, max ${
          formatNumber(Math.max(...startup), 1)
        })\n`,
      );
    }
    return 0;
  } finally {
    for (const server of servers) stopServer(server);
    for (const server of servers) await server.child.status;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) Deno.exit(await main());
