/**
 * In-process tests of the routing layers: `_headers`, `_redirects`, the
 * reserved paths, SPA fallback, clean URLs and the trailing-slash policy,
 * health and metrics.
 */
import assert from "node:assert/strict";
import type { Handler, RequestContext } from "../../lib/compose.ts";
import { RulesError } from "../../lib/rules/rule_error.ts";
import { createSiteRulesTree, SITE_FILES } from "../fixtures/site_rules_tree.ts";
import { buildApp, send, sendText } from "./app_harness.ts";
import { urlParts } from "../fixtures/context.ts";

const site = await createSiteRulesTree();
const spaSite = await createSiteRulesTree({ redirects: null });
const catchAllSite = await createSiteRulesTree({ redirects: "/* /index.html 200\n" });
const plainSite = await createSiteRulesTree({ headers: null, redirects: null });
addEventListener("unload", () => {
  for (const tree of [site, spaSite, catchAllSite, plainSite]) {
    Deno.removeSync(tree.root, { recursive: true });
  }
});

const app = await buildApp(site.root);
const HTML = { headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" } };

async function statusOf(handler: Handler, path: string, init: RequestInit = {}) {
  const response = await send(handler, path, init);
  await response.body?.cancel();
  return { status: response.status, location: response.headers.get("location") };
}

Deno.test("site rules files and the internal prefix are never served, in any case or encoding", async () => {
  for (
    const path of [
      "/_headers",
      "/_redirects",
      "/_HEADERS",
      "/_Redirects",
      "/%5Fheaders",
      "/_headers/",
      "/_berth/secret.txt",
      "/%5Fberth/secret.txt",
      "/_berth/",
      "/_berth/health/x",
    ]
  ) {
    const { status, body } = await sendText(app, path);
    assert.equal(status, 404, path);
    assert.ok(!body.includes("X-Site") && !body.includes("never be served"), path);
  }
});

Deno.test("a 200 rewrite in _redirects cannot expose _headers or the internal prefix", async () => {
  const sneaky = await buildApp(plainSite.root, {
    redirectRules: ["/h /_headers 200!", "/s /_berth/secret.txt 200!"],
  });
  await Deno.writeTextFile(`${plainSite.root}/_headers`, "/x\n  X-A: b\n");
  try {
    assert.equal((await statusOf(sneaky, "/h")).status, 404);
    assert.equal((await statusOf(sneaky, "/s")).status, 404);
  } finally {
    await Deno.remove(`${plainSite.root}/_headers`);
  }
});

Deno.test("redirects() answers 3xx with placeholders filled and the query kept", async () => {
  const cases: [string, number, string][] = [
    ["/old", 301, "/new"],
    ["/old/", 301, "/new"],
    ["/old?a=1&b=2", 301, "/new?a=1&b=2"],
    ["/temp", 302, "/elsewhere"],
    ["/blog/2024/hello", 301, "/posts/2024/hello"],
    ["/docs/missing/page?x=1", 308, "https://docs.example.com/missing/page?x=1"],
    ["/first", 301, "/one"],
  ];
  for (const [path, status, location] of cases) {
    assert.deepEqual(await statusOf(app, path), { status, location }, path);
  }
});

Deno.test("redirects() never turns a placeholder into a protocol-relative open redirect", async () => {
  for (const path of ["/go//evil.example/x", "/go/%2F%2Fevil.example", "/go/\\evil.example"]) {
    const { location } = await statusOf(app, path);
    assert.ok(
      location === null || (!location.startsWith("//") && !location.startsWith("/\\")),
      `${path} → ${location}`,
    );
  }
  assert.equal((await statusOf(app, "/go//evil.example/x")).location, "/evil.example/x");
});

Deno.test("redirects() lets existing files win unless the rule is forced with !", async () => {
  // /about.html exists, so "/about.html /shadowed 301" does not apply.
  const about = await sendText(app, "/about.html");
  assert.equal(about.status, 200);
  assert.equal(about.body, SITE_FILES["about.html"]);
  // /docs/ exists (index.html), so the /docs/* external redirect does not shadow it.
  assert.equal((await sendText(app, "/docs/")).body, SITE_FILES["docs/index.html"]);
  // Forced rewrite applies although /forced-about does not exist either way.
  const forced = await sendText(app, "/forced-about");
  assert.equal(forced.status, 200);
  assert.equal(forced.body, SITE_FILES["about.html"]);
  // A forced redirect shadows an existing file.
  const shadowing = await buildApp(plainSite.root, { redirectRules: ["/about.html /x 302!"] });
  assert.deepEqual(await statusOf(shadowing, "/about.html"), { status: 302, location: "/x" });
});

Deno.test("redirects() rewrites with 200 and serves custom pages with 404", async () => {
  const rewrite = await sendText(app, "/app/some/route?tab=2");
  assert.equal(rewrite.status, 200);
  assert.equal(rewrite.body, SITE_FILES["index.html"]);
  const missing = await send(app, "/private/report", {
    headers: { "if-none-match": "*", range: "bytes=0-1" },
  });
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get("etag"), null);
  assert.equal(await missing.text(), SITE_FILES["gone.html"]);
});

Deno.test("rules from the config file apply after _redirects and merge with _headers", async () => {
  const configured = await buildApp(site.root, {
    redirectRules: ["/old /from-config", "/cfg/:id /items/:id 307"],
    headerRules: { "/about.html": { "X-Config": "yes", "X-Site": null } },
  });
  assert.equal((await statusOf(configured, "/old")).location, "/new");
  assert.equal((await statusOf(configured, "/cfg/42")).location, "/items/42");
  const about = await send(configured, "/about.html");
  await about.body?.cancel();
  assert.equal(about.headers.get("x-config"), "yes");
  assert.equal(about.headers.get("x-site"), null);
});

Deno.test("siteHeaders() applies every matching block, joins values and removes headers", async () => {
  const css = await send(app, "/assets/style.css");
  await css.body?.cancel();
  assert.equal(css.headers.get("x-site"), "berth-test");
  assert.equal(css.headers.get("x-multi"), "one, two");
  assert.equal(css.headers.get("cache-control"), "public, max-age=60");
  const page = await send(app, "/about.html");
  await page.body?.cancel();
  assert.equal(page.headers.get("x-multi"), "one");
  assert.equal(page.headers.get("x-frame-options"), "SAMEORIGIN");
  const embed = await send(app, "/embed/widget");
  await embed.body?.cancel();
  assert.equal(embed.status, 404);
  assert.equal(embed.headers.get("x-frame-options"), null, "! removes berth's own header");
  assert.equal(embed.headers.get("x-site"), "berth-test", "error pages get site headers too");
});

Deno.test("startup rejects invalid rules with the file and line", async () => {
  const broken = await createSiteRulesTree({
    redirects: "/ok /fine\n/api/* https://api.example/:splat 200\n",
  });
  try {
    await assert.rejects(() => buildApp(broken.root), (error: unknown) => {
      assert.ok(error instanceof RulesError);
      assert.match(error.message, /_redirects:2: .*proxying/);
      return true;
    });
  } finally {
    await broken.cleanup();
  }
  await assert.rejects(
    () => buildApp(plainSite.root, { redirectRules: ["/a /b", "/c"] }),
    /redirectRules:2: "\/c" has no target/,
  );
});

Deno.test("spaFallback() serves the app page for navigations only", async () => {
  const spa = await buildApp(spaSite.root, { spa: "index.html" });
  const navigation = await sendText(spa, "/dashboard/settings?tab=1", HTML);
  assert.equal(navigation.status, 200);
  assert.equal(navigation.body, SITE_FILES["index.html"]);
  const head = await send(spa, "/dashboard", { ...HTML, method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.body, null);
  const notNavigations: [string, RequestInit][] = [
    ["/app.3f9a.js", HTML],
    ["/x.css", HTML],
    ["/assets/app.deadbeef.js", HTML],
    ["/dashboard", { headers: { accept: "*/*" } }],
    ["/dashboard", { headers: { accept: "application/json" } }],
    ["/dashboard", {}],
  ];
  for (const [path, init] of notNavigations) {
    const { status } = await statusOf(spa, path, init);
    assert.equal(status, 404, `${path} ${JSON.stringify(init)}`);
  }
  assert.equal((await statusOf(spa, "/dashboard", { ...HTML, method: "POST" })).status, 405);
  // Existing content still wins.
  assert.equal((await sendText(spa, "/about.html", HTML)).body, SITE_FILES["about.html"]);
  assert.equal((await sendText(spa, "/docs", HTML)).status, 301);
  assert.equal(
    (await sendText(spa, "/assets/style.css", HTML)).body,
    SITE_FILES["assets/style.css"],
  );
  // A directory without an index counts as missing.
  assert.equal((await sendText(spa, "/blog", HTML)).body, SITE_FILES["index.html"]);
});

Deno.test("spaFallback() and _redirects' catch-all rewrite behave as documented", async () => {
  const catchAll = await buildApp(catchAllSite.root);
  // Netlify semantics: any missing path gets the page, assets included; files win.
  assert.equal((await sendText(catchAll, "/deep/link")).body, SITE_FILES["index.html"]);
  assert.equal((await sendText(catchAll, "/missing.js")).body, SITE_FILES["index.html"]);
  assert.equal(
    (await sendText(catchAll, "/assets/style.css")).body,
    SITE_FILES["assets/style.css"],
  );
  const both = await buildApp(spaSite.root, { spa: "index.html", redirectRules: ["/old /new"] });
  assert.equal((await statusOf(both, "/old", HTML)).status, 301, "rules come before the fallback");
});

Deno.test("cleanUrls() serves pages without .html and redirects to the clean form", async () => {
  const clean = await buildApp(plainSite.root, { cleanUrls: true });
  assert.equal((await sendText(clean, "/about")).body, SITE_FILES["about.html"]);
  assert.equal((await sendText(clean, "/docs/guide")).body, SITE_FILES["docs/guide.html"]);
  assert.deepEqual(await statusOf(clean, "/about.html?x=1"), {
    status: 301,
    location: "/about?x=1",
  });
  assert.deepEqual(await statusOf(clean, "/docs/index.html"), { status: 301, location: "/docs/" });
  assert.deepEqual(await statusOf(clean, "/index.html"), { status: 301, location: "/" });
  assert.deepEqual(await statusOf(clean, "/about/"), { status: 301, location: "/about" });
  assert.deepEqual(await statusOf(clean, "/docs"), { status: 301, location: "/docs/" });
  assert.equal((await sendText(clean, "/docs/")).body, SITE_FILES["docs/index.html"]);
  assert.equal((await statusOf(clean, "/nothing")).status, 404);
  assert.equal((await statusOf(clean, "/about", { method: "POST" })).status, 405);
  assert.equal((await sendText(clean, "/assets/style.css")).status, 200);
});

Deno.test("cleanUrls() follows the trailingSlash policy", async () => {
  const always = await buildApp(plainSite.root, { cleanUrls: true, trailingSlash: "always" });
  assert.deepEqual(await statusOf(always, "/about"), { status: 301, location: "/about/" });
  assert.equal((await sendText(always, "/about/")).body, SITE_FILES["about.html"]);
  assert.deepEqual(await statusOf(always, "/about.html"), { status: 301, location: "/about/" });
  assert.equal((await sendText(always, "/assets/style.css")).status, 200, "files keep no slash");
  const never = await buildApp(plainSite.root, { cleanUrls: true, trailingSlash: "never" });
  assert.deepEqual(await statusOf(never, "/docs/"), { status: 301, location: "/docs" });
  assert.equal((await sendText(never, "/docs")).body, SITE_FILES["docs/index.html"]);
  assert.deepEqual(await statusOf(never, "/docs/index.html"), { status: 301, location: "/docs" });
  assert.equal((await sendText(never, "/")).body, SITE_FILES["index.html"]);
  assert.deepEqual(await statusOf(never, "/about/?q"), { status: 301, location: "/about?q" });
});

Deno.test("the health endpoint answers 200 JSON on every configuration", async () => {
  for (const handler of [app, await buildApp(plainSite.root, { internalPrefix: "/_ops/" })]) {
    const prefix = handler === app ? "/_berth/" : "/_ops/";
    const response = await sendText(handler, `${prefix}health`);
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), { status: "ok" });
    assert.equal(response.headers.get("cache-control"), "no-store");
    assert.equal((await statusOf(handler, `${prefix}health`, { method: "POST" })).status, 405);
  }
  const moved = await buildApp(plainSite.root, { internalPrefix: "/_ops/" });
  assert.equal((await statusOf(moved, "/_berth/secret.txt")).status, 200, "old prefix is a path");
});

function contextFrom(clientAddress: string, path: string): RequestContext {
  return {
    ...urlParts(new URL(path, "http://127.0.0.1:8000")),
    requestId: "t",
    clientAddress,
    startTime: performance.now(),
    secure: false,
    user: null,
  };
}

Deno.test("metrics expose Prometheus text to loopback clients only", async () => {
  const metered = await buildApp(plainSite.root, { metrics: true });
  assert.equal((await statusOf(metered, "/about.html")).status, 200);
  assert.equal((await statusOf(metered, "/nothing")).status, 404);
  const large = await send(metered, "/index.html");
  assert.equal(await large.text(), SITE_FILES["index.html"]);
  const response = await sendText(metered, "/_berth/metrics");
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  const text = response.body;
  assert.match(text, /^# TYPE berth_http_requests_total counter$/m);
  assert.match(text, /^berth_http_requests_total\{method="GET",status_class="2xx"\} 2$/m);
  assert.match(text, /^berth_http_requests_total\{method="GET",status_class="4xx"\} 1$/m);
  assert.match(text, /^berth_http_request_duration_seconds_bucket\{le="\+Inf"\} 3$/m);
  assert.match(text, /^berth_http_request_duration_seconds_count 3$/m);
  assert.match(text, /^berth_http_requests_in_flight 1$/m, "only the metrics request itself");
  const bytes = Number(text.match(/^berth_http_response_body_bytes_total (\d+)$/m)?.[1]);
  // Cancelled bodies count only what was read; index.html was read in full.
  assert.ok(bytes >= SITE_FILES["index.html"].length, String(bytes));
  for (const line of text.trimEnd().split("\n")) {
    assert.match(line, /^(?:# (?:HELP|TYPE) \w+ .+|\w+(?:\{[^}]*\})? [0-9.e+-]+)$/, line);
  }
  const remote = new Request("http://127.0.0.1:8000/_berth/metrics");
  const denied = await metered(remote, contextFrom("192.0.2.7", "/_berth/metrics"));
  await denied.body?.cancel();
  assert.equal(denied.status, 403);
  const open = await buildApp(plainSite.root, { metrics: true, metricsAccess: "any" });
  const allowed = await open(remote, contextFrom("192.0.2.7", "/_berth/metrics"));
  await allowed.body?.cancel();
  assert.equal(allowed.status, 200);
  assert.equal((await statusOf(app, "/_berth/metrics")).status, 404, "off by default");
});

Deno.test("hostile paths through every routing layer end in a clear 4xx, never a 500", async () => {
  const everything = await buildApp(site.root, {
    spa: "index.html",
    cleanUrls: true,
    trailingSlash: "never",
    metrics: true,
  });
  const paths = [
    "/%",
    "/%zz",
    "/a%00b",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/go/%2e%2e%2f%2e%2e%2fetc",
    "/app/%c0%ae%c0%ae/",
    "/_redirects%00",
    "/_berth/%2e%2e/_headers",
    "/blog/%ff/x",
    "/" + "a/".repeat(2000),
    "/x".repeat(3000) + ".html",
  ];
  for (const path of paths) {
    for (const init of [HTML, {}]) {
      const response = await send(everything, path, init);
      const body = await response.text();
      assert.ok(response.status < 500, `${path}: ${response.status}`);
      if (response.status === 200) {
        // Only the SPA page can answer (the URL parser already resolved the dots).
        assert.equal(body, SITE_FILES["index.html"], path);
      }
      const location = response.headers.get("location");
      assert.ok(location === null || /^\/(?![/\\])/.test(location), `${path} → ${location}`);
    }
  }
});
