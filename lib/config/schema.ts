/**
 * @module
 * The settings schema: the single source of option names, types, defaults
 * and descriptions. The CLI help, `berth check`, `BERTH_*` variable names,
 * `berth.schema.json` and the config file validation all derive from
 * {@linkcode SETTINGS_SCHEMA} (the docs through `settings_docs.ts`).
 * Declarations only; groups of related settings live in `auth_schema.ts` and
 * `limits_schema.ts`, shared value schemas in `value_schemas.ts`.
 *
 * To add a setting, add one entry to `SETTINGS_ENTRIES` with a description
 * (and `v.metadata({ path: true })` if it names a file that should be resolved
 * relative to the config file). Everything else follows.
 */

import * as v from "valibot";
import { DEFAULT_TRUSTED_PROXIES, PROXY_HEADERS } from "../http/client_address.ts";
import { BASE_PATH_REGEXP } from "../http/request_path.ts";
import { parseIpRange } from "../http/ip_address.ts";
import type { Settings, SettingsInput } from "./settings_types.ts";
import { ACCESS_SCHEMA, AUTH_SCHEMA } from "./auth_schema.ts";
import {
  CACHE_SCHEMA,
  COMPRESS_SCHEMA,
  LIMITS_SCHEMA,
  RATE_LIMIT_SCHEMA,
} from "./limits_schema.ts";
import {
  CACHE_CONTROL_VALUE,
  FILE_NAME_REGEXP,
  HEADER_NAME,
  HEADER_VALUE,
  HOST_REGEXP,
  integerBetween,
  MAX_TIMER_MS,
  NON_EMPTY_STRING,
  ROOT_RELATIVE_REGEXP,
} from "./value_schemas.ts";

export { isLoopbackHttpUrl, JWT_ALGORITHMS } from "./auth_schema.ts";
export type { AccessRuleConfig, JwtSettings, Settings, SettingsInput } from "./settings_types.ts";
export {
  HEADER_NAME_REGEXP,
  HEADER_VALUE_REGEXP,
  type SettingMeta,
  URL_VALUE_REGEXP,
} from "./value_schemas.ts";

/** A worker count as text: "auto" or 1..256. */
const WORKERS_REGEXP = /^(?:auto|[1-9][0-9]?|1[0-9]{2}|2[0-4][0-9]|25[0-6])$/;

/** The message when only one of `cert` and `key` is set. */
const TLS_PAIR_MESSAGE = "TLS needs both the certificate and its private key";

/**
 * Every setting, with its default and a description written for `--help` and
 * the docs. Keys are the config file keys; nested objects merge field by
 * field across sources.
 */
const SETTINGS_ENTRIES = {
  root: v.pipe(
    v.optional(NON_EMPTY_STRING, "."),
    v.description("Directory to serve"),
    v.metadata({ path: true, allowed: "a directory path" }),
  ),
  host: v.pipe(
    v.optional(
      v.pipe(
        v.string(),
        v.regex(HOST_REGEXP),
        v.maxLength(253),
        v.metadata({ allowed: "a host name or IP address (IPv6 without brackets)" }),
      ),
      "127.0.0.1",
    ),
    v.description("Address to listen on; 0.0.0.0 or :: makes berth reachable from other machines"),
  ),
  port: v.pipe(
    v.optional(integerBetween(0, 65535), 8000),
    v.description("Port to listen on; 0 picks a free port"),
  ),
  listing: v.pipe(
    v.optional(v.boolean(), false),
    v.description("List the contents of directories that have no index file"),
  ),
  dotfiles: v.pipe(
    v.optional(v.boolean(), false),
    v.description('Serve files and directories whose names start with "." (.well-known always is)'),
  ),
  cors: v.pipe(
    v.optional(v.boolean(), false),
    v.description("Allow cross-origin requests from any origin (Access-Control-Allow-Origin: *)"),
  ),
  headers: v.pipe(
    v.optional(
      v.record(HEADER_NAME, HEADER_VALUE),
      {},
    ),
    v.description("Extra headers added to every response"),
    v.metadata({ allowed: "an object of header names to string values" }),
  ),
  cert: v.pipe(
    v.optional(NON_EMPTY_STRING),
    v.description("TLS certificate chain (PEM file); needs key"),
    v.metadata({ path: true, allowed: "a file path" }),
  ),
  key: v.pipe(
    v.optional(NON_EMPTY_STRING),
    v.description("TLS private key (PEM file); needs cert"),
    v.metadata({ path: true, allowed: "a file path" }),
  ),
  logFormat: v.pipe(
    v.optional(v.picklist(["pretty", "json", "auto"]), "auto"),
    v.description("Access log format; auto is pretty on a terminal and JSON lines otherwise"),
  ),
  quiet: v.pipe(
    v.optional(v.boolean(), false),
    v.description("Turn off the access log"),
  ),
  cacheControl: v.pipe(
    v.optional(
      v.strictObject({
        default: v.pipe(
          v.optional(CACHE_CONTROL_VALUE, "no-cache"),
          v.description("Cache-Control for files without a content hash in their name"),
          v.metadata({ allowed: "a non-empty header value" }),
        ),
        immutable: v.pipe(
          v.optional(CACHE_CONTROL_VALUE, "public, max-age=31536000, immutable"),
          v.description("Cache-Control for hashed asset names such as app.3f9a1c2b.js"),
          v.metadata({ allowed: "a non-empty header value" }),
        ),
      }),
      {},
    ),
    v.description("Cache-Control header values"),
  ),
  securityHeaders: v.pipe(
    v.optional(v.boolean(), true),
    v.description(
      "Send nosniff, Referrer-Policy and X-Frame-Options headers (and HSTS under TLS)",
    ),
  ),
  index: v.pipe(
    v.optional(
      v.array(
        v.pipe(
          v.string(),
          v.regex(FILE_NAME_REGEXP),
          v.metadata({ allowed: "a file name without slashes" }),
        ),
      ),
      ["index.html"],
    ),
    v.description("File names tried, in order, when a directory is requested"),
    v.metadata({ allowed: "a list of file names without slashes" }),
  ),
  notFoundPage: v.pipe(
    v.optional(v.pipe(v.string(), v.regex(ROOT_RELATIVE_REGEXP)), "404.html"),
    v.description('Page sent with 404 responses, relative to root, if it exists ("" turns it off)'),
    v.metadata({ allowed: 'a path inside root without ".." segments' }),
  ),
  cache: CACHE_SCHEMA,
  frozen: v.pipe(
    v.optional(v.boolean(), false),
    v.description(
      "The root does not change while served (a built dist/, a container image): each file's metadata is read once and a cached answer makes no filesystem call; changes on disk are not seen",
    ),
  ),
  compress: COMPRESS_SCHEMA,
  workers: v.pipe(
    v.optional(
      v.union([
        integerBetween(1, 256),
        v.pipe(v.string(), v.regex(WORKERS_REGEXP)),
      ]),
      1,
    ),
    v.description('Isolates serving the port (Linux: SO_REUSEPORT); "auto" = one per CPU'),
    v.metadata({ allowed: 'a number of workers between 1 and 256, or "auto"' }),
  ),
  shutdownTimeoutMs: v.pipe(
    v.optional(integerBetween(0, MAX_TIMER_MS), 5000),
    v.description("Milliseconds to let open requests finish on SIGINT or SIGTERM"),
  ),
  limits: LIMITS_SCHEMA,
  spa: v.pipe(
    v.optional(v.pipe(v.string(), v.regex(ROOT_RELATIVE_REGEXP)), ""),
    v.description(
      'Page served for browser navigations to paths with no content (SPA fallback; "" is off, --spa alone means index.html)',
    ),
    v.metadata({ allowed: 'a path inside root without ".." segments' }),
  ),
  cleanUrls: v.pipe(
    v.optional(v.boolean(), false),
    v.description("Serve /about from about.html and redirect /about.html to /about"),
  ),
  trailingSlash: v.pipe(
    v.optional(v.picklist(["auto", "always", "never"]), "auto"),
    v.description(
      "Canonical trailing slash: auto (directories only), always (pages and directories), never",
    ),
  ),
  headerRules: v.pipe(
    v.optional(
      v.record(
        v.pipe(
          v.string(),
          v.regex(/^\/[^\0]*$/),
          v.metadata({ allowed: 'a path pattern starting with "/"' }),
        ),
        v.record(HEADER_NAME, v.nullable(HEADER_VALUE)),
      ),
      {},
    ),
    v.description(
      'Headers per path pattern, like _headers: { "/assets/*": { "Name": "value", "X-Drop": null } }',
    ),
    v.metadata({ allowed: "an object of path patterns to objects of header names to values" }),
  ),
  redirectRules: v.pipe(
    v.optional(v.array(v.pipe(v.string(), v.regex(/^[^\r\n\0]*$/))), []),
    v.description('Redirect rules, one _redirects line each: "/from /to [status][!]"'),
    v.metadata({ allowed: 'a list of "/from /to [status]" lines' }),
  ),
  watchRules: v.pipe(
    v.optional(v.boolean(), true),
    v.description("Reload _headers, _redirects and the config file's rules when they change"),
  ),
  internalPrefix: v.pipe(
    v.optional(v.pipe(v.string(), v.regex(/^\/[A-Za-z0-9._~-]+\/$/)), "/_berth/"),
    v.description("Path prefix of berth's own endpoints (health, metrics, login); never served"),
    v.metadata({ allowed: 'one path segment between slashes, e.g. "/_berth/"' }),
  ),
  basePath: v.pipe(
    v.optional(v.pipe(v.string(), v.maxLength(1024), v.regex(BASE_PATH_REGEXP)), "/"),
    v.description(
      "Path berth is mounted under, e.g. /static/: other paths are 404s, redirects keep the prefix",
    ),
    v.metadata({
      allowed:
        'a path that starts and ends with "/", e.g. "/static/" (segments of letters, digits and -._~!$&\'()*+,;=:@, no "." or "..", no "//" or "%")',
    }),
  ),
  metrics: v.pipe(
    v.optional(v.boolean(), false),
    v.description("Serve Prometheus metrics at <internalPrefix>metrics"),
  ),
  metricsAccess: v.pipe(
    v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.:-]+$/)), "loopback"),
    v.description('Who may read the metrics: "loopback", "any" or a role name'),
    v.metadata({ allowed: '"loopback", "any" or a role name' }),
  ),
  readyFile: v.pipe(
    v.optional(NON_EMPTY_STRING),
    v.description("Write the URL to this file once listening (needs --allow-write=FILE)"),
    v.metadata({ path: true, allowed: "a file path" }),
  ),
  access: ACCESS_SCHEMA,
  auth: AUTH_SCHEMA,
  rateLimit: RATE_LIMIT_SCHEMA,
  trustProxy: v.pipe(
    v.optional(v.boolean(), false),
    v.description(
      "Behind a reverse proxy: take the client address and https from the trusted proxies' header",
    ),
  ),
  trustedProxies: v.pipe(
    v.optional(
      v.pipe(
        v.array(
          v.pipe(
            v.string(),
            v.check((text) => parseIpRange(text) !== null),
            v.metadata({ allowed: 'an IP address or CIDR range such as "10.0.0.0/8"' }),
          ),
        ),
        v.nonEmpty(),
      ),
      [...DEFAULT_TRUSTED_PROXIES],
    ),
    v.description(
      "Addresses and CIDR ranges of the proxies whose header is believed (with trust-proxy)",
    ),
    v.metadata({ allowed: 'a list of IP addresses or CIDR ranges such as "10.0.0.0/8"' }),
  ),
  proxyHeader: v.pipe(
    v.optional(v.picklist(PROXY_HEADERS), "X-Forwarded-For"),
    v.description("The one header the trusted proxies name the client in (with trust-proxy)"),
  ),
  auditLog: v.pipe(
    v.optional(NON_EMPTY_STRING),
    v.description("Append the audit log (JSON lines) to this file instead of stderr"),
    v.metadata({ path: true, allowed: "a file path" }),
  ),
};

/** {@linkcode SETTINGS_OBJECT_SCHEMA} with the type valibot infers, for the drift check. */
const SETTINGS_OBJECT_INFERRED = v.strictObject(SETTINGS_ENTRIES);

/** {@linkcode SETTINGS_SCHEMA} with the type valibot infers, for the drift check. */
const SETTINGS_INFERRED = v.pipe(
  SETTINGS_OBJECT_INFERRED,
  v.forward(
    v.partialCheck(
      [["cert"], ["key"]],
      (settings) => settings.cert === undefined || settings.key !== undefined,
      `"cert" is set but "key" is not: ${TLS_PAIR_MESSAGE}`,
    ),
    ["cert"],
  ),
  v.forward(
    v.partialCheck(
      [["cert"], ["key"]],
      (settings) => settings.key === undefined || settings.cert !== undefined,
      `"key" is set but "cert" is not: ${TLS_PAIR_MESSAGE}`,
    ),
    ["key"],
  ),
);

/**
 * The settings object with per-field validation only. Used to validate each
 * source (file, env, CLI) on its own before they are merged. Typed with the
 * written-out interfaces (the assignment checks the inferred types fit them;
 * `tests/unit/settings_types_test.ts` checks the other direction).
 */
export const SETTINGS_OBJECT_SCHEMA: v.GenericSchema<SettingsInput, Settings> =
  SETTINGS_OBJECT_INFERRED;

/**
 * The full settings schema: every field plus the rules across fields, each
 * blaming one field (its source is named in the message).
 */
export const SETTINGS_SCHEMA: v.GenericSchema<SettingsInput, Settings> = SETTINGS_INFERRED;

/** What valibot infers the settings to be; only the drift check should need it. */
export type InferredSettings = v.InferOutput<typeof SETTINGS_INFERRED>;

/** What valibot infers a source's settings to be; only the drift check should need it. */
export type InferredSettingsInput = v.InferInput<typeof SETTINGS_OBJECT_INFERRED>;

/** The defaults, i.e. the settings when no source sets anything. */
export const DEFAULT_SETTINGS: Readonly<Settings> = deepFreeze(v.parse(SETTINGS_SCHEMA, {}));

/**
 * Finds the schema of a setting by its dotted name, e.g. `limits.maxUrlLength`,
 * so one value can be checked alone (a flag, the ROOT argument). Groups are
 * `v.optional(v.strictObject(...))`, whose `wrapped` and `entries` valibot
 * exposes in its types.
 */
export function findSettingSchema(name: string): v.GenericSchema | undefined {
  let schema: v.GenericSchema = SETTINGS_OBJECT_SCHEMA;
  for (const part of name.split(".")) {
    const group = "wrapped" in schema ? schema.wrapped as v.GenericSchema : schema;
    const entries = "entries" in group
      ? group.entries as Record<string, v.GenericSchema>
      : undefined;
    if (entries === undefined || !Object.hasOwn(entries, part)) return undefined;
    schema = entries[part];
  }
  return schema;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
