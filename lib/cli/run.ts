/**
 * @module
 * The CLI driver: parse arguments, load settings, check permissions, start the
 * server, and stop it cleanly on SIGINT/SIGTERM. Returns the exit code instead
 * of exiting, so it can be tested in-process.
 */

import { getLogger } from "@logtape/logtape";
import { createApp } from "../app.ts";
import { ConfigError } from "../config/errors.ts";
import { type LoadedSettings, loadSettings } from "../config/load.ts";
import { denoFileSystem } from "../fs/deno_fs.ts";
import { realRoot } from "../fs/resolve_path.ts";
import { LOG_CATEGORY, setupLogging, shutdownLogging } from "../log/setup.ts";
import {
  canReadEnv,
  describeMissingPermissions,
  findMissingPermissions,
  listPermissionNeeds,
} from "../permissions.ts";
import { AddressInUseError, startServer } from "../server.ts";
import { BERTH_VERSION } from "../version.ts";
import { CliError, type CliValues, parseCli } from "./args.ts";
import { renderCheckReport } from "./check.ts";
import { EXIT_CODE } from "./exit_codes.ts";
import { renderHelp, renderVersion } from "./help.ts";
import { writeStderr, writeStdout } from "./output.ts";

/** Runs berth with `args` (without the program name) and resolves to the exit code. */
export async function runCli(args: readonly string[]): Promise<number> {
  try {
    const command = parseCli([...args]);
    switch (command.kind) {
      case "help":
        writeStdout(renderHelp({ topic: command.topic }));
        return EXIT_CODE.OK;
      case "version":
        writeStdout(
          renderVersion({ berth: BERTH_VERSION, deno: Deno.version.deno, mode: "deno run" }),
        );
        return EXIT_CODE.OK;
      case "check": {
        const loaded = await loadFromCli(command.values);
        writeStdout(renderCheckReport(loaded));
        return EXIT_CODE.OK;
      }
      case "serve":
        return await serve(await loadFromCli(command.values));
    }
  } catch (error) {
    if (error instanceof CliError || error instanceof ConfigError) {
      writeStderr(`berth: ${error.message}\n`);
      return EXIT_CODE.USAGE;
    }
    throw error;
  }
}

async function loadFromCli(values: CliValues): Promise<LoadedSettings> {
  return await loadSettings({
    cli: values.settings,
    configPath: values.configPath,
    env: await canReadEnv() ? Deno.env.toObject() : undefined,
    cwd: Deno.cwd(),
  });
}

async function serve(loaded: LoadedSettings): Promise<number> {
  const { settings } = loaded;
  const tlsFiles = settings.cert && settings.key ? [settings.cert, settings.key] : [];
  const missing = await findMissingPermissions(listPermissionNeeds({
    root: settings.root,
    hostname: settings.host,
    port: settings.port,
    readFiles: tlsFiles,
  }));
  if (missing.length > 0) {
    writeStderr(`berth: ${describeMissingPermissions(missing)}\n`);
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

  await setupLogging({ format: settings.logFormat, quiet: settings.quiet });
  const logger = getLogger([...LOG_CATEGORY]);
  try {
    const handler = await createApp({ settings, fs: denoFileSystem, root, tls: tls !== undefined });
    let server;
    try {
      server = startServer({ handler, hostname: settings.host, port: settings.port, tls });
    } catch (error) {
      if (error instanceof AddressInUseError) {
        writeStderr(`berth: ${error.message}; stop the other process or choose another --port\n`);
        return EXIT_CODE.ADDRESS_IN_USE;
      }
      if (error instanceof Deno.errors.InvalidData || String(error).includes("TLS")) {
        writeStderr(`berth: Cannot start TLS: the certificate or key is not valid PEM\n`);
        return EXIT_CODE.USAGE;
      }
      throw error;
    }
    logStartup(logger, loaded, root, tls !== undefined);
    logger.info("berth {version} listening on {url}", { version: BERTH_VERSION, url: server.url });

    const stop = waitForStopSignal();
    await Promise.race([stop.signalled, server.finished]);
    stop.dispose();
    logger.info("Shutting down: waiting up to {timeoutMs} ms for open responses", {
      timeoutMs: settings.shutdownTimeoutMs,
    });
    await server.shutdown(settings.shutdownTimeoutMs);
    logger.info("Stopped");
    return EXIT_CODE.OK;
  } finally {
    await shutdownLogging();
  }
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

/** Resolves on the first SIGINT or SIGTERM (SIGINT only on Windows). */
function waitForStopSignal(): { signalled: Promise<void>; dispose(): void } {
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  let resolve!: () => void;
  const signalled = new Promise<void>((done) => resolve = done);
  const listener = () => resolve();
  for (const signal of signals) Deno.addSignalListener(signal, listener);
  return {
    signalled,
    dispose: () => signals.forEach((signal) => Deno.removeSignalListener(signal, listener)),
  };
}
