/**
 * @module
 * berth as a library: {@linkcode createHandler} runs berth's whole pipeline
 * inside another `Deno.serve` application or on Deno Deploy. Only what an
 * embedder needs is exported here; the pipeline's building blocks are
 * internals and may change between versions.
 *
 * ```ts
 * import { createHandler } from "@berth/berth";
 * Deno.serve(await createHandler({ settings: { root: "./public" } }));
 * ```
 */

/** Builds berth's pipeline as one `Deno.serve` handler; its options and handler types. */
export { type BerthHandler, createHandler, type CreateHandlerOptions } from "./handler.ts";
/** Validated settings, and the config-file-shaped input `createHandler` accepts. */
export type { Settings, SettingsInput } from "./config/schema.ts";
/** What `createHandler` rejects with for a bad setting or root, so callers can tell it apart. */
export { ConfigError } from "./config/errors.ts";
/** What `createHandler` rejects with for invalid `_headers`, `_redirects` or config rules. */
export { RulesError } from "./rules/rule_error.ts";
/** The error with a public status and message that berth turns into a response. */
export { HttpError } from "./errors.ts";
/** The filesystem interface, for serving from something other than the real disk (`fs` option). */
export type { DirEntry, FileInfo, FileSystem, OpenFile } from "./fs/types.ts";
/** berth's version, as in deno.json. */
export { BERTH_VERSION } from "./version.ts";
