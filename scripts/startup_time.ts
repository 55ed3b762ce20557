/**
 * @module
 * Startup time, process start → first 200: spawns a server command on a free
 * port, polls `GET /` every millisecond until it answers 200, stops it with
 * SIGTERM, and reports the median (and min/max) of N runs after one
 * unmeasured warm-up run (which fills Deno's caches).
 *
 *   deno run -A scripts/startup_time.ts [--runs 10] [--root DIR]
 *
 * Measures berth with the README's command and, as the floor, the minimal
 * `Deno.serve` file server in scripts/startup_floor_server.ts. Deno std's
 * file server is not measured here: it lives only on JSR, which this
 * machine cannot reach (and `@std/http` is not on npm).
 */

import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Deno.args,
  options: { runs: { type: "string", default: "10" }, root: { type: "string" } },
});
const runs = Number(values.runs);
const repo = fileURLToPath(new URL("..", import.meta.url));
const root = values.root ?? await createSite();

/** A server to measure: its name and the argv for a given port. */
interface Candidate {
  name: string;
  command(port: number): string[];
}

const CANDIDATES: Candidate[] = [
  {
    name: "berth (README command)",
    command: (port) => [
      Deno.execPath(),
      "run",
      "--allow-net=127.0.0.1",
      `--allow-read=${root}`,
      `${repo}main.ts`,
      root,
      "--port",
      String(port),
      "--quiet",
    ],
  },
  {
    name: "floor: minimal Deno.serve file server",
    command: (port) => [
      Deno.execPath(),
      "run",
      "--allow-net=127.0.0.1",
      `--allow-read=${root}`,
      `${repo}scripts/startup_floor_server.ts`,
      root,
      String(port),
    ],
  },
];

const results: { name: string; median: number; min: number; max: number }[] = [];
for (const candidate of CANDIDATES) {
  await measureOnce(candidate);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await measureOnce(candidate));
  times.sort((a, b) => a - b);
  const middle = Math.floor(times.length / 2);
  const median = times.length % 2 === 1 ? times[middle] : (times[middle - 1] + times[middle]) / 2;
  results.push({ name: candidate.name, median, min: times[0], max: times.at(-1)! });
}
const lines = [
  `startup time, process start → first 200 (median of ${runs}, Deno ${Deno.version.deno})`,
  ...results.map((r) =>
    `${r.name.padEnd(40)} median ${r.median.toFixed(0)} ms (min ${r.min.toFixed(0)}, max ${
      r.max.toFixed(0)
    })`
  ),
  "deno std file server: not measured, JSR (jsr.io) is unreachable here and @std/http is not on npm",
];
await Deno.stdout.write(new TextEncoder().encode(lines.join("\n") + "\n"));
if (values.root === undefined) await Deno.remove(root, { recursive: true });

async function measureOnce(candidate: Candidate): Promise<number> {
  const port = findFreePort();
  const [program, ...args] = candidate.command(port);
  const started = performance.now();
  const child = new Deno.Command(program, { args, stdout: "null", stderr: "null" }).spawn();
  try {
    const deadline = started + 20_000;
    while (performance.now() < deadline) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/`);
        await response.body?.cancel();
        if (response.status === 200) return performance.now() - started;
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    throw new Error(`${candidate.name} did not answer 200 within 20 s`);
  } finally {
    child.kill("SIGTERM");
    await child.status;
  }
}

function findFreePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function createSite(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "berth-startup-" });
  await Deno.writeTextFile(`${dir}/index.html`, "<!doctype html><title>startup</title>ok\n");
  return await Deno.realPath(dir);
}
