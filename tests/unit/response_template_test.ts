import assert from "node:assert/strict";
import { ResponseTemplate } from "../../lib/http/response_template.ts";

const HEADERS = {
  "content-type": "text/plain; charset=utf-8",
  "content-length": "5",
  etag: '"1-5"',
  "x-content-type-options": "nosniff",
};

Deno.test("ResponseTemplate answers GET with the body, every time, and HEAD without it", async () => {
  const body = new TextEncoder().encode("hello");
  const template = new ResponseTemplate(body, { status: 200, headers: HEADERS });
  for (let i = 0; i < 3; i++) {
    const response = template.respond("GET");
    assert.equal(response.status, 200);
    assert.deepEqual(Object.fromEntries(response.headers), HEADERS);
    assert.equal(await response.text(), "hello", `answer ${i}`);
  }
  const head = template.respond("HEAD");
  assert.equal(head.status, 200);
  assert.equal(head.body, null);
  assert.equal(head.headers.get("content-length"), "5");
});

Deno.test("ResponseTemplate copies are independent of each other", async () => {
  const template = new ResponseTemplate("text body", {
    status: 404,
    headers: { "content-type": "text/plain" },
  });
  const first = template.respond("GET");
  const second = template.respond("GET");
  first.headers.set("x-extra", "1");
  assert.equal(second.headers.get("x-extra"), null);
  assert.equal(template.respond("GET").headers.get("x-extra"), null);
  // Consuming one leaves the others (and later ones) readable.
  assert.equal(await first.text(), "text body");
  assert.equal(first.bodyUsed, true);
  assert.equal(second.bodyUsed, false);
  assert.equal(await second.text(), "text body");
  assert.equal(await template.respond("GET").text(), "text body");
});

Deno.test("ResponseTemplate without a body serves 304s with their headers", () => {
  const template = new ResponseTemplate(null, { status: 304, headers: { etag: '"a-1"' } });
  for (const method of ["GET", "HEAD"]) {
    const response = template.respond(method);
    assert.equal(response.status, 304);
    assert.equal(response.body, null);
    assert.equal(response.headers.get("etag"), '"a-1"');
  }
});
