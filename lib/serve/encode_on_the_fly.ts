/**
 * @module
 * gzip and brotli variants of a file made when first asked for (no
 * precompressed sibling exists): made once per record, shared by the
 * requests that wait for it, kept on the record while the cache has room,
 * and remembered as "identity" when compressing does not pay off.
 */

import type { FileSystem } from "../fs/types.ts";
import {
  compressBytes,
  type CompressOptions,
  encodedEtag,
  type OnTheFlyEncoding,
} from "./compression.ts";
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
}

/** What one compression produced: what to send now, and whether it may stay on the record. */
interface Made {
  made: Representation | null;
  keep: boolean;
}

/** Builds the encoder. */
export function createOnTheFlyEncoder(options: OnTheFlyEncoderOptions): OnTheFlyEncoder {
  const { fs, compression } = options;

  /**
   * Compresses the identity bytes once. An incompressible file keeps
   * "identity" so it is not compressed again; a variant the cache has no
   * room for is sent once and not kept.
   */
  async function compress(record: FileRecord, encoding: OnTheFlyEncoding): Promise<Made> {
    let source: Uint8Array | null = record.identity.body;
    if (source === null) {
      source = await fs.readFile(record.path);
      if (source.byteLength !== record.info.size) return { made: null, keep: false };
    }
    const body = await compressBytes(source, encoding, compression);
    if (body.byteLength >= source.byteLength) return { made: null, keep: true };
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
