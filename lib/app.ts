/**
 * @module
 * Builds berth's request pipeline from validated settings. This is the ONE
 * place the order of the layers is written:
 *
 * 0. `recordMetrics` (with `--metrics`) — counts every request's final status.
 * 1. `accessLog` — times and logs every request.
 * 2. `errorBoundary` — the one layer turning thrown HttpErrors (and bugs)
 *    into responses; it gives the pages it builds the header rules too.
 * 3. `siteHeaders` — the operator's header rules (`_headers` blocks, which
 *    may remove berth's own headers, then the `headers` setting over them),
 *    the one decorator; then `cors` answers preflights, before any
 *    authentication. Every answer is built with the base headers (security
 *    headers, HSTS under TLS, CORS simple headers) already in it.
 * 4. Guards that may answer early: `limits`, then `rateLimit` (per client,
 *    when configured).
 * 4a. Access control (when configured): `login` (`/_berth/login` and
 *    `/_berth/logout`), then `authenticate`, which sets `context.user` and
 *    applies the access rules to the request path before the filesystem is
 *    touched (internal endpoints keep their own checks).
 * 4b. `internalEndpoints` under `/_berth/` (health, metrics).
 * 4c. Routing that may redirect or re-route the request (after any
 *    authentication). With access rules, `accessGuard` stands before
 *    `redirects` (`_redirects` rules) and again after it, deciding on the
 *    path and on the real file it stands for (an existing file or the
 *    deepest real directory on the way), so no routing layer answers a
 *    protected file's aliases differently for existing and missing names;
 *    then `cleanUrls` (clean URLs, trailing-slash
 *    policy), `spaFallback`, then `reservedPaths`, which keeps `_headers`,
 *    `_redirects` and the internal prefix from ever reaching the file core,
 *    whatever a rewrite says.
 * 4d. `accessGuard` (with access rules): the rules again, on the path the
 *    routing layers chose, so no rewrite or fallback leads around them.
 * 5. The file core: `serveFiles`. With access rules it also checks the file
 *    or directory it resolved (real path: symlinks, index files and
 *    precompressed siblings included) before reading it, and listings hide
 *    what the visitor may not read. berth's own files (config, users, keys,
 *    logs, ready file) are absent to it whatever the settings say.
 *
 * Every layer decides on the one canonical path in `context.path` (decoded
 * once; `limits` answers 400 when it does not decode), never on the raw URL.
 */

import { compose, type Handler, type Middleware } from "./compose.ts";
import type { Settings } from "./config/schema.ts";
import type { FileSystem } from "./fs/types.ts";
import { accessLog } from "./middleware/access_log.ts";
import { cors } from "./middleware/cors.ts";
import { errorBoundary } from "./middleware/error_boundary.ts";
import { limits } from "./middleware/limits.ts";
import { createBaseHeaders } from "./http/base_headers.ts";
import { completeBaseHeaders } from "./http/respond.ts";
import { forbidsTransform } from "./serve/compression.ts";
import { createFileCache, type FileCache } from "./serve/file_cache.ts";
import { serveFiles, type ServeFilesOptions } from "./serve/serve_file.ts";
import { createMetricsRegistry, type MetricsRegistry } from "./metrics/registry.ts";
import { cleanUrls } from "./middleware/clean_urls.ts";
import { HEALTH_PATH, internalEndpoints, type MetricsAccess } from "./middleware/internal.ts";
import { recordMetrics } from "./middleware/metrics.ts";
import { redirects } from "./middleware/redirects.ts";
import { reservedPaths } from "./middleware/reserved_paths.ts";
import { createHeaderRules, siteHeaders } from "./middleware/site_headers.ts";
import { spaFallback } from "./middleware/spa_fallback.ts";
import { createPathProbe } from "./rules/path_probe.ts";
import { RulesError } from "./rules/rule_error.ts";
import { createSiteRulesHolder, loadSiteRules, type SiteRulesHolder } from "./rules/site_rules.ts";
import { BERTH_VERSION } from "./version.ts";
import { canReadPath } from "./auth/access_rules.ts";
import { type AuthRuntime, loadAuth } from "./auth/load_auth.ts";
import type { ResourceGuard } from "./serve/resource.ts";
import { compileOwnFiles, listOwnFilePaths } from "./config/own_files.ts";
import { createResourceLocator } from "./serve/resource.ts";
import { rateLimit } from "./middleware/rate_limit.ts";

/** Options for {@linkcode createApp}. */
export interface AppOptions {
  /** Validated, effective settings. */
  settings: Settings;
  /** Filesystem the root lives on. */
  fs: FileSystem;
  /** Real absolute path of the root directory. */
  root: string;
  /** True when serving TLS (enables HSTS). */
  tls: boolean;
  /**
   * Holder of the `_headers` / `_redirects` rules (hot reload swaps its
   * content). When absent, the rules are loaded from the root and settings.
   */
  siteRules?: SiteRulesHolder;
  /**
   * Loaded access control (the CLI loads it first to log and audit it);
   * when absent it is loaded from settings, `null` turns it off.
   */
  auth?: AuthRuntime | null;
  /**
   * Hot-file cache to serve through (the CLI passes its own so it can start
   * the watcher and read `stats()`); when absent one is made from settings.
   */
  cache?: FileCache;
  /**
   * The config file the settings came from: one of berth's own files, never
   * served (the others follow from `settings`).
   */
  configFile?: string | null;
}

/** Makes the hot-file cache described by `settings.cache` (its watcher is not started). */
export function createAppCache(options: Pick<AppOptions, "settings" | "fs">): FileCache {
  const { cache } = options.settings;
  return createFileCache(options.fs, {
    enabled: cache.enabled,
    maxFileBytes: cache.maxFileBytes,
    maxTotalBytes: cache.maxTotalBytes,
  });
}

/** Reports whether operator headers carry `Cache-Control: no-transform` (no re-encoding then). */
function forbidsTransformGlobally(headers: Readonly<Record<string, string>>): boolean {
  return Object.entries(headers).some(([name, value]) =>
    name.toLowerCase() === "cache-control" && forbidsTransform(value)
  );
}

/**
 * Loads the site rules for `settings` into a new holder.
 * @throws {RulesError} listing every problem with its file and line.
 */
export async function loadSiteRulesHolder(
  options: Pick<AppOptions, "settings" | "fs" | "root">,
): Promise<SiteRulesHolder> {
  const loaded = await loadSiteRules({
    fs: options.fs,
    root: options.root,
    config: options.settings,
  });
  if (!loaded.ok) throw new RulesError(loaded.problems);
  return createSiteRulesHolder(loaded.rules);
}

/** Reads the `metricsAccess` setting: `loopback`, `any`, or a role name. */
function toMetricsAccess(value: string): MetricsAccess {
  return value === "loopback" || value === "any" ? value : { role: value };
}

/**
 * Composes the full pipeline for `options`. Async because features load and
 * validate their files (keys, users, rules) here, at startup, never per request.
 */
export async function createApp(options: AppOptions): Promise<Handler> {
  const { settings } = options;
  const siteRules = options.siteRules ?? await loadSiteRulesHolder(options);
  const cache = options.cache ?? createAppCache(options);
  const metrics: MetricsRegistry | null = settings.metrics
    ? createMetricsRegistry({
      buildInfo: { version: BERTH_VERSION, deno: Deno.version.deno },
      cacheStats: () => cache.stats(),
    })
    : null;
  const layers: Middleware[] = [];
  if (metrics !== null) layers.push(recordMetrics({ registry: metrics }));
  layers.push(accessLog({ skipPaths: [settings.internalPrefix + HEALTH_PATH] }));
  // Every answer is built with these; the operator's rules go over them.
  const baseHeaders = createBaseHeaders({
    securityHeaders: settings.securityHeaders,
    tls: options.tls,
    cors: settings.cors,
  });
  const headerRules = createHeaderRules({ rules: siteRules, operatorHeaders: settings.headers });
  layers.push(errorBoundary({ baseHeaders, headerRules }));
  layers.push(siteHeaders(headerRules));
  if (settings.cors) layers.push(cors({ baseHeaders }));
  // Guards that may answer early.
  layers.push(limits(settings.limits));
  if (settings.rateLimit.requestsPerSecond > 0) layers.push(rateLimit(settings.rateLimit));
  const auth = options.auth !== undefined ? options.auth : await loadAuth(settings);
  const ownFiles = await compileOwnFiles(
    listOwnFilePaths(settings, { configFile: options.configFile, root: options.root }),
  );
  // What exists under the root, as the routing layers and the guards see it.
  const probe = createPathProbe({
    fs: options.fs,
    root: options.root,
    dotfiles: settings.dotfiles,
    index: settings.index,
    listing: settings.listing,
    cleanUrls: settings.cleanUrls,
    cache,
    ownFiles,
  });
  const locate = createResourceLocator(options.root, probe.resolve);
  // With access rules: the guards after the routing layers, the core's
  // check of the resolved file, and filtered listings.
  let guard: Middleware | null = null;
  let resourceGuard: ResourceGuard | undefined;
  let canList: ServeFilesOptions["canList"];
  if (auth !== null) {
    const authOptions = {
      runtime: auth,
      loginPath: `${settings.internalPrefix}login`,
      exemptPrefix: settings.internalPrefix,
      baseHeaders,
    };
    // The auth layers (and the TOTP/password code under them) load only when used.
    const [{ login }, { accessGuard, authenticate, createResourceGuard }] = await Promise.all([
      import("./middleware/login.ts"),
      import("./middleware/auth.ts"),
    ]);
    layers.push(login({
      runtime: auth,
      prefix: settings.internalPrefix,
      baseHeaders,
    }));
    layers.push(authenticate(authOptions));
    if (auth.rules.length > 0) {
      guard = accessGuard({ ...authOptions, locate, cleanUrls: settings.cleanUrls });
      resourceGuard = createResourceGuard(authOptions);
      canList = (segments, access) => canReadPath(auth.rules, segments, access);
    }
  }
  layers.push(internalEndpoints({
    prefix: settings.internalPrefix,
    metrics,
    metricsAccess: toMetricsAccess(settings.metricsAccess),
    baseHeaders,
  }));
  // Routing: rules, clean URLs, SPA fallback, then the paths never served.
  if (guard !== null) layers.push(guard);
  layers.push(redirects({ rules: siteRules, probe, baseHeaders }));
  if (guard !== null) layers.push(guard);
  if (settings.cleanUrls || settings.trailingSlash !== "auto") {
    layers.push(cleanUrls({
      cleanUrls: settings.cleanUrls,
      trailingSlash: settings.trailingSlash,
      index: settings.index,
      probe,
      baseHeaders,
    }));
  }
  if (settings.spa !== "") layers.push(spaFallback({ file: settings.spa, probe }));
  layers.push(reservedPaths({ internalPrefix: settings.internalPrefix }));
  if (guard !== null) layers.push(guard);
  // The answers the core still builds without the base headers get them here.
  const coreHeaders = completeBaseHeaders(baseHeaders);
  if (coreHeaders !== null) layers.push(coreHeaders);
  return compose(
    layers,
    serveFiles({
      fs: options.fs,
      root: options.root,
      dotfiles: settings.dotfiles,
      listing: settings.listing,
      index: settings.index,
      cacheControl: settings.cacheControl,
      notFoundPage: settings.notFoundPage === "" ? null : settings.notFoundPage,
      canList,
      guard: resourceGuard,
      ownFiles,
      cache,
      baseHeaders,
      compression: {
        ...settings.compress,
        enabled: settings.compress.enabled && !forbidsTransformGlobally(settings.headers),
      },
    }),
  );
}
