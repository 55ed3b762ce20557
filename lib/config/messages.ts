/**
 * @module
 * Turns a valibot issue into the one line a user reads: which field, where it
 * was set, the value, and what is allowed there. The loader, `createHandler`
 * and the users file all phrase their problems here, so one mistake reads the
 * same wherever it is made.
 */

import type * as v from "valibot";
import { findClosestName, formatValue } from "./errors.ts";
import { formatPath } from "./paths.ts";
import {
  childNode,
  describeAllowed,
  listAllowedKeys,
  type SchemaNode,
  settingsSchemaNode,
} from "./json_schema.ts";
import { describeSettings } from "./settings_docs.ts";

/** Where a setting's value came from. */
export type SettingSource = "cli" | "env" | "file" | "default";

/**
 * Where the input that failed came from; it decides how the field is named.
 * - `file`, `env`, `cli`: one settings layer of `loadSettings()` (`env`
 *   carries the raw variable texts so the message can quote them);
 * - `merged`: the merged settings, whose issues are cross-field rules;
 * - `library`: settings given to `createHandler()`;
 * - `users-file`: a users file, whose schema writes its own messages.
 */
export type IssueOrigin =
  | { source: "file"; display: string }
  | { source: "env"; raw: ReadonlyMap<string, string> }
  | { source: "cli" }
  | {
    source: "merged";
    sources: Readonly<Record<string, SettingSource>>;
    fileDisplay?: string;
  }
  | { source: "library" }
  | { source: "users-file"; path: string };

/** Every setting, computed once: the schema does not change at runtime. */
let settingDocs: ReturnType<typeof describeSettings> | undefined;

/** The one-line message for `issue`, phrased for where the input came from. */
export function describeIssue(issue: v.BaseIssue<unknown>, origin: IssueOrigin): string {
  if (origin.source === "users-file") return describeUsersFileIssue(issue, origin.path);
  const items = issue.path ?? [];
  const isRule = items.length === 0 || issue.type === "partial_check";
  if (origin.source === "merged" || (origin.source === "library" && isRule)) {
    return describeRuleIssue(issue, origin);
  }
  const keys = items.map((item) => item.key as string | number);
  const last = items.at(-1);

  if (issue.type === "strict_object" && last?.origin === "key") {
    const parentKeys = keys.slice(0, -1);
    let parent: SchemaNode | undefined = settingsSchemaNode();
    for (const key of parentKeys) parent = parent && childNode(parent, key);
    const allowedKeys = listAllowedKeys(parent);
    const name = formatPath(keys);
    const guess = findClosestName(String(last.key), allowedKeys);
    const hint = guess !== undefined
      ? `did you mean "${formatPath([...parentKeys, guess])}"?`
      : parentKeys.length === 0
      ? `allowed keys are ${allowedKeys.join(", ")}`
      : `allowed keys in "${formatPath(parentKeys)}" are ${allowedKeys.join(", ")}`;
    const where = origin.source === "file" ? ` in ${origin.display}` : "";
    const what = origin.source === "file" ? "config key" : "setting";
    return `Unknown ${what} "${name}"${where}: ${hint}`;
  }

  // Walk the schema along the issue path to learn what the failing part allows.
  let node: SchemaNode | undefined = settingsSchemaNode();
  for (const item of items) {
    node = node && childNode(node, item.key as string | number, {
      recordKey: item.origin === "key",
    });
  }
  const allowed = node === undefined ? "valid here" : describeAllowed(node);
  // A bad record key is reported against the record, with the key as the value.
  const fieldKeys = last?.origin === "key" ? keys.slice(0, -1) : keys;
  const fieldName = formatPath(fieldKeys);
  if (origin.source === "env") {
    const settingName = findSettingName(fieldKeys, origin.raw);
    const text = settingName === undefined ? undefined : origin.raw.get(settingName);
    // A bad item of a list variable: quote the item and the whole value.
    const value = text === undefined
      ? formatValue(issue.input)
      : settingName === formatPath(fieldKeys)
      ? formatValue(text)
      : `${formatValue(issue.input)} (in ${formatValue(text)})`;
    return `${describeField(settingName ?? fieldName, origin)}: ${value} is not ${allowed}`;
  }
  return `${describeField(fieldName, origin)}: ${formatValue(issue.input)} is not ${allowed}`;
}

/**
 * How a message names a field set in one settings layer, e.g.
 * `Invalid config "port" in berth.json`.
 */
export function describeField(
  name: string,
  origin: Extract<IssueOrigin, { source: "file" | "env" | "cli" | "library" }>,
): string {
  switch (origin.source) {
    case "file":
      return `Invalid config "${name}" in ${origin.display}`;
    case "env":
      return `Invalid environment variable "${toEnvNameOfSetting(name)}"`;
    case "cli":
      return `Invalid command-line value for "${name}"`;
    case "library":
      return `Invalid setting "${name}"`;
  }
}

/** A cross-field rule failure, with where the blamed field was set when known. */
function describeRuleIssue(issue: v.BaseIssue<unknown>, origin: IssueOrigin): string {
  const field = issue.path?.[0]?.key;
  if (origin.source !== "merged" || typeof field !== "string") {
    return `Invalid settings: ${issue.message}`;
  }
  const source = origin.sources[field];
  const where = source === "file"
    ? `"${field}" is set in ${origin.fileDisplay}`
    : source === "env"
    ? `"${field}" is set by "${toEnvNameOfSetting(field)}"`
    : source === "cli"
    ? `"${field}" is set on the command line`
    : `"${field}" is a default`;
  return `Invalid settings: ${issue.message} (${where})`;
}

/** The users file schema words its own messages ("is missing", "must be …"). */
function describeUsersFileIssue(issue: v.BaseIssue<unknown>, path: string): string {
  const where = formatPath(issue.path?.map((item) => item.key as string | number) ?? []);
  const subject = where ? `"${where}"` : "the top level";
  return `Invalid users file "${path}": ${subject} ${issue.message}`;
}

function toEnvNameOfSetting(name: string): string {
  settingDocs ??= describeSettings();
  return settingDocs.find((doc) => doc.name === name)?.env ?? name;
}

/** The longest prefix of `keys` that names a setting read from the environment. */
function findSettingName(
  keys: readonly (string | number)[],
  raw: ReadonlyMap<string, string>,
): string | undefined {
  for (let end = keys.length; end > 0; end--) {
    const name = keys.slice(0, end).join(".");
    if (raw.has(name)) return name;
  }
  return undefined;
}
