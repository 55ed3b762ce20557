/**
 * @module
 * The file core: maps a request path to a file under the root and answers with
 * the right status, validators, preconditions (RFC 9110 §13.2.2), content
 * coding (RFC 9110 §8.4, §12.5.3) and byte ranges (RFC 9110 §14). Directories
 * get a trailing-slash redirect, an index file or, when enabled, a listing.
 *
 * What a URL path resolves to is worked out once and kept in the hot-file
 * cache (see file_cache.ts) as a {@linkcode FileRecord}: headers, validators,
 * the body of small files and their encoded variants. A hit answers from
 * memory; 304s, 404s and HEADs never read a body.
 */

import { join } from "node:path";
import type { AuthenticatedUser, Handler, RequestContext } from "../compose.ts";
import { HttpError } from "../errors.ts";
import type { FileInfo, FileSystem } from "../fs/types.ts";
import { type ResolvedPath, resolvePath } from "../fs/resolve_path.ts";
import type { OwnFiles } from "../config/own_files.ts";
import { type CanonicalPath, requirePath } from "../http/request_path.ts";
import {
  createResourceLocator,
  type Resource,
  resourceAt,
  type ResourceGuard,
} from "./resource.ts";
import { contentTypeFor, isCompressibleType } from "../fs/media_type.ts";
import { prefersJson } from "../http/accept.ts";
import { createMultipartBody } from "../http/byteranges.ts";
import { ALLOW_STATIC, HEADER, STATUS } from "../http/constants.ts";
import { computeEtag } from "../http/etag.ts";
import { type BaseHeaders, NO_BASE_HEADERS } from "../http/base_headers.ts";
import { ResponseTemplate } from "../http/response_template.ts";
import { formatHttpDate } from "../http/http_date.ts";
import { buildLocalPath, createRedirect } from "../http/local_redirect.ts";
import {
  evaluatePreconditions,
  NO_CONDITIONS,
  readConditionalHeaders,
} from "../http/preconditions.ts";
import { formatContentRange, formatUnsatisfiedRange, parseRange } from "../http/range.ts";
import { cacheControlFor, type CacheControlPolicy } from "./cache_control.ts";
import {
  compressBytes,
  createEncodingChooser,
  encodedEtag,
  type Encoding,
  ENCODING_PREFERENCE,
  forbidsTransform,
  ON_THE_FLY_ENCODINGS,
  SIBLING_SUFFIX,
} from "./compression.ts";
import { createErrorResponder } from "./error_response.ts";
import {
  type CacheDependencies,
  type CacheValidator,
  DEFAULT_MAX_FILE_BYTES,
  type FileCache,
  toValidator,
} from "./file_cache.ts";
import { readFileRange, SMALL_RANGE_BYTES, streamFileRange, streamWholeFile } from "./file_body.ts";
import { type ListingEntry, readListing, renderListingHtml, renderListingJson } from "./listing.ts";

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
  /** Content codings; omitted means identity only. */
  compression?: ServeCompressionOptions;
  /**
   * Headers every response of the core starts from (security, CORS; see
   * base_headers.ts), folded into the precomputed header sets.
   */
  baseHeaders?: BaseHeaders;
  /**
   * Whether a listing may show an entry to `user` (access rules), by its URL
   * `segments` and by the canonical real path it resolves to (`resource`).
   * When set, listings are filtered per request and sent as private responses.
   */
  canList?: (
    segments: readonly string[],
    options: { directory: boolean; user: AuthenticatedUser | null; resource: string },
  ) => boolean;
  /**
   * Access rules applied to the file or directory about to be answered from
   * (its real path), before any of it is read; see `createResourceGuard`.
   */
  guard?: ResourceGuard;
  /** berth's own files: never served, listed or used as an index or error page. */
  ownFiles?: OwnFiles;
}

/** Bytes held in memory and handed to `Response` as they are. */
type Bytes = Uint8Array<ArrayBuffer>;

/** One representation of a file: identity or one content coding. */
interface Representation {
  /** The coding, or null for identity. */
  encoding: Encoding | null;
  /** Real path of the bytes on disk (the sibling for precompressed ones). */
  path: string;
  /** Size in bytes of this representation. */
  size: number;
  /** Its own strong ETag (encoded ones carry a `-<coding>` suffix). */
  etag: string;
  /** The bytes when held in memory, else null (streamed from `path`). */
  body: Bytes | null;
  /** Every header of its 200, precomputed once (a plain object is Deno's cheapest init). */
  headers: Record<string, string> | null;
  /** Its 200, built once, when the body is in memory (or empty). */
  ok: ResponseTemplate | null;
  /** Its 304, built once. */
  notModified: ResponseTemplate | null;
}

/**
 * What other layers may read of a file answer in the cache: under a URL
 * path other than `/` and without a trailing slash, one is kept only while
 * that path's segments resolve to this file (see path_probe.ts).
 */
export interface CachedFile {
  /** Tells a file answer from a listing. */
  kind: "file";
  /** Real path of the file. */
  path: string;
  /** Its `stat` when the answer was worked out. */
  info: FileInfo;
  /** What it is relative to the root, for access and header rules. */
  resource: Resource | null;
}

/** Everything the core knows about a file URL, as kept in the cache. */
interface FileRecord extends CachedFile {
  contentType: string;
  /** Headers shared by every 200/206 of this file (without ETag/encoding/length). */
  baseHeaders: readonly (readonly [string, string])[];
  /** Headers of its 304s minus the ETag (RFC 9110 §15.4.5). */
  cacheControl: string;
  vary: boolean;
  identity: Representation;
  /** Codings that may be offered, in server preference order. */
  available: readonly Encoding[];
  /** `available` joined with commas: the negotiation's memo key. */
  availableKey: string;
  /** Encoded representations made so far (siblings up front, on-the-fly lazily). */
  encoded: Map<Encoding, Representation | Promise<Representation | null>>;
  /** Cache key, so on-the-fly variants can grow the entry. */
  key: string | null;
  /** The identity bytes as the custom 404 page: its own headers and answer, built once. */
  errorPage: Representation | null;
  /**
   * For an index page cached under its directory's URL: the directory, which
   * the guard checks too on every hit (a rule may name the directory only).
   */
  container: Resource | null;
}

/** A rendered directory listing, kept in the cache. */
interface ListingRecord {
  kind: "listing";
  segments: readonly string[];
  /** The listed directory, by real path. */
  resource: Resource | null;
  entries: readonly ListingEntry[];
  /** The HTML page, built on first request. */
  html: ResponseTemplate | null;
  /** The JSON answer, built on first request. */
  json: ResponseTemplate | null;
}

type CachedValue = FileRecord | ListingRecord;

/** The identity coding's absent value as the negotiation returns it. */
const IDENTITY = null;
/** Key prefix for the custom 404 page; cannot collide with a URL path (they start with `/`). */
const NOT_FOUND_PAGE_KEY = "\0not-found-page";

/** Builds the final handler that serves files from the root. */
export function serveFiles(options: ServeFilesOptions): Handler {
  const { fs, cache } = options;
  const resolveOptions = {
    root: options.root,
    dotfiles: options.dotfiles,
    ownFiles: options.ownFiles,
  };
  const { guard } = options;
  const locate = createResourceLocator(
    options.root,
    (segments) => resolvePath(fs, segments, resolveOptions),
  );
  const notFoundSegments = options.notFoundPage === null
    ? null
    : options.notFoundPage.split("/").filter((segment) => segment !== "");
  const compression = options.compression?.enabled ? options.compression : null;
  const maxBodyBytes = cache?.options.enabled ? cache.options.maxFileBytes : 0;
  const onTheFlyMaxBytes = cache?.options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const pickEncoding = createEncodingChooser();
  const listingsInFlight = new Map<string, Promise<ListingRecord>>();
  // Only the first index name can be cached without a watcher: a newly
  // created earlier name would otherwise go unnoticed.
  const firstIndex = options.index[0];
  const base = options.baseHeaders ?? NO_BASE_HEADERS;
  const respondWithBuiltInNotFound = createErrorResponder(
    STATUS.NOT_FOUND,
    "Nothing is served at this path",
    { headers: { ...base } },
  );

  /** Works out a record for a resolved file: headers, validators, siblings and maybe its body. */
  async function loadRecord(
    file: { path: string; info: FileInfo },
    segments: readonly string[],
    key: string | null,
  ): Promise<{ record: FileRecord; validators: CacheValidator[]; files: string[] }> {
    const { info } = file;
    const name = file.path.slice(file.path.lastIndexOf("/") + 1);
    const contentType = contentTypeFor(name);
    const cacheControl = cacheControlFor(name, options.cacheControl);
    const compressible = isCompressibleType(contentType);
    const etag = computeEtag(info);
    const lastModified = info.mtimeMs === null ? null : formatHttpDate(info.mtimeMs);
    const baseHeaders: [string, string][] = [
      [HEADER.CONTENT_TYPE, contentType],
      [HEADER.CACHE_CONTROL, cacheControl],
      [HEADER.ACCEPT_RANGES, "bytes"],
    ];
    if (lastModified !== null) baseHeaders.push([HEADER.LAST_MODIFIED, lastModified]);
    if (compressible) baseHeaders.push([HEADER.VARY, "Accept-Encoding"]);

    const joined = join(options.root, ...segments);
    const validators: CacheValidator[] = [toValidator(joined, info)];
    const files = [joined, file.path];
    const body = info.size <= maxBodyBytes && info.size > 0
      ? await fs.readFile(file.path) as Bytes
      : null;
    const identity: Representation = {
      encoding: IDENTITY,
      path: file.path,
      size: body?.byteLength ?? info.size,
      etag,
      body: body === null || body.byteLength === info.size ? body : null,
      headers: null,
      ok: null,
      notModified: null,
    };

    const encoded = new Map<Encoding, Representation>();
    const available: Encoding[] = [];
    const transformable = compression !== null && compressible && !forbidsTransform(cacheControl);
    if (transformable) {
      for (const encoding of ENCODING_PREFERENCE) {
        const suffix = SIBLING_SUFFIX[encoding];
        files.push(joined + suffix, file.path + suffix);
        if (!compression.precompressed || segments.length === 0) continue;
        const siblingSegments = [...segments.slice(0, -1), segments.at(-1) + suffix];
        const sibling = await resolvePath(fs, siblingSegments, resolveOptions);
        // SECURITY: a sibling stands for the file only when it lies beside the
        // file's real path under the same name; `pub/x.txt.gz -> ../admin/y.gz`
        // would otherwise serve a protected file as x.txt's gzip coding.
        if (sibling.kind !== "file" || sibling.path !== file.path + suffix) continue;
        validators.push(toValidator(join(options.root, ...siblingSegments), sibling.info));
        const siblingBody = sibling.info.size <= maxBodyBytes && sibling.info.size > 0
          ? await fs.readFile(sibling.path) as Bytes
          : null;
        encoded.set(encoding, {
          encoding,
          path: sibling.path,
          size: siblingBody?.byteLength ?? sibling.info.size,
          etag: encodedEtag(computeEtag(sibling.info), encoding),
          body: siblingBody?.byteLength === sibling.info.size ? siblingBody : null,
          headers: null,
          ok: null,
          notModified: null,
        });
        available.push(encoding);
      }
      if (
        compression.onTheFly && info.size >= compression.minBytes &&
        info.size <= onTheFlyMaxBytes
      ) {
        for (const encoding of ON_THE_FLY_ENCODINGS) {
          if (!available.includes(encoding)) available.push(encoding);
        }
        available.sort((a, b) => ENCODING_PREFERENCE.indexOf(a) - ENCODING_PREFERENCE.indexOf(b));
      }
    }
    const record: FileRecord = {
      kind: "file",
      path: file.path,
      info,
      resource: resourceAt(options.root, file.path, false),
      contentType,
      baseHeaders,
      cacheControl,
      vary: compressible,
      identity,
      available,
      availableKey: available.join(","),
      encoded,
      key,
      errorPage: null,
      container: null,
    };
    return { record, validators, files };
  }

  /** Resolves `segments` to a record through the cache under `key`. */
  async function storeRecord(
    key: string,
    file: { path: string; info: FileInfo },
    segments: readonly string[],
    extra: {
      directories: readonly string[];
      epoch: number;
      cacheable: boolean;
      container?: Resource | null;
    },
  ): Promise<FileRecord> {
    const loaded = await loadRecord(file, segments, cache && extra.cacheable ? key : null);
    loaded.record.container = extra.container ?? null;
    if (cache && extra.cacheable) {
      const { record } = loaded;
      let bytes = record.identity.body?.byteLength ?? 0;
      for (const representation of record.encoded.values()) {
        bytes += (representation as Representation).body?.byteLength ?? 0;
      }
      const dependencies: CacheDependencies = {
        files: loaded.files,
        directories: extra.directories,
      };
      cache.set(key, {
        value: record,
        bytes,
        validators: loaded.validators,
        dependencies,
      }, extra.epoch);
    }
    return loaded.record;
  }

  /**
   * The representation to send: identity for ranges, else the negotiated
   * coding. A promise only while an on-the-fly variant is being made.
   */
  function selectRepresentation(
    request: Request,
    record: FileRecord,
    hasRange: boolean,
  ): Representation | Promise<Representation> {
    if (record.available.length === 0 || hasRange) return record.identity;
    const encoding = pickEncoding(
      request.headers.get(HEADER.ACCEPT_ENCODING),
      record.available,
      record.availableKey,
    );
    if (encoding === null) return record.identity;
    const known = record.encoded.get(encoding);
    if (known === undefined) {
      return encoding === "zstd" ? record.identity : encodeOnTheFly(record, encoding);
    }
    return known instanceof Promise ? known.then((made) => made ?? record.identity) : known;
  }

  /**
   * Makes the `encoding` variant once: concurrent requests share the work,
   * and a kept answer replaces the pending one, so later requests take it as
   * it is (identity when the coding does not pay off).
   */
  async function encodeOnTheFly(
    record: FileRecord,
    encoding: "gzip" | "br",
  ): Promise<Representation> {
    const pending = compressRecord(record, encoding).catch(() => ({ made: null, keep: false }));
    record.encoded.set(encoding, pending.then((result) => result.made));
    const { made, keep } = await pending;
    if (keep) record.encoded.set(encoding, made ?? record.identity);
    else record.encoded.delete(encoding);
    return made ?? record.identity;
  }

  /**
   * Compresses the identity bytes once. `made` is what to send now; `keep`
   * says whether the answer may stay on the record (an incompressible file
   * keeps "identity" so it is not compressed again; a variant the cache has
   * no room for is sent once and not kept).
   */
  async function compressRecord(
    record: FileRecord,
    encoding: "gzip" | "br",
  ): Promise<{ made: Representation | null; keep: boolean }> {
    if (compression === null) return { made: null, keep: true };
    let source: Uint8Array | null = record.identity.body;
    if (source === null) {
      source = await fs.readFile(record.path);
      if (source.byteLength !== record.info.size) return { made: null, keep: false };
    }
    const body = await compressBytes(source, encoding, compression);
    if (body.byteLength >= source.byteLength) return { made: null, keep: true };
    const made: Representation = {
      encoding,
      path: record.path,
      size: body.byteLength,
      etag: encodedEtag(record.identity.etag, encoding),
      body,
      headers: null,
      ok: null,
      notModified: null,
    };
    const stored = record.key === null || cache === undefined ||
      cache.grow(record.key, body.byteLength);
    return { made, keep: stored };
  }

  /**
   * Resolves `segments` on disk for `key` after a cache miss; "not found" is
   * remembered while the parent directory stays unchanged.
   */
  async function resolveFresh(
    key: string,
    segments: readonly string[],
    epoch: number,
  ): Promise<ResolvedPath> {
    // Taken before the lookup, so a file created meanwhile changes what it compares.
    const guard = cache?.missingGuard(join(options.root, ...segments.slice(0, -1)));
    const target = await resolvePath(fs, segments, resolveOptions);
    if (target.kind === "not-found") cache?.setMissing(key, guard ?? null, epoch);
    return target;
  }

  /**
   * The answer for a path that resolves to nothing. With access rules, the
   * nearest existing directory on the way is resolved, and the missing name
   * is checked as if it lay under that directory's real path.
   * SECURITY: through `pub/adm -> ../admin`, a 404 for `/pub/adm/x` and a
   * 401 for `/pub/adm/a.txt` would tell a visitor which protected files
   * exist; this way every name under a protected folder gets the 401.
   */
  function respondMissing(request: Request, context: RequestContext): Promise<Response> {
    // Without access rules there is nothing to check (and no await to pay for).
    if (guard === undefined || !context.path.ok) return respondNotFound(request, context);
    return respondMissingGuarded(request, context, context.path);
  }

  async function respondMissingGuarded(
    request: Request,
    context: RequestContext,
    path: CanonicalPath,
  ): Promise<Response> {
    const resource = await locate(path.segments, path.trailingSlash);
    const denied = admit(request, context, resource);
    return denied ?? await respondNotFound(request, context);
  }

  /**
   * The custom 404 page (or the built-in one when it is off, missing, or a
   * file the caller may not read).
   */
  async function respondNotFound(request: Request, context: RequestContext): Promise<Response> {
    context.outcome.resource = null;
    const page = notFoundSegments === null ? undefined : await findNotFoundPage(notFoundSegments);
    if (
      page !== undefined &&
      (guard === undefined || page.resource === null || guard.mayShow(context, page.resource))
    ) {
      // Not the page's own _headers block: a block for its folder (say an
      // immutable Cache-Control) would then apply to every 404 of the site.
      return await respondWithErrorPage(request, page);
    }
    return respondWithBuiltInNotFound(request);
  }

  /** The custom 404 page's record, through the cache; undefined when it is not a file. */
  async function findNotFoundPage(segments: readonly string[]): Promise<FileRecord | undefined> {
    let hit = cache?.get<CachedValue>(NOT_FOUND_PAGE_KEY);
    if (hit instanceof Promise) hit = await hit;
    if (hit !== undefined) return hit.kind === "file" ? hit : undefined;
    if (cache?.isKnownMissing(NOT_FOUND_PAGE_KEY)) return undefined;
    const epoch = cache?.epoch ?? 0;
    const page = await resolveFresh(NOT_FOUND_PAGE_KEY, segments, epoch);
    if (page.kind !== "file") return undefined;
    return await storeRecord(NOT_FOUND_PAGE_KEY, page, segments, {
      directories: [],
      epoch,
      cacheable: true,
    });
  }

  /** A custom error page: no validators or ranges, the status is the point. */
  async function respondWithErrorPage(request: Request, record: FileRecord): Promise<Response> {
    record.errorPage ??= {
      ...record.identity,
      headers: { ...base, ...errorPageHeaders(record) },
      ok: null,
      notModified: null,
    };
    return await sendWhole(request, record.errorPage, STATUS.NOT_FOUND);
  }

  /** A file's 200, 304, 412 or range answer. */
  async function respondWithRecord(request: Request, record: FileRecord): Promise<Response> {
    const method = request.method;
    const isGet = method === "GET";
    const requestHeaders = request.headers;
    // RFC 9110 §14.2: only GET has range semantics; other methods ignore Range.
    const rangeHeader = isGet ? requestHeaders.get(HEADER.RANGE) : null;
    const hasRange = rangeHeader !== null;
    const selected = selectRepresentation(request, record, hasRange);
    const representation = selected instanceof Promise ? await selected : selected;
    const { etag } = representation;

    const conditions = readConditionalHeaders(requestHeaders);
    // NO_CONDITIONS also means there is no Range header, so nothing to honour.
    if (conditions !== NO_CONDITIONS) {
      const verdict = evaluatePreconditions(
        method,
        conditions.hasRange === hasRange ? conditions : { ...conditions, hasRange },
        { etag, lastModifiedMs: record.info.mtimeMs },
      );
      if (verdict.kind === "not-modified") {
        representation.notModified ??= new ResponseTemplate(null, {
          status: STATUS.NOT_MODIFIED,
          headers: { ...base, ...notModifiedHeaders(record, etag) },
        });
        return representation.notModified.respond(method);
      }
      if (verdict.kind === "precondition-failed") {
        throw new HttpError(
          STATUS.PRECONDITION_FAILED,
          "The resource does not match the request's preconditions",
          { headers: { [HEADER.ETAG]: etag } },
        );
      }
      if (verdict.honourRange) return await respondWithRange(request, record, rangeHeader);
    }
    return await respondWhole(request, record, representation);
  }

  /** Every header of a representation's 200, decorated, built once. */
  function wholeHeaders(
    record: FileRecord,
    representation: Representation,
  ): Record<string, string> {
    return representation.headers ??= { ...base, ...fullHeaders(record, representation) };
  }

  /** A representation's 200. */
  async function respondWhole(
    request: Request,
    record: FileRecord,
    representation: Representation,
  ): Promise<Response> {
    wholeHeaders(record, representation);
    return await sendWhole(request, representation, STATUS.OK);
  }

  /**
   * Sends all of `representation` with its `headers` (set by the caller):
   * from its template, built on first use, when the body is in memory or
   * empty, else streamed from disk (nothing is opened for HEAD).
   */
  async function sendWhole(
    request: Request,
    representation: Representation,
    status: number,
  ): Promise<Response> {
    const headers = representation.headers!;
    if (representation.body !== null || representation.size === 0) {
      representation.ok ??= new ResponseTemplate(representation.body, { status, headers });
      return representation.ok.respond(request.method);
    }
    const body = request.method === "HEAD"
      ? null
      : streamWholeFile(await fs.open(representation.path));
    return new Response(body, { status, headers });
  }

  /** A Range request's 206 (single or multipart), 416, or 200 when the ranges cover the file. */
  async function respondWithRange(
    request: Request,
    record: FileRecord,
    rangeHeader: string | null,
  ): Promise<Response> {
    const { info, identity } = record;
    const size = identity.size;
    const range = parseRange(rangeHeader, size);
    if (range.kind === "unsatisfiable") {
      throw new HttpError(STATUS.RANGE_NOT_SATISFIABLE, "The requested range is outside the file", {
        headers: { [HEADER.CONTENT_RANGE]: formatUnsatisfiedRange(size) },
      });
    }
    if (range.kind === "full") return await respondWhole(request, record, identity);
    // Spread into a fresh record: Deno takes a plain object faster than Headers plus set().
    const whole = wholeHeaders(record, identity);
    if (range.ranges.length === 1) {
      const [only] = range.ranges;
      const headers = {
        ...whole,
        [HEADER.CONTENT_RANGE]: formatContentRange(only, size),
        [HEADER.CONTENT_LENGTH]: String(only.end - only.start + 1),
      };
      let body: Bytes | ReadableStream<Uint8Array> | null;
      if (identity.body !== null) {
        body = identity.body.subarray(only.start, only.end + 1);
      } else if (request.method === "HEAD") {
        body = null;
      } else if (only.end - only.start + 1 <= SMALL_RANGE_BYTES) {
        // Blocking, like nginx's reads: at most 64 KiB, usually from the page cache.
        body = fs.readRangeSync !== undefined
          ? fs.readRangeSync(record.path, only.start, only.end - only.start + 1, record.info.ino)
          : await readFileRange(await fs.open(record.path), only);
        if (body === null) {
          throw new HttpError(STATUS.SERVICE_UNAVAILABLE, "The file changed while it was read");
        }
      } else {
        body = streamFileRange(await fs.open(record.path), only);
      }
      return new Response(body, { status: STATUS.PARTIAL_CONTENT, headers });
    }
    const multipart = createMultipartBody({
      ranges: range.ranges,
      size: info.size,
      contentType: record.contentType,
      readRange: async (part) =>
        identity.body !== null
          ? singleChunkStream(identity.body.subarray(part.start, part.end + 1))
          : streamFileRange(await fs.open(record.path), part),
    });
    const headers = {
      ...whole,
      [HEADER.CONTENT_TYPE]: multipart.contentType,
      [HEADER.CONTENT_LENGTH]: String(multipart.contentLength),
    };
    return new Response(multipart.body, { status: STATUS.PARTIAL_CONTENT, headers });
  }

  async function respondWithDirectory(
    request: Request,
    key: string,
    segments: readonly string[],
    directory: { path: string; info: FileInfo },
    epoch: number,
    context: RequestContext,
  ): Promise<Response> {
    const resource = resourceAt(options.root, directory.path, true);
    const denied = admit(request, context, resource);
    if (denied !== null) return denied;
    const joinedDirectory = join(options.root, ...segments);
    const directories = [joinedDirectory, directory.path];
    for (const name of options.index) {
      const indexSegments = [...segments, name];
      const index = await resolvePath(fs, indexSegments, resolveOptions);
      if (index.kind === "file") {
        const deniedIndex = admit(request, context, resourceAt(options.root, index.path, false));
        if (deniedIndex !== null) return deniedIndex;
        const record = await storeRecord(key, index, indexSegments, {
          directories,
          epoch,
          // A later index name is only right while the earlier ones stay missing.
          cacheable: name === firstIndex,
          container: resource,
        });
        return await respondWithRecord(request, record);
      }
    }
    if (!options.listing) return await respondNotFound(request, context);
    // Concurrent misses for one directory share a single read: a listing of
    // thousands of entries resolves each one, and a burst must not repeat it.
    const flightKey = `${epoch}\0${directory.path}`;
    // They share one record too, so the burst renders the page once, not once each.
    let pending = listingsInFlight.get(flightKey);
    if (pending === undefined) {
      pending = readListing(fs, segments, { ...resolveOptions, directoryPath: directory.path })
        .then((entries): ListingRecord => ({
          kind: "listing",
          segments,
          resource,
          entries,
          html: null,
          json: null,
        }))
        .finally(() => listingsInFlight.delete(flightKey));
      listingsInFlight.set(flightKey, pending);
    }
    const shared = await pending;
    // Another path to the same directory (a symlink) needs its own links and title.
    const listing: ListingRecord = shared.segments.join("/") === segments.join("/")
      ? shared
      : { ...shared, segments, html: null, json: null };
    const { entries } = listing;
    // Without a watcher, a listing is current as long as the directory's mtime is.
    cache?.set(key, {
      value: listing,
      bytes: entries.length * 128,
      validators: [toValidator(joinedDirectory, directory.info)],
      dependencies: { files: [], directories },
    }, epoch);
    return respondWithListing(request, listing, context);
  }

  /**
   * The access guard's verdict on `resource` (null: go ahead), and the
   * resource recorded on the outcome for the header rules above.
   */
  function admit(
    request: Request,
    context: RequestContext,
    resource: Resource | null,
  ): Response | null {
    context.outcome.resource = resource?.text ?? null;
    if (guard === undefined || resource === null) return null;
    return guard.admit(request, context, resource);
  }

  /**
   * A file's answer, once the guard admits the file it comes from. Not
   * async: on the hot path an extra await costs more than the check.
   */
  function answerRecord(
    request: Request,
    context: RequestContext,
    record: FileRecord,
  ): Response | Promise<Response> {
    if (record.container !== null) {
      const denied = admit(request, context, record.container);
      if (denied !== null) return denied;
    }
    return admit(request, context, record.resource) ?? respondWithRecord(request, record);
  }

  /** A cached listing's answer, once the guard admits the directory. */
  function answerListing(
    request: Request,
    context: RequestContext,
    listing: ListingRecord,
  ): Response {
    return admit(request, context, listing.resource) ??
      respondWithListing(request, listing, context);
  }

  function respondWithListing(
    request: Request,
    listing: ListingRecord,
    context: RequestContext,
  ): Response {
    const { user } = context;
    const json = prefersJson(request.headers.get(HEADER.ACCEPT));
    const canList = options.canList;
    if (canList !== undefined) {
      // Filtered per visitor, so never memoized; private and varying on
      // credentials, which header rules may not undo (see private_caching.ts).
      context.outcome.protected = true;
      const entries = listing.entries.filter((entry) => {
        const directory = entry.kind === "directory";
        const resource = resourceAt(options.root, entry.realPath, directory);
        // Fail closed: an entry whose real path is not under the root is not shown.
        if (resource === null) return false;
        return canList([...listing.segments, entry.name], {
          directory,
          user,
          resource: resource.accessPath,
        });
      });
      const bytes = TEXT_ENCODER.encode(
        json
          ? renderListingJson(listing.segments, entries)
          : renderListingHtml(listing.segments, entries),
      );
      const headers = new Headers(listingHeaders(json, bytes.byteLength));
      headers.set(HEADER.CACHE_CONTROL, "private, no-cache");
      headers.set(HEADER.VARY, "Accept, Authorization, Cookie");
      return new Response(request.method === "HEAD" ? null : bytes, {
        status: STATUS.OK,
        headers,
      });
    }
    const template = json
      ? listing.json ??= toListingTemplate(
        true,
        renderListingJson(listing.segments, listing.entries),
      )
      : listing.html ??= toListingTemplate(
        false,
        renderListingHtml(listing.segments, listing.entries),
      );
    return template.respond(request.method);
  }

  return async function serveFile(request: Request, context: RequestContext): Promise<Response> {
    try {
      const method = request.method;
      if (method !== "GET" && method !== "HEAD") return respondToOtherMethod(method);
      const key = context.url.pathname;
      if (cache !== undefined) {
        let hit = cache.get<CachedValue>(key);
        if (hit instanceof Promise) hit = await hit;
        if (hit !== undefined) {
          return hit.kind === "file"
            ? await answerRecord(request, context, hit)
            : answerListing(request, context, hit);
        }
        if (cache.isKnownMissing(key)) return await respondMissing(request, context);
      }
      const epoch = cache?.epoch ?? 0;
      const decoded = requirePath(context);
      const target = await resolveFresh(key, decoded.segments, epoch);
      if (target.kind === "not-found") return await respondMissing(request, context);
      const isDirectory = target.kind === "directory";
      if (decoded.trailingSlash !== isDirectory && decoded.segments.length > 0) {
        // Not even a redirect tells a caller that a file it may not read exists.
        const denied = admit(request, context, resourceAt(options.root, target.path, isDirectory));
        if (denied !== null) return denied;
        return redirectToCanonical(decoded.segments, isDirectory, context.url.search);
      }
      if (isDirectory) {
        return await respondWithDirectory(request, key, decoded.segments, target, epoch, context);
      }
      // Checked before the file is read, not only once its record is built.
      const denied = admit(request, context, resourceAt(options.root, target.path, false));
      if (denied !== null) return denied;
      const record = await storeRecord(key, target, decoded.segments, {
        directories: [],
        epoch,
        cacheable: true,
      });
      return await respondWithRecord(request, record);
    } catch (error) {
      // The file went away between its check and the read (deleted or
      // renamed meanwhile): that is a 404, not a server error.
      if (error instanceof Deno.errors.NotFound) return await respondNotFound(request, context);
      throw error;
    }
  };
}

/** OPTIONS → 204 with Allow; anything else but GET/HEAD → 405 (RFC 9110 §15.5.6). */
function respondToOtherMethod(method: string): Response {
  if (method === "OPTIONS") {
    return new Response(null, {
      status: STATUS.NO_CONTENT,
      headers: { [HEADER.ALLOW]: ALLOW_STATIC },
    });
  }
  throw new HttpError(STATUS.METHOD_NOT_ALLOWED, `Method ${method} is not allowed here`, {
    headers: { [HEADER.ALLOW]: ALLOW_STATIC },
  });
}

/** 304 keeps the validators and caching headers of the 200 it stands for (RFC 9110 §15.4.5). */
function notModifiedHeaders(record: FileRecord, etag: string): Record<string, string> {
  const headers: Record<string, string> = {
    [HEADER.ETAG]: etag,
    [HEADER.CACHE_CONTROL]: record.cacheControl,
  };
  if (record.vary) headers[HEADER.VARY] = "Accept-Encoding";
  return headers;
}

/** Headers of a custom error page: no validators, and revalidated on every use. */
function errorPageHeaders(record: FileRecord): Record<string, string> {
  const headers: Record<string, string> = {
    [HEADER.CONTENT_TYPE]: record.contentType,
    [HEADER.CACHE_CONTROL]: "no-cache",
    [HEADER.CONTENT_LENGTH]: String(record.identity.size),
  };
  if (record.vary) headers[HEADER.VARY] = "Accept-Encoding";
  return headers;
}

/** All headers of a 200 for `representation`, built once per representation. */
function fullHeaders(record: FileRecord, representation: Representation): Record<string, string> {
  const headers: Record<string, string> = Object.fromEntries(record.baseHeaders);
  headers[HEADER.ETAG] = representation.etag;
  if (representation.encoding !== IDENTITY) {
    headers[HEADER.CONTENT_ENCODING] = representation.encoding;
  }
  headers[HEADER.CONTENT_LENGTH] = String(representation.size);
  return headers;
}

/** A stream of one in-memory chunk (a multipart part of a cached file). */
function singleChunkStream(bytes: Bytes): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}

/** Headers of an HTML or JSON listing of `length` bytes. */
function listingHeaders(json: boolean, length: number): Record<string, string> {
  return {
    [HEADER.CONTENT_TYPE]: json ? "application/json; charset=utf-8" : "text/html; charset=utf-8",
    [HEADER.CONTENT_LENGTH]: String(length),
    [HEADER.CACHE_CONTROL]: "no-cache",
    [HEADER.VARY]: "Accept",
  };
}

/** A rendered listing's answer, built once for every visitor. */
function toListingTemplate(json: boolean, text: string): ResponseTemplate {
  const bytes = TEXT_ENCODER.encode(text);
  return new ResponseTemplate(bytes, {
    status: STATUS.OK,
    headers: listingHeaders(json, bytes.byteLength),
  });
}

/** A 301 to the path rebuilt from `segments` (never the raw one), keeping the query. */
function redirectToCanonical(
  segments: readonly string[],
  trailingSlash: boolean,
  search: string,
): Response {
  return createRedirect(buildLocalPath(segments, trailingSlash) + search, STATUS.MOVED_PERMANENTLY);
}

const TEXT_ENCODER = new TextEncoder();
