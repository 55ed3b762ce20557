/**
 * @module
 * The file core: maps a request path to a file under the root and answers with
 * the right status, validators, preconditions (RFC 9110 §13.2.2) and byte
 * ranges (RFC 9110 §14). Directories get a trailing-slash redirect, an index
 * file or, when enabled, a listing.
 */

import type { Handler, RequestContext } from "../compose.ts";
import { HttpError } from "../errors.ts";
import type { FileInfo, FileSystem } from "../fs/types.ts";
import { decodeRequestPath, resolvePath } from "../fs/resolve_path.ts";
import { contentTypeFor, isCompressibleType } from "../fs/media_type.ts";
import { prefersJson } from "../http/accept.ts";
import { createMultipartBody } from "../http/byteranges.ts";
import { ALLOW_STATIC, HEADER, READ_METHODS, STATUS } from "../http/constants.ts";
import { computeEtag } from "../http/etag.ts";
import { formatHttpDate } from "../http/http_date.ts";
import { evaluatePreconditions, readConditionalHeaders } from "../http/preconditions.ts";
import { formatContentRange, formatUnsatisfiedRange, parseRange } from "../http/range.ts";
import { cacheControlFor, type CacheControlPolicy } from "./cache_control.ts";
import { createErrorResponse } from "./error_response.ts";
import { streamFileRange, streamWholeFile } from "./file_body.ts";
import { readListing, renderListingHtml, renderListingJson } from "./listing.ts";

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
}

/** A file that resolved safely inside the root. */
interface ResolvedFile {
  path: string;
  info: FileInfo;
}

/** Builds the final handler that serves files from the root. */
export function serveFiles(options: ServeFilesOptions): Handler {
  const resolveOptions = { root: options.root, dotfiles: options.dotfiles };
  const notFoundSegments = options.notFoundPage === null
    ? null
    : options.notFoundPage.split("/").filter((segment) => segment !== "");

  async function respondNotFound(request: Request): Promise<Response> {
    if (notFoundSegments !== null) {
      const page = await resolvePath(options.fs, notFoundSegments, resolveOptions);
      if (page.kind === "file") {
        return await respondWithFile(request, page, { status: STATUS.NOT_FOUND });
      }
    }
    return createErrorResponse(request, STATUS.NOT_FOUND, "Nothing is served at this path");
  }

  async function respondWithFile(
    request: Request,
    file: ResolvedFile,
    override?: { status: number },
  ): Promise<Response> {
    const { info } = file;
    const name = file.path.slice(file.path.lastIndexOf("/") + 1);
    const contentType = contentTypeFor(name);
    const etag = computeEtag(info);
    const headers = new Headers({
      [HEADER.CONTENT_TYPE]: contentType,
      [HEADER.CACHE_CONTROL]: override ? "no-cache" : cacheControlFor(name, options.cacheControl),
    });
    if (isCompressibleType(contentType)) headers.set(HEADER.VARY, "Accept-Encoding");

    if (override) {
      // A custom error page: no validators or ranges, the status is the point.
      headers.set(HEADER.CONTENT_LENGTH, String(info.size));
      return new Response(await openBody(request, file), { status: override.status, headers });
    }

    headers.set(HEADER.ETAG, etag);
    if (info.mtimeMs !== null) headers.set(HEADER.LAST_MODIFIED, formatHttpDate(info.mtimeMs));
    headers.set(HEADER.ACCEPT_RANGES, "bytes");

    const conditions = readConditionalHeaders(request.headers);
    const isGet = request.method === "GET";
    // RFC 9110 §14.2: only GET has range semantics; other methods ignore Range.
    conditions.hasRange = isGet && request.headers.has(HEADER.RANGE);
    const verdict = evaluatePreconditions(request.method, conditions, {
      etag,
      lastModifiedMs: info.mtimeMs,
    });
    if (verdict.kind === "not-modified") return notModified(headers);
    if (verdict.kind === "precondition-failed") {
      throw new HttpError(
        STATUS.PRECONDITION_FAILED,
        "The resource does not match the request's preconditions",
        {
          headers: { [HEADER.ETAG]: etag },
        },
      );
    }

    const range = verdict.honourRange
      ? parseRange(request.headers.get(HEADER.RANGE), info.size)
      : { kind: "full" as const };

    if (range.kind === "unsatisfiable") {
      throw new HttpError(STATUS.RANGE_NOT_SATISFIABLE, "The requested range is outside the file", {
        headers: { [HEADER.CONTENT_RANGE]: formatUnsatisfiedRange(info.size) },
      });
    }
    if (range.kind === "full") {
      headers.set(HEADER.CONTENT_LENGTH, String(info.size));
      return new Response(await openBody(request, file), { status: STATUS.OK, headers });
    }
    if (range.ranges.length === 1) {
      const [only] = range.ranges;
      headers.set(HEADER.CONTENT_RANGE, formatContentRange(only, info.size));
      headers.set(HEADER.CONTENT_LENGTH, String(only.end - only.start + 1));
      const body = isGet ? streamFileRange(await options.fs.open(file.path), only) : null;
      return new Response(body, { status: STATUS.PARTIAL_CONTENT, headers });
    }
    const multipart = createMultipartBody({
      ranges: range.ranges,
      size: info.size,
      contentType,
      readRange: async (part) => streamFileRange(await options.fs.open(file.path), part),
    });
    headers.set(HEADER.CONTENT_TYPE, multipart.contentType);
    headers.set(HEADER.CONTENT_LENGTH, String(multipart.contentLength));
    return new Response(multipart.body, { status: STATUS.PARTIAL_CONTENT, headers });
  }

  async function openBody(
    request: Request,
    file: ResolvedFile,
  ): Promise<ReadableStream<Uint8Array> | null> {
    if (request.method === "HEAD" || file.info.size === 0) return null;
    return streamWholeFile(await options.fs.open(file.path));
  }

  async function respondWithDirectory(
    request: Request,
    segments: readonly string[],
    directoryPath: string,
  ): Promise<Response> {
    for (const name of options.index) {
      const index = await resolvePath(options.fs, [...segments, name], resolveOptions);
      if (index.kind === "file") return await respondWithFile(request, index);
    }
    if (!options.listing) return await respondNotFound(request);
    const entries = await readListing(options.fs, segments, { ...resolveOptions, directoryPath });
    const json = prefersJson(request.headers.get(HEADER.ACCEPT));
    const body = json ? renderListingJson(segments, entries) : renderListingHtml(segments, entries);
    const bytes = TEXT_ENCODER.encode(body);
    return new Response(request.method === "HEAD" ? null : bytes, {
      status: STATUS.OK,
      headers: {
        [HEADER.CONTENT_TYPE]: json
          ? "application/json; charset=utf-8"
          : "text/html; charset=utf-8",
        [HEADER.CONTENT_LENGTH]: String(bytes.byteLength),
        [HEADER.CACHE_CONTROL]: "no-cache",
        [HEADER.VARY]: "Accept",
      },
    });
  }

  return async function serveFile(request: Request, context: RequestContext): Promise<Response> {
    if (request.method === "OPTIONS") {
      return new Response(null, {
        status: STATUS.NO_CONTENT,
        headers: { [HEADER.ALLOW]: ALLOW_STATIC },
      });
    }
    if (!READ_METHODS.has(request.method)) {
      throw new HttpError(
        STATUS.METHOD_NOT_ALLOWED,
        `Method ${request.method} is not allowed here`,
        {
          headers: { [HEADER.ALLOW]: ALLOW_STATIC },
        },
      );
    }
    const decoded = decodeRequestPath(context.url.pathname);
    if (!decoded.ok) throw new HttpError(STATUS.BAD_REQUEST, decoded.message);
    const target = await resolvePath(options.fs, decoded.segments, resolveOptions);
    if (target.kind === "not-found") return await respondNotFound(request);
    if (target.kind === "directory") {
      if (!decoded.trailingSlash && decoded.segments.length > 0) {
        return redirect(canonicalPath(decoded.segments, true) + context.url.search);
      }
      return await respondWithDirectory(request, decoded.segments, target.path);
    }
    if (decoded.trailingSlash) {
      return redirect(canonicalPath(decoded.segments, false) + context.url.search);
    }
    return await respondWithFile(request, target);
  };
}

/** 304 keeps the validators and caching headers of the 200 it stands for (RFC 9110 §15.4.5). */
function notModified(headers: Headers): Response {
  const kept = new Headers();
  for (const name of [HEADER.ETAG, HEADER.CACHE_CONTROL, HEADER.VARY]) {
    const value = headers.get(name);
    if (value !== null) kept.set(name, value);
  }
  return new Response(null, { status: STATUS.NOT_MODIFIED, headers: kept });
}

/**
 * Path rebuilt from decoded segments, each percent-encoded again.
 * SECURITY: never echo the raw path into Location: `//evil.example/` would be
 * a protocol-relative open redirect; rebuilt paths always start with one `/`.
 */
function canonicalPath(segments: readonly string[], trailingSlash: boolean): string {
  const path = "/" + segments.map(encodeURIComponent).join("/");
  return trailingSlash && segments.length > 0 ? path + "/" : path;
}

/** A 301 with mutable headers (Response.redirect's are immutable) and an empty body. */
function redirect(location: string): Response {
  return new Response(null, {
    status: STATUS.MOVED_PERMANENTLY,
    headers: { [HEADER.LOCATION]: location, [HEADER.CACHE_CONTROL]: "no-cache" },
  });
}

const TEXT_ENCODER = new TextEncoder();
