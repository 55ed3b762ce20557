import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { minimalPermissions, runBerth, startBerth } from "./harness.ts";

const REPO_DIR = fileURLToPath(new URL("../../", import.meta.url));

async function makeRoot(): Promise<string> {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth-perf-" }));
  await Deno.writeTextFile(`${root}/index.html`, "<h1>home</h1>");
  await Deno.writeTextFile(`${root}/app.js`, "export const value = 1;\n".repeat(100));
  return root;
}

Deno.test("berth shows an edited, created or deleted file on the very next request", async () => {
  const root = await makeRoot();
  const berth = await startBerth({ root });
  try {
    // No waiting between the write and the request: the watcher may not have
    // seen the change yet, and the answer must be current regardless.
    for (const text of ["<h1>home</h1>", "<h1>changed</h1>", "<h1>again</h1>"]) {
      await Deno.writeTextFile(`${root}/index.html`, text);
      const response = await fetch(new URL("index.html", berth.url));
      assert.equal(await response.text(), text);
    }
    const before = await fetch(new URL("later.html", berth.url));
    await before.body?.cancel();
    assert.equal(before.status, 404);
    await Deno.writeTextFile(`${root}/later.html`, "now");
    const after = await fetch(new URL("later.html", berth.url));
    assert.equal(await after.text(), "now");
    await Deno.remove(`${root}/index.html`);
    const third = await fetch(new URL("index.html", berth.url));
    await third.body?.cancel();
    assert.equal(third.status, 404);
  } finally {
    assert.equal((await berth.stop()).code, 0);
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("berth answers ranges of a big file from its current content after edits and replacement", async () => {
  const root = await makeRoot();
  // Bigger than the cache's 1 MiB limit, so small ranges go through kept-open files.
  const size = 2 * 1024 * 1024;
  const filled = (byte: number) => new Uint8Array(size).fill(byte);
  await Deno.writeFile(`${root}/video.bin`, filled(0x61));
  const berth = await startBerth({ root });
  const readRange = async (start: number, end: number) => {
    const response = await fetch(new URL("video.bin", berth.url), {
      headers: { range: `bytes=${start}-${end}` },
    });
    return { status: response.status, text: await response.text() };
  };
  try {
    assert.deepEqual(await readRange(10, 13), { status: 206, text: "aaaa" });
    assert.deepEqual(await readRange(size - 2, size - 1), { status: 206, text: "aa" });
    // Rewritten in place (same inode), then replaced by a rename (new inode), then truncated.
    const file = await Deno.open(`${root}/video.bin`, { write: true });
    await file.write(new TextEncoder().encode("bbbbbbbbbbbbbbbb"));
    file.close();
    assert.deepEqual(await readRange(10, 13), { status: 206, text: "bbbb" });
    await Deno.writeFile(`${root}/next.bin`, filled(0x63));
    await Deno.rename(`${root}/next.bin`, `${root}/video.bin`);
    assert.deepEqual(await readRange(10, 13), { status: 206, text: "cccc" });
    await Deno.truncate(`${root}/video.bin`, 12);
    assert.deepEqual(await readRange(10, 13), { status: 206, text: "cc" });
    await Deno.remove(`${root}/video.bin`);
    assert.equal((await readRange(10, 13)).status, 404);
  } finally {
    assert.equal((await berth.stop()).code, 0);
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("berth serves app.js gzipped over HTTP", async () => {
  const root = await makeRoot();
  const berth = await startBerth({ root });
  try {
    const gzip = await fetch(new URL("app.js", berth.url), {
      headers: { "accept-encoding": "gzip" },
    });
    // fetch() decodes the body transparently and keeps the header.
    assert.equal(gzip.headers.get("content-encoding"), "gzip");
    assert.equal(await gzip.text(), "export const value = 1;\n".repeat(100));
    assert.equal(gzip.headers.get("vary"), "Accept-Encoding");
  } finally {
    assert.equal((await berth.stop()).code, 0);
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("berth --workers 2 serves from two isolates on one port and exits 0 on SIGTERM", async () => {
  const root = await makeRoot();
  const berth = await startBerth({
    root,
    args: ["--workers", "2"],
    permissions: ["--unstable-net", "--allow-net=127.0.0.1", `--allow-read=${root},${REPO_DIR}`],
  });
  try {
    const readyLines = berth.lines.filter((line) => line.includes("listening on"));
    assert.equal(readyLines.length, 1);
    // Each connection lands on one of the sockets; request ids carry a per-isolate prefix.
    for (let i = 0; i < 24; i++) {
      const client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 });
      try {
        const response = await fetch(new URL("index.html", berth.url), { client });
        assert.equal(response.status, 200);
        assert.equal(await response.text(), "<h1>home</h1>");
      } finally {
        client.close();
      }
    }
    let prefixes = new Set<string>();
    for (let i = 0; i < 100 && prefixes.size < 2; i++) {
      prefixes = new Set(
        berth.lines.flatMap((line) => {
          const id = /"requestId":"([a-z0-9]+)-/.exec(line)?.[1];
          return id === undefined ? [] : [id];
        }),
      );
      if (prefixes.size < 2) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(prefixes.size, 2, "both isolates answered requests");
  } finally {
    const status = await berth.stop();
    await Deno.remove(root, { recursive: true });
    assert.equal(status.code, 0);
  }
});

Deno.test("berth --workers explains the flags it needs instead of failing obscurely", async () => {
  const root = await makeRoot();
  try {
    const withoutUnstable = await runBerth([root, "--port", "0", "--workers", "2"], {
      permissions: minimalPermissions(root),
    });
    assert.equal(withoutUnstable.code, 2);
    assert.match(withoutUnstable.stderr, /--unstable-net/);
    const withoutRead = await runBerth([root, "--port", "0", "--workers", "2"], {
      permissions: ["--unstable-net", ...minimalPermissions(root)],
    });
    assert.equal(withoutRead.code, 2);
    assert.match(withoutRead.stderr, /add read access/);
    const bad = await runBerth([root, "--workers", "lots"], {
      permissions: minimalPermissions(root),
    });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--workers/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
