/**
 * The site resolver on an in-memory tree: what segments resolve to, which
 * answers it remembers, and when a remembered answer is dropped.
 */
import assert from "node:assert/strict";
import type { ResolvedPath } from "../../lib/fs/resolve_path.ts";
import { createFileCache } from "../../lib/serve/file_cache.ts";
import { createSiteResolver, keyOf } from "../../lib/serve/resolver.ts";
import { createMemoryFileSystem, type MemoryFileSystem } from "../fixtures/memory_fs.ts";

const ROOT = "/srv/site";

function tree(options: { sync?: boolean } = {}): MemoryFileSystem {
  return createMemoryFileSystem({
    [`${ROOT}/a.txt`]: "a",
    [`${ROOT}/docs/index.html`]: "<p>docs</p>",
    [`${ROOT}/.env`]: "SECRET=1",
    [`${ROOT}/.well-known/security.txt`]: "contact",
    [`${ROOT}/in.txt`]: { link: `${ROOT}/a.txt` },
    [`${ROOT}/out.txt`]: { link: "/etc/passwd" },
    "/etc/passwd": "root",
  }, options);
}

function setup(options: { sync?: boolean; enabled?: boolean } = {}) {
  const fs = tree(options);
  const cache = createFileCache(fs, {
    enabled: options.enabled ?? true,
    maxFileBytes: 1024,
    maxTotalBytes: 1 << 20,
  });
  const resolver = createSiteResolver({ fs, root: ROOT, dotfiles: false, cache });
  return { fs, cache, resolver };
}

/** The kind and, for what exists, the real path. */
function describe(resolved: ResolvedPath): string {
  return resolved.kind === "not-found" ? "not-found" : `${resolved.kind} ${resolved.path}`;
}

Deno.test("`createSiteResolver().resolve()` maps segments as the core serves them", async () => {
  const { resolver } = setup();
  const cases: [string[], string][] = [
    [[], `directory ${ROOT}`],
    [["a.txt"], `file ${ROOT}/a.txt`],
    [["docs"], `directory ${ROOT}/docs`],
    [["docs", "index.html"], `file ${ROOT}/docs/index.html`],
    [["missing.txt"], "not-found"],
    [[".env"], "not-found"],
    [[".well-known", "security.txt"], `file ${ROOT}/.well-known/security.txt`],
    [["in.txt"], `file ${ROOT}/a.txt`],
    [["out.txt"], "not-found"],
    [[".."], "not-found"],
    [["a.txt", "x"], "not-found"],
  ];
  for (const [segments, expected] of cases) {
    assert.equal(describe(await resolver.resolve(segments)), expected, segments.join("/"));
    // Asked again, from memory or not, the answer is the same.
    assert.equal(describe(await resolver.resolve(segments)), expected, segments.join("/"));
  }
});

Deno.test("`createSiteResolver().resolve()` answers a repeat from memory with one stat", async () => {
  const { fs, resolver } = setup();
  for (const segments of [["a.txt"], ["missing.txt"], ["docs"]]) {
    await resolver.resolve(segments);
    fs.resetCalls();
    await resolver.resolve(segments);
    assert.deepEqual(fs.calls, { statSync: 1 }, segments.join("/"));
  }
});

Deno.test("`createSiteResolver().lookup()` forgets answers the disk no longer gives", async () => {
  const steps: {
    name: string;
    segments: string[];
    change: (fs: MemoryFileSystem) => void;
    after: string;
  }[] = [
    {
      name: "a missing file is created",
      segments: ["new.txt"],
      change: (fs) => fs.write(`${ROOT}/new.txt`, "new"),
      after: `file ${ROOT}/new.txt`,
    },
    {
      name: "a file is deleted",
      segments: ["a.txt"],
      change: (fs) => fs.remove(`${ROOT}/a.txt`),
      after: "not-found",
    },
    {
      name: "a file is replaced by another inode",
      segments: ["a.txt"],
      change: (fs) => fs.write(`${ROOT}/a.txt`, "b", { newInode: true }),
      after: `file ${ROOT}/a.txt`,
    },
    {
      name: "a file is edited in place",
      segments: ["a.txt"],
      change: (fs) => fs.write(`${ROOT}/a.txt`, "longer"),
      after: `file ${ROOT}/a.txt`,
    },
  ];
  for (const step of steps) {
    const { fs, resolver } = setup();
    const key = keyOf(step.segments)!;
    await resolver.resolve(step.segments);
    assert.notEqual(resolver.lookup(key), undefined, `${step.name}: remembered`);
    step.change(fs);
    assert.equal(resolver.lookup(key), undefined, `${step.name}: forgotten`);
    assert.equal(describe(await resolver.resolve(step.segments)), step.after, step.name);
  }
});

Deno.test("`createSiteResolver()` remembers nothing without statSync, with the cache off or without one", async () => {
  const variants = [
    { name: "no statSync", ...setup({ sync: false }) },
    { name: "cache off", ...setup({ enabled: false }) },
  ];
  const bare = tree();
  variants.push({
    name: "no cache",
    fs: bare,
    cache: setup().cache,
    resolver: createSiteResolver({ fs: bare, root: ROOT, dotfiles: false }),
  });
  for (const { name, fs, resolver } of variants) {
    await resolver.resolve(["a.txt"]);
    await resolver.resolve(["missing.txt"]);
    assert.equal(resolver.lookup("/a.txt"), undefined, name);
    assert.equal(resolver.lookup("/missing.txt"), undefined, name);
    fs.resetCalls();
    await resolver.resolve(["a.txt"]);
    assert.equal(fs.calls.realPath, 1, `${name}: asked the disk again`);
  }
});

Deno.test("`createSiteResolver()` does not remember an answer worked out across a watcher event", async () => {
  const fs = tree();
  const cache = createFileCache(fs, { enabled: true, maxFileBytes: 1024, maxTotalBytes: 1 << 20 });
  let epoch = 0;
  const resolver = createSiteResolver({
    fs,
    root: ROOT,
    dotfiles: false,
    cache: {
      options: cache.options,
      freshness: cache.freshness,
      get epoch() {
        // Every read of the epoch sees a new event.
        return epoch++;
      },
    },
  });
  await resolver.resolve(["a.txt"]);
  await resolver.resolve(["missing.txt"]);
  assert.equal(resolver.lookup("/a.txt"), undefined);
  assert.equal(resolver.lookup("/missing.txt"), undefined);
});

Deno.test("`keyOf()` gives the canonical URL path, or null for segments no request decodes to", () => {
  const cases: [string[], string | null][] = [
    [[], "/"],
    [["a.txt"], "/a.txt"],
    [["my file", "x#1%.txt"], "/my%20file/x%231%25.txt"],
    [["ünï"], "/%C3%BCn%C3%AF"],
    [[""], null],
    [["."], null],
    [["a", ".."], null],
    [["\ud800"], null],
    [["a/b"], null],
    [["a\\b"], null],
    [["nul\0"], null],
    [["%2e"], "/%252e"],
  ];
  for (const [segments, expected] of cases) assert.equal(keyOf(segments), expected);
});

Deno.test("`createSiteResolver().locate()` maps a missing path under a symlinked directory to its real place", async () => {
  const fs = createMemoryFileSystem({
    [`${ROOT}/admin/a.txt`]: "a",
    [`${ROOT}/pub/adm`]: { link: `${ROOT}/admin` },
  });
  const resolver = createSiteResolver({ fs, root: ROOT, dotfiles: false });
  const cases: [string[], string][] = [
    [["pub", "adm", "a.txt"], "/admin/a.txt"],
    [["pub", "adm", "nothing"], "/admin/nothing"],
    [["pub", "nothing", "x"], "/pub/nothing/x"],
  ];
  for (const [segments, expected] of cases) {
    assert.equal((await resolver.locate(segments, false))?.accessPath, expected);
  }
});
