import assert from "node:assert/strict";
import { DEFAULT_NEXT, nextForUrl, sanitizeNext } from "../../lib/auth/safe_next.ts";

Deno.test("sanitizeNext() keeps same-origin paths with their query", () => {
  const table = ["/", "/admin/", "/team/doc.html?x=1&y=%20z", "/a:b@c", "/%C3%BC.txt", "/a/b?c=/d"];
  for (const next of table) assert.equal(sanitizeNext(next), next, next);
});

Deno.test("sanitizeNext() refuses every open-redirect form", () => {
  const table: unknown[] = [
    "//evil.example",
    "//evil.example/path",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "data:text/html,x",
    "evil.example",
    "",
    " /x",
    "/x y",
    "/\tevil",
    "/\n/evil.example",
    "/\u0000x",
    "/%2F%2Fevil.example",
    "/%2fevil.example",
    "/%5Cevil.example",
    "/%5c%5cevil",
    "/%0d%0aSet-Cookie:x",
    "/%09/evil.example",
    "/x#frag",
    "/\u2215\u2215evil.example",
    "/caf\u00e9",
    "/" + "a".repeat(3000),
    null,
    undefined,
  ];
  for (const next of table) {
    assert.equal(sanitizeNext(next as string), DEFAULT_NEXT, JSON.stringify(next));
  }
});

Deno.test("nextForUrl() builds next from a request URL", () => {
  assert.equal(nextForUrl(new URL("http://h/team/a.html?x=1")), "/team/a.html?x=1");
  assert.equal(nextForUrl(new URL("http://h//evil.example/")), DEFAULT_NEXT);
});
