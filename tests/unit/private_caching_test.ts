import assert from "node:assert/strict";
import {
  isSharedCacheHeader,
  keepPrivate,
  tightenCacheControl,
} from "../../lib/http/private_caching.ts";

const CASES: [string | null, string | null, string][] = [
  ["no-cache", "public, max-age=3600", "private, no-cache, max-age=3600"],
  ["private, no-cache", "public, max-age=3600", "private, no-cache, max-age=3600"],
  ["no-cache", null, "private, no-cache"],
  [null, "public, s-maxage=600, max-age=60", "private, max-age=60"],
  ["max-age=60", "max-age=3600", "private, max-age=60"],
  ["max-age=3600", "max-age=60", "private, max-age=60"],
  ["no-cache", "no-store", "private, no-cache, no-store"],
  ["public, max-age=31536000, immutable", null, "private, max-age=31536000, immutable"],
  ["no-cache", "", "private, no-cache"],
  ["no-cache", "PUBLIC, Max-Age=10", "private, no-cache, Max-Age=10"],
];

for (const [berth, ruled, expected] of CASES) {
  Deno.test(`tightenCacheControl(${berth}, ${ruled}) keeps the answer private`, () => {
    assert.equal(tightenCacheControl(berth, ruled), expected);
  });
}

Deno.test("keepPrivate() tightens the header and keeps Vary on credentials, even when immutable", () => {
  const mutable = keepPrivate(
    new Response("x", { headers: { "cache-control": "public, max-age=5", vary: "Accept" } }),
    "no-cache",
  );
  assert.equal(mutable.headers.get("cache-control"), "private, no-cache, max-age=5");
  assert.equal(mutable.headers.get("vary"), "Accept, Authorization, Cookie");
  const immutable = keepPrivate(Response.redirect("http://127.0.0.1/x", 302));
  assert.equal(immutable.headers.get("cache-control"), "private");
  assert.equal(immutable.headers.get("vary"), "Authorization, Cookie");
});

Deno.test("keepPrivate() drops every CDN and proxy caching header, by pattern", () => {
  const names = [
    "CDN-Cache-Control",
    "Cloudflare-CDN-Cache-Control",
    "Netlify-CDN-Cache-Control",
    "Vercel-CDN-Cache-Control",
    "Fastly-CDN-Cache-Control",
    "Akamai-Cache-Control",
    "Surrogate-Control",
    "Edge-Control",
    "X-Accel-Expires",
  ];
  const headers = new Headers({ "cache-control": "no-cache", "x-other": "kept" });
  for (const name of names) headers.set(name, "max-age=600");
  const answer = keepPrivate(new Response(null, { headers }));
  for (const name of names) assert.equal(answer.headers.get(name), null, name);
  assert.equal(answer.headers.get("x-other"), "kept");
  assert.equal(isSharedCacheHeader("Cache-Control"), false);
});
