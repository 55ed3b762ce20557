/**
 * @module
 * Starting and stopping the servers under test. berth and the bare
 * `Deno.serve` ceiling listen on port 0 and report their URL through a ready
 * file, so no port is picked, released and raced for; nginx cannot report a
 * port, so it gets a free one found just before it starts (and the bench
 * says so if that port was taken meanwhile). Every server is stopped by PID.
 */

/** One server under test. */
export interface Server {
  name: string;
  pid: number;
  url: string;
  child: Deno.ChildProcess;
}

/** Prefixes `command` with taskset when a CPU list is given. */
function pinned(command: string[], pin: string | null): string[] {
  return pin === null ? command : ["taskset", "-c", pin, ...command];
}

function spawn(command: string[], pin: string | null): Deno.ChildProcess {
  const argv = pinned(command, pin);
  return new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdin: "null",
    // The access log of the default variant goes here: a sink that never
    // stalls berth, like a log collector that keeps up.
    stdout: "null",
    stderr: "null",
  }).spawn();
}

/** Sends SIGTERM to `server` (already gone is fine). */
export function stopServer(server: Pick<Server, "pid">): void {
  try {
    Deno.kill(server.pid, "SIGTERM");
  } catch {
    // Already gone.
  }
}

/**
 * Starts a server that writes its URL (one line) to `readyFile` once
 * listening, and returns when that line is complete and the URL answers.
 */
export async function startWithReadyFile(
  name: string,
  command: string[],
  readyFile: string,
  pin: string | null,
): Promise<Server> {
  await Deno.remove(readyFile).catch(() => {});
  const child = spawn(command, pin);
  const deadline = Date.now() + 20_000;
  let exited = false;
  child.status.then(() => exited = true);
  while (Date.now() < deadline && !exited) {
    const text = await Deno.readTextFile(readyFile).catch(() => "");
    if (text.endsWith("\n")) {
      const url = text.trim();
      const response = await fetch(url).catch(() => null);
      await response?.body?.cancel();
      if (response !== null) return { name, pid: child.pid, url, child };
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  stopServer(child);
  await child.status;
  throw new Error(`${name} ${exited ? "exited before it was ready" : "was not ready within 20 s"}`);
}

/** A port that was free a moment ago (for nginx only, which cannot report the one it got). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Starts a server on a known URL and returns once it answers. */
export async function startOnUrl(
  name: string,
  command: string[],
  url: string,
  pin: string | null,
): Promise<Server> {
  const child = spawn(command, pin);
  const deadline = Date.now() + 20_000;
  let exited = false;
  child.status.then(() => exited = true);
  while (Date.now() < deadline && !exited) {
    const response = await fetch(url).catch(() => null);
    await response?.body?.cancel();
    if (response !== null) return { name, pid: child.pid, url, child };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  stopServer(child);
  await child.status;
  throw new Error(`${name} did not answer on ${url} (port taken meanwhile, or it failed to start)`);
}

/** Peak resident set size in MB (VmHWM) of a process, or null when unreadable. */
export async function peakRssMb(pid: number): Promise<number | null> {
  try {
    // Deno wants --allow-all for /proc; reading it through cat needs only --allow-run.
    const { stdout } = await new Deno.Command("cat", { args: [`/proc/${pid}/status`] }).output();
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(new TextDecoder().decode(stdout));
    return match === null ? null : Number(match[1]) / 1024;
  } catch {
    return null;
  }
}

/** The bare `Deno.serve` ceiling: 1 KB from memory, URL written to the ready file in argv[0]. */
export const BARE_SERVER_SOURCE = `
const body = new Uint8Array(1024).fill(97);
Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen({ port }) { Deno.writeTextFileSync(Deno.args[0], "http://127.0.0.1:" + port + "/\\n"); },
}, () => new Response(body, { headers: { "content-type": "text/plain" } }));
`;
