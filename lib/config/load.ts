/**
 * @module
 * Loads the effective settings from their sources, highest precedence first:
 * command-line flags > `BERTH_*` environment variables > config file (see
 * `config_file.ts`) > defaults. Each source is validated on its own so an
 * error names where the bad value came from; nested objects merge field by
 * field.
 *
 * IO happens only through the injectable `readPermission`, `readTextFile` and
 * `fileExists`, so tests run without touching the disk or the real
 * environment. The sources not read (no permission) are listed in `skipped`.
 */

import { describeOwnFilesInRoot } from "./own_files.ts";
import { dirname, resolve } from "node:path";
import * as v from "valibot";
import { CONFIG_ENV_NAME, findConfigFile, readConfigFileValues } from "./config_file.ts";
import type { ReadPermission, SkippedSource } from "./discovery.ts";
import { ConfigError, findClosestName, formatValue } from "./errors.ts";
import { findArrayForObject } from "./json_schema.ts";
import { formatPath, getPath, RESERVED_KEYS, setPath } from "./paths.ts";
import {
  type Settings,
  SETTINGS_OBJECT_SCHEMA,
  SETTINGS_SCHEMA,
  type SettingsInput,
  URL_VALUE_REGEXP,
} from "./schema.ts";
import { describeSettings, ENV_PREFIX, type SettingDoc } from "./settings_docs.ts";
import { describeField, describeIssue, type IssueOrigin, type SettingSource } from "./messages.ts";
import { parseSettingText } from "./text_value.ts";
import { mergeRecord } from "./values.ts";
import { collectWarnings } from "./warnings.ts";

export { CONFIG_ENV_NAME } from "./config_file.ts";

/** Where an effective setting came from. */
export type { SettingSource } from "./messages.ts";

/** Options for {@linkcode loadSettings}. */
export interface LoadSettingsOptions {
  /** Values from command-line flags (already parsed and typed). */
  cli?: SettingsInput;
  /** Config file given with `--config`; relative to `cwd`. */
  configPath?: string;
  /** Environment variables, or `undefined` when env access is not granted. */
  env?: Readonly<Record<string, string>>;
  /** Working directory: where config files are looked for and CLI/env paths start. */
  cwd: string;
  /** Whether to look for `berth.json` / `berth.jsonc` in `cwd` (default true). */
  discover?: boolean;
  /** Reads a file as UTF-8 text. Defaults to `Deno.readTextFile`. */
  readTextFile?: (path: string) => Promise<string>;
  /** Whether a regular file exists. Defaults to `Deno.stat`. */
  fileExists?: (path: string) => Promise<boolean>;
  /** Read access to a path, asked before any file call. Defaults to `Deno.permissions.querySync`. */
  readPermission?: ReadPermission;
}

/** The result of {@linkcode loadSettings}. */
export interface LoadedSettings {
  /** The effective settings; path settings are absolute. */
  settings: Settings;
  /** Source of each setting, keyed like `describeSettings()` names. */
  sources: Record<string, SettingSource>;
  /** Absolute path of the config file read, or `null` if none was. */
  configFile: string | null;
  /** Things that work but deserve a second look (public bind, unknown variables…). */
  warnings: string[];
  /** Sources not read for want of a permission, for the startup line and `berth check`. */
  skipped: SkippedSource[];
}

/** Where a layer of values came from, for error messages. */
type Origin = Extract<IssueOrigin, { source: "file" | "env" | "cli" }>;

/** Every setting, computed once: the schema does not change at runtime. */
const SETTING_DOCS: readonly SettingDoc[] = describeSettings();

/** Every variable settings are read from, for scoped env access (`--allow-env=BERTH_*`). */
export const SETTINGS_ENV_NAMES: readonly string[] = [
  CONFIG_ENV_NAME,
  ...SETTING_DOCS.flatMap((doc) => doc.env === null ? [] : [doc.env]),
];

/**
 * Loads, validates and merges the settings from every source.
 *
 * @throws {ConfigError} naming the source, field, value and what is allowed.
 */
export async function loadSettings(options: LoadSettingsOptions): Promise<LoadedSettings> {
  const warnings: string[] = [];
  const skipped: SkippedSource[] = [];
  const cwd = options.cwd;

  const envLayer = options.env === undefined ? undefined : readEnvSettings(options.env, warnings);
  const file = await findConfigFile({
    ...options,
    envConfigPath: envLayer?.configPath,
    warnings,
    skipped,
  });
  if (envLayer === undefined) skipped.push({ kind: "env" });

  const layers: { source: SettingSource; values: Record<string, unknown> }[] = [];
  if (file !== null) {
    const origin: Origin = { source: "file", display: file.display };
    const values = validateLayer(readConfigFileValues(file), origin);
    resolvePaths(values, dirname(file.path));
    layers.push({ source: "file", values });
  }
  if (envLayer !== undefined) {
    const values = validateLayer(envLayer.values, { source: "env", raw: envLayer.raw });
    resolvePaths(values, cwd);
    layers.push({ source: "env", values });
  }
  if (options.cli !== undefined) {
    const values = validateLayer(options.cli as Record<string, unknown>, { source: "cli" });
    resolvePaths(values, cwd);
    layers.push({ source: "cli", values });
  }

  const { merged, sources } = mergeLayers(layers);
  const result = v.safeParse(SETTINGS_SCHEMA, merged);
  if (!result.success) {
    throw new ConfigError(
      describeIssue(result.issues[0], { source: "merged", sources, fileDisplay: file?.display }),
    );
  }
  const settings = result.output;
  // Defaults such as root "." are relative to the working directory.
  resolvePaths(settings as unknown as Record<string, unknown>, cwd);

  warnings.push(...collectWarnings(settings));
  warnings.push(...describeOwnFilesInRoot(settings, { configFile: file?.path ?? null, cwd }));
  return { settings, sources, configFile: file?.path ?? null, warnings, skipped };
}

/** Values read from `BERTH_*` variables, before validation. */
interface EnvLayer {
  values: Record<string, unknown>;
  raw: Map<string, string>;
  configPath?: string;
}

function readEnvSettings(env: Readonly<Record<string, string>>, warnings: string[]): EnvLayer {
  const values: Record<string, unknown> = {};
  const raw = new Map<string, string>();
  const known = new Set<string>([CONFIG_ENV_NAME]);
  for (const doc of SETTING_DOCS) {
    if (doc.env === null) continue;
    known.add(doc.env);
    const text = env[doc.env];
    // Empty counts as unset: `FOO=${FOO}` in compose files yields "".
    if (text === undefined || text === "") continue;
    raw.set(doc.name, text);
    setPath(values, doc.name, parseEnvValue(text, doc));
  }
  for (const name of Object.keys(env)) {
    if (!name.startsWith(ENV_PREFIX) || known.has(name)) continue;
    const guess = findClosestName(name, known);
    warnings.push(
      `Ignoring unknown environment variable "${name}"${
        guess === undefined ? "" : ` (did you mean "${guess}"?)`
      }`,
    );
  }
  const configPath = env[CONFIG_ENV_NAME];
  return { values, raw, configPath: configPath === "" ? undefined : configPath };
}

function parseEnvValue(text: string, doc: SettingDoc): unknown {
  // Variables have always forgiven spaces around a number, boolean or choice,
  // and a leading "+" on a number (the command line refuses both).
  const trim = doc.kind === "number" || doc.kind === "boolean" || doc.kind === "enum";
  let scalar = trim ? text.trim() : text;
  if (doc.kind === "number") scalar = scalar.replace(/^\+(?=[0-9])/, "");
  const value = parseSettingText(doc, scalar);
  if (value !== undefined) return value;
  const allowed = doc.kind === "boolean" ? "a boolean (true, false, 1, 0, yes or no)" : doc.allowed;
  throw new ConfigError(
    `Invalid environment variable "${doc.env}": ${formatValue(text)} is not ${allowed}`,
  );
}

/**
 * Validates one source's values with the per-field schema and returns only
 * the values it set (no defaults), so layers can be merged.
 */
function validateLayer(values: Record<string, unknown>, origin: Origin): Record<string, unknown> {
  const reserved = findReservedKey(values, []);
  if (reserved !== undefined) {
    const key = reserved.at(-1) ?? "";
    throw new ConfigError(
      `${
        describeField(reserved.join("."), origin)
      }: "${key}" is a reserved name, not allowed as a key`,
    );
  }
  const misplaced = findArrayForObject(values, SETTINGS_OBJECT_SCHEMA);
  if (misplaced !== undefined) {
    const { path, value, allowed } = misplaced;
    throw new ConfigError(
      `${describeField(formatPath(path), origin)}: ${formatValue(value)} is not ${allowed}`,
    );
  }
  const result = v.safeParse(SETTINGS_OBJECT_SCHEMA, values);
  if (!result.success) {
    // One bad value can fail several checks (Infinity: integer and maximum).
    const more = new Set(result.issues.map((issue) => v.getDotPath(issue))).size - 1;
    const suffix = more > 0 ? ` (and ${more} more problem${more === 1 ? "" : "s"})` : "";
    throw new ConfigError(describeIssue(result.issues[0], origin) + suffix);
  }
  return stripUndefined(values);
}

/** Finds a prototype-reaching key anywhere in `value`; returns its path. */
function findReservedKey(value: unknown, path: string[]): string[] | undefined {
  if (value === null || typeof value !== "object" || path.length > 100) return undefined;
  for (const key of Object.keys(value)) {
    if (RESERVED_KEYS.has(key)) return [...path, key];
    const found = findReservedKey((value as Record<string, unknown>)[key], [...path, key]);
    if (found !== undefined) return found;
  }
  return undefined;
}

function stripUndefined(values: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    copy[key] = value !== null && typeof value === "object" && !Array.isArray(value)
      ? stripUndefined(value as Record<string, unknown>)
      : value;
  }
  return copy;
}

/** Makes the path settings of one layer absolute, relative to `baseDir`. */
function resolvePaths(values: Record<string, unknown>, baseDir: string): void {
  for (const doc of SETTING_DOCS) {
    if (!doc.path) continue;
    const value = getPath(values, doc.name);
    if (doc.url && typeof value === "string" && URL_VALUE_REGEXP.test(value)) continue;
    if (typeof value === "string" && value !== "") {
      setPath(values, doc.name, resolve(baseDir, value));
    }
  }
}

/** Merges layers (lowest precedence first) setting by setting. */
function mergeLayers(
  layers: readonly { source: SettingSource; values: Record<string, unknown> }[],
): { merged: Record<string, unknown>; sources: Record<string, SettingSource> } {
  const merged: Record<string, unknown> = {};
  const sources: Record<string, SettingSource> = {};
  for (const doc of SETTING_DOCS) sources[doc.name] = "default";
  for (const layer of layers) {
    for (const doc of SETTING_DOCS) {
      const value = getPath(layer.values, doc.name);
      if (value === undefined) continue;
      sources[doc.name] = layer.source;
      if (doc.kind === "map") {
        setPath(merged, doc.name, mergeRecord(getPath(merged, doc.name), value));
      } else {
        setPath(merged, doc.name, value);
      }
    }
  }
  return { merged, sources };
}
