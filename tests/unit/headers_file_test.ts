import assert from "node:assert/strict";
import { compileHeaderRecord, parseHeaders } from "../../lib/rules/headers_file.ts";

function parse(text: string) {
  return parseHeaders(text, { source: "_headers" });
}

Deno.test("parseHeaders() reads blocks, joins repeated names and collects removals", () => {
  const result = parse([
    "# site headers",
    "/*",
    "  X-Frame-Options: DENY",
    "  Link: </a.css>; rel=preload",
    "\tLink: </b.js>; rel=preload",
    "  ! X-Powered-By",
    "",
    "/assets/*",
    "  Cache-Control: public, max-age=31536000, immutable",
    "  # a comment inside a block",
    "  Access-Control-Allow-Origin: *",
    "/empty",
  ].join("\n"));
  assert.ok(result.ok);
  if (!result.ok) return;
  assert.deepEqual(
    result.rules.map((rule) => [rule.for.source, rule.set, rule.remove, rule.line]),
    [
      [
        "/*",
        [["x-frame-options", "DENY"], ["link", "</a.css>; rel=preload, </b.js>; rel=preload"]],
        ["x-powered-by"],
        2,
      ],
      [
        "/assets/*",
        [["cache-control", "public, max-age=31536000, immutable"], [
          "access-control-allow-origin",
          "*",
        ]],
        [],
        8,
      ],
      ["/empty", [], [], 12],
    ],
  );
});

const MALFORMED: [text: string, line: number, fragment: RegExp][] = [
  ["  X-A: b", 1, /must follow a path line/],
  ["X-A: b", 1, /not indented under a path/],
  ["/a\n  no colon here", 2, /is not "Name: value"/],
  ["/a\n  : value", 2, /is not "Name: value"/],
  ["/a\n  Bad Name: x", 2, /is not a header name/],
  ["/a\n  __proto__: x", 2, /is not a header name/],
  ["/a\n  ! ", 2, /not a header name to remove/],
  ["https://example.com/*\n  X-A: b", 1, /absolute URL patterns are not supported/],
  ["/a/*/b\n  X-A: b", 1, /"\*" that is not the last/],
  ["/ok\n  X-A: b\u0001c", 2, /control character/],
  ["/ok\n  X-A: 日本", 2, /outside Latin-1/],
];

Deno.test("parseHeaders() names the line and the problem of each malformed block", () => {
  for (const [text, line, fragment] of MALFORMED) {
    const result = parse(text);
    assert.equal(result.ok, false, text);
    if (result.ok) continue;
    assert.equal(result.problems[0].line, line, text);
    assert.equal(result.problems[0].source, "_headers");
    assert.match(result.problems[0].message, fragment, `${text}: ${result.problems[0].message}`);
  }
});

Deno.test("compileHeaderRecord() turns config objects into rules, null removing", () => {
  const result = compileHeaderRecord({
    "/assets/*": { "Cache-Control": "immutable", "X-Frame-Options": null },
  }, { source: "headerRules" });
  assert.ok(result.ok);
  if (result.ok) {
    assert.deepEqual(result.rules[0].set, [["cache-control", "immutable"]]);
    assert.deepEqual(result.rules[0].remove, ["x-frame-options"]);
  }
  const bad = compileHeaderRecord({ "nope": {} }, { source: "headerRules" });
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.equal(bad.problems[0].source, "headerRules");
});
