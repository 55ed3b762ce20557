/**
 * The listing page: the breadcrumb's items, escaping of hostile names in
 * text and links, icons by extension, counts, the CSP hashes matching the
 * page's own style and script, and the size of a 1,000-entry page.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  breadcrumbItems,
  formatSize,
  iconFor,
  LISTING_PAGE_CSP,
  renderListingPage,
} from "../../lib/serve/listing_page.ts";
import { DEFAULT_LISTING_ORDER, listingOrderOf } from "../../lib/serve/listing_order.ts";

Deno.test("breadcrumbItems() links the root and every ancestor, not the current folder", () => {
  const cases: [string[], [string, string | null][]][] = [
    [[], [["/", null]]],
    [["a"], [["/", "../"], ["a/", null]]],
    [["a", "b"], [["/", "../../"], ["a/", "../"], ["b/", null]]],
    [["a", "b", "c"], [["/", "../../../"], ["a/", "../../"], ["b/", "../"], ["c/", null]]],
    [['<x> "q"', "100% #1?"], [["/", "../../"], ['<x> "q"/', "../"], ["100% #1?/", null]]],
  ];
  for (const [segments, expected] of cases) {
    assert.deepEqual(
      breadcrumbItems(segments).map((item) => [item.label, item.href]),
      expected,
      segments.join("/"),
    );
  }
});

Deno.test("breadcrumbItems() links resolve to /, /a/, /a/b/ from the folder's URL", () => {
  const items = breadcrumbItems(["a", "b", "c"]);
  const base = "http://h/a/b/c/";
  assert.deepEqual(
    items.filter((item) => item.href !== null).map((item) => new URL(item.href!, base).pathname),
    ["/", "/a/", "/a/b/"],
  );
});

Deno.test("renderListingPage() escapes names in text, breadcrumb and links", () => {
  const names = ["<img src=x onerror=alert(1)>", '"quoted"', "100%", "#hash", "what?", "a b", "ü✓"];
  const html = renderListingPage(
    ["<dir>", '"q"'],
    names.map((name) => ({ name, kind: "file", size: 1, mtimeMs: 0 })),
    DEFAULT_LISTING_ORDER,
  );
  assert.doesNotMatch(html, /<img|<dir>|"q"\//);
  assert.match(html, /<title>Index of \/&lt;dir&gt;\/&quot;q&quot;\/<\/title>/);
  assert.match(
    html,
    /<a href="\.\.\/">&lt;dir&gt;\/<\/a><span aria-current="page">&quot;q&quot;\/</,
  );
  const cases: [string, string][] = [
    ["<img src=x onerror=alert(1)>", "./%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"],
    ['"quoted"', "./%22quoted%22"],
    ["100%", "./100%25"],
    ["#hash", "./%23hash"],
    ["what?", "./what%3F"],
    ["a b", "./a%20b"],
    ["ü✓", "./%C3%BC%E2%9C%93"],
  ];
  for (const [name, href] of cases) {
    assert.ok(html.includes(`href="${href}"`), name);
    assert.equal(new URL(href, "http://h/d/").pathname.split("/").pop(), href.slice(2), name);
    assert.equal(decodeURIComponent(href.slice(2)), name);
  }
});

Deno.test("renderListingPage() counts folders and files and marks the sorted column", () => {
  const html = renderListingPage([], [
    { name: "d", kind: "directory", size: null, mtimeMs: null },
    { name: "f", kind: "file", size: 2048, mtimeMs: Date.UTC(2024, 0, 2, 3, 4, 5) },
  ], listingOrderOf("?sort=size&order=desc"));
  assert.match(html, /1 folder, 1 file</);
  assert.match(html, /aria-sort="descending"><a href="\?sort=size&amp;order=asc">Size/);
  assert.match(html, /<time datetime="2024-01-02T03:04Z">2024-01-02 03:04<\/time>/);
  assert.match(html, />2\.0 KiB</);
  assert.doesNotMatch(html, /Parent folder/, "the root has no parent row");
});

Deno.test("iconFor() picks an icon by kind and extension", () => {
  const cases: [string, "file" | "directory", string][] = [
    ["x", "directory", "d"],
    ["x.png", "directory", "d"],
    ["photo.JPG", "file", "i"],
    ["a.tar.gz", "file", "z"],
    ["app.js", "file", "c"],
    ["notes.md", "file", "t"],
    ["song.mp3", "file", "m"],
    [".bashrc", "file", "f"],
    ["README", "file", "f"],
    ["x.unknown", "file", "f"],
  ];
  for (const [name, kind, icon] of cases) assert.equal(iconFor({ name, kind }), icon, name);
});

Deno.test("formatSize() uses binary units", () => {
  const cases: [number, string][] = [[0, "0 B"], [1023, "1023 B"], [1024, "1.0 KiB"], [
    1536,
    "1.5 KiB",
  ], [5 * 1024 ** 3, "5.0 GiB"]];
  for (const [bytes, text] of cases) assert.equal(formatSize(bytes), text);
});

Deno.test("LISTING_PAGE_CSP allows exactly the page's own style and script", () => {
  const html = renderListingPage([], [], DEFAULT_LISTING_ORDER);
  const hash = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;
  const style = html.match(/<style>([^<]*)<\/style>/)![1];
  const script = html.match(/<script>([^<]*)<\/script>/)![1];
  assert.ok(LISTING_PAGE_CSP.includes(`style-src ${hash(style)};`));
  assert.ok(LISTING_PAGE_CSP.includes(`script-src ${hash(script)};`));
  assert.match(LISTING_PAGE_CSP, /^default-src 'none';/);
  assert.equal(html.match(/<script/g)?.length, 1);
  assert.doesNotMatch(html, /\sstyle=|\son[a-z]+=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
});

Deno.test("renderListingPage() keeps 1,000 entries (the benchmark's names) under 150 KB", () => {
  const entries = Array.from({ length: 1000 }, (_, i) => ({
    name: `file-${String(i).padStart(4, "0")}.txt`,
    kind: "file" as const,
    size: i * 1234,
    mtimeMs: Date.UTC(2024, 0, 1) + i * 60_000,
  }));
  const bytes =
    new TextEncoder().encode(renderListingPage(["docs"], entries, DEFAULT_LISTING_ORDER))
      .byteLength;
  assert.ok(bytes < 150_000, `${bytes} bytes`);
});
