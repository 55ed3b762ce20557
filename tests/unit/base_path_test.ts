/**
 * The mount prefix as pure logic: which `basePath` settings are accepted,
 * which raw request paths are inside one (hostile spellings included), what
 * the context factory makes of them, and how site paths get the prefix back.
 */

import assert from "node:assert/strict";
import * as v from "valibot";
import { SETTINGS_SCHEMA } from "../../lib/config/schema.ts";
import { ConfigError, createHandler } from "../../lib/mod.ts";
import { BASE_PATH_REGEXP, stripBasePath } from "../../lib/http/request_path.ts";
import { publicPath } from "../../lib/http/local_redirect.ts";
import { createRequestContextFactory } from "../../lib/request_context.ts";

// [basePath setting, accepted]
const SETTINGS: [string, boolean][] = [
  ["/", true],
  ["/static/", true],
  ["/a/b/", true],
  ["/v1.2/", true],
  ["/~me/", true],
  ["/.well/", true],
  ["static/", false],
  ["/static", false],
  ["", false],
  ["//", false],
  ["//evil.example/", false],
  ["/a//b/", false],
  ["/./", false],
  ["/../", false],
  ["/a/../", false],
  ["/my%20docs/", false],
  ["/my docs/", false],
  ["/caf\u00e9/", false],
  ["/a\\b/", false],
  ["/a?b/", false],
  ["/a#b/", false],
];

for (const [basePath, accepted] of SETTINGS) {
  Deno.test(`BASE_PATH_REGEXP ${accepted ? "accepts" : "refuses"} ${JSON.stringify(basePath)}`, () => {
    assert.equal(BASE_PATH_REGEXP.test(basePath), accepted);
    assert.equal(v.safeParse(SETTINGS_SCHEMA, { basePath }).success, accepted);
  });
}

Deno.test("`createHandler()` refuses a bad basePath with a ConfigError naming it and the rule", async () => {
  await assert.rejects(
    () => createHandler({ settings: { root: ".", basePath: "/static" } }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(
        error.message,
        /^Invalid setting "basePath": "\/static" .*starts and ends with "\/", e\.g\. "\/static\/"/,
      );
      return true;
    },
  );
});

// [raw path as the URL parser leaves it, the path after "/static/", or null when outside]
const PATHS: [string, string | null][] = [
  ["/static/", "/"],
  ["/static/a.txt", "/a.txt"],
  ["/static/sub/", "/sub/"],
  ["/static//x", "//x"],
  ["/static/%2e%2e%2fsecret", "/%2e%2e%2fsecret"],
  ["/static/..%2fsecret", "/..%2fsecret"],
  ["/static", null],
  ["/staticx/", null],
  ["/static.txt", null],
  ["/stat%69c/", null],
  ["/static%2f", null],
  ["/static%2Fa", null],
  ["/STATIC/", null],
  ["/Static/a", null],
  ["//static/", null],
  ["/./static/", null],
  ["/x/static/", null],
  ["/", null],
  ["/secret", null],
];

for (const [raw, rest] of PATHS) {
  Deno.test(`stripBasePath() gives ${JSON.stringify(raw)} under /static/ as ${rest}`, () => {
    assert.equal(stripBasePath(raw, "/static/"), rest);
  });
}

// Request targets as a client sends them: what the URL parser does first matters.
// [request URL, basePath the context gets, its url.pathname, its canonical path or null]
const TARGETS: [string, string, string, string | null][] = [
  ["http://h/static/sub/a.txt?x=1", "/static/", "/sub/a.txt", "/sub/a.txt"],
  ["http://h/static/../secret", "/", "/secret", null],
  ["http://h/static/%2e%2e/secret", "/", "/secret", null],
  ["http://h/static/.%2E/secret", "/", "/secret", null],
  ["http://h/static\\..\\secret", "/", "/secret", null],
  ["http://h/static/a/../../secret", "/", "/secret", null],
  ["http://h/static/a/../b", "/static/", "/b", "/b"],
  ["http://h/static/%70rivate/x", "/static/", "/%70rivate/x", "/private/x"],
  ["http://h/static//private/x", "/static/", "//private/x", "/private/x"],
  ["http://h/stat%69c/x", "/", "/stat%69c/x", null],
  ["http://h/STATIC/x", "/", "/STATIC/x", null],
  ["http://h//static/x", "/", "//static/x", null],
  ["http://h/static", "/", "/static", null],
];

for (const [url, basePath, pathname, canonical] of TARGETS) {
  Deno.test(`createRequestContextFactory() under /static/ reads ${url} as ${pathname} (base ${basePath})`, () => {
    const create = createRequestContextFactory({ secure: false, basePath: "/static/" });
    const context = create(new Request(url));
    assert.equal(context.basePath, basePath);
    assert.equal(context.url.pathname, pathname);
    if (canonical !== null) {
      assert.ok(context.path.ok);
      assert.equal(context.path.text, canonical);
    }
    assert.equal(context.url.search, new URL(url).search);
  });
}

Deno.test("createRequestContextFactory() without a basePath leaves the URL and base path alone", () => {
  const create = createRequestContextFactory({ secure: false });
  const context = create(new Request("http://h/static/a.txt"));
  assert.equal(context.basePath, "/");
  assert.equal(context.url.pathname, "/static/a.txt");
});

Deno.test("createRequestContextFactory() keeps a refused Host a 400 inside the mount", () => {
  const create = createRequestContextFactory({ secure: false, basePath: "/static/" });
  const context = create(new Request("http://h/static/a", { headers: { host: "a/b?" } }));
  assert.equal(context.basePath, "/static/");
  assert.equal(context.path.ok, false);
});

// [basePath, site path, what the client is sent]
const PUBLIC: [string, string, string][] = [
  ["/", "/new", "/new"],
  ["/", "/", "/"],
  ["/static/", "/new", "/static/new"],
  ["/static/", "/", "/static/"],
  ["/static/", "/sub/?q=1", "/static/sub/?q=1"],
  ["/a/b/", "/_berth/login", "/a/b/_berth/login"],
  // A site path that slipped through with two slashes still stays on the site.
  ["/static/", "//evil.example/", "/static//evil.example/"],
];

for (const [basePath, sitePath, location] of PUBLIC) {
  Deno.test(`publicPath() under ${basePath} sends ${sitePath} as ${location}`, () => {
    assert.equal(publicPath({ basePath }, sitePath), location);
  });
}
