import assert from "node:assert/strict";
import {
  computeEtag,
  type EntityTagList,
  matchesStrong,
  matchesWeak,
  parseEntityTag,
  parseEntityTagList,
} from "../../lib/http/etag.ts";

const STRONG_ETAG_REGEXP = /^"[0-9a-fn-]+"$/;

Deno.test("computeEtag() returns a strong, quoted tag from size and mtime", () => {
  const cases: [Parameters<typeof computeEtag>[0], string][] = [
    [{ size: 1000, mtimeMs: 1_700_000_000_000 }, `"18bcfe56800-3e8"`],
    [{ size: 0, mtimeMs: 0 }, `"0-0"`],
    [{ size: 255, mtimeMs: null }, `"-ff"`],
    [{ size: 255, mtimeMs: 16, ino: 4096 }, `"10-ff-1000"`],
    [{ size: 255, mtimeMs: 16, ino: null }, `"10-ff"`],
    [{ size: 1, mtimeMs: 1234.9 }, `"4d2-1"`],
    [{ size: 1, mtimeMs: -1000 }, `"n3e8-1"`],
    [{ size: Number.MAX_SAFE_INTEGER, mtimeMs: 1 }, `"1-1fffffffffffff"`],
  ];
  for (const [input, expected] of cases) {
    const etag = computeEtag(input);
    assert.equal(etag, expected, JSON.stringify(input));
    assert.match(etag, STRONG_ETAG_REGEXP);
    assert.deepEqual(parseEntityTag(etag), { weak: false, opaque: etag });
  }
});

Deno.test("computeEtag() is stable for equal inputs", () => {
  const info = { size: 12345, mtimeMs: 1_699_999_999_999, ino: 77 };
  assert.equal(computeEtag(info), computeEtag({ ...info }));
});

Deno.test("computeEtag() changes when any input changes", () => {
  const base = { size: 100, mtimeMs: 1_700_000_000_000, ino: 5 };
  const variants = [
    base,
    { ...base, size: 101 },
    { ...base, size: 0 },
    { ...base, mtimeMs: 1_700_000_000_001 },
    { ...base, mtimeMs: null },
    { ...base, mtimeMs: 0 },
    { ...base, ino: 6 },
    { ...base, ino: null },
    { ...base, ino: 0 },
    { size: 5, mtimeMs: 100, ino: 1_700_000_000_000 },
    { size: 0x1_0000, mtimeMs: 0x10 },
    { size: 0x10, mtimeMs: 0x1_0000 },
  ];
  const tags = new Set(variants.map((info) => computeEtag(info)));
  assert.equal(tags.size, variants.length);
});

Deno.test("computeEtag() throws a RangeError for non-finite inputs", () => {
  for (const info of [{ size: NaN, mtimeMs: 0 }, { size: 1, mtimeMs: Infinity }]) {
    assert.throws(() => computeEtag(info), RangeError);
  }
});

Deno.test("parseEntityTag() parses exactly one strong or weak tag", () => {
  const cases: [string, ReturnType<typeof parseEntityTag>][] = [
    [`"abc"`, { weak: false, opaque: `"abc"` }],
    [`W/"abc"`, { weak: true, opaque: `"abc"` }],
    [`""`, { weak: false, opaque: `""` }],
    [`W/""`, { weak: true, opaque: `""` }],
    [`"a,b"`, { weak: false, opaque: `"a,b"` }],
    [`"\x80\xff!#~"`, { weak: false, opaque: `"\x80\xff!#~"` }],
    [`abc`, undefined],
    [`w/"abc"`, undefined],
    [`W/ "abc"`, undefined],
    [`W"abc"`, undefined],
    [` "abc"`, undefined],
    [`"abc" `, undefined],
    [`"abc`, undefined],
    [`"a"b"`, undefined],
    [`"a b"`, undefined],
    [`"a\tb"`, undefined],
    [`"a\x7fb"`, undefined],
    [`"a\u0100b"`, undefined],
    [`"a\u0000"`, undefined],
    [`'abc'`, undefined],
    [``, undefined],
    [`*`, undefined],
  ];
  for (const [input, expected] of cases) {
    assert.deepEqual(parseEntityTag(input), expected, JSON.stringify(input));
  }
});

Deno.test("parseEntityTagList() parses *, lists and rejects malformed values", () => {
  const strong = (opaque: string) => ({ weak: false, opaque });
  const weak = (opaque: string) => ({ weak: true, opaque });
  const cases: [string, EntityTagList][] = [
    [`*`, { kind: "any" }],
    [` * `, { kind: "any" }],
    [`\t*\t`, { kind: "any" }],
    [`"a"`, { kind: "list", tags: [strong(`"a"`)] }],
    [`W/"a"`, { kind: "list", tags: [weak(`"a"`)] }],
    [`"a", W/"b","c"`, { kind: "list", tags: [strong(`"a"`), weak(`"b"`), strong(`"c"`)] }],
    [`  "a"  ,\t"b"\t`, { kind: "list", tags: [strong(`"a"`), strong(`"b"`)] }],
    [`"a,b", "c"`, { kind: "list", tags: [strong(`"a,b"`), strong(`"c"`)] }],
    [`, "a", , "b",`, { kind: "list", tags: [strong(`"a"`), strong(`"b"`)] }],
    [`"*"`, { kind: "list", tags: [strong(`"*"`)] }],
    [``, { kind: "invalid" }],
    [` `, { kind: "invalid" }],
    [`,`, { kind: "invalid" }],
    [` , ,, `, { kind: "invalid" }],
    [`*, "a"`, { kind: "invalid" }],
    [`"a", *`, { kind: "invalid" }],
    [`**`, { kind: "invalid" }],
    [`*,*`, { kind: "invalid" }],
    [`a`, { kind: "invalid" }],
    [`"a" "b"`, { kind: "invalid" }],
    [`"a""b"`, { kind: "invalid" }],
    [`"a";"b"`, { kind: "invalid" }],
    [`"a", b`, { kind: "invalid" }],
    [`"a", "b`, { kind: "invalid" }],
    [`w/"a"`, { kind: "invalid" }],
    [`W/a`, { kind: "invalid" }],
    [`"a"\r\n, "b"`, { kind: "invalid" }],
    [`"a" x`, { kind: "invalid" }],
  ];
  for (const [input, expected] of cases) {
    assert.deepEqual(parseEntityTagList(input), expected, JSON.stringify(input));
  }
});

Deno.test("parseEntityTagList() handles 1000-member lists and huge garbage quickly", () => {
  const members = Array.from({ length: 1000 }, (_, i) => `"t${i}"`);
  const list = parseEntityTagList(members.join(", "));
  assert.equal(list.kind, "list");
  assert.equal(list.kind === "list" && list.tags.length, 1000);
  assert.equal(matchesStrong(list, `"t999"`), true);

  const started = performance.now();
  assert.deepEqual(parseEntityTagList(`"${"a".repeat(1_000_000)}`), { kind: "invalid" });
  assert.deepEqual(parseEntityTagList(",".repeat(1_000_000)), { kind: "invalid" });
  assert.deepEqual(parseEntityTagList(`"a",`.repeat(100_000) + "x"), { kind: "invalid" });
  assert.ok(performance.now() - started < 1000);
});

Deno.test("matchesStrong() and matchesWeak() follow the RFC 9110 §8.8.3.2 table", () => {
  // [client list, server tag, strong, weak] — the first four rows are the RFC's example table.
  const cases: [string, string, boolean, boolean][] = [
    [`W/"1"`, `W/"1"`, false, true],
    [`W/"1"`, `W/"2"`, false, false],
    [`W/"1"`, `"1"`, false, true],
    [`"1"`, `"1"`, true, true],
    [`"1"`, `W/"1"`, false, true],
    [`"1"`, `"2"`, false, false],
    [`"2", "1"`, `"1"`, true, true],
    [`W/"2", "1"`, `"1"`, true, true],
    [`*`, `"1"`, true, true],
    [`*`, `W/"1"`, true, true],
    [`"1"`, `1`, false, false],
    [`"1"`, ``, false, false],
    [`"1`, `"1"`, false, false],
    [`"a,b"`, `"a,b"`, true, true],
    [`"a", "b"`, `"a,b"`, false, false],
    [`"ABC"`, `"abc"`, false, false],
  ];
  for (const [header, etag, strong, weak] of cases) {
    const list = parseEntityTagList(header);
    assert.equal(matchesStrong(list, etag), strong, `strong ${header} vs ${etag}`);
    assert.equal(matchesWeak(list, etag), weak, `weak ${header} vs ${etag}`);
  }
});

Deno.test("matchesStrong() and matchesWeak() never match an invalid list", () => {
  const invalid: EntityTagList = { kind: "invalid" };
  assert.equal(matchesStrong(invalid, `"a"`), false);
  assert.equal(matchesWeak(invalid, `"a"`), false);
});
