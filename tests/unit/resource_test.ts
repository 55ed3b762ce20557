import assert from "node:assert/strict";
import type { ResolvedPath } from "../../lib/fs/resolve_path.ts";
import type { FileInfo } from "../../lib/fs/types.ts";
import { createResourceLocator, resourceAt } from "../../lib/serve/resource.ts";

const INFO: FileInfo = {
  isFile: false,
  isDirectory: true,
  isSymlink: false,
  size: 0,
  mtimeMs: 0,
  ino: 1,
};

/** A fake resolver over real paths: `/srv/pub/adm` is a symlink to `/srv/admin`, counting lookups. */
function fakeResolver() {
  const directories: Record<string, string> = {
    "": "/srv",
    "pub": "/srv/pub",
    "pub/adm": "/srv/admin",
    "pub/adm/deep": "/srv/admin/deep",
  };
  const files: Record<string, string> = { "pub/adm/a.txt": "/srv/admin/a.txt" };
  let lookups = 0;
  const resolve = (segments: readonly string[]): Promise<ResolvedPath> => {
    lookups++;
    const key = segments.join("/");
    if (key in files) {
      return Promise.resolve({
        kind: "file",
        path: files[key],
        info: { ...INFO, isFile: true, isDirectory: false },
      });
    }
    if (key in directories) {
      return Promise.resolve({ kind: "directory", path: directories[key], info: INFO });
    }
    return Promise.resolve({ kind: "not-found" });
  };
  return { resolve, lookups: () => lookups };
}

Deno.test("createResourceLocator() names an existing file by its real path", async () => {
  const { resolve } = fakeResolver();
  const locate = createResourceLocator("/srv", resolve);
  const found = await locate(["pub", "adm", "a.txt"], false);
  assert.equal(found?.accessPath, "/admin/a.txt");
  assert.equal(found?.text, "/admin/a.txt");
});

Deno.test("createResourceLocator() maps a missing name under an alias onto the real directory", async () => {
  const { resolve } = fakeResolver();
  const locate = createResourceLocator("/srv", resolve);
  assert.equal(
    (await locate(["pub", "adm", "missing.txt"], false))?.accessPath,
    "/admin/missing.txt",
  );
  assert.equal(
    (await locate(["pub", "adm", "deep", "x", "y"], false))?.accessPath,
    "/admin/deep/x/y",
  );
  assert.equal((await locate(["pub", "adm", "gone"], true))?.accessPath, "/admin/gone/");
  assert.equal((await locate(["nothing", "here"], false))?.accessPath, "/nothing/here");
});

Deno.test("createResourceLocator() needs a dozen lookups for a path of thousands of segments", async () => {
  const { resolve, lookups } = fakeResolver();
  const locate = createResourceLocator("/srv", resolve);
  const segments = ["pub", "adm", ...Array.from({ length: 4000 }, (_, i) => `s${i}`)];
  const found = await locate(segments, false);
  assert.ok(found?.accessPath.startsWith("/admin/s0/s1/"));
  // One lookup for the whole path, then a binary search over 4,002 prefix lengths.
  assert.ok(lookups() <= 1 + Math.ceil(Math.log2(segments.length)) + 1, `lookups: ${lookups()}`);
});

Deno.test("resourceAt() refuses a real path outside the root", () => {
  assert.equal(resourceAt("/srv/site", "/srv/site-other/x", false), null);
  assert.equal(resourceAt("/srv/site", "/srv/site", true)?.text, "/");
});

Deno.test("createResourceLocator() maps names below any depth of existing directories", async () => {
  // pub/root -> .. repeated: every prefix exists, however deep.
  const resolve = (segments: readonly string[]): Promise<ResolvedPath> => {
    const rest = [...segments];
    while (rest[0] === "pub" && rest[1] === "root") rest.splice(0, 2);
    if (rest.length === 0 || (rest.length === 1 && rest[0] === "pub")) {
      return Promise.resolve({
        kind: "directory",
        path: `/srv${rest.length ? "/pub" : ""}`,
        info: INFO,
      });
    }
    if (rest.join("/") === "admin") {
      return Promise.resolve({ kind: "directory", path: "/srv/admin", info: INFO });
    }
    return Promise.resolve({ kind: "not-found" });
  };
  const locate = createResourceLocator("/srv", resolve);
  const loops = Array.from({ length: 40 }, () => ["pub", "root"]).flat();
  assert.equal((await locate([...loops, "admin", "nosuch"], false))?.accessPath, "/admin/nosuch");
});
