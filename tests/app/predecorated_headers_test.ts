import assert from "node:assert/strict";
import { compose, type Handler, type Middleware } from "../../lib/compose.ts";
import { cors } from "../../lib/middleware/cors.ts";
import { customHeaders } from "../../lib/middleware/custom_headers.ts";
import { securityHeaders } from "../../lib/middleware/security_headers.ts";
import { buildApp, send, type SettingsOverrides } from "./app_harness.ts";

/**
 * The file core folds the decorator headers into its own header sets; these
 * tests compare every header of its answers with the same app built the old
 * way (core undecorated, decorators wrapping it), so no response gains,
 * loses or changes a header.
 */

const root = await Deno.makeTempDir({ prefix: "berth-predecorated-" });
await Deno.writeTextFile(`${root}/hello.txt`, "hello world\n");
await Deno.writeTextFile(`${root}/app.js`, "console.log('berth');\n".repeat(200));
await Deno.writeTextFile(`${root}/404.html`, "<h1>custom not found</h1>\n");
await Deno.mkdir(`${root}/dir`);
await Deno.writeTextFile(`${root}/dir/index.html`, "<p>index</p>\n");

/** The app as berth builds it, and the reference: decorators outside an undecorated app. */
async function buildPair(
  overrides: SettingsOverrides,
  tls: boolean,
): Promise<{ app: Handler; reference: Handler }> {
  const app = await buildApp(root, overrides, tls);
  const inner = await buildApp(root, {
    ...overrides,
    headers: {},
    securityHeaders: false,
    cors: false,
  }, tls);
  const decorators: Middleware[] = [];
  if (overrides.headers !== undefined) decorators.push(customHeaders(overrides.headers));
  if (overrides.securityHeaders !== false) decorators.push(securityHeaders({ tls }));
  if (overrides.cors === true) decorators.push(cors());
  return { app, reference: compose(decorators, inner) };
}

/** Status and every header (Headers iterates sorted, lower-case). */
async function describe(app: Handler, path: string, init: RequestInit = {}): Promise<string> {
  const response = await send(app, path, init);
  await response.body?.cancel();
  const headers = [...response.headers].filter(([name]) => name !== "date");
  return JSON.stringify({ status: response.status, headers });
}

const VARIANTS: { name: string; overrides: SettingsOverrides; tls: boolean }[] = [
  { name: "defaults", overrides: {}, tls: false },
  { name: "TLS (HSTS)", overrides: {}, tls: true },
  { name: "--cors", overrides: { cors: true }, tls: false },
  {
    name: "--header overriding a security header",
    overrides: { headers: { "X-Frame-Options": "DENY", "X-Team": "docs" } },
    tls: false,
  },
  { name: "security headers off", overrides: { securityHeaders: false }, tls: false },
  { name: "custom 404 page", overrides: { notFoundPage: "404.html" }, tls: false },
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
  Deno.test(`predecorated responses carry exactly the decorators' headers (${variant.name})`, async () => {
    const { app, reference } = await buildPair(variant.overrides, variant.tls);
    const first = await send(app, "/hello.txt");
    const etag = first.headers.get("etag") ?? "";
    await first.body?.cancel();
    const cases: [string, RequestInit][] = [
      ["/hello.txt", {}],
      ["/hello.txt", { method: "HEAD" }],
      ["/hello.txt", { headers: { "if-none-match": etag } }],
      ["/hello.txt", { headers: { range: "bytes=0-4" } }],
      ["/hello.txt", { headers: { "if-match": '"other"' } }],
      ["/hello.txt", { method: "POST" }],
      ["/hello.txt", { method: "OPTIONS" }],
      ["/app.js", { headers: { "accept-encoding": "gzip" } }],
      ["/app.js", {}],
      ["/missing.txt", { headers: { accept: "text/html" } }],
      ["/missing.txt", { headers: { accept: "application/json" } }],
      ["/missing.txt", { method: "HEAD" }],
      ["/dir", {}],
      ["/dir/", {}],
      ["/%00", {}],
      ["/_berth/health", {}],
      ["/_headers", {}],
    ];
    for (const [path, init] of cases) {
      // Twice: the first request fills the cache, the second is a hit.
      for (let round = 0; round < 2; round++) {
        assert.equal(
          await describe(app, path, init),
          await describe(reference, path, init),
          `${init.method ?? "GET"} ${path} ${JSON.stringify(init.headers ?? {})}`,
        );
      }
    }
  });
}

Deno.test("predecorated file responses still carry the security and CORS headers", async () => {
  const app = await buildApp(root, { cors: true }, true);
  const response = await send(app, "/hello.txt");
  await response.body?.cancel();
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("x-content-type-options"), "nosniff");
  assert.equal(
    response.headers.get("strict-transport-security"),
    "max-age=63072000; includeSubDomains",
  );
  assert.equal(response.headers.get("access-control-allow-origin"), "*");
});

globalThis.addEventListener("unload", () => Deno.removeSync(root, { recursive: true }));
