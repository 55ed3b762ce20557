import assert from "node:assert/strict";
import { buildApp, send, sendText } from "./app_harness.ts";
import {
  createLargeBytes,
  createSharedFixtureTree,
  FIXTURE_CONTENT as C,
  LARGE_FILE_SIZE,
} from "../fixtures/tree.ts";

const fixture = await createSharedFixtureTree();
const app = await buildApp(fixture.root);
const SECRETS = [C.SECRET, C.LEAK, C.ENV];

function assertNoSecret(body: string): void {
  for (const secret of SECRETS) {
    assert.ok(!body.includes(secret), `leaked ${JSON.stringify(secret)}`);
  }
}

Deno.test("serveFiles() answers a text file with type, validators and caching headers", async () => {
  const { status, headers, body } = await sendText(app, "/hello.txt");
  assert.equal(status, 200);
  assert.equal(body, C.HELLO);
  assert.equal(headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(headers.get("content-length"), String(C.HELLO.length));
  assert.match(headers.get("etag") ?? "", /^"[^"]+"$/);
  assert.ok(Date.parse(headers.get("last-modified") ?? "") > 0);
  assert.equal(headers.get("cache-control"), "no-cache");
  assert.equal(headers.get("accept-ranges"), "bytes");
  assert.equal(headers.get("x-content-type-options"), "nosniff");
  assert.equal(headers.get("referrer-policy"), "strict-origin-when-cross-origin");
  assert.equal(headers.get("x-frame-options"), "SAMEORIGIN");
  assert.equal(headers.get("strict-transport-security"), null);
});

Deno.test("serveFiles() answers HEAD with the GET headers and no body", async () => {
  const get = await send(app, "/hello.txt");
  await get.body?.cancel();
  const head = await send(app, "/hello.txt", { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.body, null);
  for (const name of ["content-type", "content-length", "etag", "last-modified", "cache-control"]) {
    assert.equal(head.headers.get(name), get.headers.get(name), name);
  }
});

Deno.test("serveFiles() answers 405 with Allow for methods other than GET, HEAD and OPTIONS", async () => {
  for (const method of ["POST", "PUT", "DELETE", "PATCH", "PROPFIND", "MKCOL"]) {
    const { status, headers, body } = await sendText(app, "/hello.txt", { method });
    assert.equal(status, 405, method);
    assert.equal(headers.get("allow"), "GET, HEAD, OPTIONS");
    assert.ok(body.includes("405"), method);
  }
});

Deno.test("serveFiles() answers OPTIONS with 204 and Allow", async () => {
  const response = await send(app, "/hello.txt", { method: "OPTIONS" });
  assert.equal(response.status, 204);
  assert.equal(response.headers.get("allow"), "GET, HEAD, OPTIONS");
});

Deno.test("serveFiles() picks media types from mime-db with charset for text", async () => {
  const cases: [string, string][] = [
    ["/index.html", "text/html; charset=utf-8"],
    ["/module.mjs", "text/javascript; charset=utf-8"],
    ["/app.js", "text/javascript; charset=utf-8"],
    ["/assets/style.css", "text/css; charset=utf-8"],
    ["/assets/logo.svg", "image/svg+xml"],
    ["/assets/data.json", "application/json"],
    ["/noext", "application/octet-stream"],
    ["/large.bin", "application/octet-stream"],
  ];
  for (const [path, type] of cases) {
    const response = await send(app, path);
    await response.body?.cancel();
    assert.equal(response.headers.get("content-type")?.split(";")[0], type.split(";")[0], path);
    if (type.includes("charset")) assert.equal(response.headers.get("content-type"), type, path);
  }
});

Deno.test("serveFiles() caches content-hashed names for a year and others with no-cache", async () => {
  const hashed = await send(app, "/assets/app.3f9a1c2b.js");
  await hashed.body?.cancel();
  assert.equal(hashed.headers.get("cache-control"), "public, max-age=31536000, immutable");
  const plain = await send(app, "/assets/style.css");
  await plain.body?.cancel();
  assert.equal(plain.headers.get("cache-control"), "no-cache");
});

Deno.test("serveFiles() honours configured Cache-Control policies", async () => {
  const custom = await buildApp(fixture.root, {
    cacheControl: { default: "max-age=60", immutable: "max-age=600" },
  });
  const plain = await send(custom, "/hello.txt");
  await plain.body?.cancel();
  assert.equal(plain.headers.get("cache-control"), "max-age=60");
  const hashed = await send(custom, "/assets/app.3f9a1c2b.js");
  await hashed.body?.cancel();
  assert.equal(hashed.headers.get("cache-control"), "max-age=600");
});

Deno.test("serveFiles() hides dotfiles but serves /.well-known/", async () => {
  for (
    const path of ["/.env", "/.git/config", "/.git/", "/.well-known/.hidden", "/%2eenv", "/.%65nv"]
  ) {
    const { status, body } = await sendText(app, path);
    assert.equal(status, 404, path);
    assertNoSecret(body);
  }
  const { status, body } = await sendText(app, "/.well-known/security.txt");
  assert.equal(status, 200);
  assert.equal(body, C.SECURITY_TXT);
});

Deno.test("serveFiles() serves dotfiles when enabled", async () => {
  const open = await buildApp(fixture.root, { dotfiles: true });
  const { status, body } = await sendText(open, "/.env");
  assert.equal(status, 200);
  assert.equal(body, C.ENV);
});

Deno.test("serveFiles() follows symlinks only when they stay inside the root", async () => {
  const inside = await sendText(app, "/link-inside.txt");
  assert.equal(inside.status, 200);
  assert.equal(inside.body, C.HELLO);
  const insideDir = await sendText(app, "/link-dir-inside/");
  assert.equal(insideDir.status, 200);
  assert.equal(insideDir.body, C.DOCS_INDEX);
  for (
    const path of [
      "/link-outside.txt",
      "/link-abs-outside.txt",
      "/link-dir-outside/secret.txt",
      "/link-dir-outside/",
      "/link-sibling/leak.txt",
      "/link-to-env",
      "/link-loop",
      "/link-dangling",
    ]
  ) {
    const { status, body } = await sendText(app, path);
    assert.equal(status, 404, path);
    assertNoSecret(body);
  }
});

Deno.test("serveFiles() answers 400 for malformed or hostile encodings", async () => {
  for (
    const path of [
      "/%zz",
      "/%",
      "/a%00b",
      "/%2f..%2fsecret",
      "/..%5c..%5csecret",
      "/%ff",
      "/%c0%ae%c0%ae/",
    ]
  ) {
    const { status, body } = await sendText(app, path);
    assert.equal(status, 400, path);
    assertNoSecret(body);
  }
});

Deno.test("serveFiles() serves names with spaces, #, % and non-ASCII characters", async () => {
  const cases: [string, string][] = [
    ["/with%20space.txt", C.SPACE],
    ["/hash%23name.txt", C.HASH],
    ["/percent%25name.txt", C.PERCENT],
    [`/${encodeURIComponent("ünïcödé.txt")}`, C.UNICODE],
    [`/${encodeURIComponent("日本.txt")}`, C.JAPANESE],
  ];
  for (const [path, content] of cases) {
    const { status, body } = await sendText(app, path);
    assert.equal(status, 200, path);
    assert.equal(body, content, path);
  }
});

Deno.test("serveFiles() redirects a directory to its trailing slash and keeps the query", async () => {
  const response = await send(app, "/docs?x=1&y=%20");
  assert.equal(response.status, 301);
  assert.equal(response.headers.get("location"), "/docs/?x=1&y=%20");
});

Deno.test("serveFiles() never builds a protocol-relative redirect from a doubled slash", async () => {
  const response = await send(app, "//docs");
  assert.equal(response.status, 301);
  assert.equal(response.headers.get("location"), "/docs/");
});

Deno.test("serveFiles() redirects a file with a trailing slash to the file", async () => {
  const response = await send(app, "/hello.txt/");
  assert.equal(response.status, 301);
  assert.equal(response.headers.get("location"), "/hello.txt");
});

Deno.test("serveFiles() serves index.html for a directory", async () => {
  assert.equal((await sendText(app, "/")).body, C.INDEX);
  assert.equal((await sendText(app, "/docs/")).body, C.DOCS_INDEX);
});

Deno.test("serveFiles() answers a directory without index with the custom 404 page when listing is off", async () => {
  const { status, headers, body } = await sendText(app, "/assets/");
  assert.equal(status, 404);
  assert.equal(body, C.NOT_FOUND_PAGE);
  assert.equal(headers.get("content-type"), "text/html; charset=utf-8");
});

Deno.test("serveFiles() falls back to a built-in error page without 404.html", async () => {
  const plain = await buildApp(fixture.root, { notFoundPage: "" });
  const html = await sendText(plain, "/missing", { headers: { accept: "text/html" } });
  assert.equal(html.status, 404);
  assert.match(html.headers.get("content-type") ?? "", /^text\/html/);
  assert.ok(html.body.includes("404 Not Found"));
  assert.ok(!html.body.includes(fixture.root));
  const json = await sendText(plain, "/missing", { headers: { accept: "application/json" } });
  assert.deepEqual(JSON.parse(json.body), {
    error: { status: 404, message: "Nothing is served at this path" },
  });
  const text = await sendText(plain, "/missing");
  assert.match(text.headers.get("content-type") ?? "", /^text\/plain/);
});

Deno.test("serveFiles() lists a directory as escaped, sorted HTML when listing is on", async () => {
  const listing = await buildApp(fixture.root, { listing: true, index: [] });
  const { status, body } = await sendText(listing, "/", { headers: { accept: "text/html" } });
  assert.equal(status, 200);
  assert.ok(body.includes('href="./hash%23name.txt"'));
  assert.ok(body.includes('href="./percent%25name.txt"'));
  assert.ok(body.includes('href="./with%20space.txt"'));
  assert.ok(body.includes('href="./docs/"'));
  assert.ok(body.indexOf(">assets/<") < body.indexOf(">docs/<"), "sorted");
  assert.ok(body.indexOf(">docs/<") < body.indexOf(">app.js<"), "directories first");
  for (
    const hidden of [
      ".env",
      ".git",
      "link-outside.txt",
      "link-sibling",
      "link-dangling",
      "link-loop",
    ]
  ) {
    assert.ok(!body.includes(`>${hidden}`), hidden);
  }
  assert.ok(body.includes(">link-inside.txt<"));
});

Deno.test("serveFiles() lists a directory as JSON for Accept: application/json", async () => {
  const listing = await buildApp(fixture.root, { listing: true });
  const { status, headers, body } = await sendText(listing, "/assets/", {
    headers: { accept: "application/json" },
  });
  assert.equal(status, 200);
  assert.match(headers.get("content-type") ?? "", /^application\/json/);
  const parsed = JSON.parse(body);
  assert.equal(parsed.path, "/assets/");
  assert.deepEqual(parsed.entries.map((entry: { name: string }) => entry.name), [
    "app.3f9a1c2b.js",
    "data.json",
    "logo.svg",
    "style.css",
  ]);
  assert.equal(parsed.entries[1].size, C.DATA_JSON.length);
});

Deno.test("serveFiles() escapes hostile file names in listings", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/<img src=x onerror=alert(1)>.txt`, "x");
    await Deno.writeTextFile(`${dir}/"quoted".txt`, "x");
    const listing = await buildApp(await Deno.realPath(dir), { listing: true });
    const { body } = await sendText(listing, "/", { headers: { accept: "text/html" } });
    assert.ok(!body.includes("<img"));
    assert.ok(body.includes("&lt;img src=x onerror=alert(1)&gt;.txt"));
    assert.ok(body.includes("%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E.txt"));
    assert.ok(body.includes("&quot;quoted&quot;.txt"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serveFiles() answers 304 to a matching If-None-Match with validators and no body", async () => {
  const first = await send(app, "/hello.txt");
  await first.body?.cancel();
  const etag = first.headers.get("etag")!;
  for (const value of [etag, `W/${etag}`, `"nope", ${etag}`, "*"]) {
    const response = await send(app, "/hello.txt", { headers: { "if-none-match": value } });
    assert.equal(response.status, 304, value);
    assert.equal(response.body, null);
    assert.equal(response.headers.get("etag"), etag);
    assert.equal(response.headers.get("cache-control"), "no-cache");
  }
  const changed = await send(app, "/hello.txt", { headers: { "if-none-match": '"other"' } });
  assert.equal(changed.status, 200);
  await changed.body?.cancel();
});

Deno.test("serveFiles() evaluates If-Modified-Since only without If-None-Match", async () => {
  const first = await send(app, "/hello.txt");
  await first.body?.cancel();
  const lastModified = first.headers.get("last-modified")!;
  const notModified = await send(app, "/hello.txt", {
    headers: { "if-modified-since": lastModified },
  });
  assert.equal(notModified.status, 304);
  const old = await send(app, "/hello.txt", {
    headers: { "if-modified-since": "Sat, 01 Jan 2000 00:00:00 GMT" },
  });
  assert.equal(old.status, 200);
  await old.body?.cancel();
  const withEtag = await send(app, "/hello.txt", {
    headers: { "if-modified-since": lastModified, "if-none-match": '"other"' },
  });
  assert.equal(withEtag.status, 200);
  await withEtag.body?.cancel();
  const garbage = await send(app, "/hello.txt", {
    headers: { "if-modified-since": "yesterday-ish" },
  });
  assert.equal(garbage.status, 200);
  await garbage.body?.cancel();
});

Deno.test("serveFiles() answers 412 when If-Match or If-Unmodified-Since fails", async () => {
  const cases: Record<string, string>[] = [
    { "if-match": '"nope"' },
    { "if-match": 'W/"weak-never-matches"' },
    { "if-unmodified-since": "Sat, 01 Jan 2000 00:00:00 GMT" },
  ];
  for (const headers of cases) {
    const response = await send(app, "/hello.txt", { headers });
    assert.equal(response.status, 412, JSON.stringify(headers));
    await response.body?.cancel();
  }
  const star = await send(app, "/hello.txt", { headers: { "if-match": "*" } });
  assert.equal(star.status, 200);
  await star.body?.cancel();
});

Deno.test("serveFiles() answers a single range with 206 and Content-Range", async () => {
  const response = await send(app, "/large.bin", { headers: { range: "bytes=1000-1999" } });
  assert.equal(response.status, 206);
  assert.equal(response.headers.get("content-range"), `bytes 1000-1999/${LARGE_FILE_SIZE}`);
  assert.equal(response.headers.get("content-length"), "1000");
  const bytes = new Uint8Array(await response.arrayBuffer());
  assert.deepEqual(bytes, createLargeBytes().subarray(1000, 2000));
});

Deno.test("serveFiles() answers suffix and open-ended ranges", async () => {
  const suffix = await send(app, "/hello.txt", { headers: { range: "bytes=-6" } });
  assert.equal(suffix.status, 206);
  assert.equal(await suffix.text(), "world\n");
  const open = await send(app, "/hello.txt", { headers: { range: "bytes=6-" } });
  assert.equal(open.headers.get("content-range"), "bytes 6-11/12");
  assert.equal(await open.text(), "world\n");
});

Deno.test("serveFiles() answers several ranges as multipart/byteranges", async () => {
  const response = await send(app, "/hello.txt", { headers: { range: "bytes=0-1,6-7" } });
  assert.equal(response.status, 206);
  const type = response.headers.get("content-type") ?? "";
  const boundary = type.match(/^multipart\/byteranges; boundary=(.+)$/)?.[1];
  assert.ok(boundary, type);
  const body = await response.text();
  assert.equal(
    String(new TextEncoder().encode(body).length),
    response.headers.get("content-length"),
  );
  assert.ok(body.includes("Content-Range: bytes 0-1/12\r\n\r\nhe\r\n"));
  assert.ok(body.includes("Content-Range: bytes 6-7/12\r\n\r\nwo\r\n"));
  assert.ok(body.includes("Content-Type: text/plain; charset=utf-8"));
  assert.ok(body.endsWith(`--${boundary}--\r\n`));
});

Deno.test("serveFiles() answers 416 with bytes */size for an unsatisfiable range", async () => {
  const response = await send(app, "/hello.txt", { headers: { range: "bytes=100-200" } });
  assert.equal(response.status, 416);
  assert.equal(response.headers.get("content-range"), "bytes */12");
  await response.body?.cancel();
});

Deno.test("serveFiles() ignores malformed ranges, unknown units, HEAD ranges and empty files", async () => {
  const cases: [string, string, RequestInit][] = [
    ["/hello.txt", "bytes=5-2", {}],
    ["/hello.txt", "bytes=abc", {}],
    ["/hello.txt", "items=0-1", {}],
    ["/hello.txt", "bytes=0-1", { method: "HEAD" }],
    ["/empty.txt", "bytes=0-10", {}],
  ];
  for (const [path, range, init] of cases) {
    const response = await send(app, path, { ...init, headers: { range } });
    assert.equal(response.status, 200, `${path} ${range} ${init.method ?? "GET"}`);
    await response.body?.cancel();
  }
});

Deno.test("serveFiles() honours If-Range only when the validator still matches", async () => {
  const first = await send(app, "/hello.txt");
  await first.body?.cancel();
  const etag = first.headers.get("etag")!;
  const matching = await send(app, "/hello.txt", {
    headers: { range: "bytes=0-4", "if-range": etag },
  });
  assert.equal(matching.status, 206);
  assert.equal(await matching.text(), "hello");
  const stale = await send(app, "/hello.txt", {
    headers: { range: "bytes=0-4", "if-range": '"old"' },
  });
  assert.equal(stale.status, 200);
  assert.equal(await stale.text(), C.HELLO);
  const date = await send(app, "/hello.txt", {
    headers: { range: "bytes=0-4", "if-range": first.headers.get("last-modified")! },
  });
  assert.equal(date.status, 206);
  await date.body?.cancel();
});

Deno.test("serveFiles() streams a large file completely", async () => {
  const response = await send(app, "/large.bin");
  assert.equal(response.headers.get("content-length"), String(LARGE_FILE_SIZE));
  const bytes = new Uint8Array(await response.arrayBuffer());
  assert.equal(bytes.length, LARGE_FILE_SIZE);
  assert.deepEqual(bytes, createLargeBytes());
});

Deno.test("serveFiles() answers an empty file with 200 and Content-Length 0", async () => {
  const { status, headers, body } = await sendText(app, "/empty.txt");
  assert.equal(status, 200);
  assert.equal(headers.get("content-length"), "0");
  assert.equal(body, "");
});

Deno.test("limits() answers 414 for an overlong URL and 431 for too many headers", async () => {
  const long = await send(app, "/" + "a".repeat(9000));
  assert.equal(long.status, 414);
  await long.body?.cancel();
  const headers = new Headers();
  for (let i = 0; i < 150; i++) headers.set(`x-h${i}`, "v");
  const many = await send(app, "/hello.txt", { headers });
  assert.equal(many.status, 431);
  await many.body?.cancel();
});

Deno.test("createApp() sets operator headers over berth's own when headers are configured", async () => {
  const custom = await buildApp(fixture.root, {
    headers: { "x-frame-options": "DENY", "x-robots-tag": "noindex" },
  });
  const response = await send(custom, "/missing");
  await response.body?.cancel();
  assert.equal(response.headers.get("x-frame-options"), "DENY");
  assert.equal(response.headers.get("x-robots-tag"), "noindex");
});

Deno.test("cors() answers preflights and answers carry the CORS simple headers when cors is on", async () => {
  const open = await buildApp(fixture.root, { cors: true });
  const preflight = await send(open, "/hello.txt", {
    method: "OPTIONS",
    headers: {
      origin: "https://example.com",
      "access-control-request-method": "GET",
      "access-control-request-headers": "range, if-none-match",
    },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get("access-control-allow-origin"), "*");
  assert.equal(preflight.headers.get("access-control-allow-headers"), "range, if-none-match");
  assert.match(preflight.headers.get("access-control-allow-methods") ?? "", /GET/);
  const simple = await send(open, "/hello.txt", { headers: { origin: "https://example.com" } });
  await simple.body?.cancel();
  assert.equal(simple.headers.get("access-control-allow-origin"), "*");
  assert.equal(simple.headers.get("access-control-allow-credentials"), null);
  const closed = await send(app, "/hello.txt", { headers: { origin: "https://example.com" } });
  await closed.body?.cancel();
  assert.equal(closed.headers.get("access-control-allow-origin"), null);
});

Deno.test("createApp() sends HSTS only when serving TLS", async () => {
  const tls = await buildApp(fixture.root, {}, true);
  const response = await send(tls, "/hello.txt");
  await response.body?.cancel();
  assert.match(response.headers.get("strict-transport-security") ?? "", /^max-age=\d+/);
});

Deno.test("serveFiles() answers 200 to an invalid If-None-Match with a matching If-Modified-Since", async () => {
  const first = await send(app, "/hello.txt");
  await first.body?.cancel();
  const lastModified = first.headers.get("last-modified")!;
  const answer = await sendText(app, "/hello.txt", {
    headers: { "if-none-match": "not match etag", "if-modified-since": lastModified },
  });
  assert.equal(answer.status, 200, "a present If-None-Match makes If-Modified-Since ignored");
  assert.equal(answer.body, C.HELLO);
  const plain = await send(app, "/hello.txt", { headers: { "if-modified-since": lastModified } });
  await plain.body?.cancel();
  assert.equal(plain.status, 304);
});
