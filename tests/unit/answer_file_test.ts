/**
 * `answerFile()` on records built from an in-memory tree: the selected
 * representation, preconditions, ranges and whole answers, for bodies held in
 * memory and bodies streamed from the "disk".
 */
import assert from "node:assert/strict";
import { HttpError } from "../../lib/errors.ts";
import { createFileAnswerer } from "../../lib/serve/answer_file.ts";
import { createEncodingChooser } from "../../lib/serve/compression.ts";
import { createOnTheFlyEncoder } from "../../lib/serve/encode_on_the_fly.ts";
import { createFileCache } from "../../lib/serve/file_cache.ts";
import { buildFileRecord, type FileRecord } from "../../lib/serve/representation.ts";
import { createSiteResolver } from "../../lib/serve/resolver.ts";
import { createMemoryFileSystem, OLD_MTIME_MS } from "../fixtures/memory_fs.ts";

const ROOT = "/srv/site";
const TEXT = "0123456789".repeat(20);
const OLD_DATE = new Date(OLD_MTIME_MS - 86_400_000).toUTCString();
const NEW_DATE = new Date(OLD_MTIME_MS + 86_400_000).toUTCString();

async function setup(maxBodyBytes: number) {
  const fs = createMemoryFileSystem({
    [`${ROOT}/page.txt`]: TEXT,
    [`${ROOT}/page.txt.gz`]: "gz-bytes",
  });
  const cache = createFileCache(fs, { enabled: true, maxFileBytes: 1024, maxTotalBytes: 1 << 20 });
  const path = `${ROOT}/page.txt`;
  const { record } = await buildFileRecord({ path, info: await fs.stat(path) }, ["page.txt"], {
    fs,
    root: ROOT,
    resolver: createSiteResolver({ fs, root: ROOT, dotfiles: false, cache }),
    cacheControl: { default: "no-cache", immutable: "immutable" },
    base: {},
    maxBodyBytes,
    compression: { precompressed: true, onTheFly: true, minBytes: 10 },
    onTheFlyMaxBytes: 1024,
  }, { key: null, container: null });
  const answerFile = createFileAnswerer({
    fs,
    pickEncoding: createEncodingChooser(),
    encode: createOnTheFlyEncoder({
      fs,
      compression: { gzipLevel: 6, brotliLevel: 4 },
      grow: () => true,
    }),
  });
  return { fs, record, answerFile };
}

interface Case {
  name: string;
  method?: string;
  headers?: (record: FileRecord) => Record<string, string>;
  status: number;
  encoding?: string | null;
  contentRange?: string;
  body?: string;
}

const CASES: Case[] = [
  { name: "a plain GET gets the whole identity", status: 200, encoding: null, body: TEXT },
  { name: "HEAD gets the headers and no body", method: "HEAD", status: 200, body: "" },
  {
    name: "gzip is taken from the sibling",
    headers: () => ({ "accept-encoding": "gzip" }),
    status: 200,
    encoding: "gzip",
    body: "gz-bytes",
  },
  {
    name: "br is made on the fly",
    headers: () => ({ "accept-encoding": "br" }),
    status: 200,
    encoding: "br",
  },
  {
    name: "a matching If-None-Match is a 304",
    headers: (record) => ({ "if-none-match": record.identity.etag }),
    status: 304,
    body: "",
  },
  {
    name: "the 304 is for the coding that was selected",
    headers: (record) => ({
      "accept-encoding": "gzip",
      "if-none-match": (record.encoded.get("gzip") as { etag: string }).etag,
    }),
    status: 304,
  },
  {
    name: "an old If-Modified-Since does not match",
    headers: () => ({ "if-modified-since": OLD_DATE }),
    status: 200,
    body: TEXT,
  },
  {
    name: "a later If-Modified-Since is a 304",
    headers: () => ({ "if-modified-since": NEW_DATE }),
    status: 304,
  },
  {
    name: "a single range is a 206 of identity bytes, whatever the Accept-Encoding",
    headers: () => ({ range: "bytes=10-19", "accept-encoding": "gzip" }),
    status: 206,
    encoding: null,
    contentRange: "bytes 10-19/200",
    body: TEXT.slice(10, 20),
  },
  {
    name: "a suffix range",
    headers: () => ({ range: "bytes=-5" }),
    status: 206,
    contentRange: "bytes 195-199/200",
    body: TEXT.slice(-5),
  },
  {
    name: "a range covering nothing malformed is ignored",
    headers: () => ({ range: "bytes=x-y" }),
    status: 200,
    body: TEXT,
  },
  {
    name: "a blank Range is no range: the coding is negotiated",
    headers: () => ({ range: " ", "accept-encoding": "gzip" }),
    status: 200,
    encoding: "gzip",
  },
  {
    name: "HEAD ignores Range",
    method: "HEAD",
    headers: () => ({ range: "bytes=0-0" }),
    status: 200,
  },
  {
    name: "If-Range with another tag sends the whole file",
    headers: () => ({ range: "bytes=0-0", "if-range": '"other"' }),
    status: 200,
    body: TEXT,
  },
  {
    name: "If-Range with the current tag honours the range",
    headers: (record) => ({ range: "bytes=0-0", "if-range": record.identity.etag }),
    status: 206,
    body: "0",
  },
  {
    name: "two ranges are multipart",
    headers: () => ({ range: "bytes=0-0,5-5" }),
    status: 206,
  },
];

Deno.test("`answerFile()` selects, checks preconditions, honours ranges, then sends whole", async () => {
  // In memory and streamed from the fake disk must answer alike.
  for (const maxBodyBytes of [1024, 0]) {
    const { record, answerFile } = await setup(maxBodyBytes);
    for (const testCase of CASES) {
      const name = `${testCase.name} (${maxBodyBytes === 0 ? "streamed" : "in memory"})`;
      const request = new Request("http://localhost/page.txt", {
        method: testCase.method ?? "GET",
        headers: testCase.headers?.(record) ?? {},
      });
      const response = await answerFile(request, record);
      const body = await response.text();
      assert.equal(response.status, testCase.status, name);
      if (testCase.encoding !== undefined) {
        assert.equal(response.headers.get("content-encoding"), testCase.encoding, name);
      }
      if (testCase.contentRange !== undefined) {
        assert.equal(response.headers.get("content-range"), testCase.contentRange, name);
      }
      if (testCase.body !== undefined) assert.equal(body, testCase.body, name);
      if (testCase.name === "two ranges are multipart") {
        assert.match(response.headers.get("content-type")!, /^multipart\/byteranges; boundary=/);
        assert.equal(response.headers.get("content-length"), String(body.length), name);
      }
    }
  }
});

Deno.test("`answerFile()` throws 412 and 416 as HttpErrors carrying their headers", async () => {
  const { record, answerFile } = await setup(1024);
  const cases: [string, Record<string, string>, number, string, string][] = [
    ["If-Match fails", { "if-match": '"other"' }, 412, "etag", record.identity.etag],
    ["range past the end", { range: "bytes=500-600" }, 416, "content-range", "bytes */200"],
  ];
  for (const [name, headers, status, header, value] of cases) {
    const request = new Request("http://localhost/page.txt", { headers });
    await assert.rejects(
      async () => await answerFile(request, record),
      (error) => {
        assert.ok(error instanceof HttpError, name);
        assert.equal(error.status, status, name);
        assert.equal(new Headers(error.headers).get(header), value, name);
        return true;
      },
    );
  }
});

Deno.test("`answerFile()` makes an on-the-fly coding once and reuses it", async () => {
  const { fs, record, answerFile } = await setup(1024);
  const request = () =>
    new Request("http://localhost/page.txt", { headers: { "accept-encoding": "br" } });
  const [first, second] = await Promise.all([
    answerFile(request(), record),
    answerFile(request(), record),
  ]);
  const third = await answerFile(request(), record);
  const bodies = await Promise.all([first, second, third].map((response) => response.bytes()));
  assert.deepEqual(bodies[0], bodies[1]);
  assert.deepEqual(bodies[0], bodies[2]);
  assert.equal(third.headers.get("content-encoding"), "br");
  assert.equal(fs.calls.readFile ?? 0, 2, "identity and sibling read once each, at build time");
});
