import assert from "node:assert/strict";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import {
  compressBytes,
  createEncodingChooser,
  encodedEtag,
  type Encoding,
  forbidsTransform,
} from "../../lib/serve/compression.ts";

Deno.test("createEncodingChooser() negotiates Accept-Encoding with q-values, *, identity and q=0", () => {
  const choose = createEncodingChooser();
  const all: Encoding[] = ["br", "zstd", "gzip"];
  const cases: [string | null, readonly Encoding[], Encoding | null][] = [
    [null, all, null],
    ["", all, null],
    ["gzip", all, "gzip"],
    ["gzip, br", all, "br"],
    ["br, gzip", ["gzip"], "gzip"],
    ["gzip;q=1, br;q=0.5", all, "gzip"],
    ["br;q=0, gzip", all, "gzip"],
    ["gzip;q=0", all, null],
    ["identity", all, null],
    ["*", all, "br"],
    ["*;q=0", all, null],
    ["*, br;q=0", all, "zstd"],
    ["*;q=0.5, gzip", all, "gzip"],
    ["zstd, gzip", all, "zstd"],
    ["x-gzip", ["gzip"], "gzip"],
    ["GZIP", ["gzip"], "gzip"],
    ["deflate", all, null],
    ["gzip;q=abc", all, null],
    ["br", [], null],
  ];
  for (const [header, available, expected] of cases) {
    assert.equal(choose(header, available), expected, `${header} over ${available}`);
    // The memoized answer is the same.
    assert.equal(choose(header, available), expected, `${header} (memoized)`);
  }
});

Deno.test("encodedEtag() puts the coding inside the quotes", () => {
  assert.equal(encodedEtag('"1a-2b-3c"', "br"), '"1a-2b-3c-br"');
  assert.equal(encodedEtag('"x"', "gzip"), '"x-gzip"');
});

Deno.test("forbidsTransform() finds no-transform among Cache-Control directives", () => {
  const cases: [string, boolean][] = [
    ["no-transform", true],
    ["public, no-transform", true],
    ["No-Transform, max-age=60", true],
    ["no-cache", false],
    ["x-no-transform-please", false],
    ["", false],
  ];
  for (const [value, expected] of cases) assert.equal(forbidsTransform(value), expected, value);
});

Deno.test("compressBytes() round-trips through gzip and brotli", async () => {
  const input = new TextEncoder().encode("berth ".repeat(1000));
  const gzipped = await compressBytes(input, "gzip", { gzipLevel: 6, brotliLevel: 5 });
  assert.ok(gzipped.byteLength < input.byteLength);
  assert.deepEqual(new Uint8Array(gunzipSync(gzipped)), input);
  const brotli = await compressBytes(input, "br", { gzipLevel: 6, brotliLevel: 5 });
  assert.ok(brotli.byteLength < input.byteLength);
  assert.deepEqual(new Uint8Array(brotliDecompressSync(brotli)), input);
});
