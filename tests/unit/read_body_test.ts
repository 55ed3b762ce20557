import assert from "node:assert/strict";
import { HttpError } from "../../lib/errors.ts";
import { readBodyText } from "../../lib/http/read_body.ts";

function post(body: BodyInit | null, headers: HeadersInit = {}): Request {
  return new Request("http://127.0.0.1/", { method: "POST", body, headers });
}

async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (error) {
    assert.ok(error instanceof HttpError, String(error));
    assert.ok(error.publicMessage.length > 10);
    return error.status;
  }
}

Deno.test("readBodyText() reads a small UTF-8 body", async () => {
  assert.equal(await readBodyText(post("héllo"), 100), "héllo");
  assert.equal(await readBodyText(post(null), 100), "");
});

Deno.test("readBodyText() answers 413, 400 and 408 for oversized, invalid and slow bodies", async () => {
  assert.equal(await statusOf(readBodyText(post("x".repeat(101)), 100)), 413);
  assert.equal(
    await statusOf(readBodyText(post("x", { "content-length": "1" }), 0)),
    413,
    "a declared length over the cap is refused before reading",
  );
  const chunks = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(new Uint8Array(64));
    },
  });
  assert.equal(await statusOf(readBodyText(post(chunks), 1000)), 413, "an endless stream stops");
  assert.equal(await statusOf(readBodyText(post(new Uint8Array([0xc3, 0x28])), 100)), 400);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const slow = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode("us"));
      timer = setTimeout(() => controller.close(), 5000);
    },
  });
  try {
    assert.equal(await statusOf(readBodyText(post(slow), 100, { timeoutMs: 50 })), 408);
  } finally {
    clearTimeout(timer);
  }
});
