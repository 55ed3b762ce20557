/**
 * @module
 * The `--help` and `--version` texts. Option descriptions, defaults and
 * `BERTH_*` names come from the settings schema, so the help cannot drift
 * from what berth actually accepts.
 */

import { describeSettings, type SettingDoc } from "../config/settings_docs.ts";
import { CONFIG_ENV_NAME } from "../config/load.ts";
import { CLI_OPTIONS, type CliOption } from "./args.ts";
import { EXIT_CODE } from "./exit_codes.ts";
import { renderSettingsIntro, renderSettingsSections } from "./settings_reference.ts";

/** Exit codes berth ends with, as documented in the help. */
export const EXIT_CODES: readonly { code: number; meaning: string }[] = [
  { code: EXIT_CODE.OK, meaning: "success (and after a clean shutdown)" },
  { code: EXIT_CODE.FAILURE, meaning: "an unexpected failure" },
  {
    code: EXIT_CODE.USAGE,
    meaning: "invalid arguments or configuration, or a --host that is not this machine's",
  },
  { code: EXIT_CODE.ADDRESS_IN_USE, meaning: "the port is already in use" },
  {
    code: EXIT_CODE.PERMISSION,
    meaning:
      "a Deno permission is missing (the message names the flag), or the privilege to bind the port",
  },
  { code: EXIT_CODE.INTERRUPTED, meaning: "a second SIGINT while shutting down: stopped at once" },
  { code: EXIT_CODE.TERMINATED, meaning: "a second SIGTERM while shutting down: stopped at once" },
];

/** Width the help text is wrapped to. */
const HELP_WIDTH = 100;
/** Column where option descriptions start. */
const DESCRIPTION_COLUMN = 34;
/** Joins words that must stay on one line; turned back into a space when wrapping. */
const GLUE = "\u00a0";

/** Options for {@linkcode renderHelp}. */
export interface RenderHelpOptions {
  /** A help topic such as `check`; the general help when absent. */
  topic?: string;
}

/** Renders the help text (usage, options, precedence, exit codes, examples). */
export function renderHelp(options: RenderHelpOptions = {}): string {
  const docs = new Map(describeSettings().map((doc) => [doc.name, doc]));
  if (options.topic === "check") return renderCheckHelp();
  if (options.topic === "config") return renderConfigHelp();
  if (options.topic === "user" || options.topic === "hash-password") return renderUserHelp();

  // root is the ROOT argument, not a flag, but it is still settable on the command line.
  const flagSettings = new Set(["root", ...CLI_OPTIONS.map((option) => option.setting)]);
  const fileOnly = [...docs.values()]
    .filter((doc) => !flagSettings.has(doc.name))
    .map((doc) => doc.name);

  const lines = [
    "berth - a static file server for Deno",
    "",
    "Usage:",
    ...renderRows([
      ["berth [ROOT] [OPTIONS]", 'Serve ROOT (default ".") over HTTP'],
      ["berth check [ROOT] [OPTIONS]", "Validate the settings and print the effective ones"],
      ["berth user add|remove|passwd|list", "Manage the users file (see berth help user)"],
      ["berth hash-password", "Read a password and print its argon2id hash"],
      [
        "berth help [check|user|config]",
        "Print this help, the help of a command, or every setting",
      ],
    ]),
    "",
    "Options:",
    ...renderRows(CLI_OPTIONS.map((option) => renderOptionRow(option, docs))),
    "",
    "Settings:",
    ...wrap(
      "Each setting comes from the first of: a command-line flag, a BERTH_* environment " +
        "variable (BERTH_PORT, BERTH_LOG_FORMAT, BERTH_LIMITS_MAX_URL_LENGTH...), the config " +
        `file (./berth.json or ./berth.jsonc, or --config FILE or ${CONFIG_ENV_NAME}), the ` +
        "default. Paths in the config file are relative to the file. Booleans in variables " +
        "accept true/false/1/0/yes/no.",
      "  ",
    ),
    ...wrap(
      `Only in the config file or variables: ${
        fileOnly.join(", ")
      }. See "berth help config" or docs/configuration.md.`,
      "  ",
    ),
    "",
    "Exit codes:",
    ...EXIT_CODES.map(({ code, meaning }) => `  ${code}  ${meaning}`),
    "",
    "Examples:",
    ...renderRows([
      ["berth ./site", "Serve ./site on http://127.0.0.1:8000"],
      ["deno run --allow-net --allow-read=./site main.ts ./site", ""],
      ["", "The same from source, reading nothing but ./site"],
      ["berth ./dist --port 0 --log-format json", "CI: pick a free port, log JSON lines"],
      ["berth ./site --host 0.0.0.0 --cert cert.pem --key key.pem", ""],
      ["", "HTTPS for other machines on the network"],
      ['berth ./site --header "X-Robots-Tag: noindex"', "Add a response header"],
      ["berth check --config berth.jsonc", "Check a config file and print the settings"],
      ["berth -- check", 'Serve a directory named "check"'],
    ]),
    "",
  ];
  return lines.join("\n");
}

/** Renders the one-line version: `berth 0.1.0 (deno 2.9.6, compiled)`. */
export function renderVersion(info: { berth: string; deno: string; mode: string }): string {
  return `berth ${info.berth} (deno ${info.deno}, ${info.mode})`;
}

function renderUserHelp(): string {
  return [
    "berth user, berth hash-password - manage the users file",
    "",
    "Usage:",
    ...renderRows([
      ["berth user add NAME [--role ROLE]... [--totp]", ""],
      [
        "",
        "Add a user; --role may be repeated; --totp also prints an otpauth:// URI for an authenticator app",
      ],
      ["berth user remove NAME", "Remove a user"],
      ["berth user passwd NAME", "Set a new password (roles and TOTP stay)"],
      ["berth user list", "Print every user's name, TOTP status and roles (never hashes)"],
      ["berth hash-password", "Print the argon2id hash of a password (for a users file)"],
    ]),
    "",
    "Options:",
    ...renderRows([
      ["    --users FILE", "The users file [default: the config's auth.users, else users.json]"],
      ["    --config FILE", "Config file to read auth.users from (default ./berth.json)"],
    ]),
    "",
    ...wrap(
      "The password is read from stdin when it is not a terminal (the first line), otherwise " +
        "asked twice at a prompt that does not echo. It is never taken from the command line. " +
        "The file is written atomically (a temporary file, then a rename) with mode 0600.",
      "",
    ),
    "",
    "Examples:",
    ...renderRows([
      ["berth user add alice --role admin", "Prompt for alice's password"],
      ["printf '%s\\n' \"$PW\" | berth user add ci --role deploy --users users.json", ""],
      ["", "Non-interactive (CI)"],
      ["htpasswd -nbB bob secret | cut -d: -f2", "A bcrypt hash berth also accepts"],
    ]),
    "",
    "Exit codes:",
    "  0  done",
    "  2  invalid arguments, a bad users file or password",
    "  4  a Deno permission on the users file is missing (the message names the flag)",
    "",
  ].join("\n");
}

/** `berth help config`: docs/configuration.md's reference, its paragraphs wrapped for a terminal. */
function renderConfigHelp(): string {
  return [
    "berth help config - every setting, as in docs/configuration.md",
    "",
    ...[...renderSettingsIntro(), ...renderSettingsSections()].flatMap((line) =>
      line === "" || line.startsWith("#") || line.startsWith("- ") ? [line] : wrap(line, "")
    ),
    "",
  ].join("\n");
}

function renderCheckHelp(): string {
  return [
    "berth check - validate the settings and print the effective ones",
    "",
    "Usage:",
    "  berth check [ROOT] [OPTIONS]",
    "",
    ...wrap(
      "Reads the same sources as serving (flags, BERTH_* variables, config file, defaults), " +
        "prints every setting with where it came from (secrets redacted) and any warnings, " +
        "and exits without opening a port. Takes the same options as serving.",
      "",
    ),
    "",
    "Exit codes:",
    "  0  the settings are valid (warnings do not fail the check)",
    "  2  invalid arguments or configuration",
    "",
  ].join("\n");
}

function renderOptionRow(option: CliOption, docs: ReadonlyMap<string, SettingDoc>): [
  string,
  string,
] {
  const names = option.short === undefined
    ? `    --${option.name}`
    : `-${option.short}, --${option.name}`;
  // An optional inline value (`--spa[=FILE]`) sits right after the name.
  const separator = option.valueName?.startsWith("[=") ? "" : " ";
  const left = option.valueName === undefined ? names : `${names}${separator}${option.valueName}`;
  const doc = option.setting === undefined ? undefined : docs.get(option.setting);
  const parts = [option.description ?? doc?.description ?? ""];
  if (doc !== undefined && !option.negate) {
    if (doc.kind === "enum") parts.push(`(${doc.type.replaceAll('"', "")})`);
    // An empty default means off (`--spa`), which the description says.
    const hasDefault = doc.default !== undefined && doc.default !== "";
    if (doc.kind !== "boolean" && doc.kind !== "map" && hasDefault) {
      parts.push(`[default:${GLUE}${formatDefault(doc.default)}]`);
    }
  }
  if (doc?.env) parts.push(`[env:${GLUE}${doc.env}${option.negate ? "=false" : ""}]`);
  if (option.name === "config") parts.push(`[env:${GLUE}${CONFIG_ENV_NAME}]`);
  return [left, parts.join(" ")];
}

function formatDefault(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Two columns; a left cell too wide for its column pushes the right one down. */
function renderRows(rows: readonly [string, string][]): string[] {
  const lines: string[] = [];
  const indent = " ".repeat(DESCRIPTION_COLUMN);
  for (const [left, right] of rows) {
    const cell = `  ${left}`;
    const wrapped = right === "" ? [] : wrap(right, indent);
    if (cell.length + 2 > DESCRIPTION_COLUMN || wrapped.length === 0) {
      if (left !== "") lines.push(cell);
      lines.push(...wrapped);
    } else {
      lines.push(cell.padEnd(DESCRIPTION_COLUMN) + wrapped[0].slice(DESCRIPTION_COLUMN));
      lines.push(...wrapped.slice(1));
    }
  }
  return lines;
}

/** Wraps text to {@linkcode HELP_WIDTH}, prefixing every line with `indent`. */
function wrap(text: string, indent: string): string[] {
  const lines: string[] = [];
  let line = "";
  for (const glued of text.split(/[ \t\n]+/)) {
    if (glued === "") continue;
    const word = glued.replaceAll(GLUE, " ");
    if (line !== "" && indent.length + line.length + 1 + word.length > HELP_WIDTH) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(indent + line);
  return lines;
}
