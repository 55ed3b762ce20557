/**
 * @module
 * Response bodies for byte ranges of an open file: streamed in bounded chunks
 * so a range never pulls more than it sends, or, when small, read at once.
 * (A whole file is sent as the handle's own `readable`, Deno's fastest path.)
 */

import type { OpenFile } from "../fs/types.ts";
import type { ByteRange } from "../http/range.ts";

/** Largest chunk a range stream reads at once. */
const CHUNK_BYTES = 64 * 1024;

/**
 * Streams bytes `range.start..range.end` (inclusive) of `file`, then closes it.
 * A client that goes away cancels the stream, which closes the file too.
 */
export function streamFileRange(file: OpenFile, range: ByteRange): ReadableStream<Uint8Array> {
  let remaining = range.end - range.start + 1;
  let closed = false;
  const closeFile = () => {
    if (closed) return;
    closed = true;
    file.close();
  };
  return new ReadableStream<Uint8Array>({
    async start() {
      try {
        await file.seek(range.start, Deno.SeekMode.Start);
      } catch (error) {
        closeFile();
        throw error;
      }
    },
    async pull(controller) {
      const buffer = new Uint8Array(Math.min(CHUNK_BYTES, remaining));
      const read = await file.read(buffer);
      if (read === null || read === 0) {
        // The file shrank after it was stat'ed: end early; the transport
        // cuts the response because Content-Length is not met.
        closeFile();
        controller.error(new Error("File ended before the requested range"));
        return;
      }
      remaining -= read;
      controller.enqueue(buffer.subarray(0, read));
      if (remaining === 0) {
        closeFile();
        controller.close();
      }
    },
    cancel() {
      closeFile();
    },
  }, { highWaterMark: 0 });
}

/** Ranges up to this size are read into memory in one go instead of streamed. */
export const SMALL_RANGE_BYTES = 64 * 1024;

/**
 * Reads bytes `range.start..range.end` (inclusive) of `file` into memory and
 * closes it: for small ranges this is one seek and one read, with none of a
 * stream's per-chunk machinery. Resolves to null when the file turned out
 * shorter than the range (it changed after it was stat'ed).
 */
export async function readFileRange(
  file: OpenFile,
  range: ByteRange,
): Promise<Uint8Array<ArrayBuffer> | null> {
  try {
    const buffer = new Uint8Array(range.end - range.start + 1);
    await file.seek(range.start, Deno.SeekMode.Start);
    let filled = 0;
    while (filled < buffer.byteLength) {
      const read = await file.read(buffer.subarray(filled));
      if (read === null || read === 0) return null;
      filled += read;
    }
    return buffer;
  } finally {
    file.close();
  }
}
