import assert from "node:assert/strict";
import type { FileInfo, FileSystem } from "../../lib/fs/types.ts";
import { type CacheDependencies, createFileCache, dependsOn } from "../../lib/serve/file_cache.ts";
import { type CacheValidator, isSameFile, RECENT_CHANGE_MS } from "../../lib/serve/freshness.ts";

/** A fake filesystem whose only job is answering `stat` (and, if asked, `statSync`) from a map. */
function createStatFs(infos: Map<string, FileInfo>, options = { sync: false }): FileSystem {
  const fail = () => Promise.reject(new Deno.errors.NotFound("fake"));
  const statSync = (path: string) => {
    const info = infos.get(path);
    if (info === undefined) throw new Deno.errors.NotFound(path);
    return info;
  };
  return {
    ...(options.sync ? { statSync } : {}),
    stat: (path) => {
      const info = infos.get(path);
      return info === undefined
        ? Promise.reject(new Deno.errors.NotFound(path))
        : Promise.resolve(info);
    },
    lstat: fail,
    realPath: fail,
    open: fail,
    readDir: () => ({ [Symbol.asyncIterator]: () => ({ next: fail }) }),
    readFile: fail,
  };
}

function fileInfo(size: number, mtimeMs = 1000, ino = 1): FileInfo {
  return { isFile: true, isDirectory: false, isSymlink: false, size, mtimeMs, ino };
}

function validator(path: string, info: FileInfo): CacheValidator {
  return { path, directory: false, size: info.size, mtimeMs: info.mtimeMs, ino: info.ino };
}

const NO_DEPENDENCIES: CacheDependencies = { files: [], directories: [] };

Deno.test("isSameFile() matches only the same size, mtime, inode and kind", () => {
  const base = fileInfo(10, 5000, 7);
  const cases: [string, FileInfo, boolean][] = [
    ["identical", base, true],
    ["edited (size)", fileInfo(11, 5000, 7), false],
    ["touched (mtime)", fileInfo(10, 5001, 7), false],
    ["replaced (inode)", fileInfo(10, 5000, 8), false],
    ["now a directory", { ...base, isFile: false, isDirectory: true }, false],
  ];
  for (const [name, info, expected] of cases) {
    assert.equal(isSameFile(validator("/r/a", base), info), expected, name);
  }
});

Deno.test("dependsOn() drops entries for the file, its ancestors and, for directories, children", () => {
  const file: CacheDependencies = { files: ["/r/a/b.txt"], directories: [] };
  const dir: CacheDependencies = { files: [], directories: ["/r/a"] };
  const cases: [string, CacheDependencies, string, boolean][] = [
    ["the file itself", file, "/r/a/b.txt", true],
    ["an ancestor directory", file, "/r/a", true],
    ["a sibling", file, "/r/a/b.txt.gz", false],
    ["a name sharing a prefix", file, "/r/a/b", false],
    ["elsewhere", file, "/r/c", false],
    ["a child of a listed directory", dir, "/r/a/new.txt", true],
    ["a grandchild of a listed directory", dir, "/r/a/x/y", true],
    ["the directory", dir, "/r/a", true],
    ["a sibling directory with the same prefix", dir, "/r/ab/x", false],
  ];
  for (const [name, dependencies, changed, expected] of cases) {
    assert.equal(dependsOn(dependencies, changed), expected, name);
  }
});

Deno.test("createFileCache() evicts least recently used entries to stay within maxTotalBytes", async () => {
  const infos = new Map([["/r/a", fileInfo(1)], ["/r/b", fileInfo(2)], ["/r/c", fileInfo(3)]]);
  const cache = createFileCache<unknown>(createStatFs(infos), {
    enabled: true,
    maxFileBytes: 4096,
    // Each entry counts its bytes, the bookkeeping overhead and its key (UTF-16).
    maxTotalBytes: 3 * (1000 + 512 + "/r/a".length * 2),
  });
  for (const key of ["/r/a", "/r/b", "/r/c"]) {
    cache.set(key, {
      value: key,
      bytes: 1000,
      validators: [validator(key, infos.get(key)!)],
      dependencies: NO_DEPENDENCIES,
    }, cache.epoch);
  }
  assert.equal(cache.stats().entries, 3);
  // Touch /r/a so /r/b is the least recently used one.
  assert.equal(await cache.getChecked("/r/a"), "/r/a");
  cache.set("/r/d", {
    value: "/r/d",
    bytes: 1000,
    validators: [validator("/r/a", infos.get("/r/a")!)],
    dependencies: NO_DEPENDENCIES,
  }, cache.epoch);
  assert.equal(await cache.getChecked("/r/b"), undefined);
  assert.equal(await cache.getChecked("/r/a"), "/r/a");
  assert.equal(await cache.getChecked("/r/d"), "/r/d");
  const stats = cache.stats();
  assert.equal(stats.entries, 3);
  assert.ok(stats.bytes <= 3 * (1512 + "/r/a".length * 2));
  assert.equal(stats.hits, 3);
  assert.equal(stats.misses, 1);
});

Deno.test("createFileCache() checks hits with stat (statSync when offered) and drops changed files", async () => {
  for (const sync of [false, true]) {
    const infos = new Map([["/r/a", fileInfo(5, 1000, 1)]]);
    const cache = createFileCache<unknown>(createStatFs(infos, { sync }), {
      enabled: true,
      maxFileBytes: 4096,
      maxTotalBytes: 1 << 20,
    });
    const lookup = (key: string) => sync ? cache.get(key) : cache.getChecked(key);
    const store = () =>
      cache.set("/a", {
        value: "v",
        bytes: 5,
        validators: [validator("/r/a", infos.get("/r/a")!)],
        dependencies: NO_DEPENDENCIES,
      }, cache.epoch);
    store();
    assert.equal(cache.checksNow, sync, "checked with a blocking stat only with statSync");
    assert.equal(await lookup("/a"), "v");
    infos.set("/r/a", fileInfo(5, 2000, 1));
    assert.equal(await lookup("/a"), undefined, "edited");
    assert.equal(cache.stats().entries, 0);
    store();
    infos.set("/r/a", fileInfo(5, 2000, 2));
    assert.equal(await lookup("/a"), undefined, "replaced");
    store();
    infos.delete("/r/a");
    assert.equal(await lookup("/a"), undefined, "deleted");
    assert.deepEqual(cache.stats(), { hits: 1, misses: 3, entries: 0, bytes: 0 });
  }
});

Deno.test("createFileCache() stores nothing when off, too big, or after a change raced the miss", () => {
  const fs = createStatFs(new Map());
  const off = createFileCache<unknown>(fs, {
    enabled: false,
    maxFileBytes: 10,
    maxTotalBytes: 10_000,
  });
  const init = {
    value: 1,
    bytes: 1,
    validators: [validator("/r/a", fileInfo(1))],
    dependencies: NO_DEPENDENCIES,
  };
  off.set("/a", init, off.epoch);
  assert.equal(off.stats().entries, 0);
  const small = createFileCache<unknown>(fs, {
    enabled: true,
    maxFileBytes: 10,
    maxTotalBytes: 600,
  });
  small.set("/big", { ...init, bytes: 1000 }, small.epoch);
  assert.equal(small.stats().entries, 0);
  small.set("/stale", init, small.epoch - 1);
  assert.equal(small.stats().entries, 0);
});

Deno.test("createFileCache() does not store entries whose files changed too recently to compare", () => {
  const cache = createFileCache<unknown>(createStatFs(new Map(), { sync: true }), {
    enabled: true,
    maxFileBytes: 100,
    maxTotalBytes: 10_000,
  });
  const fresh = fileInfo(5, Date.now() - RECENT_CHANGE_MS / 2);
  cache.set("/fresh", {
    value: 1,
    bytes: 5,
    validators: [validator("/r/fresh", fresh)],
    dependencies: NO_DEPENDENCIES,
  }, cache.epoch);
  const settled = fileInfo(5, Date.now() - RECENT_CHANGE_MS * 2);
  cache.set("/settled", {
    value: 2,
    bytes: 5,
    validators: [validator("/r/settled", settled)],
    dependencies: NO_DEPENDENCIES,
  }, cache.epoch);
  assert.equal(cache.stats().entries, 1);
});

Deno.test("createFileCache() grows an entry for a variant only while it fits", () => {
  const cache = createFileCache<unknown>(createStatFs(new Map()), {
    enabled: true,
    maxFileBytes: 100,
    maxTotalBytes: 2000,
  });
  cache.set("/a", {
    value: 1,
    bytes: 100,
    validators: [validator("/r/a", fileInfo(100))],
    dependencies: NO_DEPENDENCIES,
  }, cache.epoch);
  assert.equal(cache.grow("/a", 50), true);
  assert.equal(cache.stats().bytes, 100 + 50 + 512 + "/a".length * 2);
  assert.equal(cache.grow("/a", 5000), false);
  assert.equal(cache.grow("/missing", 1), false);
});
