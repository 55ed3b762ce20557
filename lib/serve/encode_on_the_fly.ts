/**
 * @module
 * gzip and brotli variants of a file made when first asked for (no
 * precompressed sibling exists): made once per version of the file, shared by
 * the requests that wait for it, kept on the record while the cache has room,
 * and remembered as "identity" when compressing does not pay off.
 *
 * Besides the record (which lives only as long as its hot-file cache entry,
 * and not at all with the cache off), the encoder keeps a small variant
 * cache of its own, bounded by bytes and keyed by the file's identity (path,
 * size, mtime, inode) and the coding: a record built again for an unchanged
 * file (cache off, or its entry evicted) takes the bytes already made, and a
 * changed file has another key, so it is compressed afresh.
 */

import type { FileSystem } from "../fs/types.ts";
import { createBoundedMap } from "../util/bounded_map.ts";
import {
  compressBytes,
  type CompressOptions,
  encodedEtag,
  type OnTheFlyEncoding,
} from "./compression.ts";
import { changedRecently, toValidator } from "./freshness.ts";
import { createRepresentation, type FileRecord, type Representation } from "./representation.ts";

/** Makes the `encoding` variant of `record`, or answers with its identity. */
export type OnTheFlyEncoder = (
  record: FileRecord,
  encoding: OnTheFlyEncoding,
) => Promise<Representation>;

/** Options for {@linkcode createOnTheFlyEncoder}. */
export interface OnTheFlyEncoderOptions {
  /** Where the identity bytes are read from when they are not in memory. */
  fs: FileSystem;
  /** Compression levels. */
  compression: CompressOptions;
  /** Grows the record's cache entry by a kept variant's bytes; false when it does not fit. */
  grow(key: string, bytes: number): boolean;
  /** Bytes the variant cache may hold (default {@linkcode DEFAULT_VARIANT_CACHE_BYTES}). */
  maxVariantBytes?: number;
  /** The compressor; {@linkcode compressBytes} unless a test counts the calls. */
  compress?: typeof compressBytes;
}

/** Default bound of the variant cache: 16 MiB of compressed bytes (per isolate). */
export const DEFAULT_VARIANT_CACHE_BYTES = 16 * 1024 * 1024;
/** Bookkeeping bytes counted per variant on top of its body (and for an "identity" answer). */
const VARIANT_OVERHEAD_BYTES = 128;

/** What one compression produced: what to send now, and whether it may stay on the record. */
interface Made {
  made: Representation | null;
  keep: boolean;
}

/** Compressed bytes, or null when compressing does not pay off; undefined when it failed. */
type Variant = Uint8Array<ArrayBuffer> | null;

/**
 * The variant cache key of `record`'s file in `encoding`, or null when its
 * version cannot be told apart from the next one (no mtime, or changed too
 * recently, as for the hot-file cache: see freshness.ts).
 */
function variantKey(record: FileRecord, encoding: OnTheFlyEncoding): string | null {
  const { info } = record;
  if (changedRecently(toValidator(record.path, info), Date.now())) return null;
  return `${encoding}\0${info.size}\0${info.mtimeMs}\0${info.ino}\0${record.path}`;
}

/** Builds the encoder. */
export function createOnTheFlyEncoder(options: OnTheFlyEncoderOptions): OnTheFlyEncoder {
  const { fs, compression } = options;
  const compressor = options.compress ?? compressBytes;
  // Policy: at most maxVariantBytes of compressed bodies, least recently used out first;
  // a variant bigger than the whole bound is sent and not kept.
  const variants = createBoundedMap<string, Variant>({
    maxEntries: Infinity,
    maxBytes: options.maxVariantBytes ?? DEFAULT_VARIANT_CACHE_BYTES,
    sizeOf: (variant) => (variant?.byteLength ?? 0) + VARIANT_OVERHEAD_BYTES,
  });
  /** Compressions under way, so concurrent records of one version share one. */
  const making = new Map<string, Promise<Variant | undefined>>();

  /** Compresses the file's bytes; undefined when the file changed under the read. */
  async function makeVariant(
    record: FileRecord,
    encoding: OnTheFlyEncoding,
  ): Promise<Variant | undefined> {
    let source: Uint8Array | null = record.identity.body;
    if (source === null) {
      source = await fs.readFile(record.path);
      if (source.byteLength !== record.info.size) return undefined;
    }
    const body = await compressor(source, encoding, compression);
    return body.byteLength >= source.byteLength ? null : body;
  }

  /** The variant from the variant cache, or made once (and kept there) for this version. */
  async function findVariant(
    record: FileRecord,
    encoding: OnTheFlyEncoding,
  ): Promise<Variant | undefined> {
    const key = variantKey(record, encoding);
    if (key === null) return await makeVariant(record, encoding);
    const known = variants.get(key);
    if (known !== undefined) return known;
    let pending = making.get(key);
    if (pending === undefined) {
      pending = makeVariant(record, encoding);
      making.set(key, pending);
      try {
        const variant = await pending;
        if (variant !== undefined) variants.set(key, variant);
      } finally {
        making.delete(key);
      }
    }
    return await pending;
  }

  /**
   * Compresses the identity bytes once per version. An incompressible file
   * keeps "identity" so it is not compressed again; a variant the cache has
   * no room for is sent once and not kept on the record.
   */
  async function compress(record: FileRecord, encoding: OnTheFlyEncoding): Promise<Made> {
    const body = await findVariant(record, encoding);
    if (body === undefined) return { made: null, keep: false };
    if (body === null) return { made: null, keep: true };
    const made = createRepresentation(record, {
      encoding,
      path: record.path,
      size: body.byteLength,
      etag: encodedEtag(record.identity.etag, encoding),
      body,
    });
    return { made, keep: record.key === null || options.grow(record.key, body.byteLength) };
  }

  /**
   * Concurrent requests share the work through the pending promise on the
   * record; a kept answer replaces it, so later requests take it as it is.
   */
  return async function encodeOnTheFly(record, encoding) {
    const pending = compress(record, encoding).catch((): Made => ({ made: null, keep: false }));
    record.encoded.set(encoding, pending.then((result) => result.made));
    const { made, keep } = await pending;
    if (keep) record.encoded.set(encoding, made ?? record.identity);
    else record.encoded.delete(encoding);
    return made ?? record.identity;
  };
}
