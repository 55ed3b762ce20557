/**
 * @module
 * The settings as plain TypeScript interfaces: {@linkcode Settings} (what
 * berth runs with) and {@linkcode SettingsInput} (what a config file or
 * `createHandler` gives). They are written out rather than inferred from the
 * valibot schema so the published API has explicit, documented types (JSR
 * rejects inferred "slow types"); `tests/unit/settings_types_test.ts` fails
 * `deno check` when they and the schema in `schema.ts` disagree. Every
 * setting is described in `docs/configuration.md`.
 */

/** A JWT signature algorithm berth can verify (`none` is deliberately absent). */
export type JwtAlgorithm =
  | "HS256"
  | "HS384"
  | "HS512"
  | "RS256"
  | "RS384"
  | "RS512"
  | "PS256"
  | "PS384"
  | "PS512"
  | "ES256"
  | "ES384"
  | "ES512"
  | "EdDSA";

/** The `cacheControl` group: the Cache-Control values berth sends for files. */
export interface CacheControlSettings {
  /**
   * For files without a content hash in their name.
   * @default {"no-cache"}
   */
  default: string;
  /**
   * For hashed asset names such as `app.3f9a1c2b.js`.
   * @default {"public, max-age=31536000, immutable"}
   */
  immutable: string;
}

/** The `cache` group: the in-memory cache of small, often requested files. */
export interface CacheSettings {
  /** Keep small files, their headers and encoded variants in memory. @default {true} */
  enabled: boolean;
  /** Largest file kept, in bytes. @default {1048576} */
  maxFileBytes: number;
  /** Memory the cache may hold in total, in bytes (per worker). @default {67108864} */
  maxTotalBytes: number;
  /** Watch the root so listings drop when a listed file changes. @default {true} */
  watch: boolean;
}

/** The `compress` group: response compression. */
export interface CompressSettings {
  /** Send compressible files encoded when the client accepts it. @default {true} */
  enabled: boolean;
  /** Serve `.br`, `.zst` and `.gz` siblings (`app.js.br`) when present. @default {true} */
  precompressed: boolean;
  /** Compress files that have no sibling (results are cached). @default {true} */
  onTheFly: boolean;
  /** Smallest file compressed on the fly, in bytes. @default {1024} */
  minBytes: number;
  /** gzip level on the fly, 1 (fastest) to 9 (smallest). @default {6} */
  gzipLevel: number;
  /** Brotli quality on the fly, 0 (fastest) to 11 (smallest). @default {5} */
  brotliLevel: number;
}

/** The `limits` group: request, connection and stream limits and timeouts. */
export interface LimitsSettings {
  /** Longest request URL, in bytes (414 above it). @default {8192} */
  maxUrlLength: number;
  /** Largest total size of the request headers, in bytes (431 above it). @default {16384} */
  maxHeaderBytes: number;
  /** Most request header fields (431 above it). @default {100} */
  maxHeaderCount: number;
  /** Milliseconds to receive a whole request and start its answer. @default {30000} */
  requestTimeoutMs: number;
  /** Milliseconds a new connection may take to send a request head. @default {10000} */
  headerTimeoutMs: number;
  /** Milliseconds a kept-alive connection may wait for its next request. @default {10000} */
  idleTimeoutMs: number;
  /** Milliseconds a client may take no response bytes before it is cut off. @default {30000} */
  sendTimeoutMs: number;
  /** Milliseconds an HTTP/2 stream may go without a frame. @default {30000} */
  streamIdleTimeoutMs: number;
  /** Most concurrent HTTP/2 streams per connection. @default {32} */
  maxConcurrentStreams: number;
  /** Most open connections; 0 derives it from the descriptor limit. @default {0} */
  maxConnections: number;
  /** Most open connections from one address; 0 is a quarter of the total. @default {0} */
  maxConnectionsPerClient: number;
  /** Most responses being sent at once; 0 derives it from the descriptor limit. @default {0} */
  maxOpenResponses: number;
}

/** The `rateLimit` group: a token bucket per client address. */
export interface RateLimitSettings {
  /** Requests per second allowed per client address; 0 turns it off. @default {0} */
  requestsPerSecond: number;
  /** Requests a client may make at once before the rate applies. @default {100} */
  burst: number;
  /** Most client addresses tracked at once (bounds memory). @default {100000} */
  maxClients: number;
}

/**
 * One `access` rule: a path pattern and who may read what it matches. Exactly
 * one of `roles`, `authenticated` and `public` is set.
 */
export interface AccessRuleConfig {
  /** Path pattern starting with `/`, using `*` and `:name`, e.g. `/admin/*`. */
  path: string;
  /** Users with any of these roles may read. */
  roles?: string[];
  /** Any signed-in user may read. */
  authenticated?: true;
  /** Everyone may read. */
  public?: true;
  /** Let shared caches store the protected answers (off: they stay private). */
  shareable?: boolean;
}

/** The `auth.jwt` group: how JWTs are verified (and, with an HS secret, signed). */
export interface JwtSettings {
  /** Environment variable holding the HS256/384/512 secret. */
  secretEnv?: string;
  /** File holding the HS256/384/512 secret. */
  secretFile?: string;
  /** PEM (SPKI) or JWK file with the public key for RS/PS/ES/EdDSA tokens. */
  publicKey?: string;
  /** JWKS file or https URL (e.g. an OIDC provider's `jwks_uri`). */
  jwks?: string;
  /** Allowed algorithms; by default HS256 with a secret, else the key's. */
  algorithms?: JwtAlgorithm[];
  /** Required `iss` claim. */
  issuer?: string;
  /** Required `aud` claim. */
  audience?: string;
  /** Claim holding the user's roles (a space-separated `scope` is also read). @default {"roles"} */
  rolesClaim: string;
  /** Seconds of clock skew tolerated for `exp` and `nbf`. @default {30} */
  clockToleranceSeconds: number;
}

/** The `auth` group: who the users are and how they prove it. */
export interface AuthSettings {
  /** Users file (JSON) for the login page and HTTP Basic. */
  users?: string;
  /** JWT verification keys and claims. */
  jwt: JwtSettings;
  /** Accept HTTP Basic credentials checked against the users file. @default {false} */
  basic: boolean;
  /** Name of the HttpOnly session cookie set by the login endpoint. @default {"berth_session"} */
  cookieName: string;
  /** Lifetime of tokens issued by the login endpoint, in seconds. @default {3600} */
  sessionTtlSeconds: number;
}

/** The `auth` group as a source gives it: every field optional, `jwt` too. */
export interface AuthSettingsInput extends Partial<Omit<AuthSettings, "jwt">> {
  /** JWT verification keys and claims. */
  jwt?: Partial<JwtSettings>;
}

/**
 * The effective settings berth runs with: every default filled in, paths as
 * given (the CLI makes them absolute). Each key is a config file key; see
 * `docs/configuration.md` for the flags and `BERTH_*` variables.
 *
 * @example Reading the defaults
 * ```ts
 * import type { Settings } from "@berth/berth";
 * function describe(settings: Settings): string {
 *   return `${settings.host}:${settings.port} serving ${settings.root}`;
 * }
 * ```
 */
export interface Settings {
  /** Directory to serve. @default {"."} */
  root: string;
  /** Address to listen on; `0.0.0.0` or `::` is reachable from other machines. @default {"127.0.0.1"} */
  host: string;
  /** Port to listen on; 0 picks a free port. @default {8000} */
  port: number;
  /** List the contents of directories that have no index file. @default {false} */
  listing: boolean;
  /** Serve names starting with "." (`.well-known` always is). @default {false} */
  dotfiles: boolean;
  /** Allow cross-origin requests from any origin. @default {false} */
  cors: boolean;
  /** Extra headers added to every response. @default {{}} */
  headers: Record<string, string>;
  /** TLS certificate chain (PEM file); needs `key`. */
  cert?: string;
  /** TLS private key (PEM file); needs `cert`. */
  key?: string;
  /** Access log format; `auto` is pretty on a terminal, JSON lines otherwise. @default {"auto"} */
  logFormat: "pretty" | "json" | "auto";
  /** Turn off the access log. @default {false} */
  quiet: boolean;
  /** Cache-Control header values. */
  cacheControl: CacheControlSettings;
  /** Send nosniff, Referrer-Policy and X-Frame-Options (and HSTS under TLS). @default {true} */
  securityHeaders: boolean;
  /** File names tried, in order, when a directory is requested. @default {["index.html"]} */
  index: string[];
  /** Page sent with 404 responses, relative to root ("" turns it off). @default {"404.html"} */
  notFoundPage: string;
  /** The in-memory cache of small files. */
  cache: CacheSettings;
  /**
   * The root does not change while served (a built `dist/`, a container
   * image): each file's metadata is read once, a cached answer makes no
   * filesystem call, and changes on disk are not seen. @default {false}
   */
  frozen: boolean;
  /** Response compression. */
  compress: CompressSettings;
  /** Isolates serving the port: 1..256, or `"auto"` for one per CPU. @default {1} */
  workers: number | string;
  /** Milliseconds to let open requests finish on SIGINT or SIGTERM. @default {5000} */
  shutdownTimeoutMs: number;
  /** Request, connection and stream limits. */
  limits: LimitsSettings;
  /** Page served for browser navigations to missing paths ("" is off). @default {""} */
  spa: string;
  /** Serve `/about` from `about.html` and redirect `/about.html` to `/about`. @default {false} */
  cleanUrls: boolean;
  /** Canonical trailing slash: directories only, pages and directories, or never. @default {"auto"} */
  trailingSlash: "auto" | "always" | "never";
  /** Headers per path pattern, like `_headers`; `null` drops a header. @default {{}} */
  headerRules: Record<string, Record<string, string | null>>;
  /** Redirect rules, one `_redirects` line each: `"/from /to [status][!]"`. @default {[]} */
  redirectRules: string[];
  /** Reload `_headers`, `_redirects` and the config file's rules on change. @default {true} */
  watchRules: boolean;
  /** Path prefix of berth's own endpoints (health, metrics, login). @default {"/_berth/"} */
  internalPrefix: string;
  /** Path berth is mounted under, e.g. `/static/`; other paths are 404s. @default {"/"} */
  basePath: string;
  /** Serve Prometheus metrics at `<internalPrefix>metrics`. @default {false} */
  metrics: boolean;
  /** Who may read the metrics: `"loopback"`, `"any"` or a role name. @default {"loopback"} */
  metricsAccess: string;
  /** Write the URL to this file once listening. */
  readyFile?: string;
  /** Ordered access rules; the first match decides; unmatched paths are public. @default {[]} */
  access: AccessRuleConfig[];
  /** Authentication. */
  auth: AuthSettings;
  /** Per-client rate limit (login attempts are always limited). */
  rateLimit: RateLimitSettings;
  /** Behind a reverse proxy: believe the trusted proxies' client header. @default {false} */
  trustProxy: boolean;
  /** Addresses and CIDR ranges of the trusted proxies. @default {["127.0.0.0/8", "::1"]} */
  trustedProxies: string[];
  /** The header the trusted proxies name the client in. @default {"X-Forwarded-For"} */
  proxyHeader: "X-Forwarded-For" | "X-Real-IP" | "Forwarded";
  /** Append the audit log (JSON lines) to this file instead of stderr. */
  auditLog?: string;
}

/**
 * Settings as a source gives them (a config file, `createHandler`): every
 * field optional, the fields of groups too; what is left out keeps its
 * default.
 *
 * @example Settings for createHandler
 * ```ts
 * import type { SettingsInput } from "@berth/berth";
 * const settings: SettingsInput = {
 *   root: "./public",
 *   cors: true,
 *   cache: { maxFileBytes: 262_144 },
 * };
 * ```
 */
export interface SettingsInput extends
  Partial<
    Omit<Settings, "cacheControl" | "cache" | "compress" | "limits" | "rateLimit" | "auth">
  > {
  /** Cache-Control header values. */
  cacheControl?: Partial<CacheControlSettings>;
  /** The in-memory cache of small files. */
  cache?: Partial<CacheSettings>;
  /** Response compression. */
  compress?: Partial<CompressSettings>;
  /** Request, connection and stream limits. */
  limits?: Partial<LimitsSettings>;
  /** Per-client rate limit. */
  rateLimit?: Partial<RateLimitSettings>;
  /** Authentication. */
  auth?: AuthSettingsInput;
}
