import assert from "node:assert/strict";
import { createMultipartBody, type MultipartOptions } from "../../lib/http/byteranges.ts";
import type { ByteRange } from "../../lib/http/range.ts";

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();
const CONTENT = ENCODER.encode("0123456789abcdefghijklmnopqrstuvwxyz");

/** Streams the content bytes of a range, split into chunks of `chunkSize`. */
function streamRange(range: ByteRange, chunkSize = 4): ReadableStream<Uint8Array> {
  const bytes = CONTENT.slice(range.start, range.end + 1);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + chunkSize));
      offset += chunkSize;
    },
  });
}

function options(overrides: Partial<MultipartOptions>): MultipartOptions {
  return {
    ranges: [{ start: 0, end: 3 }, { start: 10, end: 12 }],
    size: CONTENT.length,
    contentType: "text/plain; charset=utf-8",
    boundary: "BOUNDARY",
    readRange: (range) => Promise.resolve(streamRange(range)),
    ...overrides,
  };
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test("createMultipartBody() writes the exact RFC 9110 §14.6 layout", async () => {
  const multipart = createMultipartBody(options({}));
  const text = DECODER.decode(await readAll(multipart.body));
  assert.equal(
    text,
    "--BOUNDARY\r\n" +
      "Content-Type: text/plain; charset=utf-8\r\n" +
      "Content-Range: bytes 0-3/36\r\n" +
      "\r\n" +
      "0123\r\n" +
      "--BOUNDARY\r\n" +
      "Content-Type: text/plain; charset=utf-8\r\n" +
      "Content-Range: bytes 10-12/36\r\n" +
      "\r\n" +
      "abc\r\n" +
      "--BOUNDARY--\r\n",
  );
  assert.equal(multipart.contentType, "multipart/byteranges; boundary=BOUNDARY");
});

Deno.test("createMultipartBody() announces a contentLength equal to the bytes streamed", async () => {
  const cases: { ranges: ByteRange[]; chunkSize: number; contentType: string }[] = [
    { ranges: [{ start: 0, end: 0 }], chunkSize: 1, contentType: "text/plain" },
    { ranges: [{ start: 0, end: 35 }, { start: 35, end: 35 }], chunkSize: 7, contentType: "a/b" },
    {
      ranges: [{ start: 30, end: 35 }, { start: 0, end: 9 }, { start: 15, end: 20 }],
      chunkSize: 1,
      contentType: "application/octet-stream",
    },
    {
      ranges: Array.from({ length: 16 }, (_, i) => ({ start: i * 2, end: i * 2 })),
      chunkSize: 3,
      contentType: "image/svg+xml",
    },
    { ranges: [{ start: 1, end: 2 }, { start: 4, end: 5 }], chunkSize: 2, contentType: "text/é" },
  ];
  for (const { ranges, chunkSize, contentType } of cases) {
    for (const boundary of [undefined, "b", "x".repeat(70)]) {
      const multipart = createMultipartBody(options({
        ranges,
        contentType,
        boundary,
        readRange: (range) => Promise.resolve(streamRange(range, chunkSize)),
      }));
      const bytes = await readAll(multipart.body);
      assert.equal(bytes.length, multipart.contentLength, JSON.stringify({ ranges, boundary }));
    }
  }
});

Deno.test("createMultipartBody() with no ranges is just the closing delimiter", async () => {
  const multipart = createMultipartBody(options({ ranges: [] }));
  const bytes = await readAll(multipart.body);
  assert.equal(DECODER.decode(bytes), "--BOUNDARY--\r\n");
  assert.equal(multipart.contentLength, bytes.length);
});

Deno.test("createMultipartBody() parts carry the bytes of each range in order", async () => {
  const ranges = [{ start: 20, end: 25 }, { start: 0, end: 1 }, { start: 33, end: 35 }];
  const multipart = createMultipartBody(options({ ranges, boundary: "sep" }));
  const text = DECODER.decode(await readAll(multipart.body));
  const parts = text.split("--sep");
  assert.equal(parts.length, 5);
  assert.equal(parts[0], "");
  assert.equal(parts[4], "--\r\n");
  ranges.forEach((range, i) => {
    const [head, body] = parts[i + 1].split("\r\n\r\n");
    assert.ok(head.endsWith(`Content-Range: bytes ${range.start}-${range.end}/36`));
    assert.equal(body, DECODER.decode(CONTENT.slice(range.start, range.end + 1)) + "\r\n");
  });
});

Deno.test("createMultipartBody() generates a random hex boundary by default", async () => {
  const first = createMultipartBody(options({ boundary: undefined }));
  const second = createMultipartBody(options({ boundary: undefined }));
  const match = /^multipart\/byteranges; boundary=([0-9a-f]{24,})$/.exec(first.contentType);
  assert.ok(match, first.contentType);
  assert.notEqual(first.contentType, second.contentType);
  const text = DECODER.decode(await readAll(first.body));
  assert.ok(text.startsWith(`--${match[1]}\r\n`));
  assert.ok(text.endsWith(`--${match[1]}--\r\n`));
  await second.body.cancel();
});

Deno.test("createMultipartBody() quotes boundaries that are not tokens", async () => {
  const multipart = createMultipartBody(options({ boundary: "a:b=c?" }));
  assert.equal(multipart.contentType, `multipart/byteranges; boundary="a:b=c?"`);
  await multipart.body.cancel();
});

Deno.test("createMultipartBody() rejects invalid boundaries, content types and ranges", () => {
  const invalid: [string, Partial<MultipartOptions>][] = [
    ["empty boundary", { boundary: "" }],
    ["71-character boundary", { boundary: "x".repeat(71) }],
    ["boundary with CRLF", { boundary: "a\r\nb" }],
    ["boundary with a quote", { boundary: `a"b` }],
    ["boundary with a space", { boundary: "a b" }],
    ["boundary with non-ASCII", { boundary: "é" }],
    ["content type with CR", { contentType: "text/plain\rX-Evil: 1" }],
    ["content type with LF", { contentType: "text/plain\nX-Evil: 1" }],
    ["range past the end", { ranges: [{ start: 30, end: 36 }] }],
    ["negative start", { ranges: [{ start: -1, end: 3 }] }],
    ["start after end", { ranges: [{ start: 5, end: 4 }] }],
    ["fractional range", { ranges: [{ start: 0.5, end: 3 }] }],
    ["NaN range", { ranges: [{ start: NaN, end: 3 }] }],
  ];
  for (const [name, overrides] of invalid) {
    assert.throws(() => createMultipartBody(options(overrides)), TypeError, name);
  }
});

Deno.test("createMultipartBody() opens part streams lazily, one at a time", async () => {
  const opened: ByteRange[] = [];
  const ranges = [{ start: 0, end: 1 }, { start: 5, end: 6 }, { start: 9, end: 9 }];
  const multipart = createMultipartBody(options({
    ranges,
    readRange: (range) => {
      opened.push(range);
      return Promise.resolve(streamRange(range, 100));
    },
  }));
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(opened.length, 0);

  const reader = multipart.body.getReader();
  const first = await reader.read();
  assert.ok(DECODER.decode(first.value).startsWith("--BOUNDARY\r\n"));
  assert.deepEqual(opened, [ranges[0]]);

  assert.equal(DECODER.decode((await reader.read()).value), "01");
  assert.equal(DECODER.decode((await reader.read()).value), "\r\n");
  assert.deepEqual(opened, [ranges[0]]);

  await reader.read();
  assert.deepEqual(opened, [ranges[0], ranges[1]]);
  await reader.cancel();
});

Deno.test("createMultipartBody() cancels the current part stream when the consumer cancels", async () => {
  let cancelReason: unknown = "not cancelled";
  const multipart = createMultipartBody(options({
    readRange: () =>
      Promise.resolve(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            controller.enqueue(new Uint8Array([0x41]));
          },
          cancel(reason) {
            cancelReason = reason;
          },
        }),
      ),
  }));
  const reader = multipart.body.getReader();
  await reader.read();
  await reader.read();
  await reader.cancel("client went away");
  assert.equal(cancelReason, "client went away");
});

Deno.test("createMultipartBody() cancels a part stream that opens after the consumer cancelled", async () => {
  let cancelled = false;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => release = resolve);
  const multipart = createMultipartBody(options({
    readRange: async () => {
      await gate;
      return new ReadableStream<Uint8Array>({
        cancel() {
          cancelled = true;
        },
      });
    },
  }));
  const reader = multipart.body.getReader();
  const pending = reader.read();
  await new Promise((resolve) => setTimeout(resolve, 0));
  const cancelling = reader.cancel();
  release();
  await cancelling;
  assert.deepEqual(await pending, { done: true, value: undefined });
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(cancelled, true);
});

Deno.test("createMultipartBody() errors the stream when a part has the wrong byte count", async () => {
  const cases: [string, (range: ByteRange) => ReadableStream<Uint8Array>][] = [
    ["too short", (range) => streamRange({ start: range.start, end: range.end - 1 })],
    ["too long", (range) => streamRange({ start: range.start, end: range.end + 1 })],
    ["empty", () => new ReadableStream({ start: (controller) => controller.close() })],
  ];
  for (const [name, open] of cases) {
    const multipart = createMultipartBody(options({
      ranges: [{ start: 0, end: 3 }],
      readRange: (range) => Promise.resolve(open(range)),
    }));
    await assert.rejects(readAll(multipart.body), RangeError, name);
  }
});

Deno.test("createMultipartBody() propagates readRange failures as a stream error", async () => {
  const multipart = createMultipartBody(options({
    readRange: () => Promise.reject(new Error("disk gone")),
  }));
  await assert.rejects(readAll(multipart.body), /disk gone/);
});

Deno.test("createMultipartBody() skips empty chunks from a part stream", async () => {
  const multipart = createMultipartBody(options({
    ranges: [{ start: 0, end: 1 }],
    readRange: () =>
      Promise.resolve(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new Uint8Array(0));
            controller.enqueue(ENCODER.encode("01"));
            controller.enqueue(new Uint8Array(0));
            controller.close();
          },
        }),
      ),
  }));
  const bytes = await readAll(multipart.body);
  assert.equal(bytes.length, multipart.contentLength);
  assert.ok(DECODER.decode(bytes).includes("\r\n\r\n01\r\n--BOUNDARY--"));
});
