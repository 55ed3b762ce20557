/**
 * @module
 * berth's compile step: from validated settings, build once everything the
 * layers of the pipeline need (site rules holder, access control, hot-file
 * cache, metrics registry, path probe and resource locator, berth's own
 * files, base headers, the compression decision). Every configuration
 * mistake is thrown here, as a typed error, before anything listens; what
 * comes after (`createApp`, `startInstance`) cannot fail on settings. The
 * CLI, each `--workers` isolate and `createHandler` all start here.
 */

import type { Settings } from "./config/schema.ts";
import type { FileSystem } from "./fs/types.ts";
import { type BaseHeaders, createBaseHeaders } from "./http/base_headers.ts";
import { createMetricsRegistry, type MetricsRegistry } from "./metrics/registry.ts";
import { droppedLogLines } from "./log/setup.ts";
import { createPathProbe, type PathProbe } from "./rules/path_probe.ts";
import { loadSiteRulesHolder, type SiteRulesHolder } from "./rules/site_rules.ts";
import { type AuthRuntime, loadAuth } from "./auth/load_auth.ts";
import { compileOwnFiles, listOwnFilePaths, type OwnFiles } from "./config/own_files.ts";
import { forbidsTransformGlobally } from "./serve/compression.ts";
import { createFileCache, type FileCache } from "./serve/file_cache.ts";
import { createSiteResolver, type SiteResolver } from "./serve/resolver.ts";
import { createResourceLocator, type ResourceLocator } from "./serve/resource.ts";
import type { ServeFilesOptions } from "./serve/serve_file.ts";
import type { login } from "./middleware/login.ts";
import type { authenticate } from "./middleware/auth.ts";
import type { accessGuard, createResourceGuard } from "./middleware/access_guard.ts";
import { BERTH_VERSION } from "./version.ts";

/** Options for {@linkcode compileRuntime}. */
export interface CompileRuntimeOptions {
  /** Filesystem the root lives on. */
  fs: FileSystem;
  /** Real absolute path of the root directory. */
  root: string;
  /** True when serving TLS (enables HSTS and Secure cookies). */
  tls: boolean;
  /** Environment the JWT secret is read from; the process's by default. */
  env?: Record<string, string>;
  /** The config file the settings came from: one of berth's own files, never served. */
  configFile?: string | null;
  /**
   * A running server: watch the users file and reload it on change (then
   * {@linkcode Runtime.close} must be called). Off for one-shot use.
   */
  watch?: boolean;
}

/** The auth middleware factories, imported only when access control is on. */
export interface AuthLayerFactories {
  login: typeof login;
  authenticate: typeof authenticate;
  accessGuard: typeof accessGuard;
  createResourceGuard: typeof createResourceGuard;
}

/** Access control when it is on: the loaded runtime and the layer factories. */
export interface RuntimeAuth {
  /** Rules, keys, users, sessions. */
  runtime: AuthRuntime;
  /** The layer factories, already imported. */
  layers: AuthLayerFactories;
}

/** Everything the layers of one pipeline need, compiled once from the settings. */
export interface Runtime {
  /** Validated, effective settings. */
  readonly settings: Settings;
  /** Filesystem the root lives on. */
  readonly fs: FileSystem;
  /** Real absolute path of the root. */
  readonly root: string;
  /** True when serving TLS. */
  readonly tls: boolean;
  /** `_headers` / `_redirects` and config rules; hot reload swaps its content. */
  readonly siteRules: SiteRulesHolder;
  /** Access control, or `null` when nothing about it is configured. */
  readonly auth: RuntimeAuth | null;
  /** The hot-file cache (its watcher is started by a running instance). */
  readonly cache: FileCache;
  /** Prometheus counters with `--metrics`, else `null`. */
  readonly metrics: MetricsRegistry | null;
  /** What a path under the root names, remembered; shared by the probe and the file core. */
  readonly resolver: SiteResolver;
  /** What exists under the root, as routing layers and guards see it. */
  readonly probe: PathProbe;
  /** The real file or directory a request path stands for, for access decisions. */
  readonly locate: ResourceLocator;
  /** berth's own files (config, users, keys, logs, ready file): never served. */
  readonly ownFiles: OwnFiles;
  /** Security, HSTS and CORS headers every response of the core starts from. */
  readonly baseHeaders: BaseHeaders;
  /** Content codings for the file core (off when operator headers say `no-transform`). */
  readonly compression: NonNullable<ServeFilesOptions["compression"]>;
  /** Stops what the runtime watches (the users file); call it when serving stops. */
  close(): void;
}

/**
 * Compiles the runtime for `settings`. Reads the site rules, loads access
 * control (keys, users) and stats berth's own files.
 *
 * @throws {RulesError} listing every problem in `_headers`, `_redirects` or
 * the config rules, with file and line.
 * @throws {ConfigError} for an access control mistake (bad pattern, missing
 * secret, unreadable users or key file, Basic without users…).
 */
export async function compileRuntime(
  settings: Settings,
  options: CompileRuntimeOptions,
): Promise<Runtime> {
  const { fs, root, tls } = options;
  const siteRules = await loadSiteRulesHolder({ fs, root, config: settings });
  const authRuntime = await loadAuth(settings, { watch: options.watch, env: options.env });
  try {
    const auth = authRuntime === null ? null : {
      runtime: authRuntime,
      layers: await importAuthLayers(),
    };
    const cache = createFileCache(fs, {
      enabled: settings.cache.enabled,
      maxFileBytes: settings.cache.maxFileBytes,
      maxTotalBytes: settings.cache.maxTotalBytes,
      frozen: settings.frozen,
    });
    const ownFiles = await compileOwnFiles(
      listOwnFilePaths(settings, { configFile: options.configFile, root }),
    );
    // One resolver for the routing layers' probe and the file core: what one resolved, both know.
    const resolver = createSiteResolver({ fs, root, dotfiles: settings.dotfiles, cache, ownFiles });
    const probe = createPathProbe({
      fs,
      root,
      dotfiles: settings.dotfiles,
      index: settings.index,
      listing: settings.listing,
      cleanUrls: settings.cleanUrls,
      cache,
      resolver,
      ownFiles,
    });
    return {
      settings,
      fs,
      root,
      tls,
      siteRules,
      auth,
      cache,
      metrics: settings.metrics
        ? createMetricsRegistry({
          buildInfo: { version: BERTH_VERSION, deno: Deno.version.deno },
          cacheStats: () => cache.stats(),
          droppedLogLines,
        })
        : null,
      resolver,
      probe,
      locate: createResourceLocator(root, probe.resolve),
      ownFiles,
      baseHeaders: createBaseHeaders({
        securityHeaders: settings.securityHeaders,
        tls,
        cors: settings.cors,
      }),
      compression: {
        ...settings.compress,
        enabled: settings.compress.enabled && !forbidsTransformGlobally(settings.headers),
      },
      close: () => authRuntime?.close(),
    };
  } catch (error) {
    authRuntime?.close();
    throw error;
  }
}

/**
 * PERF: the auth layers (and the TOTP and password code under them) cost
 * tens of milliseconds to load, so they are imported only when access
 * control is configured, never at startup of a plain file server.
 */
async function importAuthLayers(): Promise<AuthLayerFactories> {
  const [{ login }, { authenticate }, { accessGuard, createResourceGuard }] = await Promise.all([
    import("./middleware/login.ts"),
    import("./middleware/auth.ts"),
    import("./middleware/access_guard.ts"),
  ]);
  return { login, authenticate, accessGuard, createResourceGuard };
}
