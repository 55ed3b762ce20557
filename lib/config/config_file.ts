/**
 * @module
 * The config file: which one is read (`--config FILE`, `BERTH_CONFIG`, else
 * `berth.json` or `berth.jsonc` in the working directory), how a failure to
 * read it is phrased, and its text parsed as JSONC into a layer of settings.
 * Read access is asked for first (never prompting); IO only through the
 * injected `readPermission`, `readTextFile` and `fileExists`.
 */

import { resolve } from "node:path";
import {
  decideConfigLookup,
  queryReadPermission,
  type ReadPermission,
  type SkippedSource,
} from "./discovery.ts";
import { ConfigAccessError, ConfigError, formatValue } from "./errors.ts";
import { parseJsonc } from "./jsonc.ts";
import { ENV_PREFIX } from "./settings_docs.ts";

/** File names looked for in the working directory, in order. */
const CONFIG_FILE_NAMES: readonly string[] = ["berth.json", "berth.jsonc"];

/** The variable that names the config file, like `--config`. */
export const CONFIG_ENV_NAME = `${ENV_PREFIX}CONFIG`;

/**
 * The top-level key that points an editor at a JSON Schema
 * (`"$schema": "./berth.schema.json"`); berth accepts it and ignores it.
 */
export const SCHEMA_KEY = "$schema";

/** Where and how the config file is looked for. */
export interface FindConfigFileOptions {
  /** Config file given with `--config`; relative to `cwd`. */
  configPath?: string;
  /** Config file named by `BERTH_CONFIG`, used when `configPath` is not given. */
  envConfigPath?: string;
  /** Working directory: where config files are looked for. */
  cwd: string;
  /**
   * Whether to look for `berth.json` / `berth.jsonc` in `cwd` when no file is
   * named; false for a site built into the binary, which brings its own.
   */
  discover?: boolean;
  /** Reads a file as UTF-8 text. Defaults to `Deno.readTextFile`. */
  readTextFile?: (path: string) => Promise<string>;
  /** Whether a regular file exists. Defaults to `Deno.stat`. */
  fileExists?: (path: string) => Promise<boolean>;
  /**
   * Read access to a path, asked before any file call so that none prompts.
   * Defaults to `Deno.permissions.querySync`.
   */
  readPermission?: ReadPermission;
  /** Receives "both files found" notes. */
  warnings: string[];
  /** Receives the default config names that were not looked for or not read, and why. */
  skipped?: SkippedSource[];
}

/** The config file chosen, with its text. */
export interface ConfigFile {
  /** Absolute path. */
  path: string;
  /** The name as the user gave it (or the default name found), for messages. */
  display: string;
  /** The file's text. */
  text: string;
}

/**
 * Finds and reads the config file; `null` when none is named and none of
 * the default names exists (or may be read). A default name is looked at
 * only when read access to it is granted; the others go to `skipped`.
 *
 * @throws {ConfigAccessError} when a named file may not be read.
 * @throws {ConfigError} when a named file cannot be read for another reason.
 */
export async function findConfigFile(options: FindConfigFileOptions): Promise<ConfigFile | null> {
  const readTextFile = options.readTextFile ?? readTextFileWithDeno;
  const readPermission = options.readPermission ?? queryReadPermission;
  const explicit = options.configPath ?? options.envConfigPath;
  if (explicit !== undefined) {
    const what = options.configPath !== undefined ? `"--config"` : `"${CONFIG_ENV_NAME}"`;
    if (explicit === "") throw new ConfigError(`Invalid ${what}: "" is not a file path`);
    const path = resolve(options.cwd, explicit);
    const failure = (reason: string) =>
      `Cannot read config file "${explicit}" (from ${what}): ${reason}`;
    // Asked first: reading an ungranted file would prompt in a terminal.
    const state = readPermission(path);
    if (state !== "granted") throw new ConfigAccessError(failure(describeNoAccess(state, path)));
    try {
      return { path, display: explicit, text: await readTextFile(path) };
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable) {
        throw new ConfigAccessError(failure(describeNoAccess("prompt", path)), { cause: error });
      }
      throw new ConfigError(failure(describeReadError(error)), { cause: error });
    }
  }
  if (options.discover === false) return null;
  return await discoverConfigFile(options, readTextFile, readPermission);
}

/** Looks for the default names in the working directory, in order. */
async function discoverConfigFile(
  options: FindConfigFileOptions,
  readTextFile: (path: string) => Promise<string>,
  readPermission: ReadPermission,
): Promise<ConfigFile | null> {
  const fileExists = options.fileExists ?? fileExistsWithDeno;
  const skipped = options.skipped ?? [];
  let found: ConfigFile | null = null;
  for (const name of CONFIG_FILE_NAMES) {
    const path = resolve(options.cwd, name);
    const display = `./${name}`;
    // SECURITY: without read permission a config file is as good as absent;
    // berth must not ask for more access than the user granted, nor stat a
    // path it may not read (that is what prompts).
    const state = readPermission(path);
    const lookup = decideConfigLookup(state, found !== null);
    if (lookup === "skip-silently") continue;
    if (lookup === "skip-and-say") {
      skipped.push({ kind: "config-unchecked", display, state: asNotGranted(state) });
      continue;
    }
    let exists: boolean;
    try {
      exists = await fileExists(path);
    } catch (error) {
      // Once a file is found, a later name only matters for the "both" note.
      if (!recordAccessError(error, display, found === null ? skipped : [])) throw error;
      continue;
    }
    if (!exists) continue;
    if (found !== null) {
      options.warnings.push(`Found both ${found.display} and ${name}: using ${found.display}`);
      break;
    }
    try {
      found = { path, display: name, text: await readTextFile(path) };
    } catch (error) {
      if (recordAccessError(error, display, skipped)) continue;
      throw new ConfigError(
        `Cannot read config file "${name}": ${describeReadError(error)}`,
        { cause: error },
      );
    }
  }
  return found;
}

/**
 * Parses the config file's text into its layer of settings, not yet
 * validated; a top-level `"$schema"` string is dropped.
 *
 * @throws {ConfigError} on a syntax error (with line:column) or when the
 * file is not an object of settings.
 */
export function readConfigFileValues(file: ConfigFile): Record<string, unknown> {
  const raw = parseJsonc(file.text, file.display);
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ConfigError(
      `Invalid config in ${file.display}: ${formatValue(raw)} is not an object of settings`,
    );
  }
  const { [SCHEMA_KEY]: schema, ...values } = raw as Record<string, unknown>;
  if (schema !== undefined && typeof schema !== "string") {
    throw new ConfigError(
      `Invalid config "${SCHEMA_KEY}" in ${file.display}: ${
        formatValue(schema)
      } is not a string (the path or URL of berth.schema.json, for editors)`,
    );
  }
  return values;
}

/**
 * Notes a default config name that an access error kept berth from; false
 * for any other error. A vanished file (NotFound) is simply absent.
 */
function recordAccessError(error: unknown, display: string, skipped: SkippedSource[]): boolean {
  if (error instanceof Deno.errors.NotFound) return true;
  if (error instanceof Deno.errors.NotCapable) {
    skipped.push({ kind: "config-unchecked", display, state: "prompt" });
    return true;
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    skipped.push({ kind: "config-unreadable", display });
    return true;
  }
  return false;
}

function asNotGranted(state: Deno.PermissionState): "prompt" | "denied" {
  return state === "denied" ? "denied" : "prompt";
}

async function readTextFileWithDeno(path: string): Promise<string> {
  return await Deno.readTextFile(path);
}

async function fileExistsWithDeno(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Why a path may not be read, naming the flag that allows it where one can. */
function describeNoAccess(state: Deno.PermissionState, path: string): string {
  return state === "denied"
    ? "read access denied by --deny-read"
    : `read access not granted, run with --allow-read=${path}`;
}

function describeReadError(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "no such file";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.IsADirectory) return "it is a directory";
  if (error instanceof Error) return error.message.split("\n")[0];
  return String(error);
}
