import assert from "node:assert/strict";
import { join } from "node:path";
import {
  createEmbeddedFileSystem,
  createEtagFromDigest,
  type EmbeddedManifest,
  parseEmbeddedManifest,
  resolveEmbeddedPaths,
} from "../../lib/fs/embedded.ts";
import type { FileInfo, FileSystem } from "../../lib/fs/types.ts";
import { computeEtag } from "../../lib/http/etag.ts";
import { detectBuildMode } from "../../lib/version.ts";
import {
  listConfigFiles,
  renderEntryModule,
  StageError,
  toRelativeSpecifier,
} from "../../scripts/stage_site.ts";

const ETAG = `"sha256-${"ab".repeat(16)}"`;

function validManifest(): EmbeddedManifest {
  return {
    format: 1,
    berth: "0.1.0",
    site: "site",
    config: "config/berth.json",
    files: { "index.html": { size: 3, mtimeMs: 1_700_000_000_000, etag: ETAG } },
  };
}

Deno.test("`parseEmbeddedManifest()` accepts what the stager writes", () => {
  const manifest = validManifest();
  assert.equal(parseEmbeddedManifest(manifest), manifest);
  assert.deepEqual(parseEmbeddedManifest({ ...manifest, config: null }).config, null);
});

Deno.test("`parseEmbeddedManifest()` rejects malformed or path-escaping manifests", () => {
  const base = validManifest();
  const facts = base.files["index.html"];
  const cases: [unknown, RegExp][] = [
    [null, /not an object/],
    [[], /not an object/],
    [{ ...base, format: 2 }, /format 2 is not 1/],
    [{ ...base, berth: 1 }, /"berth"/],
    [{ ...base, site: "../etc" }, /"site"/],
    [{ ...base, site: "/etc" }, /"site"/],
    [{ ...base, site: "a/../../b" }, /"site"/],
    [{ ...base, site: "" }, /"site"/],
    [{ ...base, config: "..\\x" }, /"config"/],
    [{ ...base, files: [] }, /"files"/],
    [{ ...base, files: { "../x": facts } }, /"\.\.\/x"/],
    [{ ...base, files: { "a//b": facts } }, /malformed/],
    [{ ...base, files: { "a\0": facts } }, /malformed/],
    [{ ...base, files: { a: { ...facts, size: -1 } } }, /malformed/],
    [{ ...base, files: { a: { ...facts, size: 1.5 } } }, /malformed/],
    [{ ...base, files: { a: { ...facts, mtimeMs: "now" } } }, /malformed/],
    [{ ...base, files: { a: { ...facts, etag: 'W/"x"' } } }, /malformed/],
    [{ ...base, files: { a: { ...facts, etag: '"sha256-zz"' } } }, /malformed/],
    [{ ...base, files: { a: null } }, /malformed/],
  ];
  for (const [value, message] of cases) {
    assert.throws(() => parseEmbeddedManifest(value), message, JSON.stringify(value));
  }
});

Deno.test("`createEtagFromDigest()` quotes the first 128 bits of the digest in hex", () => {
  const digest = new Uint8Array(32).map((_, i) => i);
  assert.equal(createEtagFromDigest(digest), '"sha256-000102030405060708090a0b0c0d0e0f"');
  assert.match(createEtagFromDigest(new Uint8Array(32)), /^"sha256-0{32}"$/);
});

Deno.test("`computeEtag()` uses a precomputed tag instead of the metadata one", () => {
  assert.equal(computeEtag({ size: 3, mtimeMs: 1000, ino: 5, etag: ETAG }), ETAG);
  assert.equal(computeEtag({ size: 3, mtimeMs: 1000, ino: 5 }), '"3e8-3-5"');
});

Deno.test("`resolveEmbeddedPaths()` joins the manifest's paths to its directory", () => {
  const dir = join("/", "bundle");
  assert.deepEqual(resolveEmbeddedPaths({ dir, manifest: validManifest() }), {
    root: join(dir, "site"),
    config: join(dir, "config", "berth.json"),
  });
  assert.equal(
    resolveEmbeddedPaths({ dir, manifest: { ...validManifest(), config: null } }).config,
    null,
  );
});

/** A fake filesystem whose every path is a file of `size` bytes, or a directory when it ends in `dir`. */
function fakeFileSystem(size: number): FileSystem {
  const info = (path: string): FileInfo => ({
    isFile: !path.endsWith("dir"),
    isDirectory: path.endsWith("dir"),
    isSymlink: false,
    size,
    mtimeMs: 42,
    ino: 7,
  });
  return {
    stat: (path) => Promise.resolve(info(path)),
    lstat: (path) => Promise.resolve(info(path)),
    realPath: (path) => Promise.resolve(path),
    open: () => Promise.reject(new Deno.errors.NotFound()),
    readDir: () => ({ async *[Symbol.asyncIterator]() {} }),
    readFile: () => Promise.resolve(new Uint8Array()),
  };
}

Deno.test("`createEmbeddedFileSystem()` adds build-time validators only to matching manifest files", async () => {
  const root = join("/", "bundle", "site");
  const files = {
    "index.html": { size: 3, mtimeMs: 1_700_000_000_000, etag: ETAG },
    "css/app.css": { size: 3, mtimeMs: 1_600_000_000_000, etag: ETAG.replace("ab", "cd") },
    "dir": { size: 3, mtimeMs: 1, etag: ETAG },
  };
  const fs = createEmbeddedFileSystem(fakeFileSystem(3), { root, files });
  const cases: [string, { etag?: string; mtimeMs: number; ino: number | null }][] = [
    [join(root, "index.html"), { etag: ETAG, mtimeMs: 1_700_000_000_000, ino: null }],
    [join(root, "css", "app.css"), {
      etag: files["css/app.css"].etag,
      mtimeMs: 1_600_000_000_000,
      ino: null,
    }],
    [join(root, "unknown.txt"), { mtimeMs: 42, ino: 7 }],
    [join(root, "dir"), { mtimeMs: 42, ino: 7 }],
    [join(root, "..", "index.html"), { mtimeMs: 42, ino: 7 }],
    [root, { mtimeMs: 42, ino: 7 }],
  ];
  for (const [path, expected] of cases) {
    for (const info of [await fs.stat(path), await fs.lstat(path)]) {
      assert.deepEqual(
        { etag: info.etag, mtimeMs: info.mtimeMs, ino: info.ino },
        { etag: undefined, ...expected },
        path,
      );
    }
  }
  // A file edited after staging (size differs) keeps its own metadata.
  const edited = createEmbeddedFileSystem(fakeFileSystem(4), { root, files });
  const info = await edited.stat(join(root, "index.html"));
  assert.equal(info.etag, undefined);
  assert.equal(info.mtimeMs, 42);
});

Deno.test("`detectBuildMode()` names the four ways berth can be running", () => {
  const cases: [boolean, boolean, string][] = [
    [false, false, "deno run"],
    [false, true, "deno run with embedded site"],
    [true, false, "compiled"],
    [true, true, "compiled with embedded site"],
  ];
  for (const [standalone, embedded, mode] of cases) {
    assert.equal(detectBuildMode({ standalone, embedded }), mode);
  }
});

Deno.test("`renderEntryModule()` imports the CLI and the manifest relative to the entry", () => {
  const source = renderEntryModule("../../lib");
  assert.match(source, /import \{ runCli \} from "\.\.\/\.\.\/lib\/cli\/run\.ts";/);
  assert.match(
    source,
    /import \{ parseEmbeddedManifest \} from "\.\.\/\.\.\/lib\/fs\/embedded\.ts";/,
  );
  assert.match(source, /import manifest from "\.\/manifest\.json" with \{ type: "json" \};/);
  assert.match(source, /runCli\(Deno\.args, \{ embedded \}\)/);
  assert.match(source, /import\.meta\.dirname/);
});

Deno.test("`toRelativeSpecifier()` makes POSIX specifiers with a leading dot", () => {
  const cases: [string, string, string][] = [
    [join("/", "repo", "dist", ".embedded"), join("/", "repo", "lib"), "../../lib"],
    [join("/", "repo"), join("/", "repo", "lib"), "./lib"],
    [join("/", "tmp", "stage"), join("/", "work", "main", "lib"), "../../work/main/lib"],
  ];
  for (const [from, to, expected] of cases) assert.equal(toRelativeSpecifier(from, to), expected);
});

Deno.test("`listConfigFiles()` lists files the config names and refuses ones it cannot embed", () => {
  const dir = join("/", "cfg");
  const settings = {
    root: join(dir, "public"),
    auth: { users: join(dir, "users.json"), jwt: { jwks: "https://example.com/jwks.json" } },
  };
  const sources = { root: "file", "auth.users": "file", "auth.jwt.jwks": "file" };
  assert.deepEqual(listConfigFiles(settings, sources, dir), [
    { path: join(dir, "users.json"), relative: "users.json" },
  ]);
  // Set on the command line or by default: not the config's business.
  assert.deepEqual(listConfigFiles(settings, { "auth.users": "cli" }, dir), []);
  assert.throws(
    () =>
      listConfigFiles(
        { auth: { users: join("/", "etc", "users.json") } },
        { "auth.users": "file" },
        dir,
      ),
    (error: unknown) =>
      error instanceof StageError &&
      /"auth\.users".*inside the config file's directory/.test(error.message),
  );
  assert.throws(
    () => listConfigFiles({ auditLog: join(dir, "audit.log") }, { auditLog: "file" }, dir),
    (error: unknown) => error instanceof StageError && /"auditLog"/.test(error.message),
  );
});
