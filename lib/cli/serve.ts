/**
 * @module
 * `berth serve` once prepared (startup.ts): start logging, listen, start the
 * `--workers` isolates, log the startup lines, watch the rules, announce
 * readiness (ready line and file), then wait for SIGINT/SIGTERM and stop
 * gracefully, bounded in time. A failure after listening is thrown as a
 * typed error once everything started is stopped again.
 */

import { getLogger } from "@logtape/logtape";
import { ConfigError } from "../config/errors.ts";
import { loadSettings, type LoadSettingsOptions } from "../config/load.ts";
import type { Settings } from "../config/schema.ts";
import { writeAuditEvent } from "../log/audit.ts";
import { LOG_CATEGORY, setupLoggingFromSettings, shutdownLogging } from "../log/setup.ts";
import { loadSiteRules, type LoadSiteRulesResult } from "../rules/site_rules.ts";
import { type RulesWatcher, watchSiteRules } from "../rules/watch_rules.ts";
import type { Runtime } from "../runtime.ts";
import { type RunningInstance, startInstance, TlsError } from "../server.ts";
import {
  announceAuth,
  checkSpaPage,
  logConnectionLimits,
  logFeatures,
  logIsolates,
  logListening,
  logSiteRules,
} from "../startup_log.ts";
import { EXIT_CODE } from "./exit_codes.ts";
import { removeReadyFile, removeReadyFileSync, writeReadyFile } from "./ready_file.ts";
import { type ServePlan, StartupError } from "./startup.ts";
import { startWorkerPool, type WorkerPool } from "./worker_pool.ts";

/**
 * Serves `plan` until a stop signal and resolves to the exit code; always
 * releases the plan. `sources` are where the settings came from, read again
 * when the rules change.
 *
 * @throws {AddressInUseError}, `BindRefusedError` or
 * {@linkcode TlsError} when it cannot listen;
 * {@linkcode StartupError} when the workers or the ready file fail.
 */
export async function serve(plan: ServePlan, sources: LoadSettingsOptions): Promise<number> {
  const { runtime, loaded, workerCount } = plan;
  const { settings } = runtime;
  // The audit log records a shutdown only for a server that started.
  let announced = false;
  let rulesWatcher: RulesWatcher | undefined;
  let workers: WorkerPool | undefined;
  let instance: RunningInstance | undefined;
  try {
    await setupLoggingFromSettings(settings);
    const logger = getLogger([...LOG_CATEGORY]);
    instance = await startInstance(runtime, {
      tls: plan.tls,
      reusePort: workerCount > 1,
      isolates: workerCount,
      watchCache: !plan.embedded,
      onTrouble: (message) => logger.warn("{message}", { message }),
    });
    logConnectionLimits(instance.budget, settings.limits);
    if (workerCount > 1) {
      workers = await startWorkerPool({
        count: workerCount - 1,
        settings,
        root: runtime.root,
        port: instance.port,
        tls: plan.tls,
        configFile: loaded.configFile,
        budget: instance.budget,
      }).catch((error: Error) => {
        throw new StartupError(
          EXIT_CODE.USAGE,
          `Cannot start ${workerCount} workers: ${error.message}`,
          { cause: error },
        );
      });
      logIsolates(workerCount, instance.port);
    }
    logFeatures(loaded, runtime.root, plan.tls !== undefined);
    announceAuth(runtime);
    announced = true;
    await checkSpaPage(runtime);
    logSiteRules(runtime);
    if (settings.watchRules && !plan.embedded) {
      const pool = workers;
      rulesWatcher = watchSiteRules({
        root: runtime.root,
        configFile: loaded.configFile,
        holder: runtime.siteRules,
        reload: () => reloadSiteRules(sources, runtime),
        // Every isolate answers with the rules the main one just loaded.
        onReload: (result) => result.ok && pool?.setRules(result.rules),
      });
    }
    return await serveUntilStopped(plan, instance, workers);
  } finally {
    if (instance !== undefined) await instance.stop(0);
    await workers?.stop(0);
    plan.close();
    rulesWatcher?.close();
    if (settings.readyFile !== undefined) await removeReadyFile(settings.readyFile);
    if (announced) writeAuditEvent({ event: "shutdown" });
    await shutdownLogging();
  }
}

/** Announces readiness, waits for a stop signal, then stops within the grace period. */
async function serveUntilStopped(
  plan: ServePlan,
  instance: RunningInstance,
  workers: WorkerPool | undefined,
): Promise<number> {
  const { settings } = plan.runtime;
  const logger = getLogger([...LOG_CATEGORY]);
  // Listen for SIGTERM before announcing readiness: a CI script may stop
  // berth the moment the ready line or file appears.
  const stop = waitForStopSignal();
  try {
    logListening(instance.url);
    if (settings.readyFile !== undefined) await writeReadyFile(settings.readyFile, instance.url);
    const certReload = plan.tlsFiles === null
      ? undefined
      : watchCertificateReload({ files: plan.tlsFiles, instance, logger });
    await Promise.race([stop.signalled, instance.finished]);
    certReload?.dispose();
  } finally {
    stop.dispose();
  }
  // A second SIGINT/SIGTERM during the grace period stops at once (exit 130/143).
  const force = waitForStopSignal();
  force.signalled.then((signal) => {
    if (settings.readyFile !== undefined) removeReadyFileSync(settings.readyFile);
    Deno.exit(signal === "SIGINT" ? EXIT_CODE.INTERRUPTED : EXIT_CODE.TERMINATED);
  });
  logger.info("Shutting down: waiting up to {timeoutMs} ms for open responses", {
    timeoutMs: settings.shutdownTimeoutMs,
  });
  await Promise.all([
    instance.stop(settings.shutdownTimeoutMs),
    workers?.stop(settings.shutdownTimeoutMs),
  ]);
  force.dispose();
  logger.info("Stopped");
  return EXIT_CODE.OK;
}

/**
 * Reads the rules again for hot reload: the settings are loaded from the
 * same sources as at startup (so a flag or `BERTH_*` variable wins over the
 * file exactly as it did then), and the root's files with their
 * `headerRules` / `redirectRules`; other settings need a restart.
 */
async function reloadSiteRules(
  sources: LoadSettingsOptions,
  runtime: Runtime,
): Promise<LoadSiteRulesResult> {
  let settings: Settings;
  try {
    ({ settings } = await loadSettings(sources));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { ok: false, problems: [{ source: "config", line: 0, message: error.message }] };
  }
  return await loadSiteRules({ fs: runtime.fs, root: runtime.root, config: settings });
}

/** Resolves with the first SIGINT or SIGTERM (SIGINT only on Windows). */
function waitForStopSignal(): { signalled: Promise<Deno.Signal>; dispose(): void } {
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  let resolve!: (signal: Deno.Signal) => void;
  const signalled = new Promise<Deno.Signal>((done) => resolve = done);
  const listeners = signals.map((signal) => [signal, () => resolve(signal)] as const);
  for (const [signal, listener] of listeners) Deno.addSignalListener(signal, listener);
  return {
    signalled,
    dispose: () =>
      listeners.forEach(([signal, listener]) => Deno.removeSignalListener(signal, listener)),
  };
}

/**
 * Re-reads the certificate and key on SIGHUP (not on Windows) and swaps them
 * in for new connections, so a renewed certificate needs no restart; a file
 * that cannot be read or parsed keeps the old certificate and logs why.
 */
function watchCertificateReload(options: {
  files: { cert: string; key: string };
  instance: Pick<RunningInstance, "setCertificate">;
  logger: ReturnType<typeof getLogger>;
}): { dispose(): void } {
  if (Deno.build.os === "windows") return { dispose() {} };
  const { files, instance, logger } = options;
  const listener = async () => {
    try {
      const [cert, key] = await Promise.all(
        [files.cert, files.key].map((file) => Deno.readTextFile(file)),
      );
      instance.setCertificate({ cert, key });
      logger.info("Reloaded the TLS certificate from {cert}", { cert: files.cert });
    } catch (error) {
      logger.warn("Kept the old TLS certificate: {problem}", {
        problem: error instanceof TlsError
          ? error.message
          : `cannot read ${files.cert}, ${files.key}`,
      });
    }
  };
  Deno.addSignalListener("SIGHUP", listener);
  return { dispose: () => Deno.removeSignalListener("SIGHUP", listener) };
}
