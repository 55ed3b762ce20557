/**
 * @module
 * `deno run -A scripts/hostile_bench.ts`: a bounded benchmark of berth's
 * transport against hostile and latency-sensitive clients, on loopback
 * only. Not a test: it prints numbers and asserts nothing.
 *
 * 1. TLS keep-alive latency: `h2load -c1 -n200` over HTTP/1.1 (`--h1`) and
 *    HTTP/2 against a self-signed certificate, then `h2load -c32` throughput
 *    beside nginx (when installed) serving the same 1 KB file and certificate.
 * 2. Slow clients: `slowhttptest` slowloris (500 connections sending their
 *    heads a few bytes at a time) and a slow-read attack (500 connections
 *    reading a 10 MB file in 32-byte sips), each for `--attack-seconds`,
 *    while a normal client (curl from 127.0.0.2, another address than the
 *    attacker's) fetches a 1 KB file over a fresh connection every 20 ms and
 *    reports p50/p99/max latency and failures. berth runs under
 *    `ulimit -n 1024` so the attacks can reach its descriptor limit.
 *
 * Usage: `deno run -A scripts/hostile_bench.ts [--attack-seconds 30]
 * [--baseline DIR] [--skip-attacks] [--skip-tls]`. `--baseline` measures
 * another berth checkout in the same run (A/B). Needs `h2load`
 * (apt nghttp2-client), `slowhttptest` (apt slowhttptest), `openssl`; nginx
 * (apt nginx-light) is optional. Starts every server itself and stops only
 * those, by PID.
 */

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";

const MAIN_PATH = fileURLToPath(new URL("../main.ts", import.meta.url));
const CONFIG_PATH = fileURLToPath(new URL("../deno.json", import.meta.url));
const decoder = new TextDecoder();
const encoder = new TextEncoder();

interface Running {
  name: string;
  child: Deno.ChildProcess;
  port: number;
}

function write(text: string): void {
  Deno.stdout.writeSync(encoder.encode(text));
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function commandExists(name: string): Promise<boolean> {
  try {
    const { code } = await new Deno.Command("sh", {
      args: ["-c", `command -v ${name}`],
      stdout: "null",
      stderr: "null",
    }).output();
    return code === 0;
  } catch {
    return false;
  }
}

async function run(command: string, args: string[]): Promise<string> {
  const { stdout, stderr } = await new Deno.Command(command, { args, stdin: "null" }).output();
  return decoder.decode(stdout) + decoder.decode(stderr);
}

async function waitForPort(port: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`nothing listens on ${port} after 20 s`);
}

/** Starts berth (`main`) under `ulimit -n 1024`; TLS when `tls` is given. */
async function startBerth(
  name: string,
  main: string,
  root: string,
  tls: { cert: string; key: string } | null,
): Promise<Running> {
  const port = freePort();
  const readable = [root, ...(tls === null ? [] : [tls.cert, tls.key])].join(",");
  const deno = [
    Deno.execPath(),
    "run",
    "--quiet",
    `--config=${CONFIG_PATH}`,
    "--allow-net=127.0.0.1",
    `--allow-read=${readable}`,
    "--allow-run=sh",
    main,
    root,
    "--port",
    String(port),
    "--log-format",
    "json",
    ...(tls === null ? [] : ["--cert", tls.cert, "--key", tls.key]),
  ].map((part) => `'${part}'`).join(" ");
  const child = new Deno.Command("bash", {
    args: ["-c", `ulimit -n 1024; exec ${deno}`],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  await waitForPort(port);
  return { name, child, port };
}

async function stop(server: Running): Promise<void> {
  try {
    server.child.kill("SIGTERM");
  } catch {
    // Already gone.
  }
  const status = await server.child.status;
  write(`  (${server.name} exited with ${status.code})\n`);
}

/** `h2load` summary: requests/s and mean/max request time. */
async function h2load(url: string, args: string[]): Promise<string> {
  const output = await run("h2load", [...args, url]);
  const rps = output.match(/finished in [\d.]+\w+, ([\d.]+) req\/s/)?.[1] ?? "?";
  const time = output.match(/time for request:\s+(\S+)\s+(\S+)\s+(\S+)/);
  const failed = output.match(/(\d+) failed/)?.[1] ?? "?";
  return `${rps} req/s, request time min ${time?.[1]} max ${time?.[2]} mean ${
    time?.[3]
  }, ${failed} failed`;
}

/**
 * One GET of `path` over a fresh connection from 127.0.0.2 (curl
 * `--interface`), so berth's per-client limit sees another client than the
 * attacker on 127.0.0.1; curl's own time for the transfer, in ms, or null
 * on failure.
 */
async function probeOnce(port: number, path: string): Promise<number | null> {
  const output = await run("curl", [
    ...["-s", "-o", "/dev/null", "-m", "5", "--interface", "127.0.0.2"],
    ...["-w", "%{http_code} %{time_total}", `http://127.0.0.1:${port}${path}`],
  ]);
  const [status, seconds] = output.trim().split(" ");
  return status === "200" ? Number(seconds) * 1000 : null;
}

/** Probes every 20 ms until `signal` aborts; returns the latency summary. */
async function probeLatency(port: number, signal: AbortSignal): Promise<string> {
  const times: number[] = [];
  let failures = 0;
  while (!signal.aborted) {
    const time = await probeOnce(port, "/small.txt");
    if (time === null) failures++;
    else times.push(time);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN;
  return `${times.length} ok, ${failures} failed; p50 ${at(0.5).toFixed(2)} ms, p99 ${
    at(0.99).toFixed(2)
  } ms, max ${(times.at(-1) ?? NaN).toFixed(2)} ms`;
}

/** slowhttptest colours its summary; the escape is built from its code so no literal control character sits in a regular expression. */
const ANSI_COLOUR_REGEXP = new RegExp(`${String.fromCharCode(0x1b)}\\[[0-9;]*m`, "g");

async function attack(name: string, port: number, seconds: number, args: string[]) {
  const controller = new AbortController();
  const latency = probeLatency(port, controller.signal);
  const output = await run("slowhttptest", [...args, "-l", String(seconds), "-o", "/dev/null"]);
  controller.abort();
  const summary = output.split("\n").filter((line) =>
    /closed|pending|connected|service available/i.test(line)
  ).slice(-4).map((line) => line.replace(ANSI_COLOUR_REGEXP, "").trim()).join("; ");
  write(`  ${name}: normal client ${await latency}\n    slowhttptest: ${summary}\n`);
  // Recovery: the attack is over, berth should answer at once.
  write(`    right after: ${(await probeOnce(port, "/small.txt"))?.toFixed(2) ?? "FAILED"} ms\n`);
}

function nginxConfig(dir: string, root: string, port: number, cert: string, key: string): string {
  return `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  server {
    listen 127.0.0.1:${port} ssl http2;
    ssl_certificate ${cert};
    ssl_certificate_key ${key};
    root ${root};
  }
}
`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      "attack-seconds": { type: "string", default: "30" },
      baseline: { type: "string" },
      "skip-attacks": { type: "boolean", default: false },
      "skip-tls": { type: "boolean", default: false },
    },
  });
  for (const tool of ["h2load", "slowhttptest", "openssl"]) {
    if (!(await commandExists(tool))) throw new Error(`${tool} is not installed`);
  }
  const dir = await Deno.makeTempDir({ prefix: "berth-hostile-" });
  await Deno.chmod(dir, 0o755);
  const root = `${dir}/site`;
  await Deno.mkdir(root);
  await Deno.writeFile(`${root}/small.txt`, new Uint8Array(1024).fill(97));
  await Deno.writeFile(`${root}/10m.bin`, new Uint8Array(10 * 1024 * 1024).fill(98));
  const cert = `${dir}/cert.pem`;
  const key = `${dir}/key.pem`;
  await run("openssl", [
    ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
    ...["-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1"],
  ]);
  await Deno.chmod(key, 0o644);
  const variants = [{ name: "berth", main: MAIN_PATH }];
  if (values.baseline !== undefined) {
    variants.push({ name: "base", main: `${values.baseline.replace(/\/$/, "")}/main.ts` });
  }
  const running: Running[] = [];
  try {
    if (!values["skip-tls"]) {
      write("TLS, 1 KB file (h2load):\n");
      const servers: { name: string; url: string }[] = [];
      for (const variant of variants) {
        const server = await startBerth(variant.name, variant.main, root, { cert, key });
        running.push(server);
        servers.push({ name: variant.name, url: `https://127.0.0.1:${server.port}/small.txt` });
      }
      if (await commandExists("nginx")) {
        const port = freePort();
        await Deno.writeTextFile(`${dir}/nginx.conf`, nginxConfig(dir, root, port, cert, key));
        const child = new Deno.Command("nginx", {
          args: ["-c", `${dir}/nginx.conf`, "-p", dir, "-e", `${dir}/nginx-error.log`],
          stdin: "null",
          stdout: "null",
          stderr: "null",
        }).spawn();
        running.push({ name: "nginx", child, port });
        await waitForPort(port);
        servers.push({ name: "nginx", url: `https://127.0.0.1:${port}/small.txt` });
      }
      for (const { name, url } of servers) {
        write(`  ${name} h1 -c1 -n200:  ${await h2load(url, ["-c1", "-n200", "--h1"])}\n`);
        write(`  ${name} h2 -c1 -n200:  ${await h2load(url, ["-c1", "-n200"])}\n`);
        write(`  ${name} h1 -c32 -n20000: ${await h2load(url, ["-c32", "-n20000", "--h1"])}\n`);
        write(`  ${name} h2 -c32 -n20000: ${await h2load(url, ["-c32", "-n20000"])}\n`);
      }
      for (const server of running.splice(0)) await stop(server);
    }
    if (!values["skip-attacks"]) {
      const seconds = values["attack-seconds"]!;
      for (const variant of variants) {
        write(`Slow clients against ${variant.name} (plain HTTP, ulimit -n 1024, ${seconds} s):\n`);
        const server = await startBerth(variant.name, variant.main, root, null);
        running.push(server);
        const url = `http://127.0.0.1:${server.port}`;
        await attack("slowloris, 500 connections", server.port, Number(seconds), [
          ...["-c", "500", "-H", "-i", "10", "-r", "200", "-t", "GET"],
          ...["-u", `${url}/small.txt`, "-x", "24", "-p", "3"],
        ]);
        await attack("slow read, 500 connections", server.port, Number(seconds), [
          ...["-c", "500", "-X", "-r", "200", "-w", "512", "-y", "1024", "-n", "5", "-z", "32"],
          ...["-k", "3", "-u", `${url}/10m.bin`, "-p", "3"],
        ]);
        for (const server of running.splice(0)) await stop(server);
      }
    }
  } finally {
    for (const server of running) await stop(server);
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await main();
