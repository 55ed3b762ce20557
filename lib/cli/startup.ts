/**
 * @module
 * What `berth [serve]` does before it listens: work out where the settings
 * come from, check the Deno permissions, resolve the root, pick the
 * filesystem, read the TLS files, clear a stale ready file, compile the
 * runtime and check the `--workers` preconditions. Every failure is thrown
 * as a typed error where it happens; {@linkcode toStartupError} turns it
 * into the exit code and the one line `runCli` prints.
 */

import { dirname } from "node:path";
import { listAuthAccess } from "../auth/load_auth.ts";
import { ConfigAccessError, ConfigError, findClosestName } from "../config/errors.ts";
import {
  CONFIG_ENV_NAME,
  type LoadedSettings,
  type LoadSettingsOptions,
  SETTINGS_ENV_NAMES,
} from "../config/load.ts";
import { denoFileSystem, denoFileSystemWithPool } from "../fs/deno_fs.ts";
import {
  createEmbeddedFileSystem,
  type EmbeddedSite,
  resolveEmbeddedPaths,
} from "../fs/embedded.ts";
import { createOpenFilePool, SERVER_OPEN_FILE_POOL } from "../fs/open_file_pool.ts";
import { realRoot } from "../fs/resolve_path.ts";
import { RulesError } from "../rules/rule_error.ts";
import { compileRuntime, type Runtime } from "../runtime.ts";
import { AddressInUseError, BindRefusedError, PRIVILEGED_PORT_LIMIT, TlsError } from "../server.ts";
import { isStandalone } from "../version.ts";
import { CliError, type CliValues } from "./args.ts";
import { EXIT_CODE } from "./exit_codes.ts";
import {
  describeMissingPermissions,
  findMissingPermissions,
  listPermissionNeeds,
  readGrantedEnv,
} from "./permissions.ts";
import { ReadyFileError, removeStaleReadyFile } from "./ready_file.ts";
import { checkWorkerSupport, resolveWorkerCount } from "./worker_pool.ts";

/** A startup failure: the exit code and the one line shown on stderr (without "berth: "). */
export class StartupError extends Error {
  /** Creates the error; `message` is shown as is. */
  constructor(readonly exitCode: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StartupError";
  }
}

/**
 * The exit code and message for an error thrown while starting, or `null`
 * for an unexpected one (a bug, which `runCli` lets propagate).
 */
export function toStartupError(error: unknown): StartupError | null {
  if (error instanceof StartupError) return error;
  if (error instanceof ConfigAccessError) {
    return new StartupError(EXIT_CODE.PERMISSION, error.message, { cause: error });
  }
  if (error instanceof AddressInUseError) {
    return new StartupError(
      EXIT_CODE.ADDRESS_IN_USE,
      `${error.message}; stop the other process or choose another --port`,
      { cause: error },
    );
  }
  if (error instanceof BindRefusedError) {
    return new StartupError(
      error.refusal === "no-privilege" ? EXIT_CODE.PERMISSION : EXIT_CODE.USAGE,
      `${error.message}; ${describeBindFix(error)}`,
      { cause: error },
    );
  }
  if (
    error instanceof CliError || error instanceof ConfigError || error instanceof RulesError ||
    error instanceof ReadyFileError || error instanceof TlsError
  ) {
    return new StartupError(EXIT_CODE.USAGE, error.message, { cause: error });
  }
  return null;
}

/** The fix for an address the system refused, naming the flag to change. */
function describeBindFix(error: BindRefusedError): string {
  switch (error.refusal) {
    case "unknown-host": {
      const guess = findClosestName(error.hostname, ["localhost"]);
      return guess === undefined
        ? "use an IP address such as --host 127.0.0.1 (this machine) or --host 0.0.0.0 (every interface)"
        : `did you mean --host ${guess}?`;
    }
    case "not-local":
      return "use --host 127.0.0.1 (this machine only) or --host 0.0.0.0 (every interface)";
    case "no-privilege":
      return error.port < PRIVILEGED_PORT_LIMIT
        ? `choose --port ${PRIVILEGED_PORT_LIMIT} or above (e.g. --port 8080), or grant the binary the CAP_NET_BIND_SERVICE capability`
        : "choose another --port";
  }
}

/** Appended to a missing-permission message inside a `deno compile` executable. */
const COMPILED_PERMISSIONS_HINT =
  " (this compiled berth's permissions were fixed when it was built: run main.ts with deno run and that flag instead)";

/**
 * Where the settings come from for these command-line values: the flags,
 * the `BERTH_*` variables berth may read, the config file; for an embedded
 * site its own root and config. Hot reload loads from the same options again.
 *
 * @throws {CliError} when a ROOT or `--config` is given to an embedded site.
 */
export async function settingsSourcesOf(
  values: CliValues,
  embedded?: EmbeddedSite,
): Promise<LoadSettingsOptions> {
  const env = await readGrantedEnv(SETTINGS_ENV_NAMES);
  if (embedded === undefined) {
    return { cli: values.settings, configPath: values.configPath, env, cwd: Deno.cwd() };
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
  return {
    cli: { ...values.settings, root: paths.root },
    configPath: paths.config ?? undefined,
    env: env === undefined ? undefined : withoutConfigVariable(env),
    cwd: Deno.cwd(),
    // Without an embedded config, never pick up a berth.json from the working directory.
    discover: false,
    // The embedded config is one of the binary's own files, readable without a grant
    // (a compiled berth runs with --no-prompt, so reading it cannot prompt).
    readPermission: () => "granted",
  };
}

function withoutConfigVariable(env: Record<string, string>): Record<string, string> {
  const { [CONFIG_ENV_NAME]: _ignored, ...rest } = env;
  return rest;
}

/** Everything `berth serve` prepared, ready to listen. */
export interface ServePlan {
  /** The loaded settings, their sources and warnings. */
  loaded: LoadedSettings;
  /** The compiled runtime over the chosen filesystem. */
  runtime: Runtime;
  /** Whether the site is built into the binary (no watchers, no workers). */
  embedded: boolean;
  /** The certificate and key paths, when serving TLS (SIGHUP reads them again). */
  tlsFiles: { cert: string; key: string } | null;
  /** The PEM certificate chain and key read from `tlsFiles`. */
  tls: { cert: string; key: string } | undefined;
  /** Isolates to run (`--workers`), the main one included. */
  workerCount: number;
  /** Releases the runtime's watches and the open-file pool. */
  close(): void;
}

/**
 * Prepares `berth serve` for `loaded`, in the order a mistake should be
 * reported: permissions, root, TLS files, ready file, rules and access
 * control, workers.
 *
 * @throws {StartupError} for a missing permission, an unreadable root or TLS
 * file, or workers that cannot run; {@linkcode RulesError},
 * {@linkcode ConfigError} and {@linkcode ReadyFileError} as they come.
 */
export async function prepareServe(
  loaded: LoadedSettings,
  embedded?: EmbeddedSite,
): Promise<ServePlan> {
  const { settings } = loaded;
  const tlsFiles = settings.cert !== undefined && settings.key !== undefined
    ? { cert: settings.cert, key: settings.key }
    : null;
  await checkPermissions(settings, tlsFiles);
  const root = await realRoot(denoFileSystem, settings.root).catch((error) => {
    throw new StartupError(
      EXIT_CODE.USAGE,
      `Cannot serve "${settings.root}": ${describeRootProblem(error)}`,
      { cause: error },
    );
  });
  const tls = tlsFiles === null ? undefined : await readTlsFiles(tlsFiles);
  if (settings.readyFile !== undefined) await removeStaleReadyFile(settings.readyFile);
  // Released by close(); until a range is read it holds nothing.
  const openFiles = createOpenFilePool(SERVER_OPEN_FILE_POOL);
  const diskFs = denoFileSystemWithPool(openFiles);
  const fs = embedded === undefined
    ? diskFs
    : createEmbeddedFileSystem(diskFs, { root, files: embedded.manifest.files });
  let runtime: Runtime;
  try {
    // Keys and users load before logging starts, so a mistake is one line on stderr.
    runtime = await compileRuntime(settings, {
      fs,
      root,
      tls: tls !== undefined,
      configFile: loaded.configFile,
      watch: true,
    });
  } catch (error) {
    openFiles.close();
    throw error;
  }
  const close = () => {
    runtime.close();
    openFiles.close();
  };
  // Embedded sites are served by the main isolate only (workers read the disk).
  const workerCount = embedded === undefined ? resolveWorkerCount(settings.workers) : 1;
  try {
    if (workerCount > 1) await checkWorkers(runtime);
  } catch (error) {
    close();
    throw error;
  }
  return { loaded, runtime, embedded: embedded !== undefined, tlsFiles, tls, workerCount, close };
}

/** Asks Deno, without prompting, for every access berth will use. */
async function checkPermissions(
  settings: LoadedSettings["settings"],
  tlsFiles: { cert: string; key: string } | null,
): Promise<void> {
  const authAccess = listAuthAccess(settings);
  const missing = await findMissingPermissions(listPermissionNeeds({
    root: settings.root,
    hostname: settings.host,
    port: settings.port,
    readFiles: [
      ...(tlsFiles === null ? [] : [tlsFiles.cert, tlsFiles.key]),
      ...authAccess.readFiles,
    ],
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
    throw new StartupError(EXIT_CODE.PERMISSION, `${describeMissingPermissions(missing)}${hint}`);
  }
}

/** Why the root cannot be served: missing, not a directory, or unreadable. */
export function describeRootProblem(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "it does not exist";
  if (error instanceof Deno.errors.NotADirectory) return "it is not a directory";
  return "it is not a readable directory";
}

/**
 * Reads the certificate and key as text (their PEM is checked when listening).
 *
 * @throws {StartupError} naming the file (certificate or key) that cannot be read, and why.
 */
export async function readTlsFiles(
  files: { cert: string; key: string },
): Promise<{ cert: string; key: string }> {
  const read = (what: string, flag: string, path: string) =>
    Deno.readTextFile(path).catch((error) => {
      throw new StartupError(
        EXIT_CODE.USAGE,
        `Cannot read the TLS ${what} "${path}" (${flag}): ${describeFileProblem(error)}`,
        { cause: error },
      );
    });
  return {
    cert: await read("certificate", "--cert", files.cert),
    key: await read("key", "--key", files.key),
  };
}

function describeFileProblem(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "it does not exist";
  if (error instanceof Deno.errors.IsADirectory) return "it is a directory";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  return error instanceof Error ? error.message.split("\n")[0] : String(error);
}

/** Refuses `--workers` where it cannot work, or where isolates would disagree on sessions. */
async function checkWorkers(runtime: Runtime): Promise<void> {
  const { settings } = runtime;
  const refuse = (reason: string) =>
    new StartupError(EXIT_CODE.USAGE, `Cannot use --workers ${settings.workers}${reason}`);
  const problem = await checkWorkerSupport();
  if (problem !== null) throw refuse(`: ${problem}`);
  const auth = runtime.auth?.runtime;
  if (auth?.ephemeralSecret === true) {
    // Each isolate would make its own key and refuse the others' sessions.
    throw refuse(
      ` with login but no signing secret: set "auth.jwt.secretEnv" or "auth.jwt.secretFile" so every worker signs with the same key`,
    );
  }
  if (auth !== undefined && auth !== null && auth.login !== null && !auth.revocationsShared) {
    // A sign-out would be known to one isolate only; the session would stay open in the rest.
    const dir = dirname(settings.auth.users ?? ".");
    throw refuse(
      ` with login when sign-outs cannot be saved: run with --allow-read=${dir} --allow-write=${dir} so every worker sees them`,
    );
  }
}
