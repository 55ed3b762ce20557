import assert from "node:assert/strict";
import { createApp } from "../../lib/app.ts";
import { compileRuntime } from "../../lib/runtime.ts";
import { loadSiteRulesHolder } from "../../lib/rules/site_rules.ts";
import { compose, type Handler, type Middleware } from "../../lib/compose.ts";
import { DEFAULT_SETTINGS, type Settings } from "../../lib/config/schema.ts";
import { denoFileSystem } from "../../lib/fs/deno_fs.ts";
import { keepPrivate } from "../../lib/http/private_caching.ts";
import { createHeaderRules, siteHeaders } from "../../lib/middleware/site_headers.ts";
import { createSiteRulesHolder } from "../../lib/rules/site_rules.ts";
import { authSettings, createAuthFixture } from "./auth_fixture.ts";
import { send, type SettingsOverrides } from "./app_harness.ts";

/**
 * Every answer berth builds starts from the base headers, and the operator's
 * header rules are the one decorator. These tests compare every header of
 * every kind of answer with a reference built here with the decorators berth
 * had before: the same app with security headers, CORS and operator headers
 * off and no `_headers` blocks, wrapped (outermost first) in operator headers
 * (override, a protected answer kept private), the `_headers` blocks,
 * security headers (keep what the answer set; HSTS under TLS) and CORS
 * (preflights answered, the simple headers overriding on everything else).
 */

const SECURITY = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "strict-origin-when-cross-origin",
  "x-frame-options": "SAMEORIGIN",
};
const HSTS = "max-age=63072000; includeSubDomains";
const EXPOSED =
  "Content-Range, Content-Length, Accept-Ranges, ETag, Last-Modified, Content-Encoding";

/** Sets `entries` on `response` (a copy when its headers are immutable). */
function edit(response: Response, change: (headers: Headers) => void): Response {
  try {
    change(response.headers);
    return response;
  } catch {
    const copy = new Response(response.body, response);
    change(copy.headers);
    return copy;
  }
}

/** The old `customHeaders`: operator headers override; a protected answer stays private. */
function oldOperatorHeaders(headers: Record<string, string>): Middleware {
  return async (_request, context, next) => {
    const response = await next();
    const before = response.headers.get("cache-control");
    const decorated = edit(response, (target) => {
      for (const [name, value] of Object.entries(headers)) target.set(name, value);
    });
    const { outcome } = context;
    return outcome.protected && !outcome.shareable ? keepPrivate(decorated, before) : decorated;
  };
}

/** The old `securityHeaders`: added unless the answer set its own. */
function oldSecurityHeaders(tls: boolean): Middleware {
  const entries = Object.entries({
    ...SECURITY,
    ...(tls ? { "strict-transport-security": HSTS } : {}),
  });
  return async (_request, _context, next) =>
    edit(await next(), (target) => {
      for (const [name, value] of entries) if (!target.has(name)) target.set(name, value);
    });
}

/** The old `cors`: preflights answered here, the simple headers override on the rest. */
function oldCors(): Middleware {
  return async (request, _context, next) => {
    const preflight = request.method === "OPTIONS" && request.headers.has("origin") &&
      request.headers.has("access-control-request-method");
    if (!preflight) {
      return edit(await next(), (target) => {
        target.set("access-control-allow-origin", "*");
        target.set("access-control-expose-headers", EXPOSED);
      });
    }
    const requested = request.headers.get("access-control-request-headers")?.trim() ?? "";
    return new Response(null, {
      status: 204,
      headers: {
        "access-control-allow-origin": "*",
        "access-control-allow-methods": "GET, HEAD, OPTIONS",
        "access-control-allow-headers": requested === ""
          ? "Range, If-None-Match, If-Modified-Since, If-Match, If-Unmodified-Since, If-Range"
          : requested,
        "access-control-max-age": "86400",
        allow: "GET, HEAD, OPTIONS",
        vary: "Access-Control-Request-Headers",
      },
    });
  };
}

/** The real app for `overrides`, and the reference with the old decorators around it. */
async function buildPair(
  root: string,
  overrides: SettingsOverrides,
  tls: boolean,
): Promise<{ app: Handler; reference: Handler }> {
  const settings: Settings = { ...DEFAULT_SETTINGS, ...overrides, root };
  const app = createApp(await compileRuntime(settings, { fs: denoFileSystem, root, tls }));
  const loaded = (await loadSiteRulesHolder({ config: settings, fs: denoFileSystem, root })).get();
  // Operator headers with `no-transform` turn on-the-fly compression off.
  const noTransform = Object.entries(settings.headers).some(([name, value]) =>
    name.toLowerCase() === "cache-control" && /no-transform/i.test(value)
  );
  const innerSettings: Settings = {
    ...settings,
    headers: {},
    securityHeaders: false,
    cors: false,
    compress: { ...settings.compress, enabled: settings.compress.enabled && !noTransform },
  };
  const innerRuntime = await compileRuntime(innerSettings, { fs: denoFileSystem, root, tls });
  // The inner app routes by the rules but leaves the header blocks to the reference.
  const inner = createApp({
    ...innerRuntime,
    siteRules: createSiteRulesHolder({ headers: [], redirects: loaded.redirects }),
  });
  const blocks = createHeaderRules({
    rules: createSiteRulesHolder({ headers: loaded.headers, redirects: [] }),
  });
  const decorators: Middleware[] = [];
  if (Object.keys(settings.headers).length > 0) {
    decorators.push(oldOperatorHeaders(settings.headers));
  }
  decorators.push(siteHeaders(blocks));
  if (settings.securityHeaders) decorators.push(oldSecurityHeaders(tls));
  if (settings.cors) decorators.push(oldCors());
  return { app, reference: compose(decorators, inner) };
}

/** Status and every header (Headers iterates sorted, lower-case), as JSON. */
async function describe(app: Handler, path: string, init: RequestInit): Promise<string> {
  const response = await send(app, path, init);
  await response.body?.cancel();
  // The metrics body counts the requests each app saw, which differ (the
  // reference answers preflights outside its metrics layer).
  const varying = path.endsWith("/metrics") ? ["date", "content-length"] : ["date"];
  const headers = [...response.headers].filter(([name]) => !varying.includes(name))
    // A multipart boundary is random per answer.
    .map(([name, value]) => [name, value.replace(/boundary=\w+/, "boundary=*")]);
  return JSON.stringify({ status: response.status, headers });
}

/**
 * Sends every case to both apps, twice (a cache fill, then a hit), and
 * compares; returns the statuses seen, so a test can check it reached every
 * kind of answer it means to.
 */
async function compareAll(
  pair: { app: Handler; reference: Handler },
  cases: readonly [string, RequestInit][],
): Promise<Set<number>> {
  const statuses = new Set<number>();
  for (const [path, init] of cases) {
    for (let round = 0; round < 2; round++) {
      const actual = await describe(pair.app, path, init);
      assert.equal(
        actual,
        await describe(pair.reference, path, init),
        `${init.method ?? "GET"} ${path} ${JSON.stringify(init.headers ?? {})}`,
      );
      statuses.add(JSON.parse(actual).status);
    }
  }
  return statuses;
}

const PREFLIGHT: RequestInit = {
  method: "OPTIONS",
  headers: { origin: "https://a.test", "access-control-request-method": "GET" },
};

const root = await Deno.makeTempDir({ prefix: "berth-base-headers-" });
await Deno.writeTextFile(`${root}/hello.txt`, "hello world\n");
await Deno.writeTextFile(`${root}/app.js`, "console.log('berth');\n".repeat(200));
await Deno.writeTextFile(`${root}/404.html`, "<h1>custom not found</h1>\n");
await Deno.writeTextFile(`${root}/page.html`, "<p>page</p>\n");
await Deno.mkdir(`${root}/dir`);
await Deno.writeTextFile(`${root}/dir/index.html`, "<p>index</p>\n");
await Deno.mkdir(`${root}/list`);
await Deno.writeTextFile(`${root}/list/a.txt`, "a\n");

/** Every kind of answer of the public site. */
function siteCases(etag: string): [string, RequestInit][] {
  return [
    ["/hello.txt", {}],
    ["/hello.txt", { method: "HEAD" }],
    ["/hello.txt", { headers: { "if-none-match": etag } }],
    ["/hello.txt", { headers: { range: "bytes=0-4" } }],
    ["/hello.txt", { headers: { range: "bytes=0-1,3-4" } }],
    ["/hello.txt", { headers: { range: "bytes=900-" } }],
    ["/hello.txt", { headers: { "if-match": '"other"' } }],
    ["/hello.txt", { method: "POST" }],
    ["/hello.txt", { method: "OPTIONS" }],
    ["/hello.txt", PREFLIGHT],
    ["/app.js", { headers: { "accept-encoding": "gzip" } }],
    ["/missing.txt", { headers: { accept: "text/html" } }],
    ["/missing.txt", { headers: { accept: "application/json" } }],
    ["/missing.txt", { method: "HEAD" }],
    ["/dir", {}],
    ["/dir/", {}],
    ["/list/", { headers: { accept: "text/html" } }],
    ["/list/", { headers: { accept: "application/json" } }],
    ["/page.html", {}],
    ["/old", {}],
    ["/away", {}],
    ["/alias", {}],
    ["/gone", {}],
    ["/%00", {}],
    ["/_berth/health", {}],
    ["/_berth/health", { method: "HEAD" }],
    ["/_berth/health", { method: "DELETE" }],
    ["/_berth/metrics", {}],
    ["/_berth/nothing", {}],
    ["/_headers", {}],
  ];
}

/** Settings every variant shares: rules that redirect, rewrite and serve a status page. */
const SITE: SettingsOverrides = {
  listing: true,
  metrics: true,
  redirectRules: [
    "/old /hello.txt 301",
    "/away https://elsewhere.test/ 302",
    "/alias /hello.txt 200",
    "/gone /hello.txt 410",
  ],
};

const VARIANTS: { name: string; overrides: SettingsOverrides; tls: boolean }[] = [
  { name: "defaults", overrides: {}, tls: false },
  { name: "TLS (HSTS)", overrides: {}, tls: true },
  { name: "--cors", overrides: { cors: true }, tls: false },
  {
    name: "--header overriding a security header",
    overrides: { headers: { "X-Frame-Options": "DENY", "X-Team": "docs" } },
    tls: false,
  },
  { name: "security headers off", overrides: { securityHeaders: false }, tls: true },
  {
    name: "custom 404 page and clean URLs",
    overrides: { notFoundPage: "404.html", cleanUrls: true },
    tls: false,
  },
  {
    name: "_headers blocks beside operator headers",
    overrides: {
      cors: true,
      headers: { "X-Site": "operator", "Cache-Control": "no-transform" },
      headerRules: {
        "/*": { "X-Frame-Options": null, "X-Site": "rule", "Access-Control-Allow-Origin": null },
        "/hello.txt": { "Cache-Control": "public, max-age=60", "X-Content-Type-Options": "nope" },
      },
    },
    tls: true,
  },
  {
    name: "rate limit (429)",
    overrides: { rateLimit: { requestsPerSecond: 0.001, burst: 5, maxClients: 100 } },
    tls: false,
  },
  {
    name: "everything at once",
    overrides: {
      cors: true,
      notFoundPage: "404.html",
      headers: {
        "Referrer-Policy": "no-referrer",
        "Access-Control-Allow-Origin": "https://a.test",
      },
    },
    tls: true,
  },
];

for (const variant of VARIANTS) {
  Deno.test(`createApp() answers with exactly the old decorators' headers (${variant.name})`, async () => {
    const pair = await buildPair(root, { ...SITE, ...variant.overrides }, variant.tls);
    // Once to each app, so a rate limit counts the same requests on both.
    const first = await send(pair.reference, "/hello.txt");
    await first.body?.cancel();
    await (await send(pair.app, "/hello.txt")).body?.cancel();
    const statuses = await compareAll(pair, siteCases(first.headers.get("etag") ?? ""));
    const expected = variant.overrides.rateLimit !== undefined
      ? [200, 429]
      : [200, 204, 206, 301, 302, 304, 400, 404, 405, 410, 412, 416];
    for (const status of expected) assert.ok(statuses.has(status), `no ${status} answer`);
  });
}

Deno.test("createApp() answers with exactly the old decorators' headers (login and access rules)", async () => {
  const fixture = await createAuthFixture();
  try {
    const failedLogin: RequestInit = {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://127.0.0.1:8000" },
      body: JSON.stringify({ username: "alice", password: "wrong-password" }),
    };
    const cases: [string, RequestInit][] = [
      ["/_berth/login", {}],
      ["/_berth/login", { method: "HEAD" }],
      ["/_berth/login", { method: "PUT" }],
      ["/pub/a.txt", {}],
      ["/admin/secret.txt", {}],
      ["/admin/page.html", { headers: { accept: "text/html" } }],
      ["/admin/page.html", { headers: { authorization: "Bearer not-a-token" } }],
      ["/files/", { headers: { accept: "text/html" } }],
      ["/pub", {}],
      ["/pub/", PREFLIGHT],
    ];
    for (const tls of [false, true]) {
      const overrides: SettingsOverrides = {
        ...authSettings(fixture),
        cors: tls,
        headers: { "X-Team": "docs", "Cache-Control": "public, max-age=600" },
        headerRules: { "/pub/*": { "X-Frame-Options": null } },
      };
      const pair = await buildPair(fixture.root, overrides, tls);
      const statuses = await compareAll(pair, cases);
      for (const status of [200, 204, 301, 303, 401, 405]) {
        assert.ok(statuses.has(status), `no ${status} answer`);
      }
      // A request body is read once: a fresh one for each app.
      assert.equal(
        await describe(pair.app, "/_berth/login", { ...failedLogin }),
        await describe(pair.reference, "/_berth/login", {
          ...failedLogin,
          body: JSON.stringify({ username: "alice", password: "wrong-password" }),
        }),
      );
    }
  } finally {
    await fixture.cleanup();
  }
});

Deno.test("createApp() answers carry the security, HSTS and CORS headers from the start", async () => {
  const { app } = await buildPair(root, { cors: true }, true);
  for (const path of ["/hello.txt", "/missing.txt", "/_berth/health", "/dir"]) {
    const response = await send(app, path);
    await response.body?.cancel();
    assert.equal(response.headers.get("x-content-type-options"), "nosniff", path);
    assert.equal(response.headers.get("strict-transport-security"), HSTS, path);
    assert.equal(response.headers.get("access-control-allow-origin"), "*", path);
  }
});

globalThis.addEventListener("unload", () => Deno.removeSync(root, { recursive: true }));
