/**
 * @module
 * Content codings for file responses (RFC 9110 §8.4): which codings berth
 * knows, where their precompressed siblings live (`app.js.br`), how an
 * `Accept-Encoding` value picks one (memoized, since browsers send a handful
 * of distinct values), and on-the-fly gzip/brotli through node:zlib.
 */

import { promisify } from "node:util";
import { chooseEncoding } from "../http/accept.ts";
import { type BoundedMap, createBoundedMap } from "../util/bounded_map.ts";

/** A content coding berth can send. */
export type Encoding = "br" | "zstd" | "gzip";

/** Server preference when the client weighs codings equally: br > zstd > gzip. */
export const ENCODING_PREFERENCE: readonly Encoding[] = ["br", "zstd", "gzip"];

/** File name suffix of a precompressed sibling per coding (the list in http/encoded_sibling.ts). */
export const SIBLING_SUFFIX: Readonly<Record<Encoding, string>> = {
  br: ".br",
  zstd: ".zst",
  gzip: ".gz",
};

/** A coding berth can produce itself. */
export type OnTheFlyEncoding = "br" | "gzip";

/** Codings berth can produce itself. */
export const ON_THE_FLY_ENCODINGS: readonly OnTheFlyEncoding[] = ["br", "gzip"];

/** Options for {@linkcode compressBytes}. */
export interface CompressOptions {
  /** gzip level 1..9. */
  gzipLevel: number;
  /** Brotli quality 0..11. */
  brotliLevel: number;
}

/** `Cache-Control: no-transform` (RFC 9111 §5.2.2.6) forbids changing the coding. */
const NO_TRANSFORM_REGEXP = /(?:^|,)\s*no-transform\s*(?:,|$)/i;
/** Distinct `Accept-Encoding` values remembered per set of available codings. */
const MAX_MEMO_ENTRIES = 512;

/** node:zlib, loaded on first use: importing it eagerly adds ~40 ms to startup. */
let zlibPromise: Promise<typeof import("node:zlib")> | null = null;

/** Reports whether a Cache-Control value carries `no-transform`. */
export function forbidsTransform(cacheControl: string): boolean {
  return NO_TRANSFORM_REGEXP.test(cacheControl);
}

/** Reports whether operator headers carry `Cache-Control: no-transform` (no re-encoding then). */
export function forbidsTransformGlobally(headers: Readonly<Record<string, string>>): boolean {
  return Object.entries(headers).some(([name, value]) =>
    name.toLowerCase() === "cache-control" && forbidsTransform(value)
  );
}

/** The ETag of an encoded representation: the identity tag with `-<coding>` inside the quotes. */
export function encodedEtag(etag: string, encoding: Encoding): string {
  return `${etag.slice(0, -1)}-${encoding}"`;
}

/**
 * Picks the coding for `acceptEncoding` among `available` (a subset of
 * {@linkcode ENCODING_PREFERENCE}, in that order); null means identity.
 * Results are memoized per set of available codings, then per header value,
 * bounded. The set's key is `available.join(",")`; callers that negotiate
 * the same set often pass it as `availableKey`, worked out once.
 */
export function createEncodingChooser(): (
  acceptEncoding: string | null,
  available: readonly Encoding[],
  availableKey?: string,
) => Encoding | null {
  // At most one memo per subset of the three codings, so this map stays tiny.
  const memos = new Map<string, BoundedMap<string, Encoding | null>>();
  return function pickEncoding(acceptEncoding, available, availableKey = available.join(",")) {
    if (acceptEncoding === null || available.length === 0) return null;
    let memo = memos.get(availableKey);
    if (memo === undefined) {
      // Policy: at most MAX_MEMO_ENTRIES header values, the oldest stored out first
      // (reads leave the order alone: a hit costs one lookup).
      memo = createBoundedMap({ maxEntries: MAX_MEMO_ENTRIES, touchOnGet: false });
      memos.set(availableKey, memo);
    }
    const known = memo.get(acceptEncoding);
    if (known !== undefined) return known;
    const chosen = chooseEncoding(acceptEncoding, available) as Encoding | null;
    memo.set(acceptEncoding, chosen);
    return chosen;
  };
}

/** Compresses `bytes` with gzip or brotli off the main thread (zlib's thread pool). */
export async function compressBytes(
  bytes: Uint8Array,
  encoding: OnTheFlyEncoding,
  options: CompressOptions,
): Promise<Uint8Array<ArrayBuffer>> {
  const zlib = await (zlibPromise ??= import("node:zlib"));
  const ZLIB = zlib.constants;
  const output = encoding === "gzip"
    ? await promisify(zlib.gzip)(bytes, { level: options.gzipLevel })
    : await promisify(zlib.brotliCompress)(bytes, {
      params: {
        [ZLIB.BROTLI_PARAM_QUALITY]: options.brotliLevel,
        [ZLIB.BROTLI_PARAM_SIZE_HINT]: bytes.byteLength,
        [ZLIB.BROTLI_PARAM_MODE]: ZLIB.BROTLI_MODE_TEXT,
      },
    });
  return new Uint8Array(output.buffer as ArrayBuffer, output.byteOffset, output.byteLength);
}
