/**
 * @module
 * The CLI driver: parse arguments, load settings, check permissions, start the
 * server, and stop it cleanly on SIGINT/SIGTERM. Returns the exit code instead
 * of exiting, so it can be tested in-process.
 */

import { dirname, join } from "node:path";
import { getLogger } from "@logtape/logtape";
import { createApp, createAppCache } from "../app.ts";
import type { CacheWatch } from "../serve/file_cache.ts";
import {
  checkWorkerSupport,
  resolveWorkerCount,
  startWorkerPool,
  type WorkerPool,
} from "./worker_pool.ts";
import { ConfigError } from "../config/errors.ts";
import {
  CONFIG_ENV_NAME,
  type LoadedSettings,
  loadSettings,
  SETTINGS_ENV_NAMES,
} from "../config/load.ts";
import { denoFileSystem, denoFileSystemWithPool } from "../fs/deno_fs.ts";
import { createOpenFilePool, SERVER_OPEN_FILE_POOL } from "../fs/open_file_pool.ts";
import { realRoot } from "../fs/resolve_path.ts";
import { proxyOptionsOf } from "../http/client_address.ts";
import { LOG_CATEGORY, setupLoggingFromSettings, shutdownLogging } from "../log/setup.ts";
import { writeAuditEvent } from "../log/audit.ts";
import { announceAuth, listAuthAccess, loadAuth } from "../auth/load_auth.ts";
import {
  describeMissingPermissions,
  findMissingPermissions,
  listPermissionNeeds,
  readGrantedEnv,
} from "../permissions.ts";
import { AddressInUseError, startServer, TlsError } from "../server.ts";
import type { ConnectionBudget } from "../transport/fd_limit.ts";
import { loadSiteRulesHolder } from "../app.ts";
import type { FileSystem } from "../fs/types.ts";
import {
  ReadyFileError,
  removeReadyFile,
  removeReadyFileSync,
  removeStaleReadyFile,
  writeReadyFile,
} from "../ready_file.ts";
import { readConfigRules } from "../rules/config_rules.ts";
import { RulesError } from "../rules/rule_error.ts";
import {
  type ConfigRules,
  loadSiteRules,
  type LoadSiteRulesResult,
  type SiteRulesHolder,
} from "../rules/site_rules.ts";
import { type RulesWatcher, watchSiteRules } from "../rules/watch_rules.ts";
import { BERTH_VERSION, detectBuildMode, isStandalone } from "../version.ts";
import { createEmbeddedFileSystem, type EmbeddedSite, resolveEmbeddedPaths } from "../embedded.ts";
import { CliError, type CliValues, parseCli } from "./args.ts";
import { renderCheckReport } from "./check.ts";
import { EXIT_CODE } from "./exit_codes.ts";
import { renderHelp, renderVersion } from "./help.ts";
import { writeStderr, writeStdout } from "./output.ts";

/** Options for {@linkcode runCli}. */
export interface RunCliOptions {
  /** Set by the entry module of a binary built with `deno task compile --site`. */
  embedded?: EmbeddedSite;
}

/** Runs berth with `args` (without the program name) and resolves to the exit code. */
export async function runCli(
  args: readonly string[],
  options: RunCliOptions = {},
): Promise<number> {
  const { embedded } = options;
  try {
    const command = parseCli([...args]);
    switch (command.kind) {
      case "help":
        writeStdout(renderHelp({ topic: command.topic }));
        return EXIT_CODE.OK;
      case "version":
        writeStdout(
          renderVersion({
            berth: BERTH_VERSION,
            deno: Deno.version.deno,
            mode: detectBuildMode({ standalone: isStandalone(), embedded: embedded !== undefined }),
          }) + "\n",
        );
        return EXIT_CODE.OK;
      case "check": {
        const loaded = await loadFromCli(command.values, embedded);
        const rulesProblem = await checkSiteRules(loaded);
        if (rulesProblem !== null) {
          writeStderr(`berth: ${rulesProblem}\n`);
          return EXIT_CODE.USAGE;
        }
        writeStdout(renderCheckReport(loaded));
        return EXIT_CODE.OK;
      }
      case "serve":
        return await serve(await loadFromCli(command.values, embedded), embedded);
      case "user":
        // Loaded on demand: it pulls in the password hashing code (hash-wasm).
        return await (await import("./user.ts")).runUserCli(command.subcommand, command.args);
    }
  } catch (error) {
    if (error instanceof CliError || error instanceof ConfigError) {
      writeStderr(`berth: ${error.message}\n`);
      return EXIT_CODE.USAGE;
    }
    throw error;
  }
}

async function loadFromCli(values: CliValues, embedded?: EmbeddedSite): Promise<LoadedSettings> {
  const env = await readGrantedEnv(SETTINGS_ENV_NAMES);
  if (embedded === undefined) {
    return await loadSettings({
      cli: values.settings,
      configPath: values.configPath,
      env,
      cwd: Deno.cwd(),
    });
  }
  // An embedded site brings its root and config; only flags and BERTH_* variables add to them.
  if (values.settings.root !== undefined || values.configPath !== undefined) {
    throw new CliError(
      `This berth binary serves the site built into it: remove the ${
        values.configPath !== undefined ? "--config option" : "ROOT argument"
      }`,
    );
  }
  const paths = resolveEmbeddedPaths(embedded);
  return await loadSettings({
    cli: { ...values.settings, root: paths.root },
    configPath: paths.config ?? undefined,
    env: env === undefined ? undefined : withoutConfigVariable(env),
    cwd: Deno.cwd(),
    // Without an embedded config, never pick up a berth.json from the working directory.
    fileExists: () => Promise.resolve(false),
  });
}

/** Appended to a missing-permission message inside a `deno compile` executable. */
const COMPILED_PERMISSIONS_HINT =
  " (this compiled berth's permissions were fixed when it was built: run main.ts with deno run and that flag instead)";

function withoutConfigVariable(env: Record<string, string>): Record<string, string> {
  const { [CONFIG_ENV_NAME]: _ignored, ...rest } = env;
  return rest;
}

async function serve(loaded: LoadedSettings, embedded?: EmbeddedSite): Promise<number> {
  const { settings } = loaded;
  const tlsFiles = settings.cert && settings.key ? [settings.cert, settings.key] : [];
  const authAccess = listAuthAccess(settings);
  const missing = await findMissingPermissions(listPermissionNeeds({
    root: settings.root,
    hostname: settings.host,
    port: settings.port,
    readFiles: [...tlsFiles, ...authAccess.readFiles],
    writeFiles: [
      ...(settings.readyFile === undefined ? [] : [settings.readyFile]),
      ...authAccess.writeFiles,
    ],
    envVars: authAccess.envVars,
    netHosts: authAccess.netHosts,
  }));
  if (missing.length > 0) {
    // A compiled binary's permissions are baked in: the flag cannot be added at run time.
    const hint = isStandalone() ? COMPILED_PERMISSIONS_HINT : "";
    writeStderr(`berth: ${describeMissingPermissions(missing)}${hint}\n`);
    return EXIT_CODE.PERMISSION;
  }

  let root: string;
  try {
    root = await realRoot(denoFileSystem, settings.root);
    if (!(await denoFileSystem.stat(root)).isDirectory) throw new Deno.errors.NotADirectory();
  } catch {
    writeStderr(`berth: Cannot serve "${settings.root}": it is not a readable directory\n`);
    return EXIT_CODE.USAGE;
  }
  // Released in the `finally` below; until a range is read it holds nothing.
  const openFiles = createOpenFilePool(SERVER_OPEN_FILE_POOL);
  const diskFs = denoFileSystemWithPool(openFiles);
  const fs = embedded === undefined
    ? diskFs
    : createEmbeddedFileSystem(diskFs, { root, files: embedded.manifest.files });
  let tls: { cert: string; key: string } | undefined;
  if (tlsFiles.length > 0) {
    try {
      tls = {
        cert: await Deno.readTextFile(tlsFiles[0]),
        key: await Deno.readTextFile(tlsFiles[1]),
      };
    } catch {
      writeStderr(`berth: Cannot read the TLS files "${tlsFiles[0]}" and "${tlsFiles[1]}"\n`);
      return EXIT_CODE.USAGE;
    }
  }

  let siteRules: SiteRulesHolder;
  try {
    siteRules = await loadSiteRulesHolder({ settings, fs, root });
    if (settings.readyFile !== undefined) await removeStaleReadyFile(settings.readyFile);
  } catch (error) {
    if (error instanceof RulesError || error instanceof ReadyFileError) {
      writeStderr(`berth: ${error.message}\n`);
      return EXIT_CODE.USAGE;
    }
    throw error;
  }

  // Keys and users load before logging starts, so a mistake is one line on stderr.
  const auth = await loadAuth(settings, { watch: true });
  await setupLoggingFromSettings(settings);
  const logger = getLogger([...LOG_CATEGORY]);
  // The audit log records a shutdown only for a server that started.
  let announced = false;
  let rulesWatcher: RulesWatcher | undefined;
  let cacheWatch: CacheWatch | undefined;
  let workers: WorkerPool | undefined;
  try {
    const cache = createAppCache({ settings, fs });
    const handler = await createApp({
      settings,
      fs,
      root,
      tls: tls !== undefined,
      siteRules,
      cache,
      auth,
      configFile: loaded.configFile,
    });
    if (settings.cache.enabled && settings.cache.watch && embedded === undefined) {
      cacheWatch = cache.watch(root);
    }
    // Embedded sites are served by the main isolate only (workers read the disk).
    const workerCount = embedded === undefined ? resolveWorkerCount(settings.workers) : 1;
    const workersProblem = workerCount > 1 ? await checkWorkerSupport() : null;
    if (workersProblem !== null) {
      writeStderr(`berth: Cannot use --workers ${settings.workers}: ${workersProblem}\n`);
      return EXIT_CODE.USAGE;
    }
    if (workerCount > 1 && auth?.ephemeralSecret === true) {
      // Each isolate would make its own key and refuse the others' sessions.
      writeStderr(
        `berth: Cannot use --workers ${settings.workers} with login but no signing secret: set "auth.jwt.secretEnv" or "auth.jwt.secretFile" so every worker signs with the same key\n`,
      );
      return EXIT_CODE.USAGE;
    }
    if (workerCount > 1 && auth !== null && auth.login !== null && !auth.revocationsShared) {
      // A sign-out would be known to one isolate only; the session would stay open in the rest.
      const dir = dirname(settings.auth.users ?? ".");
      writeStderr(
        `berth: Cannot use --workers ${settings.workers} with login when sign-outs cannot be saved: run with --allow-read=${dir} --allow-write=${dir} so every worker sees them\n`,
      );
      return EXIT_CODE.USAGE;
    }
    let server;
    try {
      server = await startServer({
        handler,
        hostname: settings.host,
        port: settings.port,
        tls,
        proxy: proxyOptionsOf(settings),
        reusePort: workerCount > 1,
        limits: settings.limits,
        isolates: workerCount,
        onTrouble: (message) => logger.warn("{message}", { message }),
      });
    } catch (error) {
      if (error instanceof AddressInUseError) {
        writeStderr(`berth: ${error.message}; stop the other process or choose another --port\n`);
        return EXIT_CODE.ADDRESS_IN_USE;
      }
      if (error instanceof TlsError) {
        writeStderr(`berth: ${error.message}\n`);
        return EXIT_CODE.USAGE;
      }
      throw error;
    }
    logConnectionLimits(logger, server.budget, settings.limits);
    if (workerCount > 1) {
      try {
        workers = await startWorkerPool({
          count: workerCount - 1,
          settings,
          root,
          port: server.port,
          tls,
          configFile: loaded.configFile,
        });
      } catch (error) {
        writeStderr(`berth: Cannot start ${workerCount} workers: ${(error as Error).message}\n`);
        await server.shutdown(0);
        return EXIT_CODE.USAGE;
      }
      logger.info("{count} isolates share port {port}", { count: workerCount, port: server.port });
    }
    logStartup(logger, loaded, root, tls !== undefined);
    announceAuth(auth, settings);
    announced = true;
    const rules = siteRules.get();
    if (settings.spa !== "") {
      const page = await fs.stat(join(root, settings.spa)).catch(() => null);
      if (page === null || !page.isFile) {
        logger.warn("The SPA page {spa} does not exist in the root: navigations will get 404", {
          spa: settings.spa,
        });
      }
    }
    logger.info(
      "site rules: {headerRules} header, {redirectRules} redirect; spa {spa}, clean URLs {cleanUrls}, trailing slash {trailingSlash}, metrics {metrics}",
      {
        headerRules: rules.headers.length,
        redirectRules: rules.redirects.length,
        spa: settings.spa === "" ? "off" : settings.spa,
        cleanUrls: settings.cleanUrls ? "on" : "off",
        trailingSlash: settings.trailingSlash,
        metrics: settings.metrics ? `on (${settings.metricsAccess})` : "off",
      },
    );
    if (settings.watchRules && embedded === undefined) {
      rulesWatcher = watchSiteRules({
        root,
        configFile: loaded.configFile,
        holder: siteRules,
        reload: () => reloadSiteRules(loaded, { fs, root }),
      });
    }

    // Listen for SIGTERM before announcing readiness: a CI script may stop
    // berth the moment the ready line or file appears.
    const stop = waitForStopSignal();
    logger.info("berth {version} listening on {url}", { version: BERTH_VERSION, url: server.url });
    if (settings.readyFile !== undefined) {
      try {
        await writeReadyFile(settings.readyFile, server.url);
      } catch (error) {
        writeStderr(`berth: ${(error as Error).message}\n`);
        stop.dispose();
        await Promise.all([server.shutdown(0), workers?.stop(0)]);
        return EXIT_CODE.USAGE;
      }
    }
    const certReload = tls === undefined
      ? undefined
      : watchCertificateReload({ files: tlsFiles, server, logger });
    await Promise.race([stop.signalled, server.finished]);
    stop.dispose();
    certReload?.dispose();
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
      server.shutdown(settings.shutdownTimeoutMs),
      workers?.stop(settings.shutdownTimeoutMs),
    ]);
    force.dispose();
    logger.info("Stopped");
    return EXIT_CODE.OK;
  } finally {
    auth?.close();
    rulesWatcher?.close();
    cacheWatch?.close();
    openFiles.close();
    if (settings.readyFile !== undefined) await removeReadyFile(settings.readyFile);
    if (announced) writeAuditEvent({ event: "shutdown" });
    await shutdownLogging();
  }
}

/**
 * For `berth check`: the site rules problem (`_headers`, `_redirects`, config
 * rules) as one line, or `null`. A root berth may not read is skipped: check
 * validates what it can without asking for more access.
 */
async function checkSiteRules(loaded: LoadedSettings): Promise<string | null> {
  let root: string;
  try {
    root = await realRoot(denoFileSystem, loaded.settings.root);
  } catch {
    return null;
  }
  try {
    await loadSiteRulesHolder({ settings: loaded.settings, fs: denoFileSystem, root });
    return null;
  } catch (error) {
    if (error instanceof RulesError) return error.message;
    if (error instanceof Deno.errors.NotCapable) return null;
    throw error;
  }
}

/**
 * Reads the rules again for hot reload: the root's files and, when there is a
 * config file, its `headerRules` / `redirectRules` (other settings need a restart).
 */
async function reloadSiteRules(
  loaded: LoadedSettings,
  target: { fs: FileSystem; root: string },
): Promise<LoadSiteRulesResult> {
  let config: ConfigRules = loaded.settings;
  if (loaded.configFile !== null) {
    try {
      const fromFile = readConfigRules(
        await Deno.readTextFile(loaded.configFile),
        loaded.configFile,
      );
      // Rules set by a flag or BERTH_* variable keep winning over the file.
      const fileWins = (key: string) =>
        ["file", "default"].includes(loaded.sources[key] ?? "default");
      config = {
        headerRules: fileWins("headerRules") ? fromFile.headerRules : loaded.settings.headerRules,
        redirectRules: fileWins("redirectRules")
          ? fromFile.redirectRules
          : loaded.settings.redirectRules,
      };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { ok: false, problems: [{ source: loaded.configFile, line: 0, message }] };
    }
  }
  return await loadSiteRules({ ...target, config });
}

/** One line per feature saying whether it is on, then the config warnings. */
function logStartup(
  logger: ReturnType<typeof getLogger>,
  loaded: LoadedSettings,
  root: string,
  tls: boolean,
): void {
  const { settings } = loaded;
  const onOff = (on: boolean) => on ? "on" : "off";
  logger.info("Serving {root}", { root });
  if (loaded.configFile) {
    logger.info("Config file: {configFile}", { configFile: loaded.configFile });
  }
  logger.info(
    "listing {listing}, dotfiles {dotfiles}, cors {cors}, tls {tls}, security headers {securityHeaders}",
    {
      listing: onOff(settings.listing),
      dotfiles: onOff(settings.dotfiles),
      cors: onOff(settings.cors),
      tls: onOff(tls),
      securityHeaders: onOff(settings.securityHeaders),
    },
  );
  for (const warning of loaded.warnings) logger.warn("{warning}", { warning });
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

/** Logs the connection limits in force and the timeouts, once at startup. */
function logConnectionLimits(
  logger: ReturnType<typeof getLogger>,
  budget: ConnectionBudget,
  limits: LoadedSettings["settings"]["limits"],
): void {
  logger.info(
    "connections: at most {maxConnections} ({maxConnectionsPerClient} per client), {maxOpenResponses} responses sending at once; descriptor limit {fdLimit} ({source}); timeouts: head {headerTimeoutMs} ms, idle {idleTimeoutMs} ms, request {requestTimeoutMs} ms, send {sendTimeoutMs} ms",
    {
      ...budget,
      source: budget.source === "rlimit"
        ? "read at startup"
        : budget.source === "probed"
        ? "free descriptors counted at startup, at most 1024: grant --allow-run=sh to read the limit instead"
        : "assumed: grant --allow-run=sh so berth can read the real one, or set limits.maxConnections",
      headerTimeoutMs: limits.headerTimeoutMs,
      idleTimeoutMs: limits.idleTimeoutMs,
      requestTimeoutMs: limits.requestTimeoutMs,
      sendTimeoutMs: limits.sendTimeoutMs,
    },
  );
}

/**
 * Re-reads the certificate and key on SIGHUP (not on Windows) and swaps them
 * in for new connections, so a renewed certificate needs no restart; a file
 * that cannot be read or parsed keeps the old certificate and logs why.
 */
function watchCertificateReload(options: {
  files: readonly string[];
  server: { setCertificate(tls: { cert: string; key: string }): void };
  logger: ReturnType<typeof getLogger>;
}): { dispose(): void } {
  if (Deno.build.os === "windows") return { dispose() {} };
  const { files, server, logger } = options;
  const listener = async () => {
    try {
      const [cert, key] = await Promise.all(files.map((file) => Deno.readTextFile(file)));
      server.setCertificate({ cert, key });
      logger.info("Reloaded the TLS certificate from {cert}", { cert: files[0] });
    } catch (error) {
      logger.warn("Kept the old TLS certificate: {problem}", {
        problem: error instanceof TlsError ? error.message : `cannot read ${files.join(", ")}`,
      });
    }
  };
  Deno.addSignalListener("SIGHUP", listener);
  return { dispose: () => Deno.removeSignalListener("SIGHUP", listener) };
}
