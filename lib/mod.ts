/**
 * @module
 * berth as a library: {@linkcode createHandler} runs berth's whole pipeline
 * inside another `Deno.serve` application or on Deno Deploy. Only what an
 * embedder needs is exported here: the handler and its options, the settings
 * types, the errors `createHandler` rejects with, the filesystem interface
 * for the `fs` option, and the version. The pipeline's building blocks are
 * internals and may change between versions.
 *
 * @example Serving a directory next to an API
 * ```ts
 * import { createHandler } from "@berth/berth";
 *
 * const berth = await createHandler({ settings: { root: "./public" } });
 * Deno.serve((request, info) => {
 *   if (new URL(request.url).pathname === "/api/time") return Response.json({ now: Date.now() });
 *   return berth(request, info);
 * });
 * ```
 */

// The handler: what an embedder calls.
export { type BerthHandler, createHandler, type CreateHandlerOptions } from "./handler.ts";
// The settings `createHandler` takes and validates, with the groups they reference.
export type {
  AccessRuleConfig,
  AuthSettings,
  AuthSettingsInput,
  CacheControlSettings,
  CacheSettings,
  CompressSettings,
  JwtAlgorithm,
  JwtSettings,
  LimitsSettings,
  RateLimitSettings,
  Settings,
  SettingsInput,
} from "./config/settings_types.ts";
// What `createHandler` rejects with, so callers can tell a bad setting from bad rules.
export { ConfigError } from "./config/errors.ts";
export { type RuleProblem, RulesError } from "./rules/rule_error.ts";
// The error a custom filesystem may throw to answer with a status of its choice.
export { HttpError, type HttpErrorOptions } from "./errors.ts";
// The filesystem interface, for serving from something other than the real disk (`fs` option).
export type { DirEntry, FileInfo, FileSystem, OpenFile } from "./fs/types.ts";
export { BERTH_VERSION } from "./version.ts";
