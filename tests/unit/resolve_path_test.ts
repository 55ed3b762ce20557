/**
 * @module
 * Tests for request path decoding, the dotfile policy and root containment,
 * against hostile encodings and the real fixture tree's symlinks.
 */

import assert from "node:assert/strict";
import { join, sep as SEP } from "node:path";
import { denoFileSystem } from "../../lib/fs/deno_fs.ts";
import {
  decodeRequestPath,
  isHiddenPath,
  realRoot,
  resolvePath,
} from "../../lib/fs/resolve_path.ts";
import type { FileSystem } from "../../lib/fs/types.ts";
import {
  FIXTURE_CONTENT,
  FIXTURE_NAMES as N,
  FIXTURE_OUTSIDE_NAMES,
  LARGE_FILE_SIZE,
  withFixtureTree,
} from "../fixtures/tree.ts";

/** Expected decode outcome: 400, or the segments and trailing-slash flag. */
type DecodeExpectation = 400 | [segments: string[], trailingSlash: boolean];

const DECODE_CASES: [input: string, expected: DecodeExpectation][] = [
  // Plain and normalizing paths.
  ["/", [[], true]],
  ["/hello.txt", [["hello.txt"], false]],
  ["/docs/", [["docs"], true]],
  ["/a//b///", [["a", "b"], true]],
  ["/a/b/../c", [["a", "c"], false]],
  ["/docs/.", [["docs"], true]],
  ["/docs/..", [[], true]],
  // Not absolute.
  ["", 400],
  ["etc/passwd", 400],
  ["..", 400],
  // Dot-dot traversal is clamped at the root.
  ["/..", [[], true]],
  ["/../../etc/passwd", [["etc", "passwd"], false]],
  ["/docs/../../../etc/passwd", [["etc", "passwd"], false]],
  ["/%2e%2e/", [[], true]],
  ["/%2E%2E", [[], true]],
  ["/.%2e/", [[], true]],
  ["/%2e./secret", [["secret"], false]],
  ["/%2e", [[], true]],
  ["/a/%2e%2e/%2e%2e/%2e%2e/b", [["b"], false]],
  ["//etc/passwd", [["etc", "passwd"], false]],
  ["/./././", [[], true]],
  // Encoded separators inside a segment.
  ["/%2E%2E%2F", 400],
  ["/..%2f..%2f", 400],
  ["/%2e%2e%2f%2e%2e%2fetc%2fpasswd", 400],
  ["/%2F", 400],
  ["/a%2fb", 400],
  ["/%2e%2e%5c", 400],
  ["/..%5c..%5cwindows", 400],
  ["/..%5C", 400],
  ["/%5c", 400],
  // Literal backslashes.
  ["/..\\", 400],
  ["/\\..\\..\\etc", 400],
  ["/a\\b.txt", 400],
  // NUL and other control characters.
  ["/%00", 400],
  ["/a%00.txt", 400],
  ["/..%00/", 400],
  ["/a\u0000.txt", 400],
  ["/a%0a", 400],
  ["/a%0d%0aSet-Cookie:x=1", 400],
  ["/%1f", 400],
  ["/%7f", 400],
  ["/a\tb", 400],
  // Invalid percent-encoding.
  ["/%zz", 400],
  ["/%", 400],
  ["/%4", 400],
  ["/a%4g", 400],
  ["/%%32%65", 400],
  ["/%2%65", 400],
  ["/%u002e%u002e", 400],
  // Invalid UTF-8: overlong forms, stray and truncated bytes, surrogates.
  ["/%c0%ae%c0%ae/", 400],
  ["/%c0%af", 400],
  ["/%e0%80%ae", 400],
  ["/%ff", 400],
  ["/%c0", 400],
  ["/%e2%82", 400],
  ["/%f4%90%80%80", 400],
  ["/%ed%a0%80", 400],
  ["/\ud800", 400],
  // Decoded exactly once: double encoding stays a literal name.
  ["/%252e%252e/", [["%2e%2e"], true]],
  ["/%252f", [["%2f"], false]],
  ["/%2500", [["%00"], false]],
  ["/%25", [["%"], false]],
  // Ordinary odd names decode to themselves.
  ["/with%20space.txt", [["with space.txt"], false]],
  ["/hash%23name.txt", [["hash#name.txt"], false]],
  ["/percent%25name.txt", [["percent%name.txt"], false]],
  ["/%C3%BCn%C3%AFc%C3%B6d%C3%A9.txt", [["ünïcödé.txt"], false]],
  ["/%E6%97%A5%E6%9C%AC.txt", [["日本.txt"], false]],
  ["/日本.txt", [["日本.txt"], false]],
  ["/..;/etc", [["..;", "etc"], false]],
  ["/.env", [[".env"], false]],
  ["/.well-known/security.txt", [[".well-known", "security.txt"], false]],
];

/** Same as {@linkcode DECODE_CASES}, with the Windows-only rules on or off. */
const WINDOWS_DECODE_CASES: [input: string, windows: boolean, expected: DecodeExpectation][] = [
  ["/C:/Windows/win.ini", true, 400],
  ["/c%3a/windows", true, 400],
  ["/file.txt::$DATA", true, 400],
  ["/secret.txt.", true, 400],
  ["/secret.txt%20", true, 400],
  ["/...", true, 400],
  ["/nul", true, 400],
  ["/NUL.txt", true, 400],
  ["/com1", true, 400],
  ["/aux.html", true, 400],
  ["/docs/../a.txt", true, [["a.txt"], false]],
  ["/console.txt", true, [["console.txt"], false]],
  ["/..", true, [[], true]],
  ["/C:/x", false, [["C:", "x"], false]],
  ["/...", false, [["..."], false]],
  ["/nul", false, [["nul"], false]],
];

/** Asserts a decode result against its expectation. */
function assertDecoded(input: string, expected: DecodeExpectation, windows?: boolean): void {
  const result = decodeRequestPath(input, windows === undefined ? {} : { windows });
  if (expected === 400) {
    assert.equal(result.ok, false, `expected 400 for ${JSON.stringify(input)}`);
    if (!result.ok) assert.ok(result.message.length > 0);
    return;
  }
  assert.deepEqual(
    result,
    { ok: true, segments: expected[0], trailingSlash: expected[1] },
    `for ${JSON.stringify(input)}`,
  );
}

Deno.test("decodeRequestPath() refuses or safely normalizes each hostile path", () => {
  assert.ok(DECODE_CASES.length >= 40);
  for (const [input, expected] of DECODE_CASES) assertDecoded(input, expected, false);
});

Deno.test("decodeRequestPath() applies the Windows-only rules only when asked", () => {
  for (const [input, windows, expected] of WINDOWS_DECODE_CASES) {
    assertDecoded(input, expected, windows);
  }
});

Deno.test("decodeRequestPath() decodes what the URL parser leaves, after its normalization", () => {
  const cases: [url: string, segments: string[]][] = [
    ["http://x/a/../../etc/passwd", ["etc", "passwd"]],
    ["http://x/%2e%2e/%2e%2e/etc", ["etc"]],
    ["http://x/with space.txt", ["with space.txt"]],
    ["http://x/ünïcödé.txt", ["ünïcödé.txt"]],
    ["http://x/hash%23name.txt", ["hash#name.txt"]],
  ];
  for (const [url, segments] of cases) {
    const result = decodeRequestPath(new URL(url).pathname);
    assert.ok(result.ok, url);
    assert.deepEqual(result.segments, segments, url);
  }
});

Deno.test("decodeRequestPath() never yields a segment that could leave the root, for generated paths", () => {
  const alphabet = ["/", ".", "..", "%", "2", "e", "E", "f", "5", "c", "%2e", "%2f", "\\", "a"];
  const root = join(SEP, "srv", "site");
  let seed = 42;
  /** A small deterministic PRNG (LCG), so failures reproduce. */
  const nextIndex = (size: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % size;
  };
  let accepted = 0;
  for (let i = 0; i < 5000; i++) {
    let input = "/";
    const length = 1 + nextIndex(12);
    for (let j = 0; j < length; j++) input += alphabet[nextIndex(alphabet.length)];
    const result = decodeRequestPath(input, { windows: false });
    if (!result.ok) continue;
    accepted++;
    for (const segment of result.segments) {
      assert.ok(
        segment !== "" && segment !== "." && segment !== ".." && !segment.includes("/") &&
          !segment.includes("\\"),
        `unsafe segment ${JSON.stringify(segment)} from ${JSON.stringify(input)}`,
      );
    }
    const joined = join(root, ...result.segments);
    assert.ok(joined === root || joined.startsWith(root + SEP), `${input} → ${joined}`);
  }
  assert.ok(accepted > 100, "the generator should also produce acceptable paths");
});

Deno.test("isHiddenPath() hides dot segments except a leading .well-known", () => {
  const cases: [segments: string[], hidden: boolean][] = [
    [[], false],
    [["index.html"], false],
    [["a.b", "c."], false],
    [[".env"], true],
    [["..."], true],
    [["a", ".git", "config"], true],
    [[".well-known"], false],
    [[".well-known", "security.txt"], false],
    [[".well-known", ".hidden"], true],
    [[".well-known", "a", ".b"], true],
    [["a", ".well-known", "x"], true],
    [[".well-knownx"], true],
    [[".WELL-KNOWN"], true],
  ];
  for (const [segments, hidden] of cases) {
    assert.equal(isHiddenPath(segments), hidden, JSON.stringify(segments));
  }
});

/** Expected resolution: not found, or a kind plus the real path relative to the root. */
type ResolveExpectation = "not-found" | ["file" | "directory", relative: string];

/** Fixture requests (root-relative, `/`-separated) with outcomes for dotfiles off and on. */
const RESOLVE_CASES: [request: string, hidden: ResolveExpectation, shown: ResolveExpectation][] = [
  ["", ["directory", ""], ["directory", ""]],
  [N.HELLO, ["file", N.HELLO], ["file", N.HELLO]],
  [N.EMPTY, ["file", N.EMPTY], ["file", N.EMPTY]],
  [N.SPACE, ["file", N.SPACE], ["file", N.SPACE]],
  [N.HASH, ["file", N.HASH], ["file", N.HASH]],
  [N.PERCENT, ["file", N.PERCENT], ["file", N.PERCENT]],
  [N.UNICODE, ["file", N.UNICODE], ["file", N.UNICODE]],
  [N.JAPANESE, ["file", N.JAPANESE], ["file", N.JAPANESE]],
  [N.NO_EXTENSION, ["file", N.NO_EXTENSION], ["file", N.NO_EXTENSION]],
  [N.DOCS_DIR, ["directory", N.DOCS_DIR], ["directory", N.DOCS_DIR]],
  [N.DOCS_INDEX, ["file", N.DOCS_INDEX], ["file", N.DOCS_INDEX]],
  [N.ASSETS_DIR, ["directory", N.ASSETS_DIR], ["directory", N.ASSETS_DIR]],
  [N.HASHED_JS, ["file", N.HASHED_JS], ["file", N.HASHED_JS]],
  [N.MISSING, "not-found", "not-found"],
  [`${N.HELLO}/x`, "not-found", "not-found"],
  [`${N.DOCS_DIR}/${N.MISSING}`, "not-found", "not-found"],
  // Dotfile policy.
  [N.ENV, "not-found", ["file", N.ENV]],
  [N.GIT_DIR, "not-found", ["directory", N.GIT_DIR]],
  [N.GIT_CONFIG, "not-found", ["file", N.GIT_CONFIG]],
  [N.WELL_KNOWN_DIR, ["directory", N.WELL_KNOWN_DIR], ["directory", N.WELL_KNOWN_DIR]],
  [N.SECURITY_TXT, ["file", N.SECURITY_TXT], ["file", N.SECURITY_TXT]],
  [N.WELL_KNOWN_HIDDEN, "not-found", ["file", N.WELL_KNOWN_HIDDEN]],
  // Symlinks that stay inside resolve to their real target.
  [N.LINK_INSIDE, ["file", N.HELLO], ["file", N.HELLO]],
  [N.LINK_DIR_INSIDE, ["directory", N.DOCS_DIR], ["directory", N.DOCS_DIR]],
  [`${N.LINK_DIR_INSIDE}/index.html`, ["file", N.DOCS_INDEX], ["file", N.DOCS_INDEX]],
  // A symlink to a dotfile is hidden like the dotfile.
  [N.LINK_TO_ENV, "not-found", ["file", N.ENV]],
  // Symlinks that leave the root are never followed, whatever the dotfile policy.
  [N.LINK_OUTSIDE, "not-found", "not-found"],
  [N.LINK_ABS_OUTSIDE, "not-found", "not-found"],
  [N.LINK_DIR_OUTSIDE, "not-found", "not-found"],
  [`${N.LINK_DIR_OUTSIDE}/${FIXTURE_OUTSIDE_NAMES.SECRET}`, "not-found", "not-found"],
  [N.LINK_SIBLING, "not-found", "not-found"],
  [`${N.LINK_SIBLING}/${FIXTURE_OUTSIDE_NAMES.LEAK}`, "not-found", "not-found"],
  // Broken symlinks.
  [N.LINK_LOOP, "not-found", "not-found"],
  [`${N.LINK_LOOP}/x`, "not-found", "not-found"],
  [N.LINK_DANGLING, "not-found", "not-found"],
];

Deno.test("resolvePath() applies the dotfile policy and keeps every symlink inside the root", async () => {
  await withFixtureTree(async (tree) => {
    for (const [request, hidden, shown] of RESOLVE_CASES) {
      const segments = request === "" ? [] : request.split("/");
      for (const [dotfiles, expected] of [[false, hidden], [true, shown]] as const) {
        const result = await resolvePath(denoFileSystem, segments, { root: tree.root, dotfiles });
        const label = `${JSON.stringify(request)} with dotfiles ${dotfiles}`;
        if (expected === "not-found") {
          assert.deepEqual(result, { kind: "not-found" }, label);
          continue;
        }
        const [kind, relative] = expected;
        assert.notEqual(result.kind, "not-found", label);
        if (result.kind === "not-found") continue;
        assert.equal(result.kind, kind, label);
        const expectedPath = relative === "" ? tree.root : join(tree.root, ...relative.split("/"));
        assert.equal(result.path, expectedPath, label);
        assert.equal(result.info.isFile, kind === "file", label);
        assert.equal(result.info.isDirectory, kind === "directory", label);
      }
    }
  });
});

Deno.test("resolvePath() returns the stat of the real file", async () => {
  await withFixtureTree(async (tree) => {
    const options = { root: tree.root, dotfiles: false };
    const cases: [name: string, size: number][] = [
      [N.EMPTY, 0],
      [N.HELLO, FIXTURE_CONTENT.HELLO.length],
      [N.LINK_INSIDE, FIXTURE_CONTENT.HELLO.length],
      [N.LARGE, LARGE_FILE_SIZE],
    ];
    for (const [name, size] of cases) {
      const result = await resolvePath(denoFileSystem, [name], options);
      assert.equal(result.kind, "file", name);
      if (result.kind !== "file") continue;
      assert.equal(result.info.size, size, name);
      assert.equal(result.info.isSymlink, false, name);
      assert.equal(typeof result.info.mtimeMs, "number", name);
    }
  });
});

Deno.test("resolvePath() refuses hostile segments without touching the filesystem", async () => {
  await withFixtureTree(async (tree) => {
    const hostile: string[][] = [
      [".."],
      ["..", "outside", FIXTURE_OUTSIDE_NAMES.SECRET],
      [N.DOCS_DIR, "..", "..", "outside", FIXTURE_OUTSIDE_NAMES.SECRET],
      [`../outside/${FIXTURE_OUTSIDE_NAMES.SECRET}`],
      [tree.outside],
      [""],
      ["."],
      ["a\0b"],
      ["..\\outside"],
    ];
    const counted = createCountingFileSystem(denoFileSystem);
    for (const segments of hostile) {
      for (const dotfiles of [false, true]) {
        const result = await resolvePath(counted.fs, segments, { root: tree.root, dotfiles });
        assert.deepEqual(result, { kind: "not-found" }, JSON.stringify(segments));
      }
    }
    assert.deepEqual(counted.calls, {});
  });
});

Deno.test("resolvePath() answers not-found for names the filesystem rejects", async () => {
  await withFixtureTree(async (tree) => {
    const options = { root: tree.root, dotfiles: false };
    const tooLong = await resolvePath(denoFileSystem, ["x".repeat(300)], options);
    assert.deepEqual(tooLong, { kind: "not-found" });
    const tooDeep = await resolvePath(denoFileSystem, Array(3000).fill("a"), options);
    assert.deepEqual(tooDeep, { kind: "not-found" });
  });
});

Deno.test("resolvePath() costs one realPath and one stat for an existing file", async () => {
  await withFixtureTree(async (tree) => {
    const counted = createCountingFileSystem(denoFileSystem);
    const result = await resolvePath(counted.fs, [N.HELLO], { root: tree.root, dotfiles: false });
    assert.equal(result.kind, "file");
    assert.deepEqual(counted.calls, { realPath: 1, stat: 1 });
  });
});

Deno.test("resolvePath() checks dot segments only below the root", async () => {
  const base = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth_dotroot_" }));
  try {
    const root = join(base, ".config", "site");
    await Deno.mkdir(root, { recursive: true });
    await Deno.writeTextFile(join(root, "page.txt"), "page");
    const result = await resolvePath(denoFileSystem, ["page.txt"], { root, dotfiles: false });
    assert.equal(result.kind, "file");
    if (result.kind === "file") assert.equal(result.path, join(root, "page.txt"));
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("resolvePath() maps filesystem errors to not-found and rethrows other errors", async () => {
  const enameTooLong = Object.assign(new Error("File name too long"), { code: "ENAMETOOLONG" });
  const fsErrors: unknown[] = [
    new Deno.errors.NotFound("missing"),
    new Deno.errors.NotADirectory("not a directory"),
    new Deno.errors.PermissionDenied("denied"),
    new Deno.errors.NotCapable("no --allow-read"),
    new Deno.errors.FilesystemLoop("loop"),
    enameTooLong,
  ];
  for (const error of fsErrors) {
    const fs = createFailingFileSystem(error);
    const result = await resolvePath(fs, ["a.txt"], { root: "/srv/site", dotfiles: false });
    assert.deepEqual(result, { kind: "not-found" }, String(error));
  }
  const bug = createFailingFileSystem(new TypeError("bug in a fake filesystem"));
  await assert.rejects(
    resolvePath(bug, ["a.txt"], { root: "/srv/site", dotfiles: false }),
    TypeError,
  );
});

Deno.test("resolvePath() refuses a real path that only shares the root's prefix", async () => {
  const fs = createFakeFileSystem({ "/srv/site/a.txt": "/srv/site-other/a.txt" });
  const result = await resolvePath(fs, ["a.txt"], { root: "/srv/site", dotfiles: true });
  assert.deepEqual(result, { kind: "not-found" });
  const inside = await resolvePath(fs, ["b.txt"], { root: "/srv/site", dotfiles: true });
  assert.equal(inside.kind, "file");
});

Deno.test("decodeRequestPath() and resolvePath() together never reach a file outside the root", async () => {
  await withFixtureTree(async (tree) => {
    const paths = [
      ...DECODE_CASES.map(([input]) => input),
      `/${N.LINK_OUTSIDE}`,
      `/${N.LINK_DIR_OUTSIDE}/${FIXTURE_OUTSIDE_NAMES.SECRET}`,
      `/${N.LINK_SIBLING}/${FIXTURE_OUTSIDE_NAMES.LEAK}`,
      `/%2e%2e/outside/${FIXTURE_OUTSIDE_NAMES.SECRET}`,
      `/..%2foutside%2f${FIXTURE_OUTSIDE_NAMES.SECRET}`,
      `/../site-other/${FIXTURE_OUTSIDE_NAMES.LEAK}`,
    ];
    for (const path of paths) {
      const decoded = decodeRequestPath(path, { windows: false });
      if (!decoded.ok) continue;
      for (const dotfiles of [false, true]) {
        const result = await resolvePath(denoFileSystem, decoded.segments, {
          root: tree.root,
          dotfiles,
        });
        if (result.kind === "not-found") continue;
        assert.ok(
          result.path === tree.root || result.path.startsWith(tree.root + SEP),
          `${path} → ${result.path}`,
        );
        if (result.kind === "file") {
          const text = new TextDecoder().decode(await denoFileSystem.readFile(result.path));
          assert.notEqual(text, FIXTURE_CONTENT.SECRET, path);
          assert.notEqual(text, FIXTURE_CONTENT.LEAK, path);
        }
      }
    }
  });
});

Deno.test("decodeRequestPath() and resolvePath() together serve encoded odd names", async () => {
  await withFixtureTree(async (tree) => {
    const cases: [path: string, content: string][] = [
      ["/with%20space.txt", FIXTURE_CONTENT.SPACE],
      ["/hash%23name.txt", FIXTURE_CONTENT.HASH],
      ["/percent%25name.txt", FIXTURE_CONTENT.PERCENT],
      [new URL("http://x/ünïcödé.txt").pathname, FIXTURE_CONTENT.UNICODE],
      [new URL("http://x/日本.txt").pathname, FIXTURE_CONTENT.JAPANESE],
    ];
    for (const [path, content] of cases) {
      const decoded = decodeRequestPath(path);
      assert.ok(decoded.ok, path);
      const result = await resolvePath(denoFileSystem, decoded.segments, {
        root: tree.root,
        dotfiles: false,
      });
      assert.equal(result.kind, "file", path);
      if (result.kind !== "file") continue;
      assert.equal(new TextDecoder().decode(await denoFileSystem.readFile(result.path)), content);
    }
  });
});

Deno.test("realRoot() resolves symlinks and refuses a missing root or a file", async () => {
  await withFixtureTree(async (tree) => {
    assert.equal(await realRoot(denoFileSystem, tree.root), tree.root);
    assert.equal(
      await realRoot(denoFileSystem, join(tree.root, N.LINK_DIR_INSIDE)),
      join(tree.root, N.DOCS_DIR),
    );
    await assert.rejects(
      realRoot(denoFileSystem, join(tree.root, N.MISSING)),
      Deno.errors.NotFound,
    );
    await assert.rejects(
      realRoot(denoFileSystem, join(tree.root, N.HELLO)),
      Deno.errors.NotADirectory,
    );
  });
});

/** Wraps a filesystem and counts calls per method. */
function createCountingFileSystem(inner: FileSystem): {
  fs: FileSystem;
  calls: Record<string, number>;
} {
  const calls: Record<string, number> = {};
  const count = (name: string) => calls[name] = (calls[name] ?? 0) + 1;
  const fs: FileSystem = {
    stat: (path) => (count("stat"), inner.stat(path)),
    lstat: (path) => (count("lstat"), inner.lstat(path)),
    realPath: (path) => (count("realPath"), inner.realPath(path)),
    open: (path) => (count("open"), inner.open(path)),
    readDir: (path) => (count("readDir"), inner.readDir(path)),
    readFile: (path) => (count("readFile"), inner.readFile(path)),
  };
  return { fs, calls };
}

/** A filesystem whose every call rejects with `error`. */
function createFailingFileSystem(error: unknown): FileSystem {
  const fail = () => Promise.reject(error);
  return {
    stat: fail,
    lstat: fail,
    realPath: fail,
    open: fail,
    readDir: () => ({
      [Symbol.asyncIterator]: () => ({ next: fail }),
    }),
    readFile: fail,
  };
}

/** A fake tree of regular files: realPath follows `links`, every other path is itself. */
function createFakeFileSystem(links: Record<string, string>): FileSystem {
  const info = { isFile: true, isDirectory: false, isSymlink: false, size: 1, mtimeMs: 0, ino: 1 };
  const unsupported = () => Promise.reject(new Error("not supported by this fake"));
  return {
    stat: () => Promise.resolve(info),
    lstat: () => Promise.resolve(info),
    realPath: (path) => Promise.resolve(links[path] ?? path),
    open: unsupported,
    readDir: () => ({ [Symbol.asyncIterator]: () => ({ next: unsupported }) }),
    readFile: unsupported,
  };
}
