/**
 * @module
 * The code one `--workers` isolate runs: on "start", set up logging, build the
 * app with its own hot-file cache (and watcher), listen on the given port with
 * SO_REUSEPORT and answer "ready"; on "stop", shut down gracefully and answer
 * "stopped". See worker_pool.ts for the main isolate's side.
 */

/// <reference lib="deno.worker" />

import { createApp, createAppCache } from "../app.ts";
import { type AuthRuntime, loadAuth } from "../auth/load_auth.ts";
import { denoFileSystemWithPool } from "../fs/deno_fs.ts";
import { createOpenFilePool, SERVER_OPEN_FILE_POOL } from "../fs/open_file_pool.ts";
import { proxyOptionsOf } from "../http/client_address.ts";
import { setupLoggingFromSettings, shutdownLogging } from "../log/setup.ts";
import { type RunningServer, startServer } from "../server.ts";
import type { CacheWatch } from "../serve/file_cache.ts";
import { resolveWorkerCount, type WorkerReply, type WorkerStartMessage } from "./worker_pool.ts";

let server: RunningServer | null = null;
let cacheWatch: CacheWatch | null = null;
let auth: AuthRuntime | null = null;
const openFiles = createOpenFilePool(SERVER_OPEN_FILE_POOL);
const fs = denoFileSystemWithPool(openFiles);

function reply(message: WorkerReply): void {
  self.postMessage(message);
}

/** Builds the app and listens; reports "ready" or "failed" (never throws). */
async function start(message: WorkerStartMessage): Promise<void> {
  const { settings, root } = message;
  try {
    await setupLoggingFromSettings(settings);
    const cache = createAppCache({ settings, fs });
    // Each isolate watches the users file itself, so every one sees a change.
    auth = await loadAuth(settings, { watch: true });
    const handler = await createApp({
      auth,
      settings,
      fs,
      root,
      tls: message.tls !== undefined,
      cache,
      configFile: message.configFile,
    });
    if (settings.cache.enabled && settings.cache.watch) cacheWatch = cache.watch(root);
    server = await startServer({
      handler,
      hostname: settings.host,
      port: message.port,
      tls: message.tls,
      proxy: proxyOptionsOf(settings),
      reusePort: true,
      limits: settings.limits,
      isolates: resolveWorkerCount(settings.workers),
    });
    reply({ kind: "ready" });
  } catch (error) {
    reply({ kind: "failed", message: error instanceof Error ? error.message : String(error) });
  }
}

/** Stops listening, lets open responses finish (bounded), then reports "stopped". */
async function stop(timeoutMs: number): Promise<void> {
  try {
    await server?.shutdown(timeoutMs);
    cacheWatch?.close();
    openFiles.close();
    auth?.close();
    await shutdownLogging();
  } finally {
    reply({ kind: "stopped" });
  }
}

self.onmessage = (
  event: MessageEvent<WorkerStartMessage | { kind: "stop"; timeoutMs: number }>,
) => {
  const message = event.data;
  if (message.kind === "start") void start(message);
  else if (message.kind === "stop") void stop(message.timeoutMs);
};
