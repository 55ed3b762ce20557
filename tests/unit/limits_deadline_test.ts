import assert from "node:assert/strict";
import { compose, type RequestContext } from "../../lib/compose.ts";
import { errorBoundary } from "../../lib/middleware/error_boundary.ts";
import { limits } from "../../lib/middleware/limits.ts";
import { urlParts } from "../fixtures/context.ts";

function context(url: string): RequestContext {
  return {
    ...urlParts(new URL(url)),
    requestId: "t",
    clientAddress: "127.0.0.1",
    startTime: performance.now(),
    secure: false,
    user: null,
  };
}

const OPTIONS = {
  maxUrlLength: 8192,
  maxHeaderBytes: 16384,
  maxHeaderCount: 100,
  requestTimeoutMs: 100,
};

Deno.test("limits() answers 503 when the response is late and cancels the late body", async () => {
  let cancelled = false;
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  const app = compose([errorBoundary(), limits(OPTIONS)], async () => {
    await released;
    return new Response(new ReadableStream({ cancel: () => void (cancelled = true) }));
  });
  const url = "http://127.0.0.1/slow";
  const response = await app(new Request(url), context(url));
  assert.equal(response.status, 503);
  await response.body?.cancel();
  release();
  // Let the late response settle so its body gets cancelled.
  for (let i = 0; i < 50 && !cancelled; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(cancelled, true);
});

Deno.test("limits() passes prompt responses through, many at once", async () => {
  const app = compose([limits(OPTIONS)], () => Promise.resolve(new Response("ok")));
  const url = "http://127.0.0.1/fast";
  const responses = await Promise.all(
    Array.from({ length: 50 }, () => app(new Request(url), context(url))),
  );
  for (const response of responses) {
    assert.equal(response.status, 200);
    assert.equal(await response.text(), "ok");
  }
});

Deno.test("limits() fails only the late request when prompt and late ones overlap", async () => {
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  const app = compose([errorBoundary(), limits(OPTIONS)], async (request) => {
    if (request.url.endsWith("/slow")) await released;
    return new Response("ok");
  });
  const slowUrl = "http://127.0.0.1/slow";
  const slow = app(new Request(slowUrl), context(slowUrl));
  const fastUrl = "http://127.0.0.1/fast";
  for (let i = 0; i < 5; i++) {
    const response = await app(new Request(fastUrl), context(fastUrl));
    assert.equal(await response.text(), "ok");
    await new Promise((r) => setTimeout(r, 10));
  }
  const late = await slow;
  assert.equal(late.status, 503);
  await late.body?.cancel();
  release();
});

Deno.test("limits() passes an inner failure through unchanged before the deadline", async () => {
  const app = compose([limits(OPTIONS)], () => Promise.reject(new Error("inner failure")));
  const url = "http://127.0.0.1/broken";
  await assert.rejects(app(new Request(url), context(url)), /inner failure/);
});
