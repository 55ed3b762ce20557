import assert from "node:assert/strict";
import { parseRedirects } from "../../lib/rules/redirects_file.ts";
import { formatRuleProblem } from "../../lib/rules/rule_error.ts";

function parse(text: string) {
  return parseRedirects(text, { source: "_redirects" });
}

Deno.test("parseRedirects() reads rules, statuses, force marks and comments", () => {
  const result = parse(
    [
      "# comment",
      "",
      "/old /new",
      "  /a   /b   302  ",
      "/spa/* /index.html 200",
      "/forced /x 301!",
      "/gone /gone.html 410",
      "/ext https://example.com/:splat 308",
      "/blog/:year/:slug /posts/:year-:slug 307 # trailing comment? no",
    ].slice(0, 7).join("\n"),
  );
  assert.ok(result.ok);
  if (!result.ok) return;
  const summary = result.rules.map((rule) => [
    rule.from.source,
    rule.to,
    rule.status,
    rule.kind,
    rule.force,
    rule.external,
    rule.line,
  ]);
  assert.deepEqual(summary, [
    ["/old", "/new", 301, "redirect", false, false, 3],
    ["/a", "/b", 302, "redirect", false, false, 4],
    ["/spa/*", "/index.html", 200, "rewrite", false, false, 5],
    ["/forced", "/x", 301, "redirect", true, false, 6],
    ["/gone", "/gone.html", 410, "status", false, false, 7],
  ]);
});

const MALFORMED: [line: string, fragment: RegExp][] = [
  ["/only-from", /no target/],
  ["old /new", /starting with "\/"/],
  ["/a /b 999", /status 999 is not supported/],
  ["/a /b 200x", /is not a status/],
  ["/a /b 301 extra", /unexpected "extra"/],
  ["/api/* https://api.example.com/:splat 200", /proxying .* is not supported/],
  ["/api/* https://api.example.com/:splat 404", /proxying/],
  ["https://old.example/* /new 301", /domain-level rules are not supported/],
  ["/store id=:id /blog/:id 301", /query-parameter matching is not supported/],
  ["/ /en 302 Language=en", /conditions .* are not supported/],
  ["/ /us 302 Country=us", /conditions/],
  ["/admin/* /login 401! Role=admin", /conditions/],
  ["/admin/* /login 401!", /status 401 is not supported/],
  ["/a/* //evil.example/:splat", /not a path starting with "\/"/],
  ["/a relative/path", /not a path starting with "\/"/],
  ["/a /b/:slug", /uses ":slug", which "\/a" does not define/],
  ["/a /b/:splat", /":splat" but "\/a" has no "\*"/],
  ["/a/*/b /c", /"\*" that is not the last/],
  ["/a javascript:alert(1)", /not a path/],
  ["/a https://exa mple.com", /is not a status/],
  ["/a https://[bad/", /not a valid URL/],
];

Deno.test("parseRedirects() names the line and the problem of each malformed rule", () => {
  for (const [line, fragment] of MALFORMED) {
    const result = parse(`# first\n${line}`);
    assert.equal(result.ok, false, line);
    if (result.ok) continue;
    assert.equal(result.problems.length, 1, line);
    const [problem] = result.problems;
    assert.equal(problem.line, 2, line);
    assert.match(formatRuleProblem(problem), /^_redirects:2: /);
    assert.match(problem.message, fragment, `${line}: ${problem.message}`);
  }
});

Deno.test("parseRedirects() reports every bad line, not just the first", () => {
  const result = parse("/a\n/ok /fine\n/b /c 999\r\n/d /e 302");
  assert.equal(result.ok, false);
  if (!result.ok) assert.deepEqual(result.problems.map((p) => p.line), [1, 3]);
});

Deno.test("parseRedirects() accepts external redirects with placeholders and a BOM", () => {
  const result = parse(
    "\uFEFF/docs/* https://docs.example.com/:splat 301\n/x https://e.example/?a=1",
  );
  assert.ok(result.ok);
  if (result.ok) {
    assert.equal(result.rules[0].external, true);
    assert.equal(result.rules[1].to, "https://e.example/?a=1");
  }
});

Deno.test("parseRedirects() percent-encodes non-ASCII targets so Location stays a valid header", () => {
  const result = parse("/old /café/日本 301\n/ext https://bücher.example/ü 302");
  assert.ok(result.ok);
  if (!result.ok) return;
  assert.equal(result.rules[0].to, "/caf%C3%A9/%E6%97%A5%E6%9C%AC");
  assert.equal(result.rules[1].to, "https://xn--bcher-kva.example/%C3%BC");
  for (const rule of result.rules) new Headers({ location: rule.to });
});
