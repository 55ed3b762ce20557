import assert from "node:assert/strict";
import { compilePattern, fillPlaceholders, matchPattern } from "../../lib/rules/pattern.ts";

function compile(source: string) {
  const result = compilePattern(source);
  if (!result.ok) throw new Error(result.message);
  return result.pattern;
}

const MATCHES: [pattern: string, path: string, expected: Record<string, string> | null][] = [
  ["/", "/", {}],
  ["/", "/a", null],
  ["/about", "/about", {}],
  ["/about", "/about/", {}],
  ["/about", "/about/x", null],
  ["/about", "/About", null],
  ["/*", "/", { splat: "" }],
  ["/*", "/a/b.js", { splat: "a/b.js" }],
  ["/news/*", "/news", { splat: "" }],
  ["/news/*", "/news/", { splat: "" }],
  ["/news/*", "/news/2024/x", { splat: "2024/x" }],
  ["/news/*", "/newsroom", null],
  ["/news*", "/newsroom/x", { splat: "room/x" }],
  ["/blog/:year/:slug", "/blog/2024/hello", { year: "2024", slug: "hello" }],
  ["/blog/:year/:slug", "/blog/2024/hello/", { year: "2024", slug: "hello" }],
  ["/blog/:year/:slug", "/blog/2024", null],
  ["/blog/:year/:slug", "/blog/2024/a/b", null],
  ["/u/:id/*", "/u/7/files/a", { id: "7", splat: "files/a" }],
  ["/a.b", "/axb", null],
  ["/a.b", "/a.b", {}],
  ["/café", "/caf%C3%A9", {}],
  ["/(x)", "/(x)", {}],
];

Deno.test("matchPattern() matches paths, placeholders and splats like Netlify", () => {
  for (const [pattern, path, expected] of MATCHES) {
    assert.deepEqual(matchPattern(compile(pattern), path), expected, `${pattern} vs ${path}`);
  }
});

const INVALID: [pattern: string, fragment: RegExp][] = [
  ["about", /starting with "\/"/],
  ["/a?b=1", /query/],
  ["/a/*/b", /"\*" that is not the last/],
  ["/a*b", /"\*" that is not the last/],
  ["/a/:1x", /placeholder name/],
  ["/a/:splat", /placeholder name/],
  ["/a/:x/:x", /appears twice/],
  ["/a/x:y", /whole segments/],
];

Deno.test("compilePattern() refuses malformed patterns with a reason", () => {
  for (const [pattern, fragment] of INVALID) {
    const result = compilePattern(pattern);
    assert.equal(result.ok, false, pattern);
    if (!result.ok) assert.match(result.message, fragment, pattern);
  }
});

Deno.test("matchPattern() stays fast on long hostile paths", () => {
  const pattern = compile("/:a/:b/:c/*");
  const path = "/" + "a/".repeat(50_000) + "x";
  const started = performance.now();
  assert.notEqual(matchPattern(pattern, path), null);
  assert.equal(matchPattern(compile("/:a/:b"), "/" + "x".repeat(100_000) + "/"), null);
  assert.ok(performance.now() - started < 5_000);
});

Deno.test("fillPlaceholders() substitutes names and leaves unknown text alone", () => {
  assert.equal(
    fillPlaceholders("/posts/:year/:slug?ref=:splat", { year: "2024", slug: "hi", splat: "x" }),
    "/posts/2024/hi?ref=x",
  );
  assert.equal(
    fillPlaceholders("https://example.com:8443/:splat", { splat: "a" }),
    "https://example.com:8443/a",
  );
});
