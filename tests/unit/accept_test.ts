import assert from "node:assert/strict";
import {
  acceptsHtml,
  chooseEncoding,
  parseQualityList,
  prefersJson,
  type QualityItem,
} from "../../lib/http/accept.ts";

const BROWSER_ACCEPT =
  "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";
const SERVER_ENCODINGS = ["br", "zstd", "gzip"] as const;

Deno.test("parseQualityList() parses members, weights and defaults", () => {
  const cases: [string | null, QualityItem[]][] = [
    [null, []],
    ["", []],
    ["gzip", [{ value: "gzip", q: 1 }]],
    ["gzip, br", [{ value: "gzip", q: 1 }, { value: "br", q: 1 }]],
    ["gzip;q=0.5", [{ value: "gzip", q: 0.5 }]],
    ["gzip ; q=0.5", [{ value: "gzip", q: 0.5 }]],
    ["gzip;Q=0.5", [{ value: "gzip", q: 0.5 }]],
    ["gzip;q=0", [{ value: "gzip", q: 0 }]],
    ["gzip;q=0.", [{ value: "gzip", q: 0 }]],
    ["gzip;q=1.000", [{ value: "gzip", q: 1 }]],
    ["gzip;q=0.001", [{ value: "gzip", q: 0.001 }]],
    ["GZIP;q=0.8, Br", [{ value: "gzip", q: 0.8 }, { value: "br", q: 1 }]],
    ["*", [{ value: "*", q: 1 }]],
    ["*/*;q=0.1", [{ value: "*/*", q: 0.1 }]],
    ["Text/HTML;Level=1;q=0.7", [{ value: "text/html", q: 0.7 }]],
    [`text/plain;format="a,b;q=0";q=0.3, x`, [{ value: "text/plain", q: 0.3 }, {
      value: "x",
      q: 1,
    }]],
    [`text/plain;x="a\\"b,c", y`, [{ value: "text/plain", q: 1 }, { value: "y", q: 1 }]],
    [",, gzip ,,", [{ value: "gzip", q: 1 }]],
    ["\tgzip\t;\tq=0.2\t", [{ value: "gzip", q: 0.2 }]],
  ];
  for (const [input, expected] of cases) {
    assert.deepEqual(parseQualityList(input), expected, JSON.stringify(input));
  }
});

Deno.test("parseQualityList() clamps weights to [0, 1] and rounds to three decimals", () => {
  const cases: [string, number][] = [
    ["a;q=1.5", 1],
    ["a;q=2", 1],
    ["a;q=100000", 1],
    ["a;q=0.0001", 0],
    ["a;q=0.0005", 0.001],
    ["a;q=0.12345", 0.123],
    ["a;q=0.9999", 1],
    ["a;q=00.5", 0.5],
  ];
  for (const [input, q] of cases) {
    assert.deepEqual(parseQualityList(input), [{ value: "a", q }], input);
  }
});

Deno.test("parseQualityList() ignores members with an invalid value or weight", () => {
  const cases: [string, QualityItem[]][] = [
    ["gzip;q=abc, br", [{ value: "br", q: 1 }]],
    ["gzip;q=, br", [{ value: "br", q: 1 }]],
    ["gzip;q, br", [{ value: "br", q: 1 }]],
    ["gzip;q=-1, br", [{ value: "br", q: 1 }]],
    ["gzip;q=+1, br", [{ value: "br", q: 1 }]],
    ["gzip;q=.5, br", [{ value: "br", q: 1 }]],
    ["gzip;q=1e0, br", [{ value: "br", q: 1 }]],
    ["gzip;q=0x1, br", [{ value: "br", q: 1 }]],
    ["gzip;q=NaN, br", [{ value: "br", q: 1 }]],
    ["gzip;q=Infinity, br", [{ value: "br", q: 1 }]],
    ["gzip;q=0.5 5, br", [{ value: "br", q: 1 }]],
    [`gzip;q="0.5", br`, [{ value: "br", q: 1 }]],
    [`gzip;q=${"1".repeat(100)}, br`, [{ value: "br", q: 1 }]],
    [";q=0.5, br", [{ value: "br", q: 1 }]],
    ["g zip, br", [{ value: "br", q: 1 }]],
    ["text/html/x, br", [{ value: "br", q: 1 }]],
    ["/html, br", [{ value: "br", q: 1 }]],
    ["text/, br", [{ value: "br", q: 1 }]],
    ["gzïp, br", [{ value: "br", q: 1 }]],
    ["\u0000, br", [{ value: "br", q: 1 }]],
  ];
  for (const [input, expected] of cases) {
    assert.deepEqual(parseQualityList(input), expected, JSON.stringify(input));
  }
});

Deno.test("parseQualityList() handles 1000-member lists and huge garbage quickly", () => {
  const members = Array.from({ length: 1000 }, (_, i) => `enc${i};q=0.${i % 10}`).join(", ");
  const started = performance.now();
  assert.equal(parseQualityList(members).length, 1000);
  assert.deepEqual(parseQualityList(`gzip${" ".repeat(100_000)}x`), []);
  assert.deepEqual(parseQualityList(`gzip;q=1${" ".repeat(100_000)}x`), []);
  assert.deepEqual(parseQualityList(`"${"a,".repeat(100_000)}`), []);
  assert.equal(parseQualityList(",".repeat(1_000_000)).length, 0);
  assert.ok(performance.now() - started < 2000);
});

Deno.test("chooseEncoding() picks the best acceptable coding of the server's list", () => {
  const cases: [string | null, string | null][] = [
    [null, null],
    ["", null],
    ["identity", null],
    ["gzip", "gzip"],
    ["gzip, deflate", "gzip"],
    ["gzip, deflate, br", "br"],
    ["gzip, deflate, br, zstd", "br"],
    ["zstd, gzip", "zstd"],
    ["GZIP", "gzip"],
    ["x-gzip", "gzip"],
    ["gzip;q=1, br;q=0.5", "gzip"],
    ["gzip;q=0.4, br;q=0.5, zstd;q=0.5", "br"],
    ["br;q=0, gzip", "gzip"],
    ["br;q=0, zstd;q=0, gzip;q=0", null],
    ["*", "br"],
    ["*;q=0.5, gzip", "gzip"],
    ["*;q=0", null],
    ["*;q=0, gzip", "gzip"],
    ["br;q=0, *", "zstd"],
    ["br;q=0, zstd;q=0, *;q=0.1", "gzip"],
    ["deflate, compress", null],
    ["gzip;q=0.001", "gzip"],
    ["gzip;q=0.0001", null],
    ["gzip;q=garbage, br", "br"],
    ["gzip;q=garbage", null],
    ["gzip, gzip;q=0", "gzip"],
    ["constructor, __proto__, toString", null],
  ];
  for (const [header, expected] of cases) {
    assert.equal(chooseEncoding(header, SERVER_ENCODINGS), expected, JSON.stringify(header));
  }
});

Deno.test("chooseEncoding() breaks ties by the server's order", () => {
  assert.equal(chooseEncoding("gzip, br", ["gzip", "br"]), "gzip");
  assert.equal(chooseEncoding("gzip, br", ["br", "gzip"]), "br");
  assert.equal(chooseEncoding("*", ["gzip", "br"]), "gzip");
});

Deno.test("chooseEncoding() returns entries as written in available", () => {
  assert.equal(chooseEncoding("gzip", ["GZip"]), "GZip");
  assert.equal(chooseEncoding("gzip", []), null);
});

Deno.test("chooseEncoding() ranks identity below named codings unless refused", () => {
  const available = ["br", "gzip", "identity"];
  const cases: [string, string | null][] = [
    ["gzip;q=0.5", "gzip"],
    ["deflate", "identity"],
    ["br;q=0, gzip;q=0", "identity"],
    ["identity;q=0, deflate", null],
    ["*;q=0", null],
    ["*;q=0, identity", "identity"],
    ["identity, gzip;q=0.5", "identity"],
    ["identity;q=0.4, gzip;q=0.5", "gzip"],
    ["*", "br"],
  ];
  for (const [header, expected] of cases) {
    assert.equal(chooseEncoding(header, available), expected, header);
  }
});

Deno.test("prefersJson() is true only when JSON outweighs HTML", () => {
  const cases: [string | null, boolean][] = [
    [null, false],
    ["", false],
    ["application/json", true],
    ["Application/JSON", true],
    ["application/json, text/plain, */*", true],
    ["application/problem+json", true],
    ["application/vnd.api+json", true],
    ["application/*+json", true],
    ["text/json", true],
    ["application/*", true],
    ["application/json;q=0.9, text/html;q=0.8", true],
    [BROWSER_ACCEPT, false],
    ["*/*", false],
    ["text/html", false],
    ["application/json, text/html", false],
    ["text/html, application/json", false],
    ["text/html;q=0.5, application/json;q=0.5", false],
    ["text/html;q=0.8, application/json;q=0.9", true],
    ["text/*, application/json", true],
    ["text/html, application/*", false],
    ["application/*, text/html;q=0.9", true],
    ["application/json;q=0.5, */*;q=0.5", true],
    ["application/json;q=0.5, text/html;q=0.5, */*", false],
    ["application/json;q=0", false],
    ["application/json;q=0, */*", false],
    ["application/xml", false],
    ["application/jsonx", false],
    ["image/png, */*;q=0.8", false],
    ["application/json;q=garbage", false],
  ];
  for (const [header, expected] of cases) {
    assert.equal(prefersJson(header), expected, JSON.stringify(header));
  }
});

Deno.test("acceptsHtml() is true when text/html is named with q > 0", () => {
  const cases: [string | null, boolean][] = [
    [null, false],
    ["", false],
    [BROWSER_ACCEPT, true],
    ["text/html", true],
    ["TEXT/HTML", true],
    ["text/html;q=0.1", true],
    ["text/html;charset=utf-8", true],
    ["text/html;q=0", false],
    ["text/html;q=garbage", false],
    ["*/*", false],
    ["text/*", false],
    ["application/json", false],
    ["application/xhtml+xml", false],
    ["text/htmlx", false],
  ];
  for (const [header, expected] of cases) {
    assert.equal(acceptsHtml(header), expected, JSON.stringify(header));
  }
});
