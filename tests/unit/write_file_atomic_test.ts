/**
 * Atomic writes: the content lands in full, the mode applies, and no temp
 * file is left next to the target, whether the write succeeds or fails.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { canWriteFileAtomic, writeFileAtomic } from "../../lib/fs/write_file_atomic.ts";

async function withTempDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "berth_write_atomic_" });
  try {
    await run(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function listNames(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((entry) => entry.name).sort();
}

Deno.test("writeFileAtomic() writes the content and replaces an existing file", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "out.txt");
    await Deno.writeTextFile(path, "old contents, longer than the new ones\n");
    await writeFileAtomic(path, "new\n");
    assert.equal(await Deno.readTextFile(path), "new\n");
    assert.deepEqual(await listNames(dir), ["out.txt"]);
  });
});

Deno.test({
  name: "writeFileAtomic() applies the mode",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "secret.json");
      await writeFileAtomic(path, "{}\n", { mode: 0o600 });
      assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
      assert.deepEqual(await listNames(dir), ["secret.json"]);
    });
  },
});

Deno.test("writeFileAtomic() rethrows and leaves no temp file when the rename fails", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "taken");
    await Deno.mkdir(join(path, "child"), { recursive: true });
    await assert.rejects(writeFileAtomic(path, "text\n"), Error);
    assert.deepEqual(await listNames(dir), ["taken"]);
  });
});

Deno.test("canWriteFileAtomic() is true when read and write access are granted", async () => {
  await withTempDir(async (dir) => {
    assert.equal(await canWriteFileAtomic(join(dir, "ready")), true);
  });
});
