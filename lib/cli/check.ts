/**
 * @module
 * `berth check`: renders the effective settings with the source of each,
 * secrets redacted, followed by the warnings. Pure: returns text, the caller
 * decides where it goes.
 */

import { basename } from "node:path";
import { describeSkippedSources } from "../config/discovery.ts";
import type { LoadedSettings, SettingSource } from "../config/load.ts";
import { getPath } from "../config/paths.ts";
import { describeSettings, isSecretName, type SettingDoc } from "../config/settings_docs.ts";

/** Stands in for a value that must not be printed. */
export const REDACTED = "<redacted>";

/**
 * Renders the config file and the sources not read (the startup log's
 * line), `key = value  (source)` lines for every setting, then one
 * `warning: …` line per warning and a summary line.
 */
export function renderCheckReport(loaded: LoadedSettings): string {
  const docs = describeSettings();
  const rows = docs.map((doc) => {
    const value = formatSetting(doc, getPath(loaded.settings, doc.name));
    return [doc.name, value, describeSource(loaded, doc)] as const;
  });
  const nameWidth = Math.max(...rows.map(([name]) => name.length));
  const valueWidth = Math.min(48, Math.max(...rows.map(([, value]) => value.length)));

  const notRead = describeSkippedSources(loaded.skipped);
  const lines = [
    `config file: ${loaded.configFile ?? "none"}`,
    ...(notRead === null ? [] : [notRead]),
    "",
    ...rows.map(([name, value, source]) =>
      `${name.padEnd(nameWidth)} = ${value.padEnd(valueWidth)}  (${source})`
    ),
  ];
  if (loaded.warnings.length > 0) {
    lines.push("", ...loaded.warnings.map((warning) => `warning: ${warning}`));
  }
  const count = loaded.warnings.length;
  lines.push(
    "",
    count === 0
      ? "The settings are valid."
      : `The settings are valid, with ${count} warning${count === 1 ? "" : "s"}.`,
    "",
  );
  return lines.join("\n");
}

function formatSetting(doc: SettingDoc, value: unknown): string {
  if (value === undefined) return "(not set)";
  if (doc.secret) return REDACTED;
  if (doc.kind === "map" && value !== null && typeof value === "object") {
    const redacted = Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, isSecretName(key) ? REDACTED : item]),
    );
    return JSON.stringify(redacted);
  }
  return JSON.stringify(value);
}

function describeSource(loaded: LoadedSettings, doc: SettingDoc): string {
  const source: SettingSource = loaded.sources[doc.name] ?? "default";
  switch (source) {
    case "cli":
      return "command line";
    case "env":
      return doc.env ?? "environment";
    case "file":
      return loaded.configFile === null ? "config file" : basename(loaded.configFile);
    default:
      return "default";
  }
}
