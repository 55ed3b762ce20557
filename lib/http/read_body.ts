/**
 * @module
 * Reading a small request body with a hard size cap, so a form or JSON
 * endpoint never buffers more than it allows, whatever Content-Length says.
 */

import { HttpError } from "../errors.ts";
import { HEADER, STATUS } from "./constants.ts";

/** Options for {@linkcode readBodyText}. */
export interface ReadBodyOptions {
  /** Time allowed for the whole body to arrive, in ms (408 after it). */
  timeoutMs?: number;
}

/** Default time allowed for a small body to arrive. */
const DEFAULT_BODY_TIMEOUT_MS = 10_000;

/**
 * Reads the whole body as UTF-8 text, failing with 413 as soon as it passes
 * `maxBytes` (declared or actual), with 408 when it arrives too slowly
 * (slow-client protection) and with 400 when it is not UTF-8.
 */
export async function readBodyText(
  request: Request,
  maxBytes: number,
  options: ReadBodyOptions = {},
): Promise<string> {
  const tooLarge = () =>
    new HttpError(STATUS.CONTENT_TOO_LARGE, `The request body is larger than ${maxBytes} bytes`);
  const declared = request.headers.get(HEADER.CONTENT_LENGTH);
  if (declared !== null && Number(declared) > maxBytes) {
    await request.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  if (request.body === null) return "";
  const reader = request.body.getReader();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    reader.cancel().catch(() => {});
  }, options.timeoutMs ?? DEFAULT_BODY_TIMEOUT_MS);
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (true) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (timedOut) throw slow(error);
        throw new HttpError(STATUS.BAD_REQUEST, "The request body could not be read", {
          cause: error,
        });
      }
      if (timedOut) throw slow();
      const { value, done } = chunk;
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(value);
    }
  } finally {
    clearTimeout(timer);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch (error) {
    throw new HttpError(STATUS.BAD_REQUEST, "The request body is not valid UTF-8", {
      cause: error,
    });
  }
}

function slow(cause?: unknown): HttpError {
  return new HttpError(STATUS.REQUEST_TIMEOUT, "The request body took too long to arrive", {
    cause,
  });
}
