/**
 * @module
 * Builds berth's request pipeline from a compiled runtime. This is the ONE
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
import { accessLog } from "./middleware/access_log.ts";
import { cors } from "./middleware/cors.ts";
import { errorBoundary } from "./middleware/error_boundary.ts";
import { limits } from "./middleware/limits.ts";
import { serveFiles, type ServeFilesOptions } from "./serve/serve_file.ts";
import { cleanUrls } from "./middleware/clean_urls.ts";
import { HEALTH_PATH, internalEndpoints, type MetricsAccess } from "./middleware/internal.ts";
import { recordMetrics } from "./middleware/metrics.ts";
import { redirects } from "./middleware/redirects.ts";
import { reservedPaths } from "./middleware/reserved_paths.ts";
import { createHeaderRules, siteHeaders } from "./middleware/site_headers.ts";
import { spaFallback } from "./middleware/spa_fallback.ts";
import { canReadPath } from "./auth/access_rules.ts";
import type { ResourceGuard } from "./serve/resource.ts";
import { rateLimit } from "./middleware/rate_limit.ts";
import type { Runtime } from "./runtime.ts";

/** Reads the `metricsAccess` setting: `loopback`, `any`, or a role name. */
function toMetricsAccess(value: string): MetricsAccess {
  return value === "loopback" || value === "any" ? value : { role: value };
}

/**
 * Composes the full pipeline over `runtime`. Synchronous: everything that
 * loads or can fail on settings happened in `compileRuntime`.
 */
export function createApp(runtime: Runtime): Handler {
  const { settings, siteRules, probe } = runtime;
  const access = accessLayers(runtime);
  const guard = access?.guard ?? null;
  const { baseHeaders } = runtime;
  // The operator's header rules, for the decorator and the error pages alike.
  const headerRules = createHeaderRules({ rules: siteRules, operatorHeaders: settings.headers });
  const layers: (Middleware | null | false)[] = [
    runtime.metrics !== null && recordMetrics({ registry: runtime.metrics }),
    accessLog({ skipPaths: [settings.internalPrefix + HEALTH_PATH] }),
    errorBoundary({ baseHeaders, headerRules }),
    siteHeaders(headerRules),
    settings.cors && cors({ baseHeaders }),
    // Guards that may answer early.
    limits(settings.limits),
    settings.rateLimit.requestsPerSecond > 0 && rateLimit(settings.rateLimit),
    access?.login ?? null,
    access?.authenticate ?? null,
    internalEndpoints({
      prefix: settings.internalPrefix,
      metrics: runtime.metrics,
      metricsAccess: toMetricsAccess(settings.metricsAccess),
      baseHeaders,
    }),
    // Routing: rules, clean URLs, SPA fallback, then the paths never served.
    guard,
    redirects({ rules: siteRules, probe, baseHeaders }),
    guard,
    (settings.cleanUrls || settings.trailingSlash !== "auto") && cleanUrls({
      cleanUrls: settings.cleanUrls,
      trailingSlash: settings.trailingSlash,
      index: settings.index,
      probe,
      baseHeaders,
    }),
    settings.spa !== "" && spaFallback({ file: settings.spa, probe }),
    reservedPaths({ internalPrefix: settings.internalPrefix }),
    guard,
  ];
  return compose(
    layers.filter((layer): layer is Middleware => typeof layer === "function"),
    serveFiles({
      fs: runtime.fs,
      root: runtime.root,
      dotfiles: settings.dotfiles,
      listing: settings.listing,
      index: settings.index,
      cacheControl: settings.cacheControl,
      notFoundPage: settings.notFoundPage === "" ? null : settings.notFoundPage,
      canList: access?.canList,
      guard: access?.resourceGuard,
      ownFiles: runtime.ownFiles,
      cache: runtime.cache,
      resolver: runtime.resolver,
      baseHeaders: runtime.baseHeaders,
      compression: runtime.compression,
    }),
  );
}

/** The access-control layers, when it is on; `guard` and the rest only with access rules. */
interface AccessLayers {
  login: Middleware;
  authenticate: Middleware;
  guard: Middleware | null;
  resourceGuard?: ResourceGuard;
  canList?: ServeFilesOptions["canList"];
}

/**
 * Builds the login and authentication layers and, with access rules, the
 * guard run around the routing layers, the core's check of the resolved
 * file, and the filter of listings.
 */
function accessLayers(runtime: Runtime): AccessLayers | null {
  if (runtime.auth === null) return null;
  const { runtime: auth, layers } = runtime.auth;
  const { settings } = runtime;
  const authOptions = {
    runtime: auth,
    loginPath: `${settings.internalPrefix}login`,
    exemptPrefix: settings.internalPrefix,
    baseHeaders: runtime.baseHeaders,
  };
  const result: AccessLayers = {
    login: layers.login({
      runtime: auth,
      prefix: settings.internalPrefix,
      baseHeaders: runtime.baseHeaders,
    }),
    authenticate: layers.authenticate(authOptions),
    guard: null,
  };
  if (auth.rules.length > 0) {
    result.guard = layers.accessGuard({
      ...authOptions,
      locate: runtime.locate,
      cleanUrls: settings.cleanUrls,
    });
    result.resourceGuard = layers.createResourceGuard(authOptions);
    result.canList = (segments, access) => canReadPath(auth.rules, segments, access);
  }
  return result;
}
