/**
 * @module
 * The config file: which one is read (`--config FILE`, `BERTH_CONFIG`, else
 * `berth.json` or `berth.jsonc` in the working directory), how a failure to
 * read it is phrased, and its text parsed as JSONC into a layer of settings.
 * IO only through the injected `readTextFile` and `fileExists`.
 */

import { resolve } from "node:path";
import { ConfigError, formatValue } from "./errors.ts";
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
  /** Reads a file as UTF-8 text. Defaults to `Deno.readTextFile`. */
  readTextFile?: (path: string) => Promise<string>;
  /** Whether a regular file exists. Defaults to `Deno.stat`. */
  fileExists?: (path: string) => Promise<boolean>;
  /** Receives "both files found" notes. */
  warnings: string[];
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
 * the default names exists (or may be read).
 *
 * @throws {ConfigError} when a named file cannot be read.
 */
export async function findConfigFile(options: FindConfigFileOptions): Promise<ConfigFile | null> {
  const readTextFile = options.readTextFile ?? readTextFileWithDeno;
  const fileExists = options.fileExists ?? fileExistsWithDeno;
  const explicit = options.configPath ?? options.envConfigPath;
  if (explicit !== undefined) {
    const what = options.configPath !== undefined ? `"--config"` : `"${CONFIG_ENV_NAME}"`;
    if (explicit === "") throw new ConfigError(`Invalid ${what}: "" is not a file path`);
    const path = resolve(options.cwd, explicit);
    try {
      return { path, display: explicit, text: await readTextFile(path) };
    } catch (error) {
      throw new ConfigError(
        `Cannot read config file "${explicit}" (from ${what}): ${describeReadError(error, path)}`,
        { cause: error },
      );
    }
  }
  let found: ConfigFile | null = null;
  for (const name of CONFIG_FILE_NAMES) {
    const path = resolve(options.cwd, name);
    if (!await existsOrFalse(fileExists, path)) continue;
    if (found !== null) {
      options.warnings.push(`Found both ${found.display} and ${name}: using ${found.display}`);
      break;
    }
    try {
      found = { path, display: name, text: await readTextFile(path) };
    } catch (error) {
      // SECURITY: without read permission a config file is as good as absent;
      // berth must not ask for more access than the user granted.
      if (isAccessError(error) || error instanceof Deno.errors.NotFound) continue;
      throw new ConfigError(
        `Cannot read config file "${name}": ${describeReadError(error, path)}`,
        {
          cause: error,
        },
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

async function existsOrFalse(
  fileExists: (path: string) => Promise<boolean>,
  path: string,
): Promise<boolean> {
  try {
    return await fileExists(path);
  } catch (error) {
    if (isAccessError(error) || error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

async function readTextFileWithDeno(path: string): Promise<string> {
  return await Deno.readTextFile(path);
}

async function fileExistsWithDeno(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || isAccessError(error)) return false;
    throw error;
  }
}

function isAccessError(error: unknown): boolean {
  return error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied;
}

function describeReadError(error: unknown, path: string): string {
  if (error instanceof Deno.errors.NotFound) return "no such file";
  if (error instanceof Deno.errors.NotCapable) {
    return `read access not granted, run with --allow-read=${path}`;
  }
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.IsADirectory) return "it is a directory";
  if (error instanceof Error) return error.message.split("\n")[0];
  return String(error);
}
