/**
 * @module
 * Command-line parsing: argv → a {@linkcode CliCommand}. Values are checked
 * against the settings schema here, so a bad flag fails with one line naming
 * the flag, the value and what is allowed, and never with node's wording.
 *
 * `node:util` parseArgs tokenizes; strictness (unknown options, missing or
 * stray values, extra positionals) is enforced on the tokens (tokens.ts, shared
 * with `berth user`) so every error has structured facts to report instead of
 * a message to re-parse. Flags of other static servers get a pointer to
 * berth's equivalent (foreign_flags.ts).
 */

import * as v from "valibot";
import { findClosestName, formatValue } from "../config/errors.ts";
import { RESERVED_KEYS, setPath } from "../config/paths.ts";
import { describeAllowed } from "../config/json_schema.ts";
import {
  findSettingSchema,
  HEADER_NAME_REGEXP,
  HEADER_VALUE_REGEXP,
  type SettingsInput,
} from "../config/schema.ts";
import { describeSettings, type SettingDoc } from "../config/settings_docs.ts";
import { parseSettingText } from "../config/text_value.ts";
import { mergeRecord, parseBooleanWord } from "../config/values.ts";
import { CliError } from "./cli_error.ts";
import { describeForeignFlag } from "./foreign_flags.ts";
import { type OptionShape, parseSwitch, requireValue, type Token, tokenize } from "./tokens.ts";

export { CliError } from "./cli_error.ts";

/** Settings and the config file path given on the command line. */
export interface CliValues {
  /** Settings set by flags and the ROOT argument (only those given). */
  settings: SettingsInput;
  /** `--config FILE`, relative to the working directory. */
  configPath?: string;
}

/** What the command line asks berth to do. */
export type CliCommand =
  | { kind: "serve"; values: CliValues }
  | { kind: "check"; values: CliValues }
  | { kind: "help"; topic?: string }
  | { kind: "version" }
  | { kind: "user"; subcommand: UserSubcommand; args: string[] };

/** Subcommands with their own arguments, parsed by lib/cli/user.ts. */
export type UserSubcommand = "user" | "hash-password";

/** First arguments that hand the rest of the command line to lib/cli/user.ts. */
const USER_SUBCOMMANDS: readonly UserSubcommand[] = ["user", "hash-password"];

/** A command-line option, as parsed and as shown in `--help`. */
export interface CliOption {
  /** Long name without the dashes, e.g. `log-format`. */
  name: string;
  /** One-letter alias without the dash. */
  short?: string;
  /** Whether the option takes a value. */
  type: "string" | "boolean";
  /** The setting it sets, as named by `describeSettings()`. */
  setting?: string;
  /** Placeholder for the value in help, e.g. `PORT`. */
  valueName?: string;
  /** Whether the option may be repeated to give several values. */
  multiple?: boolean;
  /** Whether the switch turns its (boolean) setting off. */
  negate?: boolean;
  /**
   * For a switch that may carry `=VALUE` (`--spa`, `--spa=app.html`): the
   * value it means alone. `=false` sets `""`. Never takes the next argument,
   * so `--spa ./dist` keeps `./dist` as the root.
   */
  optionalValue?: string;
  /** Help text; settings without one use the schema's description. */
  description?: string;
}

/** Subcommands recognised as the first positional argument. */
const SUBCOMMANDS: readonly string[] = ["check", "help"];

/** Every option berth accepts, in help order. */
export const CLI_OPTIONS: readonly CliOption[] = [
  { name: "host", type: "string", setting: "host", valueName: "HOST" },
  // -p as in serve, http-server, miniserve, sirv and Deno std's file server.
  { name: "port", short: "p", type: "string", setting: "port", valueName: "PORT" },
  { name: "listing", type: "boolean", setting: "listing" },
  { name: "dotfiles", type: "boolean", setting: "dotfiles" },
  { name: "cors", type: "boolean", setting: "cors" },
  {
    name: "header",
    type: "string",
    setting: "headers",
    valueName: '"NAME: VALUE"',
    multiple: true,
    description: "Add a header to every response; repeat for more",
  },
  { name: "cert", type: "string", setting: "cert", valueName: "FILE" },
  { name: "key", type: "string", setting: "key", valueName: "FILE" },
  {
    name: "config",
    type: "string",
    valueName: "FILE",
    description: "Read settings from FILE instead of ./berth.json or ./berth.jsonc",
  },
  { name: "log-format", type: "string", setting: "logFormat", valueName: "FORMAT" },
  { name: "quiet", type: "boolean", setting: "quiet" },
  { name: "frozen", type: "boolean", setting: "frozen" },
  {
    name: "spa",
    type: "boolean",
    setting: "spa",
    valueName: "[=FILE]",
    optionalValue: "index.html",
    description: "Serve FILE (default index.html) for browser navigations to paths with no content",
  },
  { name: "clean-urls", type: "boolean", setting: "cleanUrls" },
  { name: "trailing-slash", type: "string", setting: "trailingSlash", valueName: "POLICY" },
  { name: "base-path", type: "string", setting: "basePath", valueName: "PATH" },
  { name: "metrics", type: "boolean", setting: "metrics" },
  { name: "ready-file", type: "string", setting: "readyFile", valueName: "FILE" },
  { name: "trust-proxy", type: "boolean", setting: "trustProxy" },
  {
    name: "trusted-proxies",
    type: "string",
    setting: "trustedProxies",
    valueName: "LIST",
    description:
      "Comma-separated addresses and CIDR ranges of the proxies to trust (with --trust-proxy)",
  },
  { name: "proxy-header", type: "string", setting: "proxyHeader", valueName: "HEADER" },
  {
    name: "rate-limit",
    type: "string",
    setting: "rateLimit.requestsPerSecond",
    valueName: "N",
  },
  { name: "audit-log", type: "string", setting: "auditLog", valueName: "FILE" },
  {
    name: "compress",
    type: "boolean",
    setting: "compress.enabled",
    description:
      "Compress responses (precompressed .br/.zst/.gz siblings, else gzip/brotli on the fly); --compress=off turns it off",
  },
  {
    name: "no-file-cache",
    type: "boolean",
    setting: "cache.enabled",
    negate: true,
    description: "Do not keep hot files in memory (every request reads the disk)",
  },
  { name: "workers", type: "string", setting: "workers", valueName: "N|auto" },
  {
    name: "no-security-headers",
    type: "boolean",
    setting: "securityHeaders",
    negate: true,
    description: "Do not send nosniff, Referrer-Policy, X-Frame-Options and HSTS headers",
  },
  { name: "version", short: "V", type: "boolean", description: "Print the version and exit" },
  { name: "help", short: "h", type: "boolean", description: "Print this help and exit" },
];

/** Help topics besides the general one. */
const HELP_TOPICS: readonly string[] = ["check", "config", "user", "hash-password"];

const OPTIONS_BY_NAME: ReadonlyMap<string, CliOption> = new Map(
  CLI_OPTIONS.flatMap((option) =>
    option.short === undefined
      ? [[option.name, option]]
      : [[option.name, option], [option.short, option]]
  ),
);

/**
 * Parses the arguments after the program name (`Deno.args`).
 *
 * `berth [ROOT] [OPTIONS]` serves, `berth check [ROOT] [OPTIONS]` validates,
 * `berth help [TOPIC]` and `--help`/`-h` print help, `--version`/`-V` the
 * version. Use `berth -- check` to serve a directory named "check".
 * `berth user …` and `berth hash-password` (first argument only) are
 * returned unparsed for lib/cli/user.ts.
 *
 * @throws {CliError} naming the flag, the value and what is allowed.
 */
export function parseCli(argv: readonly string[]): CliCommand {
  // `berth user …` and `berth hash-password` take options of their own.
  const first = argv[0] as UserSubcommand;
  if (USER_SUBCOMMANDS.includes(first)) {
    return { kind: "user", subcommand: first, args: argv.slice(1) };
  }
  const tokens = tokenize(argv, OPTION_SHAPES, "berth --help");

  const positionals: string[] = [];
  let subcommand: string | undefined;
  let literal = false;
  let wantsHelp = false;
  let wantsVersion = false;
  for (const token of tokens) {
    if (token.kind === "option-terminator") {
      literal = true;
    } else if (token.kind === "positional") {
      if (
        !literal && subcommand === undefined && positionals.length === 0 &&
        SUBCOMMANDS.includes(token.value)
      ) {
        subcommand = token.value;
      } else {
        positionals.push(token.value);
      }
    } else if (token.name === "help" || token.name === "h") {
      wantsHelp = true;
    } else if (token.name === "version" || token.name === "V") {
      wantsVersion = true;
    }
  }

  // --help and --version win over everything else, even a mistake elsewhere.
  if (subcommand === "help") return parseHelpTopic(positionals);
  if (wantsHelp) {
    return subcommand === undefined ? { kind: "help" } : { kind: "help", topic: subcommand };
  }
  if (wantsVersion) return { kind: "version" };

  const values = collectValues(tokens);
  if (positionals.length > 1) {
    throw new CliError(
      `Unexpected argument ${formatValue(positionals[1])}: berth serves one root directory`,
    );
  }
  if (positionals.length === 1) {
    const root = positionals[0];
    const schema = findSettingSchema("root");
    if (schema !== undefined && !v.is(schema, root)) {
      throw new CliError(
        `Cannot parse the ROOT argument: ${formatValue(root)} is not ${describeAllowed(schema)}`,
      );
    }
    values.settings.root = root;
  }
  return subcommand === "check" ? { kind: "check", values } : { kind: "serve", values };
}

/** How parseArgs splits each option (node refuses a `short` key that is undefined). */
const OPTION_SHAPES: Readonly<Record<string, OptionShape>> = Object.fromEntries(
  CLI_OPTIONS.map((option) => [
    option.name,
    option.short === undefined ? { type: option.type } : { type: option.type, short: option.short },
  ]),
);

function parseHelpTopic(positionals: readonly string[]): CliCommand {
  if (positionals.length === 0) return { kind: "help" };
  const [topic, extra] = positionals;
  if (extra !== undefined) {
    throw new CliError(`Unexpected argument ${formatValue(extra)}: "berth help" takes one topic`);
  }
  if (!HELP_TOPICS.includes(topic)) {
    throw new CliError(
      `Unknown help topic ${formatValue(topic)}: topics are ${
        HELP_TOPICS.map((t) => `"${t}"`).join(", ")
      }`,
    );
  }
  return { kind: "help", topic };
}

function collectValues(tokens: readonly Token[]): CliValues {
  const docs = new Map(describeSettings().map((doc) => [doc.name, doc]));
  const settings: Record<string, unknown> = {};
  const values: CliValues = { settings: settings as SettingsInput };
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    const option = OPTIONS_BY_NAME.get(token.name);
    if (option === undefined) throw unknownOption(token.rawName);
    const flag = `--${option.name}`;
    const doc = option.setting === undefined ? undefined : docs.get(option.setting);

    if (option.optionalValue !== undefined && doc !== undefined) {
      setPath(settings, doc.name, parseOptionalValue(flag, token.value, option.optionalValue, doc));
      continue;
    }
    if (option.type === "boolean") {
      const on = parseSwitch(flag, token.value);
      if (option.setting !== undefined) {
        setPath(settings, option.setting, option.negate ? !on : on);
      }
      continue;
    }

    const value = requireValue(token, flag);
    if (option.name === "config") {
      if (value === "") throw new CliError(`Cannot parse "${flag}": "" is not a file path`);
      values.configPath = value;
    } else if (option.name === "header") {
      const [name, headerValue] = parseHeader(flag, value);
      settings.headers = mergeRecord(settings.headers, { [name]: headerValue });
    } else if (doc !== undefined) {
      setPath(settings, doc.name, parseSettingValue(flag, value, doc));
    }
  }
  return values;
}

function unknownOption(rawName: string): CliError {
  const foreign = describeForeignFlag(rawName);
  if (foreign !== undefined) {
    return new CliError(`Unknown option ${formatValue(rawName)}: ${foreign}`);
  }
  // "--no-cors": switches take a value instead of having a negated twin.
  const negated = OPTIONS_BY_NAME.get(rawName.replace(/^--no-/, ""));
  if (rawName.startsWith("--no-") && negated?.type === "boolean" && negated.setting) {
    return new CliError(`Unknown option ${formatValue(rawName)}: use "--${negated.name}=false"`);
  }
  const names = CLI_OPTIONS.map((option) => `--${option.name}`);
  const guess = rawName.startsWith("--") ? findClosestName(rawName, names) : undefined;
  return new CliError(
    guess === undefined
      ? `Unknown option ${formatValue(rawName)}: run "berth --help" to see the options`
      : `Unknown option ${formatValue(rawName)}: did you mean "${guess}"?`,
  );
}

/** `--spa` → the default, `--spa=false` → `""`, `--spa=FILE` → FILE (checked by the schema). */
function parseOptionalValue(
  flag: string,
  value: string | undefined,
  fallback: string,
  doc: SettingDoc,
): string {
  if (value === undefined) return fallback;
  const on = parseBooleanWord(value);
  if (on !== undefined) return on ? fallback : "";
  if (value === "" || !fitsSetting(doc, value)) {
    throw new CliError(`Cannot parse "${flag}": ${formatValue(value)} is not ${doc.allowed}`);
  }
  return value;
}

/** Reads a flag's text as its setting's type (as `BERTH_*` variables are read) and checks it. */
function parseSettingValue(flag: string, text: string, doc: SettingDoc): unknown {
  const isNumber = doc.kind === "number";
  const allowed = isNumber && doc.min !== undefined && doc.max !== undefined
    ? `a number between ${doc.min} and ${doc.max}`
    : doc.allowed;
  const value = parseSettingText(doc, text);
  if (value === undefined || !fitsSetting(doc, value)) {
    throw new CliError(`Cannot parse "${flag}": ${formatValue(text)} is not ${allowed}`);
  }
  return value;
}

/** Whether the setting's schema accepts `value`. */
function fitsSetting(doc: SettingDoc, value: unknown): boolean {
  const schema = findSettingSchema(doc.name);
  return schema === undefined || v.is(schema, value);
}

/** Splits `Name: value`; the name must be a token, the value free of CR/LF/NUL. */
function parseHeader(flag: string, text: string): [string, string] {
  const colon = text.indexOf(":");
  if (colon === -1) {
    throw new CliError(`Cannot parse "${flag}": ${formatValue(text)} is not "Name: value"`);
  }
  const name = text.slice(0, colon);
  const value = text.slice(colon + 1).trim();
  if (!HEADER_NAME_REGEXP.test(name)) {
    throw new CliError(
      `Cannot parse "${flag}": ${
        formatValue(name)
      } is not a header name (letters, digits and !#$%&'*+-.^_\`|~, then ": value")`,
    );
  }
  if (RESERVED_KEYS.has(name)) {
    throw new CliError(`Cannot parse "${flag}": ${formatValue(name)} is a reserved name`);
  }
  if (!HEADER_VALUE_REGEXP.test(value)) {
    throw new CliError(
      `Cannot parse "${flag}": ${
        formatValue(value)
      } is not a header value of printable Latin-1 characters (no CR, LF or other control characters)`,
    );
  }
  return [name, value];
}
