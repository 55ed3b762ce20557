/**
 * `createOnTheFlyEncoder()`'s variant cache: a file is compressed once per
 * version and coding even when every request builds its record afresh (the
 * hot-file cache off), a changed file is compressed again, and the byte bound
 * evicts.
 */
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { compressBytes } from "../../lib/serve/compression.ts";
import { createOnTheFlyEncoder } from "../../lib/serve/encode_on_the_fly.ts";
import { createFileCache } from "../../lib/serve/file_cache.ts";
import { buildFileRecord, type FileRecord } from "../../lib/serve/representation.ts";
import { createSiteResolver } from "../../lib/serve/resolver.ts";
import {
  createMemoryFileSystem,
  type MemoryFileSystem,
  OLD_MTIME_MS,
} from "../fixtures/memory_fs.ts";

const ROOT = "/srv/site";
const TEXT_A = "the quick brown fox jumps over the lazy dog\n".repeat(40);
const TEXT_B = "pack my box with five dozen liquor jugs\n".repeat(40);

/** A record built the way a request with the hot-file cache off builds one (nothing kept). */
async function buildRecord(fs: MemoryFileSystem, name: string): Promise<FileRecord> {
  const cache = createFileCache(fs, { enabled: false, maxFileBytes: 0, maxTotalBytes: 0 });
  const path = `${ROOT}/${name}`;
  const { record } = await buildFileRecord({ path, info: await fs.stat(path) }, [name], {
    fs,
    root: ROOT,
    resolver: createSiteResolver({ fs, root: ROOT, dotfiles: false, cache }),
    cacheControl: { default: "no-cache", immutable: "immutable" },
    base: {},
    maxBodyBytes: 0,
    compression: { precompressed: false, onTheFly: true, minBytes: 10 },
    onTheFlyMaxBytes: 1 << 20,
  }, { key: null, container: null });
  return record;
}

/** An encoder whose compressions are counted. */
function countingEncoder(fs: MemoryFileSystem, maxVariantBytes?: number) {
  const counter = { calls: 0 };
  const encode = createOnTheFlyEncoder({
    fs,
    compression: { gzipLevel: 6, brotliLevel: 4 },
    grow: () => true,
    maxVariantBytes,
    compress: (bytes, encoding, options) => {
      counter.calls++;
      return compressBytes(bytes, encoding, options);
    },
  });
  return { encode, counter };
}

/** The gzip answer's bytes, decoded. */
async function gzipText(
  encode: ReturnType<typeof countingEncoder>["encode"],
  record: FileRecord,
): Promise<string> {
  const representation = await encode(record, "gzip");
  assert.equal(representation.encoding, "gzip");
  return new TextDecoder().decode(gunzipSync(representation.body!));
}

Deno.test("`createOnTheFlyEncoder()` compresses an unchanged file once, whichever record asks", async () => {
  const fs = createMemoryFileSystem({ [`${ROOT}/a.txt`]: TEXT_A });
  const { encode, counter } = countingEncoder(fs);
  for (let i = 0; i < 3; i++) {
    assert.equal(await gzipText(encode, await buildRecord(fs, "a.txt")), TEXT_A);
  }
  assert.equal(counter.calls, 1);
  // Another coding is another variant.
  assert.equal((await encode(await buildRecord(fs, "a.txt"), "br")).encoding, "br");
  assert.equal(counter.calls, 2);
  // Records built at the same time share one compression.
  const [first, second] = await Promise.all([buildRecord(fs, "a.txt"), buildRecord(fs, "a.txt")]);
  fs.write(`${ROOT}/b.txt`, TEXT_B);
  const [third, fourth] = await Promise.all([buildRecord(fs, "b.txt"), buildRecord(fs, "b.txt")]);
  await Promise.all([encode(first, "gzip"), encode(second, "gzip")]);
  const texts = await Promise.all([gzipText(encode, third), gzipText(encode, fourth)]);
  assert.deepEqual(texts, [TEXT_B, TEXT_B]);
  assert.equal(counter.calls, 3, "b.txt compressed once for both of its records");
});

Deno.test("`createOnTheFlyEncoder()` compresses a changed file again", async () => {
  const fs = createMemoryFileSystem({ [`${ROOT}/a.txt`]: TEXT_A });
  const { encode, counter } = countingEncoder(fs);
  assert.equal(await gzipText(encode, await buildRecord(fs, "a.txt")), TEXT_A);
  const cases: [string, () => void, string][] = [
    ["new content and mtime", () => fs.write(`${ROOT}/a.txt`, TEXT_B), TEXT_B],
    ["same size, new mtime", () => fs.touch(`${ROOT}/a.txt`, OLD_MTIME_MS + 120_000), TEXT_B],
    [
      "same size and mtime, new inode",
      () => fs.write(`${ROOT}/a.txt`, TEXT_B, { mtimeMs: OLD_MTIME_MS + 120_000, newInode: true }),
      TEXT_B,
    ],
  ];
  let calls = counter.calls;
  for (const [name, change, expected] of cases) {
    change();
    assert.equal(await gzipText(encode, await buildRecord(fs, "a.txt")), expected, name);
    assert.equal(counter.calls, ++calls, name);
  }
  // A file changed just now is not remembered: its next version might look the same.
  fs.write(`${ROOT}/a.txt`, TEXT_A, { mtimeMs: Date.now() });
  await gzipText(encode, await buildRecord(fs, "a.txt"));
  await gzipText(encode, await buildRecord(fs, "a.txt"));
  assert.equal(counter.calls, calls + 2);
});

Deno.test("`createOnTheFlyEncoder()` remembers an incompressible file as identity", async () => {
  // Twelve distinct letters: gzip's header alone is longer.
  const noise = "abcdefghijkl";
  const fs = createMemoryFileSystem({ [`${ROOT}/noise.txt`]: noise });
  const { encode, counter } = countingEncoder(fs);
  for (let i = 0; i < 2; i++) {
    const record = await buildRecord(fs, "noise.txt");
    assert.equal(await encode(record, "gzip"), record.identity);
  }
  assert.equal(counter.calls, 1);
});

Deno.test("`createOnTheFlyEncoder()` keeps its variants within the byte bound", async () => {
  const fs = createMemoryFileSystem({ [`${ROOT}/a.txt`]: TEXT_A, [`${ROOT}/b.txt`]: TEXT_B });
  const sizeOfA = (await compressBytes(new TextEncoder().encode(TEXT_A), "gzip", {
    gzipLevel: 6,
    brotliLevel: 4,
  })).byteLength;
  // Room for one variant, not two: each new file evicts the other.
  const { encode, counter } = countingEncoder(fs, sizeOfA + 200);
  for (const name of ["a.txt", "b.txt", "a.txt", "a.txt"]) {
    await gzipText(encode, await buildRecord(fs, name));
  }
  assert.equal(counter.calls, 3, "a, b, a again after b evicted it, then a from memory");
  // A variant bigger than the whole bound is sent and never kept.
  const tiny = countingEncoder(fs, 16);
  for (let i = 0; i < 2; i++) await gzipText(tiny.encode, await buildRecord(fs, "a.txt"));
  assert.equal(tiny.counter.calls, 2);
});
