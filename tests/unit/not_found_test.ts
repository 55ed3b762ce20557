/**
 * The core's not-found answer on an in-memory tree: the custom page when it
 * is on, exists and may be shown, else the built-in one; the page is read
 * once and then answered from the cache.
 */
import assert from "node:assert/strict";
import type { RequestContext } from "../../lib/compose.ts";
import { createFileCache } from "../../lib/serve/file_cache.ts";
import { createNotFoundResponder } from "../../lib/serve/not_found.ts";
import { createRecordLoader } from "../../lib/serve/record_store.ts";
import { createSiteResolver } from "../../lib/serve/resolver.ts";
import type { ResourceGuard } from "../../lib/serve/resource.ts";
import { createMemoryFileSystem } from "../fixtures/memory_fs.ts";
import { urlParts } from "../fixtures/context.ts";

const ROOT = "/srv/site";
const PAGE = "<h1>Lost?</h1>";

function setup(notFoundPage: string | null, guard?: ResourceGuard) {
  const fs = createMemoryFileSystem({
    [`${ROOT}/404.html`]: PAGE,
    [`${ROOT}/private/404.html`]: "private page",
  });
  const cache = createFileCache(fs, { enabled: true, maxFileBytes: 1024, maxTotalBytes: 1 << 20 });
  const resolver = createSiteResolver({ fs, root: ROOT, dotfiles: false, cache });
  const loadRecord = createRecordLoader({
    fs,
    root: ROOT,
    resolver,
    cacheControl: { default: "no-cache", immutable: "immutable" },
    base: { "x-frame-options": "SAMEORIGIN" },
    maxBodyBytes: 1024,
    compression: null,
    onTheFlyMaxBytes: 1024,
  }, cache);
  const responder = createNotFoundResponder({
    fs,
    root: ROOT,
    notFoundPage,
    resolver,
    cache,
    loadRecord,
    guard,
    base: { "x-frame-options": "SAMEORIGIN" },
  });
  return { fs, responder };
}

function contextFor(path: string): RequestContext {
  return {
    ...urlParts(new URL(`http://localhost${path}`)),
    requestId: "test",
    clientAddress: "127.0.0.1",
    startTime: 0,
    secure: false,
    user: null,
  };
}

/** A guard that refuses to show anything under /private/. */
const PRIVATE_GUARD: ResourceGuard = {
  admit: () => null,
  mayShow: (_context, resource) => !resource.accessPath.startsWith("/private/"),
};

Deno.test("`respondNotFound()` sends the custom page when it exists and may be shown", async () => {
  const cases: {
    name: string;
    page: string | null;
    guard?: ResourceGuard;
    custom: boolean;
  }[] = [
    { name: "the page", page: "404.html", custom: true },
    { name: "turned off", page: null, custom: false },
    { name: "missing page", page: "nope.html", custom: false },
    {
      name: "a page the caller may not see",
      page: "private/404.html",
      guard: PRIVATE_GUARD,
      custom: false,
    },
    {
      name: "a public page with access rules",
      page: "404.html",
      guard: PRIVATE_GUARD,
      custom: true,
    },
  ];
  for (const { name, page, guard, custom } of cases) {
    const { responder } = setup(page, guard);
    const response = await responder.respondNotFound(
      new Request("http://localhost/x", { headers: { accept: "text/html" } }),
      contextFor("/x"),
    );
    const body = await response.text();
    assert.equal(response.status, 404, name);
    assert.equal(response.headers.get("x-frame-options"), "SAMEORIGIN", name);
    assert.equal(body === PAGE, custom, name);
    assert.equal(
      response.headers.get("cache-control"),
      custom ? "no-cache" : "no-store",
      name,
    );
  }
});

Deno.test("`respondNotFound()` reads the custom page once and answers HEAD without a body", async () => {
  const { fs, responder } = setup("404.html");
  const ask = (method: string) =>
    responder.respondNotFound(new Request("http://localhost/x", { method }), contextFor("/x"));
  assert.equal(await (await ask("GET")).text(), PAGE);
  fs.resetCalls();
  const again = await ask("GET");
  assert.equal(await again.text(), PAGE);
  const head = await ask("HEAD");
  assert.equal(head.headers.get("content-length"), String(PAGE.length));
  assert.equal(await head.text(), "");
  assert.equal(fs.calls.readFile, undefined, "served from the cache");
});

Deno.test("`respondNotFound()` never reads a custom page the caller may not see", async () => {
  const { fs, responder } = setup("private/404.html", PRIVATE_GUARD);
  fs.resetCalls();
  const response = await responder.respondNotFound(
    new Request("http://localhost/x", { headers: { accept: "text/html" } }),
    contextFor("/x"),
  );
  assert.equal(response.status, 404);
  assert.notEqual(await response.text(), "private page");
  // SECURITY: the guard decides on the page's real path before a byte of it is read.
  assert.equal(fs.calls.readFile, undefined, "readFile");
  assert.equal(fs.calls.open, undefined, "open");
});

Deno.test("`respondNotFound()` answers the built-in 404 when the custom page vanishes before it is read", async () => {
  const fs = createMemoryFileSystem({ [`${ROOT}/404.html`]: "x".repeat(4096) });
  const cache = createFileCache(fs, { enabled: true, maxFileBytes: 1024, maxTotalBytes: 1 << 20 });
  const resolver = createSiteResolver({ fs, root: ROOT, dotfiles: false, cache });
  const loadRecord = createRecordLoader({
    fs,
    root: ROOT,
    resolver,
    cacheControl: { default: "no-cache", immutable: "immutable" },
    base: {},
    // Too big to keep in memory: the page is opened when it is sent.
    maxBodyBytes: 1024,
    compression: null,
    onTheFlyMaxBytes: 1024,
  }, cache);
  // Metadata still says the page is there; opening it fails, as when it is deleted meanwhile.
  const vanishing = {
    ...fs,
    open: () => Promise.reject(new Deno.errors.NotFound("gone")),
  };
  const responder = createNotFoundResponder({
    fs: vanishing,
    root: ROOT,
    notFoundPage: "404.html",
    resolver,
    cache,
    loadRecord,
    base: {},
  });
  const response = await responder.respondNotFound(
    new Request("http://localhost/x", { headers: { accept: "text/html" } }),
    contextFor("/x"),
  );
  assert.equal(response.status, 404);
  assert.match(await response.text(), /Nothing is served at this path/);
});
