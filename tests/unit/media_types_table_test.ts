/**
 * @module
 * Tests that the generated lib/fs/media_types_table.ts is exactly what
 * scripts/generate_media_types.ts makes from the pinned mime-db, so the table
 * cannot go stale when mime-db is upgraded.
 */

import assert from "node:assert/strict";
import db from "mime-db";
import {
  buildMediaTypeTable,
  isTextualType,
  MEDIA_TYPES_TABLE_PATH,
  type MimeEntry,
  readMimeDbVersion,
  renderMediaTypeModule,
} from "../../scripts/generate_media_types.ts";
import { COMPRESSIBLE_OVERRIDES, CONTENT_TYPES } from "../../lib/fs/media_types_table.ts";

const MIME_DB = db as Record<string, MimeEntry>;

Deno.test("the generated media type table matches the pinned mime-db", () => {
  const expected = buildMediaTypeTable(MIME_DB);
  assert.deepEqual({ ...CONTENT_TYPES }, expected.contentTypes);
  assert.deepEqual({ ...COMPRESSIBLE_OVERRIDES }, expected.compressibleOverrides);
});

Deno.test("the generated media type module is byte-for-byte what the generator writes", async () => {
  const expected = renderMediaTypeModule(buildMediaTypeTable(MIME_DB), await readMimeDbVersion());
  assert.equal(await Deno.readTextFile(MEDIA_TYPES_TABLE_PATH), expected);
});

const BUILD_CASES: [name: string, mimeDb: Record<string, MimeEntry>, expected: unknown][] = [
  [
    "standards tree wins over vnd. and x-",
    {
      "application/vnd.a": { source: "iana", extensions: ["a"] },
      "application/x-a": { extensions: ["a"] },
      "image/a": { source: "iana", extensions: ["a"] },
    },
    { contentTypes: { a: "image/a" }, compressibleOverrides: {} },
  ],
  [
    "text and utf-8 types get a charset; a contradicting compressible flag is kept",
    {
      "text/plain": { compressible: true, extensions: ["txt"] },
      "text/x-bin": { compressible: false, extensions: ["xb"] },
      "application/x-thing": { charset: "UTF-8", compressible: true, extensions: ["thing"] },
    },
    {
      contentTypes: {
        thing: "application/x-thing; charset=utf-8",
        txt: "text/plain; charset=utf-8",
        xb: "text/x-bin; charset=utf-8",
      },
      compressibleOverrides: { "text/x-bin": false, "application/x-thing": true },
    },
  ],
  [
    "a later entry wins a tie",
    { "audio/x-b": { extensions: ["b"] }, "audio/x-c": { extensions: ["b"] } },
    { contentTypes: { b: "audio/x-c" }, compressibleOverrides: {} },
  ],
];

for (const [name, mimeDb, expected] of BUILD_CASES) {
  Deno.test(`buildMediaTypeTable() scores like mime-types: ${name}`, () => {
    assert.deepEqual(buildMediaTypeTable(mimeDb), expected);
  });
}

Deno.test("isTextualType() is true for text/* and +json/+xml/+text suffixes only", () => {
  assert.deepEqual(
    ["text/css", "application/ld+json", "image/svg+xml", "application/a+text", "image/png"].map(
      isTextualType,
    ),
    [true, true, true, true, false],
  );
});
