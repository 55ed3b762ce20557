/**
 * `frozen: true` through the composed handler: a cached answer and a
 * remembered 404 make no filesystem call, a change on disk is not seen (the
 * documented trade-off) while without it the next request sees it, and every
 * main route — file, index, listing, redirect, 404, custom 404, precompressed
 * sibling, on-the-fly coding, Range, 304, dotfiles, own files, a protected
 * file through a symlink alias — answers exactly as without it.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { createApp } from "../../lib/app.ts";
import type { Handler } from "../../lib/compose.ts";
import { DEFAULT_SETTINGS, type Settings } from "../../lib/config/schema.ts";
import { hashPassword } from "../../lib/auth/passwords.ts";
import { denoFileSystem } from "../../lib/fs/deno_fs.ts";
import type { FileSystem } from "../../lib/fs/types.ts";
import { compileRuntime, type Runtime } from "../../lib/runtime.ts";
import { createMemoryFileSystem, OLD_MTIME_MS } from "../fixtures/memory_fs.ts";
import { sendText } from "./app_harness.ts";

/** Compiles the runtime and app for `settings` over `fs`. */
async function build(
  fs: FileSystem,
  root: string,
  overrides: Partial<Settings>,
): Promise<{ app: Handler; runtime: Runtime }> {
  const settings: Settings = { ...DEFAULT_SETTINGS, root, ...overrides };
  const runtime = await compileRuntime(settings, { fs, root, tls: false });
  return { app: createApp(runtime), runtime };
}

Deno.test("`frozen` answers cached files, 304s and remembered 404s with no filesystem call", async () => {
  const fs = createMemoryFileSystem({
    "/site/a.txt": "alpha",
    "/site/404.html": "custom not found",
    "/site/docs/index.html": "<h1>docs</h1>",
  });
  const { app } = await build(fs, "/site", { frozen: true });
  const etag = (await sendText(app, "/a.txt")).headers.get("etag")!;
  // The first answer of each builds what the repeats reuse.
  for (const path of ["/missing.txt", "/docs/", "/404.html"]) await sendText(app, path);
  fs.resetCalls();
  for (let round = 0; round < 3; round++) {
    assert.equal((await sendText(app, "/a.txt")).body, "alpha");
    assert.equal((await sendText(app, "/a.txt", { method: "HEAD" })).status, 200);
    const notModified = await sendText(app, "/a.txt", { headers: { "if-none-match": etag } });
    assert.equal(notModified.status, 304);
    const missing = await sendText(app, "/missing.txt");
    assert.deepEqual([missing.status, missing.body], [404, "custom not found"]);
    assert.equal((await sendText(app, "/docs/")).body, "<h1>docs</h1>");
  }
  assert.deepEqual(fs.calls, {}, "no stat, open or read of any kind");
});

Deno.test("`frozen` keeps answering a changed file as it was; without it the change is seen", async () => {
  for (const frozen of [false, true]) {
    const fs = createMemoryFileSystem({ "/site/a.txt": "before" });
    const { app } = await build(fs, "/site", { frozen });
    assert.equal((await sendText(app, "/a.txt")).body, "before");
    assert.equal((await sendText(app, "/missing.txt")).status, 404);
    fs.write("/site/a.txt", "after!", { mtimeMs: OLD_MTIME_MS + 5000, newInode: true });
    fs.write("/site/missing.txt", "now here", { mtimeMs: OLD_MTIME_MS + 5000 });
    const edited = await sendText(app, "/a.txt");
    const created = await sendText(app, "/missing.txt");
    if (frozen) {
      assert.equal(edited.body, "before", "frozen: the cached answer stands");
      assert.equal(created.status, 404, "frozen: the remembered 404 stands");
    } else {
      assert.equal(edited.body, "after!");
      assert.deepEqual([created.status, created.body], [200, "now here"]);
    }
  }
});

Deno.test("`frozen` stays within the cache's byte bound, reading an evicted file again once", async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 8; i++) files[`/site/f${i}.txt`] = String(i).repeat(1000);
  const fs = createMemoryFileSystem(files);
  const { app, runtime } = await build(fs, "/site", {
    frozen: true,
    cache: { ...DEFAULT_SETTINGS.cache, maxFileBytes: 2000, maxTotalBytes: 6000 },
  });
  for (let i = 0; i < 8; i++) await sendText(app, `/f${i}.txt`);
  const { bytes, entries } = runtime.cache.stats();
  assert.ok(bytes <= 6000 && entries < 8, `bounded: ${entries} entries, ${bytes} bytes`);
  fs.resetCalls();
  assert.equal((await sendText(app, "/f0.txt")).body, "0".repeat(1000), "evicted: built again");
  assert.ok((fs.calls.readFile ?? 0) + (fs.calls.open ?? 0) >= 1, "read from disk once more");
  fs.resetCalls();
  assert.equal((await sendText(app, "/f0.txt")).body, "0".repeat(1000));
  assert.deepEqual(fs.calls, {}, "then a hit again");
});

Deno.test("`frozen` does not start the cache watcher", async () => {
  const fs = createMemoryFileSystem({ "/site/a.txt": "a" });
  const { runtime } = await build(fs, "/site", { frozen: true });
  const root = await Deno.makeTempDir({ prefix: "berth-frozen-watch-" });
  try {
    const watch = runtime.cache.watch(root);
    watch.close();
    // A second watch would be refused while one runs; frozen refuses every one.
    assert.equal(watch, runtime.cache.watch(root), "the shared no-op watch");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

const ADMIN = "Basic " + btoa("ada:ada-password-1");

/** The replayed site: public and protected files, aliases, siblings, own files. */
const SITE: Record<string, string> = {
  "index.html": "<h1>home</h1>",
  "hello.txt": "hello world\n",
  "page.html": "<p>page</p>".repeat(200),
  "app.js": "export const x = 1;\n".repeat(100),
  "app.js.gz": "gzip bytes of app.js",
  "docs/a.txt": "docs a",
  "docs/b.txt": "docs b",
  "admin/a.txt": "admin secret a",
  "pub/open.txt": "open",
  "404.html": "<p>custom not found</p>",
  ".env": "SECRET=1",
  "secret.txt": "jwt-secret-0123456789abcdef0123456789",
};

/** Request paths with the headers each is sent with. */
const ROUTES: [string, RequestInit?][] = [
  ["/"],
  ["/hello.txt"],
  ["/hello.txt", { method: "HEAD" }],
  ["/hello.txt", { headers: { range: "bytes=0-4" } }],
  ["/hello.txt", { headers: { range: "bytes=100-200" } }],
  ["/page.html", { headers: { "accept-encoding": "gzip" } }],
  ["/app.js", { headers: { "accept-encoding": "gzip, br" } }],
  ["/app.js"],
  ["/docs"],
  ["/docs/"],
  ["/docs/?format=json"],
  ["/missing.txt"],
  ["/docs/missing/deeper.txt"],
  ["/.env"],
  ["/secret.txt"],
  ["/users.json"],
  ["/admin/a.txt"],
  ["/admin/a.txt", { headers: { authorization: ADMIN } }],
  ["/pub/adm/a.txt"],
  ["/pub/adm/a.txt", { headers: { authorization: ADMIN } }],
  ["/pub/adm/missing.txt"],
  ["/pub/a-link.txt"],
  ["/pub/a-link.txt", { headers: { authorization: ADMIN } }],
  ["/pub/"],
  ["/pub/", { headers: { authorization: ADMIN } }],
  ["/hello.txt", { method: "POST" }],
];

/** Status, headers (but Date) and body, for comparing two answers. */
async function describe(app: Handler, path: string, init: RequestInit = {}): Promise<string> {
  const { status, headers, body } = await sendText(app, path, init);
  const fields = [...headers].filter(([name]) => name !== "date");
  return JSON.stringify({ status, fields, body });
}

Deno.test("`frozen` answers every main route exactly as berth does without it", async () => {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth-frozen-" }));
  try {
    for (const [name, text] of Object.entries(SITE)) {
      await Deno.mkdir(join(root, name, ".."), { recursive: true });
      await Deno.writeTextFile(join(root, name), text);
    }
    const users = [{
      name: "ada",
      passwordHash: await hashPassword("ada-password-1"),
      roles: ["admin"],
    }];
    await Deno.writeTextFile(join(root, "users.json"), JSON.stringify({ users }));
    await Deno.symlink("../admin", join(root, "pub/adm"));
    await Deno.symlink("../admin/a.txt", join(root, "pub/a-link.txt"));
    // Old enough for the live cache to keep what it builds, so both modes answer from memory.
    const past = new Date(Date.now() - 60_000);
    for (const name of [...Object.keys(SITE), "users.json", "docs", "admin", "pub", "."]) {
      await Deno.utime(join(root, name), past, past);
    }
    const settings: Partial<Settings> = {
      listing: true,
      access: [{ path: "/admin/*", roles: ["admin"] }],
      auth: {
        ...DEFAULT_SETTINGS.auth,
        users: join(root, "users.json"),
        basic: true,
        jwt: { ...DEFAULT_SETTINGS.auth.jwt, secretFile: join(root, "secret.txt") },
      },
    };
    const live = (await build(denoFileSystem, root, settings)).app;
    const frozen = (await build(denoFileSystem, root, { ...settings, frozen: true })).app;
    const etag = (await sendText(live, "/hello.txt")).headers.get("etag")!;
    const routes: [string, RequestInit?][] = [
      ...ROUTES,
      ["/hello.txt", { headers: { "if-none-match": etag } }],
    ];
    // Three rounds: the first builds, the others answer from what was remembered.
    for (let round = 0; round < 3; round++) {
      for (const [path, init] of routes) {
        const expected = await describe(live, path, init);
        const actual = await describe(frozen, path, init);
        assert.equal(actual, expected, `${init?.method ?? "GET"} ${path} (round ${round})`);
      }
    }
    // The replay must cover what it claims: a 304, a 206, a 401 through the alias, the custom 404.
    const statuses = await Promise.all(
      routes.map(async ([path, init]) => (await sendText(frozen, path, init)).status),
    );
    for (const status of [200, 206, 301, 304, 401, 404, 405, 416]) {
      assert.ok(statuses.includes(status), `a route answers ${status}`);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
