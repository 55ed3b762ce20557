/**
 * @module
 * berth's whole pipeline as one `Deno.serve` handler, for embedding in
 * another application or deploying to Deno Deploy unchanged:
 *
 * ```ts
 * import { createHandler } from "@berth/berth";
 * const berth = await createHandler({ settings: { root: "./public" } });
 * Deno.serve((request, info) => berth(request, info));
 * ```
 *
 * `createHandler` is async on purpose: the settings are validated and the root
 * resolved once, before the first request, so a mistake fails at startup
 * rather than as a 500 on a live request.
 */

import * as v from "valibot";
import { createApp } from "./app.ts";
import { ConfigError, formatValue } from "./config/errors.ts";
import { describeIssue } from "./config/messages.ts";
import { type Settings, SETTINGS_SCHEMA, type SettingsInput } from "./config/schema.ts";
import { denoFileSystem } from "./fs/deno_fs.ts";
import { realRoot } from "./fs/resolve_path.ts";
import type { FileSystem } from "./fs/types.ts";
import { proxyOptionsOf } from "./http/client_address.ts";
import { createRequestContextFactory } from "./request_context.ts";
import { compileRuntime } from "./runtime.ts";
import { checkSpaPage } from "./startup_log.ts";

/**
 * Options for {@linkcode createHandler}.
 *
 * @example Behind a TLS-terminating server
 * ```ts
 * import { createHandler, type CreateHandlerOptions } from "@berth/berth";
 *
 * const options: CreateHandlerOptions = { settings: { root: "./site" }, tls: true };
 * const berth = await createHandler(options);
 * ```
 */
export interface CreateHandlerOptions {
  /**
   * Settings that differ from berth's defaults, as in a config file (e.g.
   * `{ root: "./public", cors: true }`). Relative paths start at `Deno.cwd()`.
   */
  settings?: SettingsInput;
  /** Filesystem to serve from; the real disk by default. */
  fs?: FileSystem;
  /** True when the embedding server terminates TLS (turns on HSTS and Secure cookies). */
  tls?: boolean;
}

/**
 * A `Deno.serve`-compatible handler running berth's pipeline.
 *
 * @example Answering a request without a server (in a test)
 * ```ts
 * import { createHandler } from "@berth/berth";
 *
 * const berth = await createHandler({ settings: { root: "./public" } });
 * const response = await berth(new Request("http://localhost/index.html"));
 * console.log(response.status, response.headers.get("content-type"));
 * await response.body?.cancel();
 * berth.close();
 * ```
 */
export interface BerthHandler {
  (request: Request, info?: Deno.ServeHandlerInfo): Promise<Response>;
  /** Stops the users-file watch (with `auth.users`); call it when the server stops. */
  close(): void;
}

/**
 * Validates `options.settings`, resolves the root, compiles the runtime and
 * composes the pipeline (warning in the log when the SPA page is missing).
 *
 * @throws {ConfigError} naming the setting, the value and what is allowed, or
 * saying the root is not a readable directory.
 * @throws {RulesError} for invalid `_headers`, `_redirects` or config rules.
 *
 * @example Serving ./public with CORS, stopping cleanly
 * ```ts
 * import { createHandler } from "@berth/berth";
 *
 * const berth = await createHandler({ settings: { root: "./public", cors: true } });
 * const server = Deno.serve({ port: 8080 }, berth);
 * Deno.addSignalListener("SIGTERM", async () => {
 *   await server.shutdown();
 *   berth.close();
 * });
 * ```
 */
export async function createHandler(options: CreateHandlerOptions = {}): Promise<BerthHandler> {
  const settings = validateSettings(options.settings ?? {});
  const fs = options.fs ?? denoFileSystem;
  let root: string;
  try {
    root = await realRoot(fs, settings.root);
  } catch (error) {
    throw new ConfigError(
      `Invalid setting "root": ${formatValue(settings.root)} is not a readable directory`,
      { cause: error },
    );
  }
  const tls = options.tls ?? false;
  // With a users file, changes to it are picked up while serving; close() stops that.
  const runtime = await compileRuntime(settings, { fs, root, tls, watch: true });
  const app = createApp(runtime);
  await checkSpaPage(runtime);
  const createRequestContext = createRequestContextFactory({
    secure: tls,
    proxy: proxyOptionsOf(settings),
  });
  return Object.assign(function berthHandler(request: Request, info?: Deno.ServeHandlerInfo) {
    return app(request, createRequestContext(request, info));
  }, { close: () => runtime.close() });
}

/** Applies the schema (defaults included) and turns the first problem into a ConfigError. */
function validateSettings(input: SettingsInput): Settings {
  const result = v.safeParse(SETTINGS_SCHEMA, input);
  if (result.success) return result.output;
  throw new ConfigError(describeIssue(result.issues[0], { source: "library" }));
}
