/**
 * @module
 * Starts berth as a real subprocess with the README's minimal permissions
 * (`--allow-net=127.0.0.1 --allow-read=ROOT`) on port 0, reads the ready line
 * for its URL, and stops it by PID in `stop()`.
 */

import { fileURLToPath } from "node:url";

/** Path of main.ts, the entry the README runs. */
export const MAIN_PATH = fileURLToPath(new URL("../../main.ts", import.meta.url));
/** The project's deno.json, for entries outside the project (staged embedded sites). */
export const DENO_CONFIG_PATH = fileURLToPath(new URL("../../deno.json", import.meta.url));

/** Options for {@linkcode startBerth}. */
export interface StartBerthOptions {
  /** Root directory to serve (also the only path granted read access). */
  root: string;
  /** Extra CLI arguments after the root. */
  args?: readonly string[];
  /** Deno permission flags; defaults to the README's minimal set for `root`. */
  permissions?: readonly string[];
  /** Environment for the child (added to a minimal one). */
  env?: Record<string, string>;
  /** Working directory of the child. */
  cwd?: string;
  /**
   * Entry module to run instead of main.ts, e.g. a staged embedded site's
   * generated entry. Such entries bring their own root, so `root` is then only
   * granted read access, not passed as an argument.
   */
  entry?: string;
  /** A compiled berth to start directly instead of `deno run` (its permissions are baked in). */
  executable?: string;
  /** Pass `root` as the ROOT argument; defaults to true except with `entry` (embedded sites take none). */
  passRoot?: boolean;
}

/** A running berth child process. */
export interface BerthProcess {
  /** Base URL from the ready line, ending in `/`. */
  url: string;
  /** Every stdout line read so far (the reader keeps collecting). */
  lines: string[];
  /** The child. */
  child: Deno.ChildProcess;
  /** Sends `signal` (default SIGTERM) and resolves to the exit status. */
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

/** The URL in the ready line: IPv4 loopback, or IPv6 loopback in brackets. */
const READY_URL_REGEXP = /(https?:\/\/(?:127\.0\.0\.1|\[::1\]):\d+\/)/;

/**
 * Registers a test that drives berth subprocesses. The op and resource
 * sanitizers are off: a child's stdout reader outlives single tests. Pass
 * `ignore` (with the reason in the name) where the test cannot run.
 */
export function processTest(
  name: string,
  fn: () => Promise<void>,
  options: { ignore?: boolean } = {},
): void {
  Deno.test({
    name,
    ignore: options.ignore ?? false,
    sanitizeOps: false,
    sanitizeResources: false,
    fn,
  });
}

/** Minimal permission flags the README tells users to use. */
export function minimalPermissions(root: string): string[] {
  return ["--allow-net=127.0.0.1", `--allow-read=${root}`];
}

/** Spawns berth and waits (bounded) for its ready line. */
export async function startBerth(options: StartBerthOptions): Promise<BerthProcess> {
  const permissions = options.permissions ?? minimalPermissions(options.root);
  const denoRun = [
    "run",
    "--quiet",
    ...(options.entry === undefined ? [] : [`--config=${DENO_CONFIG_PATH}`]),
    ...permissions,
    options.entry ?? MAIN_PATH,
  ];
  const passRoot = options.passRoot ?? options.entry === undefined;
  const child = new Deno.Command(options.executable ?? Deno.execPath(), {
    args: [
      ...(options.executable === undefined ? denoRun : []),
      ...(passRoot ? [options.root] : []),
      "--port",
      "0",
      "--log-format",
      "json",
      ...(options.args ?? []),
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    cwd: options.cwd,
    env: { NO_COLOR: "1", ...options.env },
  }).spawn();
  const lines: string[] = [];
  const stderrText = new Response(child.stderr).text();
  const url = await readReadyUrl(child.stdout, lines).catch(async (error) => {
    child.kill("SIGKILL");
    await child.status;
    throw new Error(
      `berth did not start: ${error.message}\nstdout: ${
        lines.join("\n")
      }\nstderr: ${await stderrText}`,
    );
  });
  let stopped: Promise<Deno.CommandStatus> | null = null;
  return {
    url,
    lines,
    child,
    stop(signal: Deno.Signal = "SIGTERM") {
      if (stopped) return stopped;
      try {
        child.kill(signal);
      } catch {
        // Already exited.
      }
      stopped = Promise.all([child.status, stderrText]).then(([status]) => status);
      return stopped;
    },
  };
}

/** Moves the complete lines of `text` onto `lines`; returns the unfinished rest. */
function takeLines(text: string, lines: string[]): string {
  let start = 0;
  let newline: number;
  while ((newline = text.indexOf("\n", start)) >= 0) {
    lines.push(text.slice(start, newline));
    start = newline + 1;
  }
  return text.slice(start);
}

async function readReadyUrl(stream: ReadableStream<Uint8Array>, lines: string[]): Promise<string> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  let url: string | null = null;
  const deadline = setTimeout(() => reader.cancel(new Error("timed out")).catch(() => {}), 20_000);
  try {
    while (url === null) {
      const { value, done } = await reader.read();
      if (done) throw new Error("stdout closed before the ready line");
      const before = lines.length;
      buffered = takeLines(buffered + value, lines);
      for (let i = before; i < lines.length && url === null; i++) {
        url = lines[i].match(READY_URL_REGEXP)?.[1] ?? null;
      }
    }
  } finally {
    clearTimeout(deadline);
  }
  // Keep draining stdout in the background so the child never blocks on a full pipe.
  (async () => {
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered = takeLines(buffered + value, lines);
      }
    } catch {
      // The child went away.
    }
  })();
  return url;
}

/** Runs berth to completion (for CLI errors) and returns its exit code and output. */
export async function runBerth(
  args: readonly string[],
  options: {
    permissions: readonly string[];
    env?: Record<string, string>;
    cwd?: string;
    stdin?: string;
    /** Entry module to run instead of main.ts (see {@linkcode StartBerthOptions.entry}). */
    entry?: string;
  },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const config = options.entry === undefined ? [] : [`--config=${DENO_CONFIG_PATH}`];
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      ...config,
      ...options.permissions,
      options.entry ?? MAIN_PATH,
      ...args,
    ],
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    cwd: options.cwd,
    env: { NO_COLOR: "1", ...options.env },
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const output = await child.output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/**
 * Sends raw bytes over TCP and returns everything the server sent until it
 * closed the connection or `timeoutMs` passed. For paths `fetch` would normalize.
 */
export async function rawRequest(
  url: string,
  request: string,
  options: { timeoutMs?: number } = {},
): Promise<string> {
  const { hostname, port } = new URL(url);
  const connection = await Deno.connect({ hostname, port: Number(port) });
  const timer = setTimeout(() => {
    try {
      connection.close();
    } catch {
      // Already closed.
    }
  }, options.timeoutMs ?? 5_000);
  try {
    await connection.write(new TextEncoder().encode(request));
    const chunks: Uint8Array[] = [];
    const buffer = new Uint8Array(64 * 1024);
    while (true) {
      let read: number | null;
      try {
        read = await connection.read(buffer);
      } catch {
        break;
      }
      if (read === null) break;
      chunks.push(buffer.slice(0, read));
    }
    return new TextDecoder().decode(concatBytes(chunks));
  } finally {
    clearTimeout(timer);
    try {
      connection.close();
    } catch {
      // Already closed by the timer.
    }
  }
}

function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Status code of a raw HTTP/1.x response text. */
export function rawStatus(response: string): number {
  return Number(response.match(/^HTTP\/1\.[01] (\d{3})/)?.[1] ?? 0);
}
