/**
 * @module
 * berth as a library: {@linkcode createHandler} runs berth's whole pipeline
 * inside another `Deno.serve` application or on Deno Deploy; the pipeline
 * builder and its building blocks are here for finer control.
 *
 * ```ts
 * import { createHandler } from "@berth/berth";
 * Deno.serve(await createHandler({ settings: { root: "./public" } }));
 * ```
 */

export { type AppOptions, createApp } from "./app.ts";
export type { AuthenticatedUser, Handler, Middleware, Next, RequestContext } from "./compose.ts";
export { DEFAULT_SETTINGS, type Settings, type SettingsInput } from "./config/schema.ts";
export { ConfigError } from "./config/errors.ts";
export { type BerthHandler, createHandler, type CreateHandlerOptions } from "./handler.ts";
export {
  createRequestContextFactory,
  type RequestContextFactory,
  type RequestContextFactoryOptions,
} from "./request_context.ts";
export { HttpError } from "./errors.ts";
export { denoFileSystem } from "./fs/deno_fs.ts";
export type { DirEntry, FileInfo, FileSystem, OpenFile } from "./fs/types.ts";
export {
  createTokenSigner,
  createTokenVerifier,
  type JwtOptions,
  type TokenSigner,
  type TokenVerification,
  type TokenVerifier,
} from "./auth/jwt.ts";
export { hashPassword, verifyPassword } from "./auth/passwords.ts";
export { createUserStore, readUsersFile, type UserRecord, writeUsersFile } from "./auth/users.ts";
export {
  createSiteRulesHolder,
  loadSiteRules,
  type SiteRules,
  type SiteRulesHolder,
} from "./rules/site_rules.ts";
export { parseHeaders } from "./rules/headers_file.ts";
export { parseRedirects } from "./rules/redirects_file.ts";
export { RulesError } from "./rules/rule_error.ts";
export { createMetricsRegistry, type MetricsRegistry } from "./metrics/registry.ts";
