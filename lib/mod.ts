/**
 * @module
 * berth as a library: the pipeline builder and its building blocks, for
 * embedding berth's file serving in another `Deno.serve` application.
 */

export { type AppOptions, createApp } from "./app.ts";
export type { AuthenticatedUser, Handler, Middleware, Next, RequestContext } from "./compose.ts";
export { DEFAULT_SETTINGS, type Settings } from "./config/schema.ts";
export { HttpError } from "./errors.ts";
export { denoFileSystem } from "./fs/deno_fs.ts";
export type { DirEntry, FileInfo, FileSystem, OpenFile } from "./fs/types.ts";
