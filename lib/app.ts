/**
 * @module
 * Builds berth's request pipeline from validated settings. This is the ONE
 * place the order of the layers is written:
 *
 * 1. `accessLog` — outermost: times and logs every request, last-resort 500.
 * 2. Decorators that only add headers, outside the error boundary so error
 *    pages get them too: `customHeaders` (operator overrides), then
 *    `securityHeaders`, then `cors` (which also answers preflights, before
 *    any authentication).
 * 3. `errorBoundary` — turns thrown HttpErrors (and bugs) into responses.
 * 4. Guards that may answer early: `limits`.
 * 5. The file core: `serveFiles`.
 *
 * (DESIGN.md lists the decorators inside the error boundary; they sit outside
 * it here so that 4xx/5xx pages carry nosniff, operator headers and CORS.)
 */

import { compose, type Handler, type Middleware } from "./compose.ts";
import type { Settings } from "./config/schema.ts";
import type { FileSystem } from "./fs/types.ts";
import { accessLog } from "./middleware/access_log.ts";
import { cors } from "./middleware/cors.ts";
import { customHeaders } from "./middleware/custom_headers.ts";
import { errorBoundary } from "./middleware/error_boundary.ts";
import { limits } from "./middleware/limits.ts";
import { securityHeaders } from "./middleware/security_headers.ts";
import { serveFiles } from "./serve/serve_file.ts";

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
}

/**
 * Composes the full pipeline for `options`. Async because features load and
 * validate their files (keys, users, rules) here, at startup, never per request.
 */
export async function createApp(options: AppOptions): Promise<Handler> {
  const { settings } = options;
  const layers: Middleware[] = [accessLog()];
  // Decorators (only add headers).
  if (Object.keys(settings.headers).length > 0) layers.push(customHeaders(settings.headers));
  if (settings.securityHeaders) layers.push(securityHeaders({ tls: options.tls }));
  if (settings.cors) layers.push(cors());
  layers.push(errorBoundary());
  // Guards that may answer early.
  layers.push(limits(settings.limits));
  return await Promise.resolve(compose(
    layers,
    serveFiles({
      fs: options.fs,
      root: options.root,
      dotfiles: settings.dotfiles,
      listing: settings.listing,
      index: settings.index,
      cacheControl: settings.cacheControl,
      notFoundPage: settings.notFoundPage === "" ? null : settings.notFoundPage,
    }),
  ));
}
