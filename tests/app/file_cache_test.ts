import assert from "node:assert/strict";
import { createApp } from "../../lib/app.ts";
import type { Handler } from "../../lib/compose.ts";
import { DEFAULT_SETTINGS, type Settings } from "../../lib/config/schema.ts";
import { denoFileSystem } from "../../lib/fs/deno_fs.ts";
import type { FileSystem } from "../../lib/fs/types.ts";
import type { FileCache } from "../../lib/serve/file_cache.ts";
import { compileRuntime } from "../../lib/runtime.ts";
import { send, sendText } from "./app_harness.ts";

/** A fresh root plus an app over it sharing `cache`, for tests that edit files. */
async function setup(
  overrides: Partial<Settings> = {},
): Promise<{ root: string; app: Handler; cache: FileCache }> {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth-cache-" }));
  const settings: Settings = {
    ...DEFAULT_SETTINGS,
    ...overrides,
    root,
    cache: { ...DEFAULT_SETTINGS.cache, ...overrides.cache, enabled: true },
  };
  const runtime = await compileRuntime(settings, { fs: denoFileSystem, root, tls: false });
  return { root, app: createApp(runtime), cache: runtime.cache };
}

/** Moves `path`'s mtime a second back: the cache keeps nothing changed in the last moments. */
async function settle(path: string): Promise<void> {
  const past = new Date(Date.now() - 1000);
  await Deno.utime(path, past, past);
}

Deno.test("serveFiles() serves repeat requests from the cache and counts hits", async () => {
  const { root, app, cache } = await setup();
  try {
    await Deno.writeTextFile(`${root}/a.txt`, "first");
    assert.equal((await sendText(app, "/a.txt")).body, "first");
    assert.equal(cache.stats().entries, 0, "just written: too recent to compare later");
    await settle(`${root}/a.txt`);
    assert.equal((await sendText(app, "/a.txt")).body, "first");
    const before = cache.stats();
    assert.equal(before.entries, 1);
    assert.equal((await sendText(app, "/a.txt")).body, "first");
    assert.equal(cache.stats().hits, before.hits + 1);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("serveFiles() answers every repeat of a cached file whole, whatever came before", async () => {
  const { root, app, cache } = await setup();
  try {
    const text = "berth ".repeat(400);
    await Deno.writeTextFile(`${root}/page.html`, text);
    await settle(`${root}/page.html`);
    const first = await sendText(app, "/page.html");
    const etag = first.headers.get("etag")!;
    const hitsBefore = cache.stats().hits;
    // GETs, HEADs, 304s and gzip answers share precomputed responses; none may use up another.
    for (let round = 0; round < 3; round++) {
      const get = await sendText(app, "/page.html");
      assert.equal(get.status, 200);
      assert.equal(get.body, text);
      assert.equal(get.headers.get("content-length"), String(text.length));
      const head = await send(app, "/page.html", { method: "HEAD" });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get("content-length"), String(text.length));
      assert.equal(await head.text(), "");
      const notModified = await send(app, "/page.html", { headers: { "if-none-match": etag } });
      assert.equal(notModified.status, 304);
      assert.equal(notModified.headers.get("etag"), etag);
      assert.equal(await notModified.text(), "");
      const gzip = await send(app, "/page.html", { headers: { "accept-encoding": "gzip" } });
      assert.equal(gzip.headers.get("content-encoding"), "gzip");
      const unzipped = gzip.body!.pipeThrough(new DecompressionStream("gzip"));
      assert.equal(await new Response(unzipped).text(), text);
    }
    assert.equal(cache.stats().hits - hitsBefore, 12);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("serveFiles() never serves a stale cached file after edit, truncate, replace or delete", async () => {
  const { root, app } = await setup();
  try {
    const path = `${root}/page.html`;
    await Deno.writeTextFile(path, "<p>one</p>");
    const first = await sendText(app, "/page.html");
    assert.equal(first.body, "<p>one</p>");

    // Edit in place with the same length: the mtime (and maybe only it) changes.
    await Deno.writeTextFile(path, "<p>two</p>");
    await Deno.utime(path, new Date(), new Date(Date.now() + 5000));
    const edited = await sendText(app, "/page.html");
    assert.equal(edited.body, "<p>two</p>");
    assert.notEqual(edited.headers.get("etag"), first.headers.get("etag"));

    // Truncate.
    await Deno.truncate(path, 3);
    const truncated = await sendText(app, "/page.html");
    assert.equal(truncated.body, "<p>");
    assert.equal(truncated.headers.get("content-length"), "3");

    // Replace by rename (a new inode), keeping size and mtime.
    const stat = await Deno.stat(path);
    await Deno.writeTextFile(`${root}/next.tmp`, "abc");
    await Deno.utime(`${root}/next.tmp`, stat.atime!, stat.mtime!);
    await Deno.rename(`${root}/next.tmp`, path);
    const replaced = await sendText(app, "/page.html");
    assert.equal(replaced.body, "abc");

    // Delete.
    await Deno.remove(path);
    const deleted = await send(app, "/page.html");
    await deleted.body?.cancel();
    assert.equal(deleted.status, 404);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("serveFiles() keeps symlink and dotfile containment for cached paths", async () => {
  const { root, app } = await setup();
  const outside = await Deno.makeTempDir({ prefix: "berth-outside-" });
  try {
    await Deno.writeTextFile(`${outside}/secret.txt`, "outside secret");
    await Deno.writeTextFile(`${root}/target.txt`, "inside");
    await Deno.symlink(`${root}/target.txt`, `${root}/link.txt`);
    assert.equal((await sendText(app, "/link.txt")).body, "inside");
    // Swap the link to point outside the root: the cached answer must not survive.
    await Deno.remove(`${root}/link.txt`);
    await Deno.symlink(`${outside}/secret.txt`, `${root}/link.txt`);
    const swapped = await sendText(app, "/link.txt");
    assert.equal(swapped.status, 404);
    assert.ok(!swapped.body.includes("outside secret"));
    // A hidden name stays hidden however often it is asked for.
    await Deno.writeTextFile(`${root}/.env`, "TOKEN=1");
    for (let i = 0; i < 2; i++) {
      const hidden = await sendText(app, "/.env");
      assert.equal(hidden.status, 404);
      assert.ok(!hidden.body.includes("TOKEN"));
    }
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("serveFiles() renders a listing once per directory state and again after a change", async () => {
  const { root, app, cache } = await setup({ listing: true });
  try {
    await Deno.mkdir(`${root}/docs`);
    await Deno.writeTextFile(`${root}/docs/a.txt`, "a");
    await settle(`${root}/docs`);
    const first = await sendText(app, "/docs/");
    assert.ok(first.body.includes("a.txt"));
    const hits = cache.stats().hits;
    const again = await sendText(app, "/docs/");
    assert.equal(again.body, first.body);
    assert.equal(cache.stats().hits, hits + 1);
    await Deno.writeTextFile(`${root}/docs/b.txt`, "b");
    // The directory's mtime has 1 ms+ resolution; make the change unmistakable.
    await Deno.utime(`${root}/docs`, new Date(), new Date(Date.now() + 5000));
    const changed = await sendText(app, "/docs/");
    assert.ok(changed.body.includes("b.txt"));
    const json = await sendText(app, "/docs/", { headers: { accept: "application/json" } });
    assert.deepEqual(
      JSON.parse(json.body).entries.map((entry: { name: string }) => entry.name),
      ["a.txt", "b.txt"],
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("serveFiles() answers from a current cache right after a write, watcher or not", async () => {
  const { root, app, cache } = await setup();
  const watch = cache.watch(root);
  try {
    await Deno.writeTextFile(`${root}/w.txt`, "old");
    assert.equal((await sendText(app, "/w.txt")).body, "old");
    assert.equal((await sendText(app, "/later.txt")).status, 404);
    assert.equal((await sendText(app, "/later.txt")).status, 404);
    // No waiting: the watcher's events may still be on their way.
    await Deno.writeTextFile(`${root}/w.txt`, "new!");
    await Deno.writeTextFile(`${root}/later.txt`, "here");
    assert.equal((await sendText(app, "/w.txt")).body, "new!");
    assert.equal((await sendText(app, "/later.txt")).body, "here");
    await Deno.remove(`${root}/later.txt`);
    assert.equal((await sendText(app, "/later.txt")).status, 404);
  } finally {
    watch.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("serveFiles() drops a listing through the watcher when a listed file changes in place", async () => {
  const { root, app, cache } = await setup({ listing: true });
  const watch = cache.watch(root);
  try {
    await Deno.mkdir(`${root}/docs`);
    await Deno.writeTextFile(`${root}/docs/a.txt`, "1");
    const sizeOfA = async () => {
      const json = await sendText(app, "/docs/", { headers: { accept: "application/json" } });
      return JSON.parse(json.body).entries.find((entry: { name: string }) => entry.name === "a.txt")
        .size;
    };
    assert.equal(await sizeOfA(), 1);
    // An in-place edit leaves the directory's mtime alone; only the watcher sees it.
    await Deno.writeTextFile(`${root}/docs/a.txt`, "12345");
    let size = 0;
    for (let i = 0; i < 200 && size !== 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      size = await sizeOfA();
    }
    assert.equal(size, 5);
  } finally {
    watch.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("serveFiles() serves from disk with the cache turned off", async () => {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth-nocache-" }));
  try {
    const settings: Settings = {
      ...DEFAULT_SETTINGS,
      root,
      cache: { ...DEFAULT_SETTINGS.cache, enabled: false },
    };
    const app = createApp(await compileRuntime(settings, { fs: denoFileSystem, root, tls: false }));
    await Deno.writeTextFile(`${root}/x.txt`, "1");
    assert.equal((await sendText(app, "/x.txt")).body, "1");
    await Deno.writeTextFile(`${root}/x.txt`, "22");
    assert.equal((await sendText(app, "/x.txt")).body, "22");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("serveFiles() reads only the requested range of a file too big for the cache", async () => {
  const { root, app } = await setup({
    cache: { ...DEFAULT_SETTINGS.cache, maxFileBytes: 16 },
  });
  try {
    const content = "0123456789".repeat(20_000);
    await Deno.writeTextFile(`${root}/big.txt`, content);
    for (
      const [range, expected] of [
        ["bytes=10-19", content.slice(10, 20)],
        ["bytes=-5", content.slice(-5)],
        [`bytes=100-${100 + 70_000}`, content.slice(100, 100 + 70_001)],
      ] as const
    ) {
      const response = await sendText(app, "/big.txt", { headers: { range } });
      assert.equal(response.status, 206, range);
      assert.equal(response.body, expected, range);
      assert.equal(response.headers.get("content-length"), String(expected.length), range);
    }
    const whole = await sendText(app, "/big.txt");
    assert.equal(whole.body.length, content.length);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("serveFiles() answers 404, not 500, for a file that vanishes between its check and its read", async () => {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth-vanish-" }));
  try {
    await Deno.writeTextFile(`${root}/small.txt`, "small");
    await Deno.writeFile(`${root}/big.bin`, new Uint8Array(2 * 1024 * 1024));
    // The race, made certain: every stat succeeds, every open or read finds
    // nothing. (A multipart body opens its parts while it is sent, after the
    // status: a part that vanishes then ends the response early.)
    const gone = () => Promise.reject(new Deno.errors.NotFound("No such file or directory"));
    const vanishing: FileSystem = { ...denoFileSystem, open: gone, readFile: gone };
    delete vanishing.readRangeSync;
    const settings: Settings = { ...DEFAULT_SETTINGS, root };
    const app = createApp(await compileRuntime(settings, { fs: vanishing, root, tls: false }));
    for (
      const [path, init] of [
        ["/small.txt", {}],
        ["/big.bin", {}],
        ["/big.bin", { headers: { range: "bytes=0-9" } }],
        ["/big.bin", { headers: { range: "bytes=0-99999" } }],
      ] as const
    ) {
      const response = await sendText(app, path, init);
      assert.equal(response.status, 404, `${path} ${JSON.stringify(init)}`);
      assert.match(response.body, /Nothing is served at this path/);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("serveFiles() reuses what the routing layers' probe resolved instead of asking the disk again", async () => {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth-shared-" }));
  try {
    await Deno.writeTextFile(`${root}/about.html`, "<p>about</p>");
    await settle(`${root}/about.html`);
    await settle(root);
    const realPaths: string[] = [];
    const counting: FileSystem = {
      ...denoFileSystem,
      realPath: (path) => {
        realPaths.push(path);
        return denoFileSystem.realPath(path);
      },
    };
    const settings: Settings = { ...DEFAULT_SETTINGS, root, cleanUrls: true };
    const app = createApp(await compileRuntime(settings, { fs: counting, root, tls: false }));
    realPaths.length = 0;
    // Clean URLs probe `about.html` to rewrite `/about`; the core then serves that very file.
    const response = await sendText(app, "/about");
    assert.equal(response.status, 200);
    assert.equal(response.body, "<p>about</p>");
    assert.deepEqual(realPaths.filter((path) => path === `${root}/about.html`), [
      `${root}/about.html`,
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("serveFiles() keeps one cache entry for every spelling of a path", async () => {
  const { root, app, cache } = await setup();
  try {
    await Deno.mkdir(`${root}/a`);
    await Deno.writeTextFile(`${root}/hello.txt`, "hello");
    await settle(`${root}/hello.txt`);
    assert.equal((await sendText(app, "/hello.txt")).body, "hello");
    const before = cache.stats();
    assert.equal(before.entries, 1);
    // An attacker's spellings of the same file must not each take an entry (and memory).
    const spellings = [
      "//hello.txt",
      "///hello.txt",
      "/%68ello.txt",
      "/a/../hello.txt",
      "/./hello.txt",
    ];
    for (const spelling of spellings) {
      const answer = await sendText(app, spelling);
      assert.equal(answer.status, 200, spelling);
      assert.equal(answer.body, "hello", spelling);
    }
    const after = cache.stats();
    assert.equal(after.entries, 1, "one entry for all spellings");
    assert.equal(after.hits, before.hits + spellings.length, "every spelling is a hit");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
