/**
 * @module
 * Builds what the file core knows about a file, once: a {@linkcode FileRecord}
 * with its content type, caching policy, validators and every header of its
 * answers computed at construction, plus one {@linkcode Representation} per
 * coding (identity, each precompressed sibling; on-the-fly ones are added by
 * encode_on_the_fly.ts). Nothing is finished later by a caller: a
 * representation carries its final 200 headers, its 200 template when its
 * body is in memory, and its 304 template.
 */

import { join } from "node:path";
import type { FileInfo, FileSystem } from "../fs/types.ts";
import { contentTypeFor, isCompressibleType } from "../fs/media_type.ts";
import { HEADER, STATUS } from "../http/constants.ts";
import { computeEtag } from "../http/etag.ts";
import type { BaseHeaders } from "../http/base_headers.ts";
import { formatHttpDate } from "../http/http_date.ts";
import { ResponseTemplate } from "../http/response_template.ts";
import { cacheControlFor, type CacheControlPolicy } from "./cache_control.ts";
import {
  encodedEtag,
  type Encoding,
  ENCODING_PREFERENCE,
  forbidsTransform,
  ON_THE_FLY_ENCODINGS,
  SIBLING_SUFFIX,
} from "./compression.ts";
import { type CacheValidator, toValidator } from "./freshness.ts";
import { type Resource, resourceAt } from "./resource.ts";
import type { SiteResolver } from "./resolver.ts";

/** Bytes held in memory and handed to `Response` as they are. */
export type Bytes = Uint8Array<ArrayBuffer>;

/** A body sent whole with fixed headers: a representation's 200, or an error page. */
export interface WholeAnswer {
  /** Real path of the bytes on disk, streamed when `body` is null. */
  readonly path: string;
  /** Size in bytes. */
  readonly size: number;
  /** The bytes when held in memory, else null. */
  readonly body: Bytes | null;
  /** Every header of the answer (a plain object is Deno's cheapest init). */
  readonly headers: Readonly<Record<string, string>>;
  /** The answer built once, when the body is in memory (or empty); null when streamed. */
  readonly ok: ResponseTemplate | null;
}

/** One representation of a file: identity or one content coding. */
export interface Representation extends WholeAnswer {
  /** The coding, or null for identity. */
  readonly encoding: Encoding | null;
  /** Its own strong ETag (encoded ones carry a `-<coding>` suffix). */
  readonly etag: string;
  /** Its 304 (RFC 9110 §15.4.5), built once. */
  readonly notModified: ResponseTemplate;
}

/** What one representation is made of, before its headers are worked out. */
export interface RepresentationInit {
  /** The coding, or null for identity. */
  encoding: Encoding | null;
  /** Real path of the bytes on disk. */
  path: string;
  /** Size in bytes of these bytes. */
  size: number;
  /** Their strong ETag. */
  etag: string;
  /** The bytes when held in memory, else null. */
  body: Bytes | null;
}

/** Everything the core knows about a file URL, as kept in the cache. */
export interface FileRecord {
  /** Tells a file answer from a listing. */
  readonly kind: "file";
  /** Real path of the file. */
  readonly path: string;
  /** Its `stat` when the record was built. */
  readonly info: FileInfo;
  /** What it is relative to the root, for access and header rules. */
  readonly resource: Resource | null;
  /**
   * For an index page cached under its directory's URL: the directory, which
   * the guard checks too on every hit (a rule may name the directory only).
   */
  readonly container: Resource | null;
  /** Its `Content-Type` (by name, from mime-db). */
  readonly contentType: string;
  /** Its `Cache-Control` value. */
  readonly cacheControl: string;
  /** Whether its answers vary on `Accept-Encoding` (the type is compressible). */
  readonly vary: boolean;
  /** Headers every 200/206 of the file shares (no ETag, coding or length). */
  readonly shared: Readonly<Record<string, string>>;
  /** The base headers its answers start from. */
  readonly base: BaseHeaders;
  /** The file's own bytes. */
  readonly identity: Representation;
  /** Codings that may be offered, in server preference order. */
  readonly available: readonly Encoding[];
  /** `available` joined with commas: the negotiation's memo key. */
  readonly availableKey: string;
  /**
   * Encoded representations made so far: siblings up front, on-the-fly ones
   * as they are made (a promise while one is being made, see encode_on_the_fly.ts).
   */
  readonly encoded: Map<Encoding, Representation | Promise<Representation | null>>;
  /** Its cache key, so on-the-fly variants can grow the entry; null when not cached. */
  readonly key: string | null;
}

/** Settings {@linkcode buildFileRecord} needs, fixed at startup. */
export interface RecordSettings {
  /** Where bodies are read from. */
  fs: FileSystem;
  /** Real absolute path of the root. */
  root: string;
  /** Resolves precompressed siblings exactly as a request for them would be. */
  resolver: SiteResolver;
  /** Picks `Cache-Control` by file name. */
  cacheControl: CacheControlPolicy;
  /** Headers every answer starts from. */
  base: BaseHeaders;
  /** Largest body read into memory (0: none). */
  maxBodyBytes: number;
  /** Content codings, null for identity only. */
  compression: { precompressed: boolean; onTheFly: boolean; minBytes: number } | null;
  /** Largest file compressed on the fly. */
  onTheFlyMaxBytes: number;
}

/** A built record with what caching it needs. */
export interface BuiltRecord {
  /** The record itself. */
  record: FileRecord;
  /** Bytes held in memory (bodies of identity and siblings). */
  bytes: number;
  /** What a hit must find unchanged: the file, then each sibling used. */
  validators: CacheValidator[];
  /** Paths whose change drops it (the watcher). */
  files: string[];
}

/** Builds a representation with its 200 headers, its 200 template (body in memory) and its 304. */
export function createRepresentation(
  record: Pick<FileRecord, "shared" | "base" | "cacheControl" | "vary">,
  init: RepresentationInit,
): Representation {
  const headers: Record<string, string> = { ...record.base, ...record.shared };
  headers[HEADER.ETAG] = init.etag;
  if (init.encoding !== null) headers[HEADER.CONTENT_ENCODING] = init.encoding;
  headers[HEADER.CONTENT_LENGTH] = String(init.size);
  const notModifiedHeaders: Record<string, string> = {
    ...record.base,
    [HEADER.ETAG]: init.etag,
    [HEADER.CACHE_CONTROL]: record.cacheControl,
  };
  if (record.vary) notModifiedHeaders[HEADER.VARY] = "Accept-Encoding";
  return {
    ...init,
    headers,
    ok: inMemory(init) ? new ResponseTemplate(init.body, { status: STATUS.OK, headers }) : null,
    notModified: new ResponseTemplate(null, {
      status: STATUS.NOT_MODIFIED,
      headers: notModifiedHeaders,
    }),
  };
}

/** The record's identity bytes as a custom error page: no validators, revalidated on every use. */
export function createErrorPage(record: FileRecord, status: number): WholeAnswer {
  const { identity } = record;
  const headers: Record<string, string> = {
    ...record.base,
    [HEADER.CONTENT_TYPE]: record.contentType,
    [HEADER.CACHE_CONTROL]: "no-cache",
    [HEADER.CONTENT_LENGTH]: String(identity.size),
  };
  if (record.vary) headers[HEADER.VARY] = "Accept-Encoding";
  return {
    path: identity.path,
    size: identity.size,
    body: identity.body,
    headers,
    ok: inMemory(identity) ? new ResponseTemplate(identity.body, { status, headers }) : null,
  };
}

/**
 * Works out the record for a resolved file reached by URL `segments`:
 * headers, validators, precompressed siblings and, when small enough, the
 * bodies. `key` is where it will be cached (null: it will not be).
 */
export async function buildFileRecord(
  file: { path: string; info: FileInfo },
  segments: readonly string[],
  settings: RecordSettings,
  placement: { key: string | null; container: Resource | null },
): Promise<BuiltRecord> {
  const { info } = file;
  const { compression, maxBodyBytes } = settings;
  const name = file.path.slice(file.path.lastIndexOf("/") + 1);
  const contentType = contentTypeFor(name);
  const cacheControl = cacheControlFor(name, settings.cacheControl);
  const compressible = isCompressibleType(contentType);
  const shared: Record<string, string> = {
    [HEADER.CONTENT_TYPE]: contentType,
    [HEADER.CACHE_CONTROL]: cacheControl,
    [HEADER.ACCEPT_RANGES]: "bytes",
  };
  if (info.mtimeMs !== null) shared[HEADER.LAST_MODIFIED] = formatHttpDate(info.mtimeMs);
  if (compressible) shared[HEADER.VARY] = "Accept-Encoding";
  const headerSource = { shared, base: settings.base, cacheControl, vary: compressible };

  const joined = join(settings.root, ...segments);
  const validators = [toValidator(joined, info)];
  const files = [joined, file.path];
  const body = await readSmallBody(settings.fs, file, maxBodyBytes);
  let bytes = body?.byteLength ?? 0;
  const identity = createRepresentation(headerSource, {
    encoding: null,
    path: file.path,
    size: body?.byteLength ?? info.size,
    etag: computeEtag(info),
    body: body === null || body.byteLength === info.size ? body : null,
  });

  const encoded = new Map<Encoding, Representation>();
  const available: Encoding[] = [];
  if (compression !== null && compressible && !forbidsTransform(cacheControl)) {
    for (const encoding of ENCODING_PREFERENCE) {
      const suffix = SIBLING_SUFFIX[encoding];
      files.push(joined + suffix, file.path + suffix);
      if (!compression.precompressed || segments.length === 0) continue;
      const siblingSegments = [...segments.slice(0, -1), segments.at(-1) + suffix];
      const sibling = await settings.resolver.resolve(siblingSegments);
      // SECURITY: a sibling stands for the file only when it lies beside the
      // file's real path under the same name; `pub/x.txt.gz -> ../admin/y.gz`
      // would otherwise serve a protected file as x.txt's gzip coding.
      if (sibling.kind !== "file" || sibling.path !== file.path + suffix) continue;
      validators.push(toValidator(join(settings.root, ...siblingSegments), sibling.info));
      const siblingBody = await readSmallBody(settings.fs, sibling, maxBodyBytes);
      bytes += siblingBody?.byteLength ?? 0;
      encoded.set(
        encoding,
        createRepresentation(headerSource, {
          encoding,
          path: sibling.path,
          size: siblingBody?.byteLength ?? sibling.info.size,
          etag: encodedEtag(computeEtag(sibling.info), encoding),
          body: siblingBody?.byteLength === sibling.info.size ? siblingBody : null,
        }),
      );
      available.push(encoding);
    }
    if (
      compression.onTheFly && info.size >= compression.minBytes &&
      info.size <= settings.onTheFlyMaxBytes
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
    resource: resourceAt(settings.root, file.path, false),
    container: placement.container,
    contentType,
    cacheControl,
    vary: compressible,
    shared,
    base: settings.base,
    identity,
    available,
    availableKey: available.join(","),
    encoded,
    key: placement.key,
  };
  return { record, bytes, validators, files };
}

/** Whether a representation's whole answer can be built once: its body is in memory, or empty. */
function inMemory(init: { body: Bytes | null; size: number }): boolean {
  return init.body !== null || init.size === 0;
}

/** The file's bytes when it is non-empty and at most `maxBytes`, else null (streamed later). */
async function readSmallBody(
  fs: FileSystem,
  file: { path: string; info: FileInfo },
  maxBytes: number,
): Promise<Bytes | null> {
  if (file.info.size > maxBytes || file.info.size === 0) return null;
  return await fs.readFile(file.path) as Bytes;
}
