/**
 * @module
 * `deno task bench`: measures berth against nginx (when installed) and a bare
 * `Deno.serve` answering 1 KB from memory (the runtime's ceiling), in one run,
 * on loopback, with `wrk`. Builds its own fixture tree in a temp dir, starts
 * every server itself and stops only those, by PID, in `finally` blocks.
 *
 * Usage: `deno task bench [--duration 5] [--warmup 1] [--connections 32]
 * [--rounds 1] [--only small,304] [--workers 1] [--v8-flags=--max-semi-space-size=2]`.
 * Not a test: nothing here is asserted.
 */

import { parseArgs } from "node:util";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

/** One server under test. */
interface Server {
  name: string;
  pid: number;
  url: string;
  child: Deno.ChildProcess;
}

/** One wrk measurement. */
interface Measurement {
  requestsPerSecond: number;
  megabytesPerSecond: number;
  p99Ms: number;
  errors: number;
}

/** One scenario: a path and request headers, the same for every server. */
interface Scenario {
  name: string;
  path: string;
  headers?: Record<string, string>;
  /** Fills headers that depend on the server (the ETag for 304). */
  prepare?: (server: Server) => Promise<Record<string, string>>;
}

const MAIN_PATH = fileURLToPath(new URL("../main.ts", import.meta.url));
const REPO_DIR = fileURLToPath(new URL("..", import.meta.url));
const CONFIG_PATH = fileURLToPath(new URL("../deno.json", import.meta.url));
const WRK_LATENCY_REGEXP = /^\s*99%\s+([\d.]+)(us|ms|s)\s*$/m;
const WRK_RPS_REGEXP = /^Requests\/sec:\s+([\d.]+)/m;
const WRK_TRANSFER_REGEXP = /^Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB)/m;
const WRK_ERRORS_REGEXP = /Non-2xx or 3xx responses:\s+(\d+)|Socket errors:.*?(\d+)/;

const BARE_SERVER_SOURCE = `
const body = new Uint8Array(1024).fill(97);
const server = Deno.serve({ hostname: "127.0.0.1", port: Number(Deno.args[0]), onListen() {} },
  () => new Response(body, { headers: { "content-type": "text/plain" } }));
await server.finished;
`;

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

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Builds the fixture tree: 1 KB, 2 KB index.html, 64 KB, 10 MB, 1,000-file dir, app.js + siblings. */
async function buildFixture(dir: string): Promise<void> {
  const random = (size: number) => {
    const bytes = new Uint8Array(size);
    for (let offset = 0; offset < size; offset += 65536) {
      crypto.getRandomValues(bytes.subarray(offset, Math.min(size, offset + 65536)));
    }
    return bytes;
  };
  await Deno.writeTextFile(`${dir}/small.txt`, "x".repeat(1023) + "\n");
  await Deno.writeTextFile(
    `${dir}/index.html`,
    `<!doctype html><title>bench</title>\n${"<p>berth bench page</p>\n".repeat(84)}`.slice(0, 2048),
  );
  await Deno.writeFile(`${dir}/64k.bin`, random(64 * 1024));
  await Deno.writeFile(`${dir}/10m.bin`, random(10 * 1024 * 1024));
  await Deno.mkdir(`${dir}/dir1000`);
  for (let i = 0; i < 1000; i++) {
    await Deno.writeTextFile(`${dir}/dir1000/file-${String(i).padStart(4, "0")}.txt`, `${i}\n`);
  }
  const lines: string[] = [];
  for (let i = 0; lines.join("").length < 200 * 1024; i++) {
    lines.push(`export function handler${i}(event) { return event.value * ${i % 97} + "${i}"; }\n`);
  }
  const app = new TextEncoder().encode(lines.join("").slice(0, 200 * 1024));
  await Deno.writeFile(`${dir}/app.js`, app);
  await Deno.writeFile(`${dir}/app.js.gz`, gzipSync(app, { level: 9 }));
  await Deno.writeFile(`${dir}/app.js.br`, brotliCompressSync(app));
}

function nginxConfig(dir: string, root: string, port: number): string {
  return `worker_processes 1;
daemon off;
master_process on;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log error;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  etag on;
  gzip_static on;
  client_body_temp_path ${dir}/nginx-body;
  proxy_temp_path ${dir}/nginx-proxy;
  fastcgi_temp_path ${dir}/nginx-fastcgi;
  uwsgi_temp_path ${dir}/nginx-uwsgi;
  scgi_temp_path ${dir}/nginx-scgi;
  types {
    text/html html;
    text/plain txt;
    text/javascript js;
    application/octet-stream bin;
  }
  server {
    listen 127.0.0.1:${port};
    root ${root};
    index index.html;
    autoindex on;
  }
}
`;
}

/** Spawns a server (pinned with taskset when `pin` is set) and waits until it answers. */
async function startServer(
  name: string,
  command: string[],
  url: string,
  pin: string | null,
): Promise<Server> {
  const argv = pin === null ? command : ["taskset", "-c", pin, ...command];
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      await response.body?.cancel();
      return { name, pid: child.pid, url, child };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  stopServer({ name, pid: child.pid, url, child });
  await child.status;
  throw new Error(`${name} did not start within 20 s`);
}

function stopServer(server: Server): void {
  try {
    Deno.kill(server.pid, "SIGTERM");
  } catch {
    // Already gone.
  }
}

/** Peak resident set size in MB (VmHWM) of a process. */
async function peakRssMb(pid: number): Promise<number | null> {
  try {
    // Deno wants --allow-all for /proc; reading it through cat needs only --allow-run.
    const { stdout } = await new Deno.Command("cat", { args: [`/proc/${pid}/status`] }).output();
    const status = new TextDecoder().decode(stdout);
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return match === null ? null : Number(match[1]) / 1024;
  } catch {
    return null;
  }
}

async function runWrk(
  url: string,
  headers: Record<string, string>,
  options: { seconds: number; connections: number; pin: string | null },
): Promise<Measurement> {
  const args = ["-t1", `-c${options.connections}`, `-d${options.seconds}s`, "--latency"];
  for (const [name, value] of Object.entries(headers)) args.push("-H", `${name}: ${value}`);
  args.push(url);
  const argv = options.pin === null
    ? ["wrk", ...args]
    : ["taskset", "-c", options.pin, "wrk", ...args];
  const { stdout } = await new Deno.Command(argv[0], { args: argv.slice(1), stderr: "null" })
    .output();
  const text = new TextDecoder().decode(stdout);
  const rps = Number(WRK_RPS_REGEXP.exec(text)?.[1] ?? 0);
  const transfer = WRK_TRANSFER_REGEXP.exec(text);
  const unit = { B: 1 / 1024 / 1024, KB: 1 / 1024, MB: 1, GB: 1024 }[transfer?.[2] ?? "MB"] ?? 1;
  const latency = WRK_LATENCY_REGEXP.exec(text);
  const scale = { us: 0.001, ms: 1, s: 1000 }[latency?.[2] ?? "ms"] ?? 1;
  const errors = WRK_ERRORS_REGEXP.exec(text);
  return {
    requestsPerSecond: rps,
    megabytesPerSecond: Number(transfer?.[1] ?? 0) * unit,
    p99Ms: Number(latency?.[1] ?? 0) * scale,
    errors: Number(errors?.[1] ?? errors?.[2] ?? 0),
  };
}

/** Process start → first 200, in ms, for `runs` fresh berth processes; returns the median. */
async function measureStartup(root: string, runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const port = freePort();
    const start = performance.now();
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        `--config=${CONFIG_PATH}`,
        "--allow-net=127.0.0.1",
        `--allow-read=${root}`,
        MAIN_PATH,
        root,
        "--port",
        String(port),
        "--quiet",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      while (performance.now() - start < 20_000) {
        try {
          const response = await fetch(`http://127.0.0.1:${port}/small.txt`);
          await response.body?.cancel();
          if (response.status === 200) break;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      }
      times.push(performance.now() - start);
    } finally {
      try {
        Deno.kill(child.pid, "SIGTERM");
      } catch {
        // Already gone.
      }
      await child.status;
    }
  }
  return times;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function formatNumber(value: number, digits = 0): string {
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      duration: { type: "string", default: "5" },
      warmup: { type: "string", default: "1" },
      connections: { type: "string", default: "32" },
      rounds: { type: "string", default: "1" },
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

  if (!(await commandExists("wrk"))) {
    write("bench: wrk is not installed (apt-get install wrk); only startup time is measured\n");
  }
  const hasWrk = await commandExists("wrk");
  const hasNginx = await commandExists("nginx");
  if (!hasNginx) {
    write("bench: nginx is not installed (apt-get install nginx-light); skipping nginx columns\n");
  }
  const cpus = navigator.hardwareConcurrency;
  const canPin = cpus >= 2 && await commandExists("taskset");
  const serverPin = canPin ? "0" : null;
  const clientPin = canPin ? "1" : null;

  const dir = await Deno.makeTempDir({ prefix: "berth-bench-" });
  const root = `${dir}/site`;
  await Deno.mkdir(root);
  // nginx's worker runs as an unprivileged user: it must be able to traverse the tree.
  await Deno.chmod(dir, 0o755);
  const servers: Server[] = [];
  try {
    write(`bench: building fixtures in ${dir}\n`);
    await buildFixture(root);

    // berth as tuned (access log off), berth with its defaults (access log
    // on, to a pipe nobody reads fast: /dev/null), and the same two for a
    // baseline checkout when one is given. Measure the default, always.
    const berthVariants: { name: string; main: string; quiet: boolean }[] = [
      { name: "berth", main: MAIN_PATH, quiet: true },
      { name: "berth-log", main: MAIN_PATH, quiet: false },
    ];
    if (values.baseline !== undefined) {
      const baselineMain = `${values.baseline.replace(/\/$/, "")}/main.ts`;
      berthVariants.push(
        { name: "base", main: baselineMain, quiet: true },
        { name: "base-log", main: baselineMain, quiet: false },
      );
    }
    for (const variant of berthVariants) {
      const berthPort = freePort();
      const readable = values.workers === "1"
        ? root
        : `${root},${REPO_DIR},${values.baseline ?? REPO_DIR}`;
      servers.push(
        await startServer(
          variant.name,
          [
            Deno.execPath(),
            "run",
            "--quiet",
            `--config=${CONFIG_PATH}`,
            ...(values["v8-flags"] === undefined ? [] : [`--v8-flags=${values["v8-flags"]}`]),
            "--allow-net=127.0.0.1",
            // Workers share the port through an unstable API and load berth's modules.
            ...(values.workers === "1"
              ? [`--allow-read=${readable}`]
              : ["--unstable-net", `--allow-read=${readable}`]),
            variant.main,
            root,
            "--port",
            String(berthPort),
            ...(variant.quiet ? ["--quiet"] : []),
            "--listing",
            "--workers",
            values.workers!,
          ],
          `http://127.0.0.1:${berthPort}/`,
          serverPin,
        ),
      );
    }
    if (hasNginx) {
      const nginxPort = freePort();
      await Deno.writeTextFile(`${dir}/nginx.conf`, nginxConfig(dir, root, nginxPort));
      servers.push(
        await startServer(
          "nginx",
          ["nginx", "-c", `${dir}/nginx.conf`, "-p", dir, "-e", `${dir}/nginx-error.log`],
          `http://127.0.0.1:${nginxPort}/`,
          serverPin,
        ),
      );
    }
    const barePort = freePort();
    await Deno.writeTextFile(`${dir}/bare.ts`, BARE_SERVER_SOURCE);
    const bare = await startServer(
      "deno-bare",
      [
        Deno.execPath(),
        "run",
        "--quiet",
        "--allow-net=127.0.0.1",
        `${dir}/bare.ts`,
        String(barePort),
      ],
      `http://127.0.0.1:${barePort}/`,
      serverPin,
    );
    servers.push(bare);

    const etagOf = async (server: Server, path: string) => {
      // wrk sends no Accept-Encoding: ask for the identity ETag, not the br one
      // fetch would negotiate (which made every "304" a 200 with a body).
      const response = await fetch(new URL(path, server.url), {
        headers: { "accept-encoding": "identity" },
      });
      await response.body?.cancel();
      return response.headers.get("etag") ?? '"none"';
    };
    const scenarios: Scenario[] = [
      { name: "small", path: "/small.txt" },
      { name: "index", path: "/" },
      { name: "64k", path: "/64k.bin" },
      { name: "10m", path: "/10m.bin" },
      { name: "404", path: "/missing.txt" },
      {
        name: "304",
        path: "/small.txt",
        prepare: async (server) => ({ "If-None-Match": await etagOf(server, "/small.txt") }),
      },
      { name: "range", path: "/10m.bin", headers: { Range: "bytes=1048576-1049599" } },
      { name: "listing", path: "/dir1000/" },
      { name: "gzip", path: "/app.js", headers: { "Accept-Encoding": "gzip" } },
    ];
    const only = values.only?.split(",");
    const selected = only ? scenarios.filter((s) => only.includes(s.name)) : scenarios;

    const results = new Map<string, Map<string, Measurement[]>>();
    const ceiling: Measurement[] = [];
    // The ceiling measured next to each scenario, so a ratio compares runs made moments apart.
    const ceilingByScenario = new Map<string, Measurement[]>();
    if (hasWrk) {
      const fileServers = servers.filter((server) => server !== bare);
      for (let round = 0; round < rounds; round++) {
        for (const scenario of selected) {
          // Interleave: each server in turn, the ceiling between, so drift cancels out.
          for (const server of [...fileServers, bare]) {
            const isBare = server === bare;
            if (isBare && !["small", "index", "404", "304", "gzip"].includes(scenario.name)) {
              continue;
            }
            const headers = isBare
              ? {}
              : { ...scenario.headers, ...(await scenario.prepare?.(server)) };
            const url = isBare ? server.url : new URL(scenario.path, server.url).href;
            if (warmup > 0) {
              await runWrk(url, headers, { seconds: warmup, connections, pin: clientPin });
            }
            const measurement = await runWrk(url, headers, {
              seconds,
              connections,
              pin: clientPin,
            });
            if (isBare) {
              ceiling.push(measurement);
              const list = ceilingByScenario.get(scenario.name) ?? [];
              list.push(measurement);
              ceilingByScenario.set(scenario.name, list);
            } else {
              const byServer = results.get(scenario.name) ?? new Map<string, Measurement[]>();
              results.set(scenario.name, byServer);
              const list = byServer.get(server.name) ?? [];
              list.push(measurement);
              byServer.set(server.name, list);
            }
            write(
              `  ${scenario.name.padEnd(8)} ${server.name.padEnd(9)} ${
                formatNumber(measurement.requestsPerSecond).padStart(8)
              } req/s ${formatNumber(measurement.megabytesPerSecond, 1).padStart(8)} MB/s${
                measurement.errors > 0 ? `  (${measurement.errors} errors or non-2xx/3xx)` : ""
              }\n`,
            );
          }
        }
      }
    }

    const rss = new Map<string, number | null>();
    for (const server of servers) rss.set(server.name, await peakRssMb(server.pid));
    const startup = await measureStartup(root, Number(values["startup-runs"]));

    const best = (list: Measurement[] | undefined) =>
      list === undefined || list.length === 0
        ? undefined
        : list.reduce((a, b) => a.requestsPerSecond >= b.requestsPerSecond ? a : b);
    const ceilingBest = best(ceiling);
    write(
      `\nberth vs nginx vs bare Deno.serve (1 KB from memory = ceiling); wrk -t1 -c${connections} -d${seconds}s` +
        ` after ${warmup}s warmup, ${rounds} round(s), best of rounds; server on CPU ${
          serverPin ?? "any"
        }, wrk on CPU ${
          clientPin ?? "any"
        }; berth: access log off ("berth-log": on, the default); berth --workers ${values.workers}${
          values["v8-flags"] === undefined ? "" : ` --v8-flags=${values["v8-flags"]}`
        }\n\n`,
    );
    const header =
      "| scenario | berth req/s | berth MB/s | berth p99 ms | nginx req/s | nginx MB/s | nginx p99 ms | berth/nginx | berth/ceiling |";
    write(header + "\n|" + "---|".repeat(9) + "\n");
    for (const scenario of selected) {
      const byServer = results.get(scenario.name);
      const berth = best(byServer?.get("berth"));
      const nginx = best(byServer?.get("nginx"));
      const throughput = (m: Measurement) =>
        scenario.name === "10m" ? m.megabytesPerSecond : m.requestsPerSecond;
      const ratioNginx = berth && nginx && throughput(nginx) > 0
        ? (throughput(berth) / throughput(nginx)).toFixed(2) +
          (scenario.name === "10m" ? " (MB/s)" : "")
        : "-";
      const nearCeiling = best(ceilingByScenario.get(scenario.name));
      const ratioCeiling = berth && nearCeiling &&
          ["small", "index", "404", "304", "gzip"].includes(scenario.name)
        ? `${(berth.requestsPerSecond / nearCeiling.requestsPerSecond).toFixed(2)} (of ${
          formatNumber(nearCeiling.requestsPerSecond)
        })`
        : "-";
      const cell = (m: Measurement | undefined, pick: (m: Measurement) => string) =>
        m === undefined ? "-" : pick(m);
      write(
        `| ${scenario.name} | ${cell(berth, (m) => formatNumber(m.requestsPerSecond))} | ${
          cell(berth, (m) => formatNumber(m.megabytesPerSecond, 1))
        } | ${cell(berth, (m) => formatNumber(m.p99Ms, 2))} | ${
          cell(nginx, (m) => formatNumber(m.requestsPerSecond))
        } | ${cell(nginx, (m) => formatNumber(m.megabytesPerSecond, 1))} | ${
          cell(nginx, (m) => formatNumber(m.p99Ms, 2))
        } | ${ratioNginx} | ${ratioCeiling} |\n`,
      );
    }
    if (ceilingBest) {
      write(
        `| ceiling (bare Deno.serve, 1 KB; best run) | ${
          formatNumber(ceilingBest.requestsPerSecond)
        } | ${formatNumber(ceilingBest.megabytesPerSecond, 1)} | ${
          formatNumber(ceilingBest.p99Ms, 2)
        } | | | | | 1.00 |\n`,
      );
    }
    write(
      `\nberth variants (req/s, MB/s for 10m; best of rounds; "-log" = the default access log on)\n\n`,
    );
    const names = berthVariants.map((variant) => variant.name);
    write(
      `| scenario | ${names.join(" | ")} | ${
        names.slice(1).map((n) => `${n}/berth`).join(" | ")
      } |\n`,
    );
    write("|" + "---|".repeat(names.length * 2) + "\n");
    for (const scenario of selected) {
      const byServer = results.get(scenario.name);
      const value = (name: string) => {
        const m = best(byServer?.get(name));
        if (m === undefined) return undefined;
        return scenario.name === "10m" ? m.megabytesPerSecond : m.requestsPerSecond;
      };
      const base = value("berth");
      const cells = names.map((name) => {
        const v = value(name);
        return v === undefined ? "-" : formatNumber(v, scenario.name === "10m" ? 1 : 0);
      });
      const ratios = names.slice(1).map((name) => {
        const v = value(name);
        return v === undefined || base === undefined || base === 0 ? "-" : (v / base).toFixed(2);
      });
      write(`| ${scenario.name} | ${cells.join(" | ")} | ${ratios.join(" | ")} |\n`);
    }
    write("\nPeak RSS (VmHWM): ");
    write(
      [...rss].map(([name, mb]) => `${name} ${mb === null ? "?" : formatNumber(mb, 1) + " MB"}`)
        .join(", ") + "\n",
    );
    write(
      `Startup (process start → first 200), ${startup.length} runs: median ${
        formatNumber(median(startup), 1)
      } ms (min ${formatNumber(Math.min(...startup), 1)}, max ${
        formatNumber(Math.max(...startup), 1)
      })\n`,
    );
    return 0;
  } finally {
    for (const server of servers) stopServer(server);
    for (const server of servers) await server.child.status;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) Deno.exit(await main());
