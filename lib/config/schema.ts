/**
 * @module
 * The settings schema: the single source of option names, types, defaults
 * and docs. The CLI help, the README tables, `BERTH_*` variable names and the
 * config file validation are all derived from {@linkcode SETTINGS_SCHEMA}.
 *
 * To add a setting, add one entry to `SETTINGS_ENTRIES` with a description
 * (and `v.metadata({ path: true })` if it names a file that should be resolved
 * relative to the config file). Everything else follows.
 */

import * as v from "valibot";
import { DEFAULT_TRUSTED_PROXIES, PROXY_HEADERS } from "../http/client_address.ts";
import { parseIpRange } from "../http/ip_address.ts";

/** An HTTP field name (RFC 9110 §5.1: a token). */
export const HEADER_NAME_REGEXP = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/**
 * An HTTP field value berth accepts (RFC 9110 §5.5): visible ASCII, space,
 * tab and obs-text (Latin-1), so no CR, LF, NUL or other controls, and nothing
 * above U+00FF, which `Headers` would reject at request time.
 */
export const HEADER_VALUE_REGEXP = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Whole names (any case) whose values are never printed. */
const SECRET_WORD_REGEXP =
  /^(?:key|secret|password|passphrase|token|authorization|proxy-authorization|cookie|set-cookie)s?$/i;
/** Name endings that mark a secret: `jwtSecret`, `api_key`, `X-Api-Key`. */
const SECRET_SUFFIX_REGEXP =
  /(?:[a-z0-9](?:Key|Secret|Password|Passphrase|Token)|[_-](?:[Kk]ey|[Ss]ecret|[Pp]assword|[Pp]assphrase|[Tt]oken))s?$/;

/** Prefix of every environment variable berth reads. */
export const ENV_PREFIX = "BERTH_";

/** Allowed host names: letters, digits and the punctuation of IPv4/IPv6 literals. */
const HOST_REGEXP = /^[A-Za-z0-9._:%-]+$/;
/** An index file name: one path segment. */
const FILE_NAME_REGEXP = /^(?!\.\.?$)[^/\\\0]+$/;
/** A path below the root: no leading slash, no `..` segment, no NUL. */
const ROOT_RELATIVE_REGEXP = /^(?![/\\])(?!.*(?:^|[/\\])\.\.(?:[/\\]|$))[^\0]*$/;

/** A worker count as text: "auto" or 1..256. */
const WORKERS_REGEXP = /^(?:auto|[1-9][0-9]?|1[0-9]{2}|2[0-4][0-9]|25[0-6])$/;

/** Largest timer delay that `setTimeout` honours (2^31 - 1 ms). */
const MAX_TIMER_MS = 2_147_483_647;

/** Extra facts about a setting, attached with `v.metadata`. */
export interface SettingMeta {
  /** A file path: resolved against the config file's directory, or the cwd. */
  path?: boolean;
  /** Never print the value (also implied by a secret-looking name). */
  secret?: boolean;
  /** Phrase for error messages, completing "<value> is not …". */
  allowed?: string;
  /** A path that may also be a URL, which is kept as is (not resolved). */
  url?: boolean;
}

const NON_EMPTY_STRING = v.pipe(v.string(), v.nonEmpty());
/** A header name, as a record key. */
const HEADER_NAME = v.pipe(
  v.string(),
  v.regex(HEADER_NAME_REGEXP),
  v.metadata({ allowed: "a header name (letters, digits and !#$%&'*+-.^_`|~)" }),
);
const HEADER_VALUE = v.pipe(
  v.string(),
  v.regex(HEADER_VALUE_REGEXP),
  v.metadata({
    allowed:
      "a header value of printable Latin-1 characters (no CR, LF or other control characters)",
  }),
);

/** A Cache-Control value: a header value that is not empty. */
const CACHE_CONTROL_VALUE = v.pipe(NON_EMPTY_STRING, v.regex(HEADER_VALUE_REGEXP));

/** An integer from `min` to `max`, both included. */
function integerBetween(min: number, max: number) {
  return v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));
}

/** JWT algorithms berth can verify (`none` is deliberately absent). */
export const JWT_ALGORITHMS = [
  "HS256",
  "HS384",
  "HS512",
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
] as const;
/** An environment variable name. */
const ENV_VAR_NAME_REGEXP = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A URL (rather than a file path) given where either is allowed. */
export const URL_VALUE_REGEXP = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
/** An http URL to a loopback host, allowed for JWKS besides https (tests, sidecars). */
const LOOPBACK_HTTP_URL_REGEXP =
  /^http:\/\/(?:127(?:\.[0-9]{1,3}){3}|localhost|\[::1\])(?::[0-9]+)?\//i;

/**
 * Whether `url` is plain http to a loopback host (127.x.x.x, localhost or
 * [::1]), which a JWKS may use besides https: nobody can sit in between.
 */
export function isLoopbackHttpUrl(url: string): boolean {
  return LOOPBACK_HTTP_URL_REGEXP.test(url);
}

/** One access rule: a path pattern and who may read what it matches. */
const ACCESS_RULE_SCHEMA = v.pipe(
  v.strictObject({
    path: v.pipe(
      v.string(),
      v.regex(/^\/[^\0\\?#(){}]*$/),
      v.maxLength(1024),
      v.metadata({
        allowed: 'a path pattern starting with "/" using "*" and ":name", e.g. "/admin/*"',
      }),
    ),
    roles: v.optional(v.pipe(v.array(NON_EMPTY_STRING), v.nonEmpty())),
    authenticated: v.optional(v.literal(true)),
    public: v.optional(v.literal(true)),
    // SECURITY: off by default; protected answers stay private whatever header rules say.
    shareable: v.optional(v.boolean()),
  }),
  v.check(
    (rule) =>
      [rule.roles !== undefined, rule.authenticated === true, rule.public === true]
        .filter(Boolean).length === 1,
    'Each access rule needs exactly one of "roles", "authenticated": true or "public": true',
  ),
  v.metadata({
    allowed:
      'an object { "path": "/admin/*" } with exactly one of "roles": [...], "authenticated": true or "public": true',
  }),
);

/** How JWTs are verified (and, with an HS secret, signed by the login endpoint). */
const JWT_CONFIG_SCHEMA = v.strictObject({
  secretEnv: v.pipe(
    v.optional(v.pipe(v.string(), v.regex(ENV_VAR_NAME_REGEXP))),
    v.description(
      "Environment variable holding the HS256/384/512 secret (needs --allow-env=NAME)",
    ),
    v.metadata({ allowed: "an environment variable name" }),
  ),
  secretFile: v.pipe(
    v.optional(NON_EMPTY_STRING),
    v.description("File holding the HS256/384/512 secret"),
    v.metadata({ path: true, allowed: "a file path" }),
  ),
  publicKey: v.pipe(
    v.optional(NON_EMPTY_STRING),
    v.description("PEM (SPKI) or JWK file with the public key for RS/PS/ES/EdDSA tokens"),
    v.metadata({ path: true, allowed: "a file path" }),
  ),
  jwks: v.pipe(
    v.optional(
      v.pipe(
        NON_EMPTY_STRING,
        v.check(
          (value) =>
            !URL_VALUE_REGEXP.test(value) || value.startsWith("https://") ||
            isLoopbackHttpUrl(value),
        ),
      ),
    ),
    v.description("JWKS file or https URL (e.g. an OIDC provider's jwks_uri)"),
    v.metadata({ path: true, url: true, allowed: "a file path or an https URL" }),
  ),
  algorithms: v.pipe(
    v.optional(v.pipe(v.array(v.picklist(JWT_ALGORITHMS)), v.nonEmpty())),
    v.description("Allowed JWT algorithms; default HS256 with a secret, else the key's"),
    v.metadata({ allowed: `a non-empty list of ${JWT_ALGORITHMS.join(", ")}` }),
  ),
  issuer: v.pipe(
    v.optional(NON_EMPTY_STRING),
    v.description("Required iss claim"),
  ),
  audience: v.pipe(
    v.optional(NON_EMPTY_STRING),
    v.description("Required aud claim"),
  ),
  rolesClaim: v.pipe(
    v.optional(NON_EMPTY_STRING, "roles"),
    v.description("Claim holding the user's roles (a space-separated scope is also read)"),
  ),
  clockToleranceSeconds: v.pipe(
    v.optional(integerBetween(0, 600), 30),
    v.description("Seconds of clock skew tolerated for exp and nbf"),
  ),
});

/** The `auth.jwt` settings, as `loadJwtKeys` and `createTokenVerifier` consume them. */
export type JwtConfig = v.InferOutput<typeof JWT_CONFIG_SCHEMA>;

/** One `access` rule, validated. */
export type AccessRuleConfig = v.InferOutput<typeof ACCESS_RULE_SCHEMA>;

/**
 * Every setting, with its default and a description written for `--help` and
 * the README. Keys are the config file keys; nested objects merge field by
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
  cache: v.pipe(
    v.optional(
      v.strictObject({
        enabled: v.pipe(
          v.optional(v.boolean(), true),
          v.description("Keep small files, their headers and encoded variants in memory"),
        ),
        maxFileBytes: v.pipe(
          v.optional(integerBetween(0, 1_073_741_824), 1_048_576),
          v.description("Largest file kept in the memory cache, in bytes"),
        ),
        maxTotalBytes: v.pipe(
          v.optional(integerBetween(0, 68_719_476_736), 67_108_864),
          v.description("Memory the cache may hold in total, in bytes (per worker)"),
        ),
        watch: v.pipe(
          v.optional(v.boolean(), true),
          v.description(
            "Watch the root so a listing drops when a listed file changes in place (hits are always checked with stat)",
          ),
        ),
      }),
      {},
    ),
    v.description("Hot-file memory cache"),
  ),
  compress: v.pipe(
    v.optional(
      v.strictObject({
        enabled: v.pipe(
          v.optional(v.boolean(), true),
          v.description(
            "Send compressible files gzip/brotli/zstd encoded when the client accepts it",
          ),
        ),
        precompressed: v.pipe(
          v.optional(v.boolean(), true),
          v.description("Serve .br, .zst and .gz siblings (app.js.br) when present"),
        ),
        onTheFly: v.pipe(
          v.optional(v.boolean(), true),
          v.description("Compress files that have no sibling (results are cached)"),
        ),
        minBytes: v.pipe(
          v.optional(integerBetween(0, 1_073_741_824), 1024),
          v.description("Smallest file compressed on the fly, in bytes"),
        ),
        gzipLevel: v.pipe(
          v.optional(integerBetween(1, 9), 6),
          v.description("gzip level for on-the-fly compression (1 fastest .. 9 smallest)"),
        ),
        brotliLevel: v.pipe(
          v.optional(integerBetween(0, 11), 5),
          v.description("Brotli quality for on-the-fly compression (0 fastest .. 11 smallest)"),
        ),
      }),
      {},
    ),
    v.description("Response compression"),
  ),
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
  limits: v.pipe(
    v.optional(
      v.strictObject({
        maxUrlLength: v.pipe(
          v.optional(integerBetween(64, 1_048_576), 8192),
          v.description("Longest request URL accepted, in bytes (414 above it)"),
        ),
        maxHeaderBytes: v.pipe(
          v.optional(integerBetween(1024, 1_048_576), 16384),
          v.description("Largest total size of the request headers, in bytes (431 above it)"),
        ),
        maxHeaderCount: v.pipe(
          v.optional(integerBetween(8, 10_000), 100),
          v.description("Most request header fields accepted (431 above it)"),
        ),
        requestTimeoutMs: v.pipe(
          v.optional(integerBetween(100, MAX_TIMER_MS), 30000),
          v.description(
            "Milliseconds allowed to receive a whole request, head and body (408 after it), and to start its answer (503)",
          ),
        ),
        headerTimeoutMs: v.pipe(
          v.optional(integerBetween(100, MAX_TIMER_MS), 10000),
          v.description(
            "Milliseconds a new connection may take to send a complete request head (408, then closed)",
          ),
        ),
        idleTimeoutMs: v.pipe(
          v.optional(integerBetween(100, MAX_TIMER_MS), 10000),
          v.description("Milliseconds a kept-alive connection may wait for its next request"),
        ),
        sendTimeoutMs: v.pipe(
          v.optional(integerBetween(100, MAX_TIMER_MS), 30000),
          v.description(
            "Milliseconds a client may take no response bytes before it is cut off (its file closes)",
          ),
        ),
        streamIdleTimeoutMs: v.pipe(
          v.optional(integerBetween(100, MAX_TIMER_MS), 30000),
          v.description("Milliseconds an HTTP/2 stream may go without a frame before it is reset"),
        ),
        maxConcurrentStreams: v.pipe(
          v.optional(integerBetween(1, 1000), 32),
          v.description("Most concurrent HTTP/2 streams per connection"),
        ),
        maxConnections: v.pipe(
          v.optional(integerBetween(0, 1_000_000), 0),
          v.description(
            "Most open connections (0: derived from the descriptor limit, see the startup log)",
          ),
        ),
        maxConnectionsPerClient: v.pipe(
          v.optional(integerBetween(0, 1_000_000), 0),
          v.description(
            "Most open connections from one client address (0: a quarter of maxConnections, 8..256)",
          ),
        ),
        maxOpenResponses: v.pipe(
          v.optional(integerBetween(0, 1_000_000), 0),
          v.description(
            "Most responses being sent at once, each may hold an open file (0: derived from the descriptor limit; 503 above it)",
          ),
        ),
      }),
      {},
    ),
    v.description("Request limits"),
  ),
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
  access: v.pipe(
    v.optional(v.array(ACCESS_RULE_SCHEMA), []),
    v.description(
      'Ordered access rules; the first whose "path" matches decides; unmatched paths are public',
    ),
    v.metadata({
      allowed:
        'a list of rules like { "path": "/admin/*", "roles": ["admin"] }, { "path": "/team/*", "authenticated": true } or { "path": "/pub/*", "public": true }',
    }),
  ),
  auth: v.pipe(
    v.optional(
      v.strictObject({
        users: v.pipe(
          v.optional(NON_EMPTY_STRING),
          v.description("Users file (JSON) for the login page and HTTP Basic"),
          v.metadata({ path: true, allowed: "a file path" }),
        ),
        jwt: v.pipe(
          v.optional(JWT_CONFIG_SCHEMA, {}),
          v.description("JWT verification keys and claims"),
        ),
        basic: v.pipe(
          v.optional(v.boolean(), false),
          v.description("Accept HTTP Basic credentials checked against the users file"),
        ),
        cookieName: v.pipe(
          v.optional(
            // A cookie name is a token too (RFC 6265 §4.1.1).
            v.pipe(v.string(), v.regex(HEADER_NAME_REGEXP), v.maxLength(64)),
            "berth_session",
          ),
          v.description("Name of the HttpOnly session cookie set by the login endpoint"),
          v.metadata({ allowed: "a cookie name (letters, digits and !#$%&'*+-.^_`|~)" }),
        ),
        sessionTtlSeconds: v.pipe(
          v.optional(integerBetween(60, 2_592_000), 3600),
          v.description("Lifetime of tokens issued by the login endpoint, in seconds"),
        ),
      }),
      {},
    ),
    v.description("Authentication"),
  ),
  rateLimit: v.pipe(
    v.optional(
      v.strictObject({
        requestsPerSecond: v.pipe(
          v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1_000_000)), 0),
          v.description("Requests per second allowed per client address (0 turns it off)"),
        ),
        burst: v.pipe(
          v.optional(integerBetween(1, 1_000_000), 100),
          v.description("Requests a client may make at once before the rate applies"),
        ),
        maxClients: v.pipe(
          v.optional(integerBetween(100, 10_000_000), 100_000),
          v.description("Most client addresses tracked at once (bounds memory)"),
        ),
      }),
      {},
    ),
    v.description("Per-client rate limit (login attempts are always limited)"),
  ),
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

/** Checks that involve more than one setting; each names the field it blames. */
const SETTINGS_RULES: readonly SettingsRule[] = [
  {
    field: "cert",
    validate: (settings) =>
      settings.cert !== undefined && settings.key === undefined
        ? '"cert" is set but "key" is not: TLS needs both the certificate and its private key'
        : undefined,
  },
  {
    field: "key",
    validate: (settings) =>
      settings.key !== undefined && settings.cert === undefined
        ? '"key" is set but "cert" is not: TLS needs both the certificate and its private key'
        : undefined,
  },
];

/** A cross-field check run after every field is valid on its own. */
export interface SettingsRule {
  /** The setting to blame in the message (its source is reported). */
  field: string;
  /** Returns the problem, or `undefined` when the settings are fine. */
  validate(settings: v.InferOutput<typeof SETTINGS_OBJECT_SCHEMA>): string | undefined;
}

/**
 * The settings object with per-field validation only. Used to validate each
 * source (file, env, CLI) on its own before they are merged.
 */
export const SETTINGS_OBJECT_SCHEMA = v.strictObject(SETTINGS_ENTRIES);

/** The full settings schema: every field plus the cross-field rules. */
export const SETTINGS_SCHEMA = v.pipe(
  SETTINGS_OBJECT_SCHEMA,
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const settings = dataset.value;
    for (const rule of SETTINGS_RULES) {
      const message = rule.validate(settings);
      if (message === undefined) continue;
      addIssue({
        message,
        path: [{
          type: "object",
          origin: "value",
          input: settings,
          key: rule.field,
          value: (settings as Record<string, unknown>)[rule.field],
        }],
      });
    }
  }),
);

/** The effective settings berth runs with. */
export type Settings = v.InferOutput<typeof SETTINGS_SCHEMA>;

/** Settings as a source gives them: every field optional, nested ones too. */
export type SettingsInput = v.InferInput<typeof SETTINGS_OBJECT_SCHEMA>;

/** How a setting is parsed from text (environment variables). */
export type SettingKind = "string" | "boolean" | "number" | "enum" | "list" | "map";

/** Documentation of one setting, for help text, README and `berth check`. */
export interface SettingDoc {
  /** Config file key; nested settings use dots, e.g. `limits.maxUrlLength`. */
  name: string;
  /** Human-readable type, e.g. `integer 0..65535` or `"pretty" | "json"`. */
  type: string;
  /** How the value is read from an environment variable. */
  kind: SettingKind;
  /** Default value, or `undefined` when the setting is unset by default. */
  default: unknown;
  /** One-line description. */
  description: string;
  /** Phrase completing "<value> is not …" in error messages. */
  allowed: string;
  /** The `BERTH_*` variable that sets it, or `null` if none does. */
  env: string | null;
  /** Whether the value is a file path (resolved against the config file). */
  path: boolean;
  /** Whether the value must never be printed. */
  secret: boolean;
  /** Whether a path setting may also hold a URL, which is not resolved. */
  url?: boolean;
  /** Smallest allowed number, for number settings with a minimum. */
  min?: number;
  /** Largest allowed number, for number settings with a maximum. */
  max?: number;
}

/** The defaults, i.e. the settings when no source sets anything. */
export const DEFAULT_SETTINGS: Readonly<Settings> = deepFreeze(v.parse(SETTINGS_SCHEMA, {}));

/** {@linkcode describeSettings}'s result, computed once (walking the schema costs ~10 ms). */
let settingDocs: readonly SettingDoc[] | undefined;

/** Lists every setting (nested objects flattened to dotted names) for docs. */
export function describeSettings(): SettingDoc[] {
  settingDocs ??= listSettingDocs();
  return [...settingDocs];
}

function listSettingDocs(): SettingDoc[] {
  const docs: SettingDoc[] = [];
  // Nested objects (`auth.jwt.secretEnv`) flatten to their leaves at any depth.
  const visit = (name: string, schema: AnySchema) => {
    const node = unwrap(schema);
    if (node.type === "strict_object" && node.entries !== undefined) {
      for (const [childName, child] of Object.entries(node.entries)) {
        visit(`${name}.${childName}`, child);
      }
    } else {
      docs.push(describeSetting(name, schema));
    }
  };
  for (const [name, schema] of Object.entries(SETTINGS_ENTRIES)) visit(name, schema as AnySchema);
  return docs;
}

/** Finds the schema of a setting by its dotted name, e.g. `limits.maxUrlLength`. */
export function findSettingSchema(name: string): v.GenericSchema | undefined {
  let node: AnySchema | undefined = SETTINGS_OBJECT_SCHEMA as AnySchema;
  for (const part of name.split(".")) {
    node = childSchema(node, part);
    if (node === undefined) return undefined;
  }
  return node as v.GenericSchema;
}

/**
 * Returns the schema one step below `schema` along an object key, array index
 * or record entry (its key schema with `{ recordKey: true }`, else its value's).
 */
export function childSchema(
  schema: v.GenericSchema | AnySchema,
  key: string | number,
  options: { recordKey?: boolean } = {},
): AnySchema | undefined {
  const node = unwrap(schema as AnySchema);
  if (node.type === "strict_object" || node.type === "object") {
    return typeof key === "string" && Object.hasOwn(node.entries ?? {}, key)
      ? node.entries?.[key]
      : undefined;
  }
  if (node.type === "record") return options.recordKey ? node.key : node.value;
  if (node.type === "array") return node.item;
  return undefined;
}

/**
 * Finds an array where the schema wants an object. valibot's object and
 * record schemas accept arrays (they are objects), which would turn
 * `"headers": []` into `{}` without a word.
 */
export function findArrayForObject(
  value: unknown,
  schema: v.GenericSchema | AnySchema,
  path: readonly string[] = [],
): { path: string[]; value: unknown; schema: AnySchema } | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const node = unwrap(schema as AnySchema);
  if (node.type !== "strict_object" && node.type !== "object" && node.type !== "record") {
    return undefined;
  }
  if (Array.isArray(value)) return { path: [...path], value, schema: schema as AnySchema };
  if (node.entries === undefined) return undefined;
  for (const [key, child] of Object.entries(node.entries)) {
    if (!Object.hasOwn(value, key)) continue;
    const found = findArrayForObject((value as Record<string, unknown>)[key], child, [
      ...path,
      key,
    ]);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Describes what a schema accepts, as the end of "<value> is not …":
 * `an integer between 0 and 65535`, `"pretty", "json" or "auto"`.
 */
export function describeAllowed(schema: v.GenericSchema | AnySchema): string {
  const outer = schema as AnySchema;
  const allowed = metadataOf(outer).allowed;
  if (allowed !== undefined) return allowed;
  const node = unwrap(outer);
  if (node !== outer) return describeAllowed(node);
  const actions = node.pipe ?? [];
  switch (node.type) {
    case "string":
      return actions.some((a) => a.type === "non_empty") ? "a non-empty string" : "a string";
    case "boolean":
      return "true or false";
    case "number": {
      const { integer, min, max } = numberBounds(node);
      const noun = integer ? "an integer" : "a number";
      if (min !== undefined && max !== undefined) return `${noun} between ${min} and ${max}`;
      if (min !== undefined) return `${noun} of at least ${min}`;
      if (max !== undefined) return `${noun} of at most ${max}`;
      return noun;
    }
    case "picklist":
      return joinOr((node.options ?? []).map((option) => JSON.stringify(option)));
    case "strict_object":
    case "object":
      return `an object with the keys ${joinOr(Object.keys(node.entries ?? {}), "and")}`;
    case "array":
      return "a list";
    case "record":
      return "an object";
    default:
      return `a valid ${node.type}`;
  }
}

/**
 * Whether a setting (or header) with this name holds a secret: `key`,
 * `jwtSecret`, `users.password`, `X-Api-Key`, `Authorization`, `Cookie`.
 */
export function isSecretName(name: string): boolean {
  const last = name.split(".").at(-1) ?? name;
  return SECRET_WORD_REGEXP.test(last) || SECRET_SUFFIX_REGEXP.test(last);
}

/** The environment variable for a setting: `limits.maxUrlLength` → `BERTH_LIMITS_MAX_URL_LENGTH`. */
export function toEnvName(name: string): string {
  return ENV_PREFIX + name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replaceAll(".", "_")
    .toUpperCase();
}

/** The loose view of a valibot schema that introspection needs. */
export interface AnySchema {
  readonly type: string;
  readonly kind?: string;
  readonly pipe?: readonly { readonly type: string; readonly requirement?: unknown }[];
  readonly wrapped?: AnySchema;
  readonly default?: unknown;
  readonly entries?: Readonly<Record<string, AnySchema>>;
  readonly item?: AnySchema;
  readonly key?: AnySchema;
  readonly value?: AnySchema;
  readonly options?: readonly unknown[];
}

function describeSetting(name: string, schema: AnySchema): SettingDoc {
  const meta = metadataOf(schema);
  const node = unwrap(schema);
  const kind = kindOf(node);
  const isPath = meta.path === true;
  return {
    name,
    type: isPath ? "path" : describeType(node),
    kind,
    default: schema.type === "optional" || schema.wrapped !== undefined
      ? v.getDefault(schema as v.GenericSchema)
      : undefined,
    description: v.getDescription(schema as v.GenericSchema) ?? "",
    allowed: describeAllowed(schema),
    env: kind === "map" ? null : toEnvName(name),
    path: isPath,
    ...(meta.url === true ? { url: true } : {}),
    secret: meta.secret === true || isSecretName(name),
    ...(kind === "number" ? pickBounds(numberBounds(node)) : {}),
  };
}

function kindOf(node: AnySchema): SettingKind {
  switch (node.type) {
    case "boolean":
      return "boolean";
    case "number":
      return "number";
    case "picklist":
      return "enum";
    case "array":
      return "list";
    case "record":
    case "object":
    case "strict_object":
      return "map";
    default:
      return "string";
  }
}

function describeType(node: AnySchema): string {
  switch (node.type) {
    case "number": {
      const { integer, min, max } = numberBounds(node);
      const noun = integer ? "integer" : "number";
      if (min !== undefined && max !== undefined) return `${noun} ${min}..${max}`;
      if (min !== undefined) return `${noun} >= ${min}`;
      return noun;
    }
    case "picklist":
      return (node.options ?? []).map((option) => JSON.stringify(option)).join(" | ");
    case "array":
      return `${node.item === undefined ? "unknown" : describeType(unwrap(node.item))}[]`;
    case "record":
      return `object of ${node.value === undefined ? "unknown" : describeType(node.value)}`;
    case "strict_object":
      return "object";
    default:
      return node.type;
  }
}

function numberBounds(node: AnySchema): { integer: boolean; min?: number; max?: number } {
  const actions = node.pipe ?? [];
  const integer = actions.some((a) => a.type === "integer");
  const min = actions.find((a) => a.type === "min_value")?.requirement as number | undefined;
  const max = actions.find((a) => a.type === "max_value")?.requirement as number | undefined;
  return { integer, min, max };
}

function pickBounds(bounds: { min?: number; max?: number }): { min?: number; max?: number } {
  const picked: { min?: number; max?: number } = {};
  if (bounds.min !== undefined) picked.min = bounds.min;
  if (bounds.max !== undefined) picked.max = bounds.max;
  return picked;
}

/** The schema inside any `v.optional` wrappers. */
export function unwrap(schema: AnySchema): AnySchema {
  let node = schema;
  while (node.type === "optional" && node.wrapped !== undefined) node = node.wrapped;
  return node;
}

function metadataOf(schema: AnySchema): SettingMeta {
  const meta: SettingMeta = {};
  for (let node: AnySchema | undefined = schema; node !== undefined; node = node.wrapped) {
    // The outermost metadata wins: a field's own `allowed` beats its type's.
    const own = v.getMetadata(node as v.GenericSchema) as SettingMeta;
    for (const key of Object.keys(own) as (keyof SettingMeta)[]) {
      if (meta[key] === undefined) (meta as Record<string, unknown>)[key] = own[key];
    }
  }
  return meta;
}

function joinOr(items: readonly string[], word = "or"): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} ${word} ${items.at(-1)}`;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
