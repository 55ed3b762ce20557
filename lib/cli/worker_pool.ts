/**
 * @module
 * `--workers N`: extra isolates (Web Workers) that each compile their own
 * runtime (hot-file cache included) and listen on the main isolate's port
 * with SO_REUSEPORT, so the kernel spreads connections across them. The main
 * isolate binds first (which settles `--port 0`), starts the others, prints
 * the ready line once they all listen, hands them the site rules it
 * reloads, and stops them on shutdown.
 * Workers inherit the process's Deno permissions; nothing is widened.
 */

import type { Settings } from "../config/schema.ts";
import type { SiteRules } from "../rules/site_rules.ts";
import type { ConnectionBudget } from "../transport/fd_limit.ts";

/** What the main isolate sends a worker to start it. */
export interface WorkerStartMessage {
  kind: "start";
  settings: Settings;
  root: string;
  port: number;
  tls?: { cert: string; key: string };
  /** The config file in use: one of berth's own files, never served. */
  configFile?: string | null;
  /** The main isolate's connection budget (already shared out between the isolates). */
  budget: ConnectionBudget;
}

/** What the main isolate sends a worker after a hot reload: the rules now in force. */
export interface WorkerRulesMessage {
  kind: "rules";
  rules: SiteRules;
}

/** What the main isolate sends a worker to stop it within `timeoutMs`. */
export interface WorkerStopMessage {
  kind: "stop";
  timeoutMs: number;
}

/** Every message a worker receives. */
export type WorkerMessage = WorkerStartMessage | WorkerRulesMessage | WorkerStopMessage;

/** What a worker answers. */
export type WorkerReply =
  | { kind: "ready" }
  | { kind: "failed"; message: string }
  | { kind: "stopped" };

/** Options for {@linkcode startWorkerPool}. */
export interface WorkerPoolOptions {
  /** Extra isolates to start (the main isolate serves too). */
  count: number;
  /** Effective settings, passed to each worker as they are. */
  settings: Settings;
  /** Real root path. */
  root: string;
  /** The port the main isolate bound. */
  port: number;
  /** TLS material, when serving TLS. */
  tls?: { cert: string; key: string };
  /** The config file in use, so workers hide it too. */
  configFile?: string | null;
  /** The connection budget the main isolate derived, used as it is by every worker. */
  budget: ConnectionBudget;
}

/** The running extra isolates. */
export interface WorkerPool {
  /**
   * Hands every worker the rules the main isolate reloaded, so all isolates
   * answer with the same rules (structured clone keeps the compiled patterns).
   */
  setRules(rules: SiteRules): void;
  /**
   * Asks every worker to stop gracefully within `timeoutMs`, then terminates
   * them; a second call waits for the first.
   */
  stop(timeoutMs: number): Promise<void>;
}

/** `auto` → one isolate per CPU; numbers pass through; always at least 1. */
export function resolveWorkerCount(value: number | string): number {
  if (value === "auto") return Math.max(1, navigator.hardwareConcurrency || 1);
  const count = typeof value === "number" ? value : Number(value);
  return Number.isInteger(count) && count >= 1 ? count : 1;
}

/**
 * Says why this process cannot run several isolates on one port, or null
 * when it can: SO_REUSEPORT balancing is Linux-only, Deno exposes
 * `reusePort` only with `--unstable-net` (it exits the process otherwise),
 * and a worker's module is read from disk, which needs read access to it
 * unless berth runs as a compiled binary.
 */
export async function checkWorkerSupport(): Promise<string | null> {
  if (Deno.build.os !== "linux") return "several isolates can share a port on Linux only";
  if (typeof (Deno as { listenDatagram?: unknown }).listenDatagram !== "function") {
    return "Deno needs the --unstable-net flag to share a port between isolates " +
      "(deno run --unstable-net ... main.ts --workers N)";
  }
  if (WORKER_URL.protocol === "file:" && Deno.build.standalone !== true) {
    // Not node:url's fileURLToPath: loading that polyfill costs ~30 ms of startup.
    const modules = decodeURIComponent(new URL("../..", WORKER_URL).pathname);
    const { state } = await Deno.permissions.query({ name: "read", path: modules });
    if (state !== "granted") {
      return `workers load berth's modules from disk: add read access to them, ` +
        `e.g. --allow-read=<root>,${modules}`;
    }
  }
  return null;
}

const WORKER_URL = new URL("./worker_entry.ts", import.meta.url);
/** How long to wait for every worker to listen, in ms. */
const START_TIMEOUT_MS = 15_000;

/**
 * Starts `options.count` workers on `options.port` and resolves once all of
 * them listen; if one fails, the others are terminated and this throws.
 */
export async function startWorkerPool(options: WorkerPoolOptions): Promise<WorkerPool> {
  const workers: Worker[] = [];
  const start: WorkerStartMessage = {
    kind: "start",
    settings: options.settings,
    root: options.root,
    port: options.port,
    tls: options.tls,
    configFile: options.configFile,
    budget: options.budget,
  };
  try {
    await Promise.all(Array.from({ length: options.count }, () => {
      const worker = new Worker(WORKER_URL, { type: "module" });
      workers.push(worker);
      return waitForReply(worker, "ready", START_TIMEOUT_MS, () => worker.postMessage(start));
    }));
  } catch (error) {
    for (const worker of workers) worker.terminate();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  const stopAll = async (timeoutMs: number) => {
    const stop: WorkerStopMessage = { kind: "stop", timeoutMs };
    await Promise.all(
      workers.map((worker) =>
        waitForReply(worker, "stopped", timeoutMs + 1000, () => worker.postMessage(stop))
          .catch(() => {})
      ),
    );
    for (const worker of workers) worker.terminate();
  };
  return {
    setRules(rules) {
      if (stopping !== undefined) return;
      const message: WorkerRulesMessage = { kind: "rules", rules };
      for (const worker of workers) worker.postMessage(message);
    },
    stop(timeoutMs) {
      stopping ??= stopAll(timeoutMs);
      return stopping;
    },
  };
}

/** Sends via `send` and resolves on the wanted reply; rejects on failure, error or timeout. */
function waitForReply(
  worker: Worker,
  wanted: "ready" | "stopped",
  timeoutMs: number,
  send: () => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`A worker did not report "${wanted}" within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (event: MessageEvent<WorkerReply>) => {
      if (event.data.kind === wanted) {
        cleanup();
        resolve();
      } else if (event.data.kind === "failed") {
        cleanup();
        reject(new Error(event.data.message));
      }
    };
    const onError = (event: ErrorEvent) => {
      event.preventDefault();
      cleanup();
      reject(new Error(`A worker failed: ${event.message}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      worker.removeEventListener("message", onMessage);
      worker.removeEventListener("error", onError);
    };
    worker.addEventListener("message", onMessage);
    worker.addEventListener("error", onError);
    send();
  });
}
