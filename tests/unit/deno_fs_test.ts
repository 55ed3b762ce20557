/**
 * @module
 * Tests for the Deno-backed filesystem and the shared fixture tree it reads.
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { denoFileSystem as fs, denoFileSystemWithPool } from "../../lib/fs/deno_fs.ts";
import { createOpenFilePool } from "../../lib/fs/open_file_pool.ts";
import {
  createLargeBytes,
  FIXTURE_CONTENT,
  FIXTURE_NAMES as N,
  FIXTURE_OUTSIDE_NAMES,
  LARGE_FILE_SIZE,
  withFixtureTree,
} from "../fixtures/tree.ts";

Deno.test("denoFileSystem.stat() follows symlinks and lstat() does not", async () => {
  await withFixtureTree(async (tree) => {
    const link = join(tree.root, N.LINK_INSIDE);
    const followed = await fs.stat(link);
    assert.equal(followed.isFile, true);
    assert.equal(followed.isSymlink, false);
    assert.equal(followed.size, FIXTURE_CONTENT.HELLO.length);
    assert.equal(typeof followed.mtimeMs, "number");
    const own = await fs.lstat(link);
    assert.equal(own.isSymlink, true);
    assert.equal(own.isFile, false);
    const dir = await fs.stat(join(tree.root, N.DOCS_DIR));
    assert.equal(dir.isDirectory, true);
  });
});

Deno.test("denoFileSystem lets Deno's errors through for missing and broken paths", async () => {
  await withFixtureTree(async (tree) => {
    await assert.rejects(fs.stat(join(tree.root, N.MISSING)), Deno.errors.NotFound);
    await assert.rejects(fs.realPath(join(tree.root, N.LINK_DANGLING)), Deno.errors.NotFound);
    await assert.rejects(fs.open(join(tree.root, N.MISSING)), Deno.errors.NotFound);
    await assert.rejects(fs.readFile(join(tree.root, N.MISSING)), Deno.errors.NotFound);
    await assert.rejects(fs.realPath(join(tree.root, N.LINK_LOOP)), Deno.errors.FilesystemLoop);
  });
});

Deno.test("denoFileSystem.open() reads and seeks the large file", async () => {
  await withFixtureTree(async (tree) => {
    const file = await fs.open(join(tree.root, N.LARGE));
    try {
      const offset = LARGE_FILE_SIZE - 10;
      assert.equal(await file.seek(offset, Deno.SeekMode.Start), offset);
      const buffer = new Uint8Array(64);
      const count = await file.read(buffer);
      assert.equal(count, 10);
      assert.deepEqual(buffer.subarray(0, 10), createLargeBytes(LARGE_FILE_SIZE).subarray(offset));
      assert.equal(await file.read(buffer), null);
    } finally {
      file.close();
    }
  });
});

Deno.test("denoFileSystem.statSync() and readRangeSync() agree with the async calls", async () => {
  await withFixtureTree(async (tree) => {
    const path = join(tree.root, N.LARGE);
    assert.deepEqual(fs.statSync!(path), await fs.stat(path));
    assert.throws(() => fs.statSync!(join(tree.root, N.MISSING)), Deno.errors.NotFound);
    const bytes = createLargeBytes(LARGE_FILE_SIZE);
    const offset = LARGE_FILE_SIZE - 100;
    assert.deepEqual(fs.readRangeSync!(path, offset, 100), bytes.subarray(offset));
    assert.deepEqual(fs.readRangeSync!(path, 0, 16), bytes.subarray(0, 16));
    // Shorter than asked (the file changed since it was stat'ed): null, never a partial body.
    assert.equal(fs.readRangeSync!(path, offset, 101), null);
    assert.throws(() => fs.readRangeSync!(join(tree.root, N.MISSING), 0, 1), Deno.errors.NotFound);
  });
});

Deno.test("denoFileSystemWithPool() reads the same ranges through kept files", async () => {
  await withFixtureTree(async (tree) => {
    const pool = createOpenFilePool({ maxFiles: 2, idleMs: 60_000 });
    try {
      const pooled = denoFileSystemWithPool(pool);
      const path = join(tree.root, N.LARGE);
      const { ino } = pooled.statSync!(path);
      const bytes = createLargeBytes(LARGE_FILE_SIZE);
      for (const offset of [0, 4096, LARGE_FILE_SIZE - 100]) {
        assert.deepEqual(
          pooled.readRangeSync!(path, offset, 100, ino),
          bytes.subarray(offset, offset + 100),
        );
      }
      assert.equal(pool.size, 1);
      assert.equal(pooled.readRangeSync!(path, LARGE_FILE_SIZE - 100, 101, ino), null);
      assert.deepEqual(await pooled.stat(path), await fs.stat(path));
    } finally {
      pool.close();
    }
  });
});

Deno.test("denoFileSystem.open() streams the whole file through readable", async () => {
  await withFixtureTree(async (tree) => {
    const file = await fs.open(join(tree.root, N.HELLO));
    const text = await new Response(file.readable).text();
    assert.equal(text, FIXTURE_CONTENT.HELLO);
  });
});

Deno.test("denoFileSystem.readDir() lists entries with their types, symlinks unfollowed", async () => {
  await withFixtureTree(async (tree) => {
    const entries = new Map<
      string,
      { isFile: boolean; isDirectory: boolean; isSymlink: boolean }
    >();
    for await (const entry of fs.readDir(tree.root)) entries.set(entry.name, entry);
    assert.deepEqual(entries.get(N.HELLO), {
      name: N.HELLO,
      isFile: true,
      isDirectory: false,
      isSymlink: false,
    });
    assert.equal(entries.get(N.DOCS_DIR)?.isDirectory, true);
    assert.equal(entries.get(N.LINK_DIR_OUTSIDE)?.isSymlink, true);
    assert.equal(entries.get(N.LINK_DIR_OUTSIDE)?.isDirectory, false);
    assert.ok(entries.has(N.ENV));
    assert.ok(entries.has(N.UNICODE));
  });
});

Deno.test("createFixtureTree() builds real compressed siblings and escaping links", async () => {
  let root = "";
  await withFixtureTree(async (tree) => {
    root = tree.root;
    const app = await fs.readFile(join(tree.root, N.APP_JS));
    assert.deepEqual(gunzipSync(await fs.readFile(join(tree.root, N.APP_JS_GZ))), Buffer.from(app));
    assert.deepEqual(
      brotliDecompressSync(await fs.readFile(join(tree.root, N.APP_JS_BR))),
      Buffer.from(app),
    );
    assert.equal((await fs.stat(join(tree.root, N.EMPTY))).size, 0);
    assert.equal(
      await fs.realPath(join(tree.root, N.LINK_OUTSIDE)),
      join(tree.outside, FIXTURE_OUTSIDE_NAMES.SECRET),
    );
    assert.equal(
      await fs.realPath(join(tree.root, N.LINK_SIBLING, FIXTURE_OUTSIDE_NAMES.LEAK)),
      join(tree.sibling, FIXTURE_OUTSIDE_NAMES.LEAK),
    );
    assert.ok(tree.sibling.startsWith(tree.root), "the sibling must share the root's prefix");
  });
  await assert.rejects(Deno.stat(root), Deno.errors.NotFound);
});
