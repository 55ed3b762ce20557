import assert from "node:assert/strict";
import {
  canonicalPathText,
  canonicalRuleText,
  encodeCanonicalSegment,
  parseRequestPath,
} from "../../lib/http/request_path.ts";
import { compilePattern, matchPattern } from "../../lib/rules/pattern.ts";
import { decodeRequestPath } from "../../lib/fs/resolve_path.ts";

// Every spelling a client can send for one path, and the one text every layer sees.
const SPELLINGS: [string, string][] = [
  ["/private/x", "/private/x"],
  ["//private/x", "/private/x"],
  ["/private//x", "/private/x"],
  ["/%70rivate/x", "/private/x"],
  ["/%70%72%69%76%61%74%65/%78", "/private/x"],
  ["/./private/./x", "/private/x"],
  ["/a/b/../../private/x", "/private/x"],
  ["/../../private/x", "/private/x"],
  ["/admin/page%2ehtml", "/admin/page.html"],
  ["/admin/page%2Ehtml", "/admin/page.html"],
  ["/docs/", "/docs/"],
  ["/docs/.", "/docs/"],
  ["/docs/x/..", "/docs/"],
  ["/", "/"],
  ["/my%20docs/a", "/my%20docs/a"],
  ["/my docs/a", "/my%20docs/a"],
  ["/caf%C3%A9", "/caf%C3%A9"],
  ["/caf%c3%a9", "/caf%C3%A9"],
  ["/100%25", "/100%25"],
  ["/a%3Fb", "/a%3Fb"],
  ["/a%23b", "/a%23b"],
  ["/a+b", "/a+b"],
  ["/a%2Bb", "/a+b"],
];

for (const [raw, canonical] of SPELLINGS) {
  Deno.test(`parseRequestPath() spells ${JSON.stringify(raw)} as ${canonical}`, () => {
    const path = parseRequestPath(raw);
    assert.ok(path.ok, raw);
    assert.equal(path.text, canonical);
  });
}

const REFUSED = ["/a%2fb", "/a%5Cb", "/%zz", "/a%00b", "/a%c0%ae", "relative", "/a\\b"];
for (const raw of REFUSED) {
  Deno.test(`parseRequestPath() refuses ${JSON.stringify(raw)} with a reason`, () => {
    const path = parseRequestPath(raw);
    assert.equal(path.ok, false);
    assert.ok(!path.ok && path.message.length > 0);
  });
}

Deno.test("canonical text never decodes into another path", () => {
  for (const segment of ["100%", "%41", "a?b", "a#b", "é", " ", "%2F"]) {
    const text = canonicalPathText([segment], false);
    const again = parseRequestPath(text);
    assert.ok(again.ok);
    assert.deepEqual(again.segments, [segment], `${segment} → ${text}`);
    assert.equal(encodeCanonicalSegment(segment), text.slice(1));
  }
});

Deno.test("canonicalRuleText() gives a rule's literal the spelling requests get", () => {
  assert.equal(canonicalRuleText("%70rivate"), "private");
  assert.equal(canonicalRuleText("my docs"), "my%20docs");
  assert.equal(canonicalRuleText("my%20docs"), "my%20docs");
  assert.equal(canonicalRuleText("100%"), "100%25");
  assert.equal(canonicalRuleText("a%2Fb"), "a%2Fb");
});

Deno.test("a rules pattern matches every spelling of its path and no other path", () => {
  for (const source of ["/private/*", "/%70rivate/*", "/private/:name"]) {
    const compiled = compilePattern(source);
    assert.ok(compiled.ok);
    for (const [raw, canonical] of SPELLINGS) {
      const path = parseRequestPath(raw);
      assert.ok(path.ok);
      const expected = canonical.startsWith("/private/");
      assert.equal(
        matchPattern(compiled.pattern, path.text) !== null,
        expected,
        `${source} ${raw}`,
      );
    }
  }
});

Deno.test("parseRequestPath() gives plain paths the same answer as the full decode", () => {
  const alphabet = [
    "a",
    "B",
    "0",
    ".",
    "-",
    "_",
    "~",
    "!",
    "$",
    "&",
    "'",
    "(",
    "*",
    "+",
    ",",
    ";",
    "=",
    ":",
    "@",
    "/",
    "%41",
    "%2e",
    " ",
    "é",
  ];
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < 5000; i++) {
    let path = "/";
    const length = Math.floor(next() * 12);
    for (let j = 0; j < length; j++) path += alphabet[Math.floor(next() * alphabet.length)];
    const url = new URL("http://x" + path).pathname;
    const fast = parseRequestPath(url);
    const decoded = decodeRequestPath(url);
    if (!decoded.ok) {
      assert.equal(fast.ok, false, url);
      continue;
    }
    assert.ok(fast.ok, url);
    assert.deepEqual(fast.segments, decoded.segments, url);
    assert.equal(fast.trailingSlash, decoded.trailingSlash, url);
    assert.equal(fast.text, canonicalPathText(decoded.segments, decoded.trailingSlash), url);
  }
  assert.equal(parseRequestPath("").ok, false);
});
