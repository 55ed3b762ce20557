/**
 * @module
 * The code one `--workers` isolate runs: on "start", set up logging, compile
 * its own runtime (hot-file cache and users-file watch included), start an
 * instance on the given port with SO_REUSEPORT and answer "ready"; on
 * "rules", swap in the site rules the main isolate reloaded; on "stop", stop
 * gracefully and answer "stopped". See worker_pool.ts for the main isolate's side.
 */

/// <reference lib="deno.worker" />

import { denoFileSystemWithPool } from "../fs/deno_fs.ts";
import { createOpenFilePool, SERVER_OPEN_FILE_POOL } from "../fs/open_file_pool.ts";
import { setupLoggingFromSettings, shutdownLogging } from "../log/setup.ts";
import { compileRuntime, type Runtime } from "../runtime.ts";
import { type RunningInstance, startInstance } from "../server.ts";
import {
  resolveWorkerCount,
  type WorkerMessage,
  type WorkerReply,
  type WorkerStartMessage,
} from "./worker_pool.ts";

let instance: RunningInstance | null = null;
let runtime: Runtime | null = null;
const openFiles = createOpenFilePool(SERVER_OPEN_FILE_POOL);
const fs = denoFileSystemWithPool(openFiles);

function reply(message: WorkerReply): void {
  self.postMessage(message);
}

/** Compiles the runtime and listens; reports "ready" or "failed" (never throws). */
async function start(message: WorkerStartMessage): Promise<void> {
  const { settings, root } = message;
  try {
    await setupLoggingFromSettings(settings);
    // Each isolate watches the users file itself, so every one sees a change.
    runtime = await compileRuntime(settings, {
      fs,
      root,
      tls: message.tls !== undefined,
      configFile: message.configFile,
      watch: true,
    });
    instance = await startInstance(runtime, {
      port: message.port,
      tls: message.tls,
      reusePort: true,
      isolates: resolveWorkerCount(settings.workers),
      budget: message.budget,
      watchCache: true,
    });
    reply({ kind: "ready" });
  } catch (error) {
    reply({ kind: "failed", message: error instanceof Error ? error.message : String(error) });
  }
}

/** Stops listening, lets open responses finish (bounded), then reports "stopped". */
async function stop(timeoutMs: number): Promise<void> {
  try {
    await instance?.stop(timeoutMs);
    openFiles.close();
    runtime?.close();
    await shutdownLogging();
  } finally {
    reply({ kind: "stopped" });
  }
}

self.onmessage = (event: MessageEvent<WorkerMessage>) => {
  const message = event.data;
  if (message.kind === "start") void start(message);
  else if (message.kind === "rules") runtime?.siteRules.set(message.rules);
  else if (message.kind === "stop") void stop(message.timeoutMs);
};
