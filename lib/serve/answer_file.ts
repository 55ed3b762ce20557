/**
 * @module
 * Answers one GET or HEAD for a file whose record is built, top to bottom
 * like Go's `serveContent`: select the representation (RFC 9110 §12.5.3) →
 * evaluate preconditions (§13.2.2: 304, 412) → honour a Range (§14: 206,
 * multipart, 416) → send the whole representation. Everything that can be is
 * precomputed on the record, so a cached small file costs a template clone.
 */

import type { FileSystem } from "../fs/types.ts";
import { HttpError } from "../errors.ts";
import { createMultipartBody } from "../http/byteranges.ts";
import { HEADER, STATUS } from "../http/constants.ts";
import {
  type ConditionalHeaders,
  evaluatePreconditions,
  NO_CONDITIONS,
  readConditionalHeaders,
} from "../http/preconditions.ts";
import { formatContentRange, formatUnsatisfiedRange, parseRange } from "../http/range.ts";
import type { Encoding, OnTheFlyEncoding } from "./compression.ts";
import type { OnTheFlyEncoder } from "./encode_on_the_fly.ts";
import { readFileRange, SMALL_RANGE_BYTES, streamFileRange } from "./file_body.ts";
import type { Bytes, FileRecord, Representation, WholeAnswer } from "./representation.ts";

/** Answers a request from a file record. */
export type FileAnswerer = (request: Request, record: FileRecord) => Response | Promise<Response>;

/** Options for {@linkcode createFileAnswerer}. */
export interface FileAnswererOptions {
  /** Where bodies not held in memory are read from. */
  fs: FileSystem;
  /** Picks a coding among the available ones for an `Accept-Encoding` value (null: identity). */
  pickEncoding: (
    acceptEncoding: string | null,
    available: readonly Encoding[],
    availableKey: string,
  ) => Encoding | null;
  /** Makes on-the-fly variants (never called for a record that offers none). */
  encode: OnTheFlyEncoder;
}

/**
 * Builds `answerFile`. It returns a plain Response whenever it can: on the
 * hot path an extra await costs more than the work it would wrap.
 */
export function createFileAnswerer(options: FileAnswererOptions): FileAnswerer {
  const { fs, pickEncoding, encode } = options;

  /** The representation to send: identity for ranges, else the negotiated coding. */
  function select(
    request: Request,
    record: FileRecord,
    ranged: boolean,
  ): Representation | Promise<Representation> {
    if (record.available.length === 0 || ranged) return record.identity;
    const encoding = pickEncoding(
      request.headers.get(HEADER.ACCEPT_ENCODING),
      record.available,
      record.availableKey,
    );
    if (encoding === null) return record.identity;
    const known = record.encoded.get(encoding);
    // Siblings are on the record from the start and never leave it, so a
    // coding without an entry is one berth makes itself (gzip or br).
    if (known === undefined) return encode(record, encoding as OnTheFlyEncoding);
    return known instanceof Promise ? known.then((made) => made ?? record.identity) : known;
  }

  /** Preconditions, then a range or the whole representation. */
  function answerWith(
    request: Request,
    record: FileRecord,
    representation: Representation,
    conditions: ConditionalHeaders,
  ): Response | Promise<Response> {
    const method = request.method;
    // NO_CONDITIONS also means there is no Range header, so nothing to honour.
    if (conditions !== NO_CONDITIONS) {
      const verdict = evaluatePreconditions(method, conditions, {
        etag: representation.etag,
        lastModifiedMs: record.info.mtimeMs,
      });
      if (verdict.kind === "not-modified") return representation.notModified.respond(method);
      if (verdict.kind === "precondition-failed") {
        throw new HttpError(
          STATUS.PRECONDITION_FAILED,
          "The resource does not match the request's preconditions",
          { headers: { [HEADER.ETAG]: representation.etag } },
        );
      }
      if (verdict.honourRange && isRanged(method, conditions)) return answerRange(request, record);
    }
    return sendWhole(fs, request, representation, STATUS.OK);
  }

  /** A Range request's 206 (single or multipart), 416, or 200 when the ranges cover the file. */
  function answerRange(request: Request, record: FileRecord): Response | Promise<Response> {
    const { identity } = record;
    const size = identity.size;
    const range = parseRange(request.headers.get(HEADER.RANGE), size);
    if (range.kind === "unsatisfiable") {
      throw new HttpError(STATUS.RANGE_NOT_SATISFIABLE, "The requested range is outside the file", {
        headers: { [HEADER.CONTENT_RANGE]: formatUnsatisfiedRange(size) },
      });
    }
    if (range.kind === "full") return sendWhole(fs, request, identity, STATUS.OK);
    if (range.ranges.length === 1) return answerSingleRange(request, record, range.ranges[0]);
    const multipart = createMultipartBody({
      ranges: range.ranges,
      size: record.info.size,
      contentType: record.contentType,
      readRange: async (part) =>
        identity.body !== null
          ? singleChunkStream(identity.body.subarray(part.start, part.end + 1))
          : streamFileRange(await fs.open(record.path), part),
    });
    // Spread into a fresh record: Deno takes a plain object faster than Headers plus set().
    const headers = {
      ...identity.headers,
      [HEADER.CONTENT_TYPE]: multipart.contentType,
      [HEADER.CONTENT_LENGTH]: String(multipart.contentLength),
    };
    return new Response(multipart.body, { status: STATUS.PARTIAL_CONTENT, headers });
  }

  /** One range's 206: from memory, read at once when small, else streamed. */
  async function answerSingleRange(
    request: Request,
    record: FileRecord,
    only: { start: number; end: number },
  ): Promise<Response> {
    const { identity } = record;
    const length = only.end - only.start + 1;
    const headers = {
      ...identity.headers,
      [HEADER.CONTENT_RANGE]: formatContentRange(only, identity.size),
      [HEADER.CONTENT_LENGTH]: String(length),
    };
    let body: Bytes | ReadableStream<Uint8Array> | null;
    if (identity.body !== null) {
      body = identity.body.subarray(only.start, only.end + 1);
    } else if (request.method === "HEAD") {
      body = null;
    } else if (length <= SMALL_RANGE_BYTES) {
      // PERF: blocking reads, like nginx's: at most 64 KiB, usually from the
      // page cache, several times cheaper than async open/seek/read; a slow
      // or network disk stalls the isolate meanwhile.
      body = fs.readRangeSync !== undefined
        ? fs.readRangeSync(record.path, only.start, length, record.info.ino)
        : await readFileRange(await fs.open(record.path), only);
      if (body === null) {
        throw new HttpError(STATUS.SERVICE_UNAVAILABLE, "The file changed while it was read");
      }
    } else {
      body = streamFileRange(await fs.open(record.path), only);
    }
    return new Response(body, { status: STATUS.PARTIAL_CONTENT, headers });
  }

  return function answerFile(request, record) {
    const conditions = readConditionalHeaders(request.headers);
    const selected = select(request, record, isRanged(request.method, conditions));
    return selected instanceof Promise
      ? selected.then((representation) => answerWith(request, record, representation, conditions))
      : answerWith(request, record, selected, conditions);
  };
}

/**
 * Whether a request asks for byte ranges: a non-blank `Range` on a GET
 * (RFC 9110 §14.2: only GET has range semantics; HEAD gets the whole's headers).
 */
function isRanged(method: string, conditions: ConditionalHeaders): boolean {
  return conditions.hasRange && method === "GET";
}

/**
 * Sends all of `answer` with `status`: from its template when the body is in
 * memory or empty, else streamed from disk (nothing is opened for HEAD).
 */
export function sendWhole(
  fs: FileSystem,
  request: Request,
  answer: WholeAnswer,
  status: number,
): Response | Promise<Response> {
  if (answer.ok !== null) return answer.ok.respond(request.method);
  if (request.method === "HEAD") return new Response(null, { status, headers: answer.headers });
  // The stream closes the file when it ends or is cancelled.
  return fs.open(answer.path).then((file) =>
    new Response(file.readable, { status, headers: answer.headers })
  );
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
