/**
 * Listing order through the composed handler: `?sort=&order=` in HTML and
 * JSON, invalid values answered with the default (never a 400, never echoed),
 * one cache entry per directory whatever the query, the page's CSP, and
 * per-visitor listings (access rules) still sorted and still private.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildApp, sendText } from "./app_harness.ts";
import {
  authSettings,
  buildAuthApp,
  createAuthFixture,
  mintHs256,
  request,
} from "./auth_fixture.ts";

const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth_listing_sort_" }));
const FILES: [string, number, number][] = [
  ["file10.txt", 30, 3],
  ["File1.txt", 10, 1],
  ["file2.txt", 2000, 2],
];
await Deno.mkdir(join(root, "sub"));
await Deno.mkdir(join(root, "Alpha"));
for (const [name, size, minute] of FILES) {
  await Deno.writeFile(join(root, name), new Uint8Array(size));
  const time = new Date(Date.UTC(2024, 0, 1, 0, minute));
  await Deno.utime(join(root, name), time, time);
}
const app = await buildApp(root, { listing: true, index: [] });
const fixture = await createAuthFixture();
const authApp = await buildAuthApp(fixture, authSettings(fixture));

globalThis.addEventListener("unload", () => {
  Deno.removeSync(root, { recursive: true });
  Deno.removeSync(fixture.dir, { recursive: true });
});

const JSON_ACCEPT = { headers: { accept: "application/json" } };
const HTML_ACCEPT = { headers: { accept: "text/html" } };

async function jsonNames(path: string): Promise<string[]> {
  const { status, body } = await sendText(app, path, JSON_ACCEPT);
  assert.equal(status, 200, path);
  return JSON.parse(body).entries.map((entry: { name: string }) => entry.name);
}

/** Names in the order the HTML page lists them. */
async function htmlNames(path: string): Promise<string[]> {
  const { status, body } = await sendText(app, path, HTML_ACCEPT);
  assert.equal(status, 200, path);
  return [...body.matchAll(/<a href="\.\/[^"]*">([^<]*)<\/a>/g)].map((match) => match[1]);
}

const ORDERS: [string, string[]][] = [
  ["/", ["Alpha", "sub", "File1.txt", "file2.txt", "file10.txt"]],
  ["/?sort=name&order=desc", ["sub", "Alpha", "file10.txt", "file2.txt", "File1.txt"]],
  ["/?sort=size", ["Alpha", "sub", "File1.txt", "file10.txt", "file2.txt"]],
  ["/?sort=size&order=desc", ["sub", "Alpha", "file2.txt", "file10.txt", "File1.txt"]],
  ["/?sort=modified&order=asc", ["Alpha", "sub", "File1.txt", "file2.txt", "file10.txt"]],
  ["/?sort=modified&order=desc", ["sub", "Alpha", "file10.txt", "file2.txt", "File1.txt"]],
];

Deno.test("serveFiles() sorts the JSON listing by the sort and order parameters", async () => {
  for (const [path, expected] of ORDERS) {
    assert.deepEqual(await jsonNames(path), expected, path);
  }
});

Deno.test("serveFiles() sorts the HTML listing by the sort and order parameters", async () => {
  for (const [path, expected] of ORDERS) {
    const names = await htmlNames(path);
    assert.deepEqual(names, expected.map((name) => name.includes(".") ? name : `${name}/`), path);
  }
});

Deno.test("serveFiles() answers an invalid sort or order with the default, never echoing it", async () => {
  for (
    const query of [
      "?sort=<script>alert(1)</script>",
      "?order=%22onmouseover%3D",
      "?sort=evil&order=evil",
      "?sort=",
      "?sort=name&order=asc&order=bogus",
    ]
  ) {
    const { status, body } = await sendText(app, `/${query}`, HTML_ACCEPT);
    assert.equal(status, 200, query);
    assert.doesNotMatch(body, /alert|onmouseover|evil|bogus/, query);
    assert.deepEqual(await jsonNames(`/${query}`), ORDERS[0][1], query);
  }
});

Deno.test("serveFiles() links column headers to their sort and sends the page's CSP", async () => {
  const { headers, body } = await sendText(app, "/?sort=size", HTML_ACCEPT);
  assert.match(body, /<th scope="col" aria-sort="ascending"><a href="\?sort=size&amp;order=desc">/);
  assert.match(body, /<a href="\?sort=name&amp;order=asc">Name</);
  assert.match(
    headers.get("content-security-policy") ?? "",
    /^default-src 'none'; style-src 'sha256-/,
  );
  const json = await sendText(app, "/?sort=size", JSON_ACCEPT);
  assert.equal(json.headers.get("content-security-policy"), null);
  assert.equal(headers.get("cache-control"), "no-cache");
});

Deno.test("serveFiles() keeps one listing page per order and answers repeats identically", async () => {
  for (const [path] of ORDERS) {
    const first = await sendText(app, path, HTML_ACCEPT);
    const again = await sendText(app, path, HTML_ACCEPT);
    assert.equal(again.body, first.body, path);
    assert.equal(again.headers.get("content-length"), first.headers.get("content-length"));
  }
});

Deno.test("listings filtered by access rules are sorted and stay private", async () => {
  const admin = {
    headers: { authorization: `Bearer ${await mintHs256()}`, ...JSON_ACCEPT.headers },
  };
  const names = async (path: string, init: RequestInit) => {
    const response = await request(authApp, path, init);
    assert.equal(response.status, 200, path);
    assert.match(response.headers.get("cache-control") ?? "", /^private\b/);
    assert.match(response.headers.get("vary") ?? "", /Authorization/);
    return JSON.parse(response.body).entries.map((entry: { name: string }) => entry.name);
  };
  assert.deepEqual(await names("/?order=desc", admin), [
    "team",
    "pub",
    "files",
    "admin",
    "home.html",
  ]);
  assert.deepEqual(await names("/?order=desc", JSON_ACCEPT), ["pub", "files", "home.html"]);
  assert.deepEqual(await names("/files/?sort=size&order=desc", admin), [
    "admin-notes",
    "private.secret",
    "open.txt",
  ]);
  const html = await request(authApp, "/?order=desc", HTML_ACCEPT);
  assert.match(html.headers.get("cache-control") ?? "", /^private\b/);
  assert.doesNotMatch(html.body, /admin|team/);
  assert.ok(html.body.indexOf(">pub/<") < html.body.indexOf(">files/<"));
});
