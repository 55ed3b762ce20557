import assert from "node:assert/strict";
import { createOpenFilePool } from "../../lib/fs/open_file_pool.ts";

const TEXT = new TextEncoder();
const decode = (bytes: Uint8Array | null) =>
  bytes === null ? null : new TextDecoder().decode(bytes);

/** A temp directory with `files`, removed (and the pool closed) after `body`. */
async function withFiles(
  files: Record<string, string>,
  body: (dir: string, inoOf: (name: string) => number) => Promise<void> | void,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "berth-pool-" });
  try {
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeFile(`${dir}/${name}`, TEXT.encode(text));
    }
    await body(dir, (name) => Deno.statSync(`${dir}/${name}`).ino!);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("createOpenFilePool() keeps a checked file open and reads ranges through it", async () => {
  await withFiles({ "a.bin": "0123456789" }, (dir, inoOf) => {
    const pool = createOpenFilePool({ maxFiles: 4, idleMs: 60_000 });
    try {
      const ino = inoOf("a.bin");
      assert.equal(decode(pool.readRange(`${dir}/a.bin`, ino, 2, 3)), "234");
      assert.equal(pool.size, 1);
      assert.equal(decode(pool.readRange(`${dir}/a.bin`, ino, 0, 10)), "0123456789");
      assert.equal(decode(pool.readRange(`${dir}/a.bin`, ino, 9, 1)), "9");
      assert.equal(pool.size, 1);
      // Asking past the end: the file is shorter than the caller thought.
      assert.equal(pool.readRange(`${dir}/a.bin`, ino, 8, 5), null);
    } finally {
      pool.close();
    }
  });
});

Deno.test("createOpenFilePool() reads edits in place and reopens a replaced file", async () => {
  await withFiles({ "a.bin": "aaaaaaaaaa" }, async (dir, inoOf) => {
    const pool = createOpenFilePool({ maxFiles: 4, idleMs: 60_000 });
    try {
      const path = `${dir}/a.bin`;
      const first = inoOf("a.bin");
      assert.equal(decode(pool.readRange(path, first, 0, 4)), "aaaa");
      // Same inode, new bytes: the kept handle sees them.
      await Deno.writeFile(path, TEXT.encode("bbbbbbbbbb"));
      assert.equal(inoOf("a.bin"), first);
      assert.equal(decode(pool.readRange(path, first, 0, 4)), "bbbb");
      // Replaced by rename: the caller's new inode does not match the kept one.
      await Deno.writeFile(`${dir}/next`, TEXT.encode("cccccccccc"));
      await Deno.rename(`${dir}/next`, path);
      const second = inoOf("a.bin");
      assert.notEqual(second, first);
      assert.equal(decode(pool.readRange(path, second, 0, 4)), "cccc");
      assert.equal(pool.size, 1);
    } finally {
      pool.close();
    }
  });
});

Deno.test("createOpenFilePool() keeps nothing it cannot check and at most maxFiles", async () => {
  await withFiles({ a: "aaaa", b: "bbbb", c: "cccc" }, (dir, inoOf) => {
    const pool = createOpenFilePool({ maxFiles: 2, idleMs: 60_000 });
    try {
      assert.equal(decode(pool.readRange(`${dir}/a`, null, 0, 2)), "aa");
      assert.equal(pool.size, 0, "no inode given");
      assert.equal(decode(pool.readRange(`${dir}/a`, inoOf("b"), 0, 2)), "aa");
      assert.equal(pool.size, 0, "the file opened is not the one the caller checked");
      for (const name of ["a", "b", "c"]) {
        assert.equal(decode(pool.readRange(`${dir}/${name}`, inoOf(name), 1, 2)), name + name);
      }
      assert.equal(pool.size, 2);
      assert.throws(() => pool.readRange(`${dir}/missing`, 1, 0, 1), Deno.errors.NotFound);
      assert.equal(pool.size, 2);
    } finally {
      pool.close();
    }
    assert.equal(pool.size, 0);
  });
});

Deno.test("createOpenFilePool() closes files left unused for an idle period", async () => {
  await withFiles({ a: "aaaa" }, async (dir, inoOf) => {
    const pool = createOpenFilePool({ maxFiles: 2, idleMs: 20 });
    try {
      pool.readRange(`${dir}/a`, inoOf("a"), 0, 1);
      assert.equal(pool.size, 1);
      const deadline = Date.now() + 2_000;
      while (pool.size > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.equal(pool.size, 0);
    } finally {
      pool.close();
    }
  });
});
