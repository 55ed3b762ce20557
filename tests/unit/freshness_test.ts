/**
 * The freshness check on an in-memory tree: blocking and async checks agree,
 * and a directory snapshot is taken only when it can be compared later.
 */
import assert from "node:assert/strict";
import {
  changedRecently,
  createFreshnessCheck,
  RECENT_CHANGE_MS,
  toValidator,
} from "../../lib/serve/freshness.ts";
import {
  createMemoryFileSystem,
  type MemoryFileSystem,
  OLD_MTIME_MS,
} from "../fixtures/memory_fs.ts";

function tree(sync = true): MemoryFileSystem {
  return createMemoryFileSystem({ "/r/a.txt": "a", "/r/sub/b.txt": "b" }, { sync });
}

Deno.test("`createFreshnessCheck()` says a validator holds until its file changes, blocking or not", async () => {
  const cases: { name: string; change: (fs: MemoryFileSystem) => void; current: boolean }[] = [
    { name: "unchanged", change: () => {}, current: true },
    { name: "edited", change: (fs) => fs.write("/r/a.txt", "edited"), current: false },
    { name: "touched", change: (fs) => fs.touch("/r/a.txt", 5), current: false },
    {
      name: "replaced by an equal file (only the inode differs)",
      change: (fs) => fs.write("/r/a.txt", "a", { newInode: true, mtimeMs: OLD_MTIME_MS }),
      current: false,
    },
    { name: "deleted", change: (fs) => fs.remove("/r/a.txt"), current: false },
  ];
  for (const { name, change, current } of cases) {
    const fs = tree();
    const check = createFreshnessCheck(fs);
    const validators = [toValidator("/r/a.txt", await fs.stat("/r/a.txt"))];
    change(fs);
    assert.equal(check.isCurrentNow!(validators), current, `${name} (blocking)`);
    assert.equal(await check.isCurrent(validators), current, `${name} (async)`);
  }
  assert.equal(
    createFreshnessCheck(tree(false)).isCurrentNow,
    null,
    "no statSync, no blocking check",
  );
});

Deno.test("`snapshotDirectory()` returns a validator only for a directory it can compare later", () => {
  const fs = tree();
  const check = createFreshnessCheck(fs);
  const cases: [string, string, boolean][] = [
    ["a directory", "/r/sub", true],
    ["a file", "/r/a.txt", false],
    ["nothing", "/r/none", false],
  ];
  for (const [name, path, taken] of cases) {
    assert.equal(check.snapshotDirectory(path) !== null, taken, name);
  }
  fs.touch("/r/sub", Date.now());
  assert.equal(check.snapshotDirectory("/r/sub"), null, "changed too recently to compare");
  assert.equal(createFreshnessCheck(tree(false)).snapshotDirectory("/r/sub"), null, "no statSync");
});

Deno.test("`changedRecently()` holds within RECENT_CHANGE_MS and for unknown mtimes", () => {
  const now = 1_000_000;
  const validator = (mtimeMs: number | null) => ({
    path: "/r/a",
    directory: false,
    size: 1,
    mtimeMs,
    ino: 1,
  });
  const cases: [number | null, boolean][] = [
    [now, true],
    [now - RECENT_CHANGE_MS + 1, true],
    [now - RECENT_CHANGE_MS, false],
    [now - 10 * RECENT_CHANGE_MS, false],
    [null, true],
  ];
  for (const [mtimeMs, expected] of cases) {
    assert.equal(changedRecently(validator(mtimeMs), now), expected, String(mtimeMs));
  }
});
