import assert from "node:assert/strict";
import { createBaseHeaders } from "../../lib/http/base_headers.ts";
import { redirect, respondBytes, respondEmpty, respondJson } from "../../lib/http/respond.ts";

const BASE = createBaseHeaders({ securityHeaders: true, tls: true, cors: true });

/** Every header except the base ones, sorted. */
function own(response: Response): Record<string, string> {
  return Object.fromEntries([...response.headers].filter(([name]) => !(name in BASE)));
}

Deno.test("respond builders start every answer from the base headers, their own winning", async () => {
  const get = new Request("http://x.test/");
  const head = new Request("http://x.test/", { method: "HEAD" });
  const bytes = new TextEncoder().encode("hi\n");
  const cases: { name: string; response: Response; status: number; own: object; body: string }[] = [
    {
      name: "respondBytes GET",
      response: respondBytes(BASE, get, {
        status: 200,
        body: bytes,
        headers: { "content-type": "text/plain", "x-frame-options": "DENY" },
      }),
      status: 200,
      own: { "content-length": "3", "content-type": "text/plain" },
      body: "hi\n",
    },
    {
      name: "respondBytes HEAD",
      response: respondBytes(BASE, head, { status: 200, body: bytes, headers: {} }),
      status: 200,
      own: { "content-length": "3" },
      body: "",
    },
    {
      name: "respondJson",
      response: respondJson(BASE, get, {
        status: 401,
        value: { a: 1 },
        headers: { "cache-control": "no-store" },
      }),
      status: 401,
      own: {
        "cache-control": "no-store",
        "content-length": "8",
        "content-type": "application/json; charset=utf-8",
      },
      body: '{"a":1}\n',
    },
    {
      name: "respondEmpty",
      response: respondEmpty(BASE, 204, { "set-cookie": "a=b" }),
      status: 204,
      own: { "set-cookie": "a=b" },
      body: "",
    },
    {
      name: "redirect (default caching)",
      response: redirect(BASE, "/next", { status: 301 }),
      status: 301,
      own: { "cache-control": "no-cache", location: "/next" },
      body: "",
    },
    {
      name: "redirect (own caching)",
      response: redirect(BASE, "/next", { status: 303, headers: { "cache-control": "no-store" } }),
      status: 303,
      own: { "cache-control": "no-store", location: "/next" },
      body: "",
    },
  ];
  for (const item of cases) {
    assert.equal(item.response.status, item.status, item.name);
    assert.deepEqual(own(item.response), item.own, item.name);
    for (const [name, value] of Object.entries(BASE)) {
      const expected = name === "x-frame-options" && item.name === "respondBytes GET"
        ? "DENY"
        : value;
      assert.equal(item.response.headers.get(name), expected, `${item.name}: ${name}`);
    }
    assert.equal(await item.response.text(), item.body, item.name);
  }
});
