/**
 * @module
 * Tests for directory listings under a burst of concurrent first requests:
 * they share one read and one rendered page, the page's `Content-Length`
 * counts UTF-8 bytes, and another path to the same directory keeps its own
 * title and links.
 */

import assert from "node:assert/strict";
import { buildApp, sendText } from "./app_harness.ts";

/** Makes a root with `files/` (three entries, one non-ASCII) and `link` → `files`. */
async function createListingRoot(): Promise<string> {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth_listing_burst_" }));
  await Deno.mkdir(`${root}/files`);
  for (const name of ["a.txt", "b.txt", "café é.txt"]) {
    await Deno.writeTextFile(`${root}/files/${name}`, name);
  }
  await Deno.symlink(`${root}/files`, `${root}/link`);
  return root;
}

const BURST_CASES: [accept: string, contentType: string][] = [
  ["text/html", "text/html; charset=utf-8"],
  ["application/json", "application/json; charset=utf-8"],
];

for (const [accept, contentType] of BURST_CASES) {
  Deno.test(`serveFiles() answers a burst of ${accept} listing requests with one identical page`, async () => {
    const root = await createListingRoot();
    try {
      const app = await buildApp(root, { listing: true });
      const responses = await Promise.all(
        Array.from({ length: 16 }, () => sendText(app, "/files/", { headers: { accept } })),
      );
      for (const { status, headers, body } of responses) {
        assert.equal(status, 200);
        assert.equal(headers.get("content-type"), contentType);
        assert.equal(body, responses[0].body);
        // The page is sent as a string; its length header must count bytes, not characters.
        assert.equal(headers.get("content-length"), String(new TextEncoder().encode(body).length));
      }
      assert.ok(responses[0].body.includes("caf"));
      // A later request is served from the cache with the same page.
      const again = await sendText(app, "/files/", { headers: { accept } });
      assert.equal(again.body, responses[0].body);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });
}

Deno.test("serveFiles() lists a directory reached through a symlink under the requested path during a burst", async () => {
  const root = await createListingRoot();
  try {
    const app = await buildApp(root, { listing: true });
    const [direct, linked] = await Promise.all([
      sendText(app, "/files/", { headers: { accept: "text/html" } }),
      sendText(app, "/link/", { headers: { accept: "text/html" } }),
    ]);
    assert.equal(direct.status, 200);
    assert.equal(linked.status, 200);
    assert.ok(direct.body.includes("Index of /files/"));
    assert.ok(linked.body.includes("Index of /link/"));
    assert.ok(!linked.body.includes("Index of /files/"));
    assert.ok(linked.body.includes('href="./a.txt"'));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("serveFiles() answers HEAD for a listing with the GET length and no body", async () => {
  const root = await createListingRoot();
  try {
    const app = await buildApp(root, { listing: true });
    const get = await sendText(app, "/files/", { headers: { accept: "text/html" } });
    const head = await sendText(app, "/files/", {
      method: "HEAD",
      headers: { accept: "text/html" },
    });
    assert.equal(head.status, 200);
    assert.equal(head.body, "");
    assert.equal(head.headers.get("content-length"), get.headers.get("content-length"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
