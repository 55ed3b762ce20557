/**
 * @module
 * The file core's dispatch: maps a GET or HEAD to what its path names under
 * the root and hands it to the module that answers it — a file
 * (answer_file.ts: preconditions, codings, ranges), a directory
 * (directory.ts: index or listing), or nothing (not_found.ts) — after the
 * access guard has seen the real path. What a path resolves to comes from the
 * shared resolver (resolver.ts); what was built for it from the hot-file
 * cache, so a repeat request answers from memory without touching the disk.
 */

import type { Handler, RequestContext } from "../compose.ts";
import { HttpError } from "../errors.ts";
import type { FileSystem } from "../fs/types.ts";
import type { OwnFiles } from "../config/own_files.ts";
import { requirePath } from "../http/request_path.ts";
import { ALLOW_STATIC, HEADER, STATUS } from "../http/constants.ts";
import { type BaseHeaders, NO_BASE_HEADERS } from "../http/base_headers.ts";
import { buildLocalPath, createRedirect } from "../http/local_redirect.ts";
import { createFileAnswerer } from "./answer_file.ts";
import type { CacheControlPolicy } from "./cache_control.ts";
import { createEncodingChooser } from "./compression.ts";
import { type CanList, createDirectoryAnswerer } from "./directory.ts";
import { createOnTheFlyEncoder, type OnTheFlyEncoder } from "./encode_on_the_fly.ts";
import { DEFAULT_MAX_FILE_BYTES, type FileCache } from "./file_cache.ts";
import { createNotFoundResponder } from "./not_found.ts";
import { createRecordLoader } from "./record_store.ts";
import type { FileRecord } from "./representation.ts";
import { createSiteResolver, type SiteResolver } from "./resolver.ts";
import { admitResource, resourceAt, type ResourceGuard } from "./resource.ts";

/** Content-coding settings for {@linkcode serveFiles}. */
export interface ServeCompressionOptions {
  /** Negotiate codings at all (precompressed siblings and on the fly). */
  enabled: boolean;
  /** Look for `.br`, `.zst` and `.gz` siblings next to compressible files. */
  precompressed: boolean;
  /** Compress compressible files on the fly when no sibling exists. */
  onTheFly: boolean;
  /** Smallest file compressed on the fly, in bytes. */
  minBytes: number;
  /** gzip level 1..9. */
  gzipLevel: number;
  /** Brotli quality 0..11. */
  brotliLevel: number;
}

/** Options for {@linkcode serveFiles}. */
export interface ServeFilesOptions {
  /** Filesystem to read from (Deno's, a fake one in tests, or an embedded tree). */
  fs: FileSystem;
  /** Real absolute path of the root directory. */
  root: string;
  /** Serve names starting with a dot (`/.well-known/` is always served). */
  dotfiles: boolean;
  /** Render listings for directories without an index file. */
  listing: boolean;
  /** Index file names tried in order for a directory. */
  index: readonly string[];
  /** Cache-Control policy for files. */
  cacheControl: CacheControlPolicy;
  /** Root-relative page served with status 404 when present, e.g. `404.html`. */
  notFoundPage: string | null;
  /** Hot-file cache (shared with metrics); without one every request resolves from disk. */
  cache?: FileCache;
  /**
   * The resolver shared with the routing layers' probe; when absent one is
   * made from `fs`, `root`, `dotfiles`, `ownFiles` and `cache`.
   */
  resolver?: SiteResolver;
  /** Content codings; omitted means identity only. */
  compression?: ServeCompressionOptions;
  /** Headers every response of the core starts from (security, CORS; see base_headers.ts). */
  baseHeaders?: BaseHeaders;
  /**
   * Whether a listing may show an entry to `user` (access rules). When set,
   * listings are filtered per request and sent as private responses.
   */
  canList?: CanList;
  /**
   * Access rules applied to the file or directory about to be answered from
   * (its real path), before any of it is read; see `createResourceGuard`.
   */
  guard?: ResourceGuard;
  /** berth's own files: never served, listed or used as an index or error page. */
  ownFiles?: OwnFiles;
}

/** Builds the final handler that serves files from the root. */
export function serveFiles(options: ServeFilesOptions): Handler {
  const { fs, cache, guard, root } = options;
  const resolver = options.resolver ?? createSiteResolver({ ...options, cache });
  const compression = options.compression?.enabled ? options.compression : null;
  const base = options.baseHeaders ?? NO_BASE_HEADERS;
  const loadRecord = createRecordLoader({
    fs,
    root,
    resolver,
    cacheControl: options.cacheControl,
    base,
    maxBodyBytes: cache?.options.enabled ? cache.options.maxFileBytes : 0,
    compression,
    onTheFlyMaxBytes: cache?.options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
  }, cache);
  const encode: OnTheFlyEncoder = compression === null
    // Without compression no record offers a coding to make.
    ? (record) => Promise.resolve(record.identity)
    : createOnTheFlyEncoder({
      fs,
      compression,
      grow: (key, bytes) => cache?.grow(key, bytes) ?? true,
    });
  const answerFile = createFileAnswerer({ fs, pickEncoding: createEncodingChooser(), encode });
  const notFound = createNotFoundResponder({ ...options, resolver, loadRecord, base });
  const directories = createDirectoryAnswerer({
    ...options,
    resolver,
    loadRecord,
    answerFile,
    respondNotFound: notFound.respondNotFound,
  });

  /** A cached file's answer once the guard admits it (and the directory of an index page). */
  function answerRecord(
    request: Request,
    context: RequestContext,
    record: FileRecord,
  ): Response | Promise<Response> {
    if (record.container !== null) {
      const denied = admitResource(guard, request, context, record.container);
      if (denied !== null) return denied;
    }
    return admitResource(guard, request, context, record.resource) ?? answerFile(request, record);
  }

  return async function serveFile(request: Request, context: RequestContext): Promise<Response> {
    try {
      const method = request.method;
      if (method !== "GET" && method !== "HEAD") return respondToOtherMethod(method, base);
      // SECURITY: keyed by the canonical path, which every spelling of it
      // (`//x`, `/%78`, `/a/../x`) shares: keyed by the raw text, each spelling
      // would take a cache and resolver entry of its own.
      const decoded = requirePath(context);
      const key = decoded.text;
      if (cache !== undefined) {
        const hit = cache.checksNow ? cache.get(key) : await cache.getChecked(key);
        if (hit !== undefined) {
          return hit.kind === "file"
            ? await answerRecord(request, context, hit)
            : directories.answerListing(request, context, hit);
        }
      }
      const known = resolver.lookup(key);
      if (known?.kind === "not-found") {
        cache?.countHit();
        return await notFound.respondMissing(request, context);
      }
      const epoch = cache?.epoch ?? 0;
      const target = known ?? await resolver.resolve(decoded.segments, key);
      if (target.kind === "not-found") return await notFound.respondMissing(request, context);
      const isDirectory = target.kind === "directory";
      const resource = resourceAt(root, target.path, isDirectory);
      // Checked before anything is read, and before a redirect tells that the path exists.
      const denied = admitResource(guard, request, context, resource);
      if (denied !== null) return denied;
      if (decoded.trailingSlash !== isDirectory && decoded.segments.length > 0) {
        const location = buildLocalPath(decoded.segments, isDirectory) + context.url.search;
        return createRedirect(location, STATUS.MOVED_PERMANENTLY, base);
      }
      if (isDirectory) {
        return await directories.answerDirectory(request, context, {
          key,
          segments: decoded.segments,
          directory: target,
          epoch,
          resource,
        });
      }
      const record = await loadRecord(key, { ...target, segments: decoded.segments }, {
        epoch,
        cacheable: true,
        directories: [],
        container: null,
      });
      return await answerFile(request, record);
    } catch (error) {
      // The file went away between its check and the read (deleted or
      // renamed meanwhile): that is a 404, not a server error.
      if (error instanceof Deno.errors.NotFound) {
        return await notFound.respondNotFound(request, context);
      }
      throw error;
    }
  };
}

/** OPTIONS → 204 with Allow; anything else but GET/HEAD → 405 (RFC 9110 §15.5.6). */
function respondToOtherMethod(method: string, base: BaseHeaders): Response {
  if (method === "OPTIONS") {
    return new Response(null, {
      status: STATUS.NO_CONTENT,
      headers: { ...base, [HEADER.ALLOW]: ALLOW_STATIC },
    });
  }
  throw new HttpError(STATUS.METHOD_NOT_ALLOWED, `Method ${method} is not allowed here`, {
    headers: { [HEADER.ALLOW]: ALLOW_STATIC },
  });
}
