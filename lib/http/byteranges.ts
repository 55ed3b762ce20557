/**
 * @module
 * `multipart/byteranges` bodies for multi-range 206 answers (RFC 9110 §14.6):
 * an exact Content-Length computed up front, and a pull-based stream that
 * opens one part at a time.
 */

import { formatContentRange } from "./range.ts";
import type { ByteRange } from "./range.ts";

/** Options for {@linkcode createMultipartBody}. */
export interface MultipartOptions {
  /** The ranges to send, in order; each must lie within `size`. */
  ranges: ByteRange[];
  /** Complete length of the representation, for each part's `Content-Range`. */
  size: number;
  /** Media type of the representation, sent as each part's `Content-Type`. */
  contentType: string;
  /** Multipart boundary (RFC 2046 §5.1.1 characters, 1–70); defaults to 24 random hex characters. */
  boundary?: string;
  /** Opens a stream of exactly the bytes of one range; called lazily, one part at a time. */
  readRange: (range: ByteRange) => Promise<ReadableStream<Uint8Array>>;
}

/** A ready-to-send multipart/byteranges body. */
export interface MultipartBody {
  /** The body; cancelling it cancels the part stream being read. */
  body: ReadableStream<Uint8Array>;
  /** Exact length of `body` in bytes. */
  contentLength: number;
  /** The response `Content-Type`: `multipart/byteranges; boundary=…`. */
  contentType: string;
}

/** RFC 2046 §5.1.1 `bcharsnospace`, 1 to 70 of them (berth never needs a space). */
const BOUNDARY_REGEXP = /^[0-9A-Za-z'()+_,\-./:=?]{1,70}$/;

/** Boundaries made only of token characters (RFC 9110 §5.6.2) need no quoting. */
const TOKEN_BOUNDARY_REGEXP = /^[0-9A-Za-z'+_\-.]+$/;

/** Bytes of random data in a default boundary (hex-encoded to twice as many characters). */
const BOUNDARY_RANDOM_BYTES = 12;

const ENCODER = new TextEncoder();
/** Copied on each use: a consumer may take ownership of an enqueued chunk. */
const CRLF = ENCODER.encode("\r\n");

/**
 * Builds a multipart/byteranges body (RFC 9110 §14.6). Each part is
 * `--boundary CRLF Content-Type CRLF Content-Range CRLF CRLF <bytes> CRLF`,
 * and the body ends with `--boundary-- CRLF`. The stream errors if a part
 * stream yields more or fewer bytes than its range, since the announced
 * Content-Length would otherwise be wrong. Throws a TypeError for an invalid
 * boundary, a content type containing CR or LF, or a range outside `size`.
 */
export function createMultipartBody(options: MultipartOptions): MultipartBody {
  const { ranges, size, contentType, readRange } = options;
  const boundary = options.boundary ?? createBoundary();
  if (!BOUNDARY_REGEXP.test(boundary)) {
    throw new TypeError(
      `Cannot build multipart body: boundary "${boundary}" is not 1 to 70 RFC 2046 characters`,
    );
  }
  if (/[\r\n]/.test(contentType)) {
    throw new TypeError("Cannot build multipart body: content type contains CR or LF");
  }
  for (const range of ranges) {
    if (!isRangeWithin(range, size)) {
      throw new TypeError(
        `Cannot build multipart body: range "${range.start}-${range.end}" is outside size "${size}"`,
      );
    }
  }

  const headers = ranges.map((range) =>
    ENCODER.encode(
      `--${boundary}\r\nContent-Type: ${contentType}\r\nContent-Range: ${
        formatContentRange(range, size)
      }\r\n\r\n`,
    )
  );
  const closing = ENCODER.encode(`--${boundary}--\r\n`);
  let contentLength = closing.length;
  ranges.forEach((range, index) => {
    contentLength += headers[index].length + rangeLength(range) + CRLF.length;
  });

  let index = 0;
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  let remaining = 0;
  let cancelled = false;

  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      // Each pull must enqueue, close or error, or the waiting read never settles.
      while (!cancelled) {
        if (reader !== null) {
          const { done, value } = await reader.read();
          if (cancelled) return;
          if (done) {
            reader = null;
            if (remaining !== 0) {
              controller.error(new RangeError(`Part stream ended ${remaining} bytes short`));
              return;
            }
            controller.enqueue(CRLF.slice());
            return;
          }
          if (value.length > remaining) {
            const extra = value.length - remaining;
            await cancelReader(new RangeError(`Part stream yielded ${extra} bytes too many`));
            controller.error(new RangeError(`Part stream yielded ${extra} bytes too many`));
            return;
          }
          if (value.length === 0) continue;
          remaining -= value.length;
          controller.enqueue(value);
          return;
        }
        if (index < ranges.length) {
          const range = ranges[index];
          const header = headers[index];
          index++;
          const stream = await readRange(range);
          if (cancelled) {
            await stream.cancel();
            return;
          }
          reader = stream.getReader();
          remaining = rangeLength(range);
          controller.enqueue(header);
          return;
        }
        controller.enqueue(closing);
        controller.close();
        return;
      }
    },
    async cancel(reason) {
      cancelled = true;
      await cancelReader(reason);
    },
  }, { highWaterMark: 0 });

  async function cancelReader(reason: unknown): Promise<void> {
    const current = reader;
    reader = null;
    if (current !== null) await current.cancel(reason);
  }

  const quoted = TOKEN_BOUNDARY_REGEXP.test(boundary) ? boundary : `"${boundary}"`;
  return { body, contentLength, contentType: `multipart/byteranges; boundary=${quoted}` };
}

/** Creates a random boundary of 24 lower-case hex characters. */
function createBoundary(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(BOUNDARY_RANDOM_BYTES));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Number of bytes in an inclusive range. */
function rangeLength(range: ByteRange): number {
  return range.end - range.start + 1;
}

/** Whether a range is a valid, non-empty range of integers inside `[0, size)`. */
function isRangeWithin(range: ByteRange, size: number): boolean {
  return Number.isSafeInteger(range.start) && Number.isSafeInteger(range.end) &&
    range.start >= 0 && range.start <= range.end && range.end < size;
}
