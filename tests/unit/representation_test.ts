/**
 * The representation builder on an in-memory tree: every header of a file's
 * answers is final when its record is built, siblings stand for the file only
 * beside its real path, and bodies are read only when small enough.
 */
import assert from "node:assert/strict";
import { createFileCache } from "../../lib/serve/file_cache.ts";
import {
  buildFileRecord,
  createErrorPage,
  type RecordSettings,
} from "../../lib/serve/representation.ts";
import { createSiteResolver } from "../../lib/serve/resolver.ts";
import { createMemoryFileSystem, OLD_MTIME_MS } from "../fixtures/memory_fs.ts";

const ROOT = "/srv/site";
const BASE = { "x-content-type-options": "nosniff" };
const LAST_MODIFIED = new Date(OLD_MTIME_MS).toUTCString();

function settings(overrides: Partial<RecordSettings> = {}): RecordSettings {
  const fs = createMemoryFileSystem({
    [`${ROOT}/page.html`]: "<p>hello</p>".repeat(10),
    [`${ROOT}/page.html.gz`]: "gzipped",
    [`${ROOT}/page.html.br`]: { link: `${ROOT}/admin/other.br` },
    [`${ROOT}/admin/other.br`]: "not page.html's coding",
    [`${ROOT}/app-BdS3kX1a.js`]: "x",
    [`${ROOT}/empty.txt`]: "",
    [`${ROOT}/photo.png`]: "png",
  });
  const cache = createFileCache(fs, { enabled: true, maxFileBytes: 1024, maxTotalBytes: 1 << 20 });
  return {
    fs,
    root: ROOT,
    resolver: createSiteResolver({ fs, root: ROOT, dotfiles: false, cache }),
    cacheControl: { default: "no-cache", immutable: "public, max-age=31536000, immutable" },
    base: BASE,
    maxBodyBytes: 1024,
    compression: { precompressed: true, onTheFly: true, minBytes: 10 },
    onTheFlyMaxBytes: 1024,
    ...overrides,
  };
}

async function build(name: string, overrides: Partial<RecordSettings> = {}) {
  const recordSettings = settings(overrides);
  const path = `${ROOT}/${name}`;
  const info = await recordSettings.fs.stat(path);
  return await buildFileRecord({ path, info }, [name], recordSettings, {
    key: `/${name}`,
    container: null,
  });
}

Deno.test("`buildFileRecord()` computes every header of the identity 200 and 304 up front", async () => {
  const cases: {
    name: string;
    file: string;
    headers: Record<string, string>;
    notModified: Record<string, string>;
  }[] = [
    {
      name: "a compressible page",
      file: "page.html",
      headers: {
        "x-content-type-options": "nosniff",
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-cache",
        "accept-ranges": "bytes",
        "last-modified": LAST_MODIFIED,
        vary: "Accept-Encoding",
        "content-length": "120",
      },
      notModified: { "cache-control": "no-cache", vary: "Accept-Encoding" },
    },
    {
      name: "a hashed asset",
      file: "app-BdS3kX1a.js",
      headers: {
        "cache-control": "public, max-age=31536000, immutable",
        vary: "Accept-Encoding",
        "content-length": "1",
      },
      notModified: {
        "cache-control": "public, max-age=31536000, immutable",
        vary: "Accept-Encoding",
      },
    },
    {
      name: "an image (no Vary)",
      file: "photo.png",
      headers: { "content-type": "image/png", "content-length": "3" },
      notModified: { "cache-control": "no-cache" },
    },
  ];
  for (const { name, file, headers, notModified } of cases) {
    const { record } = await build(file);
    const { identity } = record;
    assert.equal(identity.encoding, null, name);
    for (const [header, value] of Object.entries(headers)) {
      assert.equal(identity.headers[header], value, `${name}: ${header}`);
    }
    assert.equal(identity.headers.etag, identity.etag, name);
    assert.equal("content-encoding" in identity.headers, false, name);
    if (!("vary" in headers)) assert.equal("vary" in identity.headers, false, name);
    const response = identity.notModified.respond("GET");
    assert.equal(response.status, 304, name);
    assert.equal(response.headers.get("etag"), identity.etag, name);
    assert.equal(response.headers.get("x-content-type-options"), "nosniff", name);
    for (const [header, value] of Object.entries(notModified)) {
      assert.equal(response.headers.get(header), value, `${name}: 304 ${header}`);
    }
    if (!("vary" in notModified)) assert.equal(response.headers.get("vary"), null, name);
  }
});

Deno.test("`buildFileRecord()` offers siblings beside the real path and on-the-fly codings by size", async () => {
  const cases: { name: string; file: string; overrides: Partial<RecordSettings>; want: string }[] =
    [
      {
        name: "gz sibling, br one elsewhere refused, br made",
        file: "page.html",
        overrides: {},
        want: "br,gzip",
      },
      {
        name: "siblings only",
        file: "page.html",
        overrides: { compression: { precompressed: true, onTheFly: false, minBytes: 10 } },
        want: "gzip",
      },
      {
        name: "too small to compress",
        file: "app-BdS3kX1a.js",
        overrides: {},
        want: "",
      },
      { name: "not compressible", file: "photo.png", overrides: {}, want: "" },
      { name: "compression off", file: "page.html", overrides: { compression: null }, want: "" },
    ];
  for (const { name, file, overrides, want } of cases) {
    const { record } = await build(file, overrides);
    assert.equal(record.availableKey, want, name);
  }
  const { record, validators, bytes } = await build("page.html");
  const gzip = record.encoded.get("gzip");
  assert.ok(gzip !== undefined && !(gzip instanceof Promise));
  assert.equal(gzip.path, `${ROOT}/page.html.gz`);
  assert.equal(gzip.headers["content-encoding"], "gzip");
  assert.equal(gzip.headers["content-length"], "7");
  assert.match(gzip.etag, /-gzip"$/);
  assert.equal(record.encoded.has("br"), false, "made on the fly, not taken from elsewhere");
  assert.deepEqual(validators.map((validator) => validator.path), [
    `${ROOT}/page.html`,
    `${ROOT}/page.html.gz`,
  ]);
  assert.equal(bytes, 120 + 7);
});

Deno.test("`buildFileRecord()` keeps small bodies in memory with a template, and streams the rest", async () => {
  const cases: { name: string; file: string; maxBodyBytes: number; inMemory: boolean }[] = [
    { name: "small", file: "page.html", maxBodyBytes: 1024, inMemory: true },
    { name: "over the limit", file: "page.html", maxBodyBytes: 100, inMemory: false },
    { name: "cache off", file: "page.html", maxBodyBytes: 0, inMemory: false },
  ];
  for (const { name, file, maxBodyBytes, inMemory } of cases) {
    const { record } = await build(file, { maxBodyBytes });
    assert.equal(record.identity.body !== null, inMemory, name);
    assert.equal(record.identity.ok !== null, inMemory, name);
    assert.equal(record.identity.size, 120, name);
  }
  const empty = await build("empty.txt", { maxBodyBytes: 0 });
  assert.equal(empty.record.identity.body, null);
  assert.notEqual(empty.record.identity.ok, null, "an empty body needs no read");
});

Deno.test("`createErrorPage()` sends the page's bytes with no validators, revalidated each time", async () => {
  const { record } = await build("page.html");
  const page = createErrorPage(record, 404);
  assert.deepEqual(page.headers, {
    "x-content-type-options": "nosniff",
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-cache",
    "content-length": "120",
    vary: "Accept-Encoding",
  });
  const response = page.ok!.respond("GET");
  assert.equal(response.status, 404);
  assert.equal(await response.text(), "<p>hello</p>".repeat(10));
});
