/**
 * Protection follows the file, not the URL: every route to the same bytes —
 * spellings, symlink aliases, precompressed siblings, rewrites, clean URLs,
 * fallbacks, listings, HEAD/Range/conditional probes and error pages — gets
 * the same answer from access rules and header rules; and berth's own files
 * (config, users, keys, logs, ready file, rules files) are absent on every
 * route, whatever the other settings say.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { createApp } from "../../lib/app.ts";
import { compileRuntime } from "../../lib/runtime.ts";
import type { Handler, RequestContext } from "../../lib/compose.ts";
import { DEFAULT_SETTINGS, type Settings } from "../../lib/config/schema.ts";
import { hashPassword } from "../../lib/auth/passwords.ts";
import { denoFileSystem } from "../../lib/fs/deno_fs.ts";
import { urlParts } from "../fixtures/context.ts";

const ADMIN = { name: "ada", password: "ada-password-1" };
const BASIC_ADMIN = "Basic " + btoa(`${ADMIN.name}:${ADMIN.password}`);

/** The site: served from the directory that also holds berth's own files (the default root). */
const FILES: Record<string, string> = {
  "index.html": "<h1>home</h1>",
  "admin/a.txt": "admin secret a",
  "admin/index.html": "<h1>admin index</h1>",
  "admin/page.html": "<h1>admin page</h1>",
  "docs/report.txt": "quarterly numbers ".repeat(20),
  "docs/report.txt.gz": "gzip bytes of the report",
  "docs/report.txt.br": "brotli bytes of the report",
  "docs/open.txt": "open document",
  "private/x": "private x",
  "private/x.html": "<p>private page</p>",
  "pub/a.txt": "public a",
  "pub/y.txt": "public y",
  "denied.html": "<p>denied</p>",
  "404.html": "<p>custom not found</p>",
  "berth.json": '{ "listing": true }',
  "secret.txt": "jwt-secret-0123456789abcdef0123456789",
  "audit.log": '{"event":"startup"}\n',
  "ready.txt": "http://127.0.0.1:1/\n",
  "tls-cert.pem": "-----BEGIN CERTIFICATE-----\n",
  "tls-key.pem": "-----BEGIN PRIVATE KEY-----\n",
  "users.json.gz": "a compressed copy of the users file",
  ".users.json.0123456789ab.tmp": "a half-written users file",
  "_headers": [
    "/admin/*",
    "  Content-Security-Policy: default-src 'self'",
    "  Cache-Control: public, max-age=3600",
    "  CDN-Cache-Control: max-age=600",
    "  Surrogate-Control: max-age=600",
    "  ! Vary",
    "/pub/*",
    "  Cache-Control: public, s-maxage=600",
    "  ! Vary",
    "/private/*",
    "  X-Frame-Options: DENY",
    "/shared/*",
    "  Cache-Control: public, max-age=60",
    "",
  ].join("\n"),
  "_redirects": [
    "/private/*  /denied.html  302!",
    "/x/*  /admin/:splat  200",
    "/u  /users.json  200",
    "/h  /_headers  200",
    "/pub/adm/*  /index.html  200",
    "",
  ].join("\n"),
  "shared/s.txt": "shareable but protected",
};

/** A built site; `await site.cleanup()` in `finally`. */
interface Site {
  root: string;
  build(overrides?: Partial<Settings>): Promise<Handler>;
  cleanup(): Promise<void>;
}

async function createSite(): Promise<Site> {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth-identity-" }));
  for (const [name, text] of Object.entries(FILES)) {
    await Deno.mkdir(join(root, name, ".."), { recursive: true });
    await Deno.writeTextFile(join(root, name), text);
  }
  const users = [{
    name: ADMIN.name,
    passwordHash: await hashPassword(ADMIN.password),
    roles: ["admin"],
  }];
  await Deno.writeTextFile(join(root, "users.json"), JSON.stringify({ users }));
  // Aliases: a directory and a file reached through symlinks, and links to own files.
  await Deno.symlink("../admin", join(root, "pub/adm"));
  await Deno.symlink("../admin/a.txt", join(root, "pub/a-link.txt"));
  await Deno.symlink("../users.json", join(root, "pub/u.json"));
  await Deno.symlink("../_headers", join(root, "pub/h.txt"));
  await Deno.symlink("../secret.txt", join(root, "pub/s.txt"));
  // A "sibling" that is really another, protected file.
  await Deno.symlink("../docs/report.txt.gz", join(root, "pub/y.txt.gz"));
  // Hard links: other names for the secret and the users file.
  await Deno.link(join(root, "secret.txt"), join(root, "pub/hard.txt"));
  await Deno.link(join(root, "users.json"), join(root, "pub/hard-users.json"));
  return {
    root,
    async build(overrides = {}) {
      const settings: Settings = {
        ...DEFAULT_SETTINGS,
        root,
        listing: true,
        cert: join(root, "tls-cert.pem"),
        key: join(root, "tls-key.pem"),
        readyFile: join(root, "ready.txt"),
        auditLog: join(root, "audit.log"),
        notFoundPage: "404.html",
        access: [
          { path: "/admin/*", roles: ["admin"] },
          { path: "/docs/report.txt", authenticated: true },
          { path: "/shared/*", authenticated: true, shareable: true },
        ],
        auth: {
          ...DEFAULT_SETTINGS.auth,
          users: join(root, "users.json"),
          basic: true,
          jwt: { ...DEFAULT_SETTINGS.auth.jwt, secretFile: join(root, "secret.txt") },
        },
        ...overrides,
      };
      return createApp(
        await compileRuntime(settings, {
          fs: denoFileSystem,
          root,
          tls: false,
          configFile: join(root, "berth.json"),
        }),
      );
    },
    cleanup: () => Deno.remove(root, { recursive: true }),
  };
}

/** Sends a raw path (never normalized by the URL parser beyond what a client sends). */
async function send(
  app: Handler,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; body: string }> {
  const request = new Request(`http://127.0.0.1:8000${path}`, init);
  const context: RequestContext = {
    ...urlParts(new URL(request.url)),
    requestId: "t",
    clientAddress: "127.0.0.1",
    startTime: performance.now(),
    secure: false,
    user: null,
  };
  const response = await app(request, context);
  return { status: response.status, headers: response.headers, body: await response.text() };
}

/** Headers that may differ between two answers to different paths. */
const PER_ANSWER_HEADERS = new Set(["date"]);

function headerRecord(headers: Headers): Record<string, string> {
  const record: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (!PER_ANSWER_HEADERS.has(name)) record[name] = value;
  });
  return record;
}

Deno.test("berth's own files answer exactly like a missing file on every route", async () => {
  const site = await createSite();
  try {
    const app = await site.build();
    // A missing file in the same directory: header rules for that directory apply to both.
    const missingAt = async (route: string) => {
      const parent = new URL(route, "http://x").pathname.replace(/[^/]*$/, "");
      return await send(app, `${parent === "//" ? "/" : parent}no-such-file.txt`);
    };
    const missing = await missingAt("/x");
    assert.equal(missing.status, 404);
    assert.equal(missing.body, "<p>custom not found</p>");
    const routes = [
      "/users.json",
      "/berth.json",
      "/secret.txt",
      "/audit.log",
      "/ready.txt",
      "/tls-cert.pem",
      "/tls-key.pem",
      "/users.json.gz", // a sibling of an own file is the same resource
      "/USERS.JSON", // case-folded: some disks ignore case
      "/%75sers.json",
      "//users.json",
      "/pub/../users.json",
      "/./secret.txt",
      "/pub/u.json", // symlink to the users file
      "/pub/s.txt", // symlink to the JWT secret
      "/pub/h.txt", // symlink to _headers
      "/pub/hard.txt", // hard link to the JWT secret
      "/pub/hard-users.json", // hard link to the users file
      "/u", // _redirects rewrite to the users file
      "/h", // _redirects rewrite to _headers
      "/_headers",
      "/_REDIRECTS",
      "/%5Fheaders",
      "/_headers/",
    ];
    for (const route of routes) {
      const beside = await missingAt(route);
      for (const method of ["GET", "HEAD"]) {
        const answer = await send(app, route, { method });
        assert.equal(answer.status, 404, `${method} ${route}`);
        assert.equal(answer.body, method === "GET" ? missing.body : "", `${method} ${route}`);
        assert.deepEqual(headerRecord(answer.headers), headerRecord(beside.headers), route);
      }
      const probes: Record<string, string>[] = [
        { range: "bytes=0-3" },
        { "if-none-match": "*" },
        { accept: "text/html" },
      ];
      for (const headers of probes) {
        assert.equal(
          (await send(app, route, { headers })).status,
          404,
          `${route} ${JSON.stringify(headers)}`,
        );
      }
    }
  } finally {
    await site.cleanup();
  }
});

Deno.test("berth's own files stay absent with dotfiles, an SPA fallback or a 404 page naming them", async () => {
  const site = await createSite();
  try {
    for (
      const overrides of [
        { dotfiles: true },
        { spa: "users.json" },
        { notFoundPage: "secret.txt" },
        { cleanUrls: true },
      ] satisfies Partial<Settings>[]
    ) {
      const app = await site.build(overrides);
      for (const route of ["/users.json", "/.users.json.0123456789ab.tmp", "/secret.txt"]) {
        assert.equal(
          (await send(app, route)).status,
          404,
          `${route} with ${Object.keys(overrides)}`,
        );
      }
      const navigation = await send(app, "/some/client/route", {
        headers: { accept: "text/html" },
      });
      assert.ok(!navigation.body.includes("passwordHash"), "the SPA page is not the users file");
      assert.ok(!navigation.body.includes("jwt-secret"), "the 404 page is not the secret");
    }
  } finally {
    await site.cleanup();
  }
});

Deno.test("listings never show berth's own files, in HTML or JSON", async () => {
  const site = await createSite();
  try {
    const app = await site.build({ dotfiles: true, index: ["nothing.html"] });
    for (const accept of ["text/html", "application/json"]) {
      const root = await send(app, "/", { headers: { accept } });
      assert.equal(root.status, 200);
      for (
        const name of [
          "users.json",
          "users.json.gz",
          "berth.json",
          "secret.txt",
          "audit.log",
          "ready.txt",
          "tls-key.pem",
          "tls-cert.pem",
          "_headers",
          "_redirects",
          ".users.json.0123456789ab.tmp",
        ]
      ) {
        assert.ok(!root.body.includes(`"${name}"`) && !root.body.includes(`>${name}<`), name);
      }
      assert.ok(root.body.includes("denied.html"), "ordinary files are listed");
      const pub = await send(app, "/pub/", { headers: { accept } });
      for (const name of ["u.json", "s.txt", "h.txt", "hard.txt", "hard-users.json"]) {
        assert.ok(!pub.body.includes(name), `symlink ${name} to an own file is not listed`);
      }
    }
  } finally {
    await site.cleanup();
  }
});

Deno.test("a protected file is protected through a symlink alias, on every method and probe", async () => {
  const site = await createSite();
  try {
    const app = await site.build();
    const probes: RequestInit[] = [
      {},
      { method: "HEAD" },
      { headers: { range: "bytes=0-4" } },
      { headers: { "if-none-match": "*" } },
      { headers: { "if-modified-since": new Date(0).toUTCString() } },
      { headers: { "accept-encoding": "gzip, br" } },
    ];
    for (
      const route of [
        "/pub/adm/a.txt",
        "/pub/a-link.txt",
        "/pub/adm/",
        "/pub/adm",
        "/pub/adm/a.txt/",
      ]
    ) {
      for (const init of probes) {
        const anonymous = await send(app, route, init);
        assert.equal(anonymous.status, 401, `${route} ${JSON.stringify(init)}`);
        assert.ok(!anonymous.body.includes("admin secret"), route);
      }
    }
    const allowed = await send(app, "/pub/adm/a.txt", { headers: { authorization: BASIC_ADMIN } });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.body, "admin secret a");
    assert.match(allowed.headers.get("cache-control") ?? "", /^private\b/);
    assert.match(allowed.headers.get("vary") ?? "", /Authorization/);
    // Names that do not exist under the alias get the same 401, so none is revealed.
    for (const route of ["/pub/adm/missing.txt", "/pub/adm/no/such/dir.txt", "/pub/adm/missing/"]) {
      for (let i = 0; i < 2; i++) assert.equal((await send(app, route)).status, 401, route);
    }
    assert.equal((await send(app, "/pub/missing.txt")).status, 404);
    // Twice: the second answer comes from the cache and must be checked the same way.
    for (let i = 0; i < 2; i++) {
      assert.equal((await send(app, "/pub/a-link.txt")).status, 401);
      assert.equal((await send(app, "/pub/adm/")).status, 401);
    }
  } finally {
    await site.cleanup();
  }
});

Deno.test("listings hide a symlinked protected directory and protected siblings from visitors", async () => {
  const site = await createSite();
  try {
    const app = await site.build({ index: ["nothing.html"] });
    const json = { accept: "application/json" };
    const pub = JSON.parse((await send(app, "/pub/", { headers: json })).body);
    const pubNames = pub.entries.map((entry: { name: string }) => entry.name);
    assert.ok(!pubNames.includes("adm"), "the alias of /admin/ is hidden");
    assert.ok(!pubNames.includes("a-link.txt"), "the alias of /admin/a.txt is hidden");
    assert.ok(pubNames.includes("a.txt"));
    const docs = JSON.parse((await send(app, "/docs/", { headers: json })).body);
    const docNames = docs.entries.map((entry: { name: string }) => entry.name);
    assert.deepEqual(docNames, ["open.txt"], "report.txt and its .gz/.br are hidden");
    const signedIn = JSON.parse(
      (await send(app, "/docs/", { headers: { ...json, authorization: BASIC_ADMIN } })).body,
    );
    assert.deepEqual(
      signedIn.entries.map((entry: { name: string }) => entry.name),
      ["open.txt", "report.txt", "report.txt.br", "report.txt.gz"],
    );
  } finally {
    await site.cleanup();
  }
});

Deno.test("a precompressed sibling inherits the protection of the file it encodes", async () => {
  const site = await createSite();
  try {
    const app = await site.build();
    for (
      const route of [
        "/docs/report.txt.gz",
        "/docs/report.txt.br",
        "/docs/report.txt.GZ",
        "/docs/report.txt.gz.br",
        "/docs/%72eport.txt.gz",
      ]
    ) {
      for (const method of ["GET", "HEAD"]) {
        assert.equal((await send(app, route, { method })).status, 401, `${method} ${route}`);
      }
    }
    const encoded = await send(app, "/docs/report.txt", { headers: { "accept-encoding": "br" } });
    assert.equal(encoded.status, 401, "negotiation does not lead around the rule either");
    const allowed = await send(app, "/docs/report.txt.gz", {
      headers: { authorization: BASIC_ADMIN },
    });
    assert.equal(allowed.status, 200);
    assert.match(allowed.headers.get("cache-control") ?? "", /^private\b/);
  } finally {
    await site.cleanup();
  }
});

Deno.test("_redirects and _headers rules hold for every spelling of a path", async () => {
  const site = await createSite();
  try {
    const app = await site.build();
    for (
      const route of [
        "/private/x",
        "//private/x",
        "/%70rivate/x",
        "/private//x",
        "/./private/x",
        "/pub/../private/x",
        "/private/%78",
      ]
    ) {
      const answer = await send(app, route);
      assert.equal(answer.status, 302, route);
      assert.equal(answer.headers.get("location"), "/denied.html", route);
    }
    for (
      const route of [
        "/admin/page.html",
        "/admin/page%2ehtml",
        "//admin/page.html",
        "/admin/./page.html",
      ]
    ) {
      const answer = await send(app, route, { headers: { authorization: BASIC_ADMIN } });
      assert.equal(answer.status, 200, route);
      assert.equal(answer.headers.get("content-security-policy"), "default-src 'self'", route);
    }
    // Through the symlink alias the file is the same, so its header block applies too.
    const alias = await send(app, "/pub/adm/page.html", {
      headers: { authorization: BASIC_ADMIN },
    });
    assert.equal(alias.status, 200);
    assert.equal(alias.headers.get("content-security-policy"), "default-src 'self'");
  } finally {
    await site.cleanup();
  }
});

Deno.test("header rules may not make a protected answer cacheable by shared caches", async () => {
  const site = await createSite();
  try {
    const app = await site.build({ headers: { "Cache-Control": "public, max-age=86400" } });
    const signedIn = { authorization: BASIC_ADMIN };
    for (
      const init of [
        { headers: signedIn },
        { method: "HEAD", headers: signedIn },
        { headers: { ...signedIn, range: "bytes=0-3" } },
      ]
    ) {
      for (const route of ["/admin/a.txt", "/pub/adm/a.txt", "/docs/report.txt", "/admin/"]) {
        const answer = await send(app, route, init);
        assert.ok(answer.status === 200 || answer.status === 206, `${route} ${answer.status}`);
        const cacheControl = answer.headers.get("cache-control") ?? "";
        assert.match(cacheControl, /^private\b/, `${route}: ${cacheControl}`);
        assert.doesNotMatch(cacheControl, /public|s-maxage/, route);
        // berth's no-cache stays: a rule may tighten, never loosen.
        assert.match(cacheControl, /no-cache/, route);
        const vary = answer.headers.get("vary") ?? "";
        assert.match(vary, /Authorization/, `${route} keeps Vary though a rule removed it`);
        assert.match(vary, /Cookie/, route);
      }
    }
    // An unprotected answer takes the operator's header as it is.
    const open = await send(app, "/docs/open.txt");
    assert.equal(open.headers.get("cache-control"), "public, max-age=86400");
    // A rule that opted in ("shareable": true) lets header rules set its caching.
    const shared = await send(app, "/shared/s.txt", { headers: signedIn });
    assert.equal(shared.status, 200);
    // (--header is applied after _headers, so its value is the one sent.)
    assert.equal(shared.headers.get("cache-control"), "public, max-age=86400");
    assert.match(shared.headers.get("vary") ?? "", /Authorization/);
  } finally {
    await site.cleanup();
  }
});

Deno.test("a rewrite into a protected area answers 401 whatever exists there, with clean URLs", async () => {
  const site = await createSite();
  try {
    const app = await site.build({ cleanUrls: true });
    for (
      const route of ["/x/page.html", "/x/page", "/x/missing.html", "/x/missing", "/x/", "/x/a.txt"]
    ) {
      for (const method of ["GET", "HEAD"]) {
        const answer = await send(app, route, { method });
        assert.equal(answer.status, 401, `${method} ${route}`);
        assert.equal(answer.headers.get("location"), null, route);
      }
    }
  } finally {
    await site.cleanup();
  }
});

Deno.test("a custom 404 page that is protected is never shown to a visitor who may not read it", async () => {
  const site = await createSite();
  try {
    const app = await site.build({ notFoundPage: "admin/page.html" });
    const anonymous = await send(app, "/nothing-here");
    assert.equal(anonymous.status, 404);
    assert.ok(!anonymous.body.includes("admin page"));
    const admin = await send(app, "/nothing-here", { headers: { authorization: BASIC_ADMIN } });
    assert.equal(admin.status, 404);
    assert.equal(admin.body, "<h1>admin page</h1>");
    assert.match(admin.headers.get("cache-control") ?? "", /^private\b/);
  } finally {
    await site.cleanup();
  }
});

Deno.test("a precompressed sibling that links elsewhere is never sent as the file's coding", async () => {
  const site = await createSite();
  try {
    const app = await site.build();
    const answer = await send(app, "/pub/y.txt", { headers: { "accept-encoding": "gzip" } });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get("content-encoding"), null);
    assert.equal(answer.body, "public y");
  } finally {
    await site.cleanup();
  }
});

Deno.test("routing layers answer an alias's existing and missing protected names alike", async () => {
  const site = await createSite();
  try {
    for (
      const overrides of [
        { cleanUrls: true },
        { spa: "index.html" },
        {},
      ] satisfies Partial<Settings>[]
    ) {
      const app = await site.build(overrides);
      for (const accept of ["*/*", "text/html"]) {
        const statuses = new Set<number>();
        for (
          const route of [
            "/pub/adm/page.html",
            "/pub/adm/page",
            "/pub/adm/missing.html",
            "/pub/adm/missing",
            "/pub/adm/a.txt",
            "/pub/adm/nothing.txt",
          ]
        ) {
          const answer = await send(app, route, { headers: { accept } });
          assert.ok(
            !answer.body.includes("<h1>") && !answer.body.includes("admin"),
            `${route}: ${answer.status} ${answer.body}`,
          );
          statuses.add(answer.status);
          // A login redirect names the URL asked for, never a file routing found.
          const location = answer.headers.get("location");
          if (location !== null) {
            assert.equal(location, `/_berth/login?next=${encodeURIComponent(route)}`, route);
          }
        }
        assert.equal(statuses.size, 1, `${JSON.stringify(overrides)} ${accept}: ${[...statuses]}`);
        assert.ok(!statuses.has(200) && !statuses.has(301) && !statuses.has(404));
      }
    }
  } finally {
    await site.cleanup();
  }
});

Deno.test("protected answers, refusals and per-visitor listings never reach a shared cache", async () => {
  const site = await createSite();
  try {
    const app = await site.build({ index: ["nothing.html"] });
    const admin = await send(app, "/admin/a.txt", { headers: { authorization: BASIC_ADMIN } });
    assert.equal(admin.status, 200);
    assert.equal(admin.headers.get("cdn-cache-control"), null);
    assert.equal(admin.headers.get("surrogate-control"), null);
    for (const route of ["/admin/a.txt", "/pub/adm/a.txt"]) {
      const refused = await send(app, route);
      assert.equal(refused.status, 401);
      assert.doesNotMatch(refused.headers.get("cache-control") ?? "", /public|s-maxage/);
      assert.match(refused.headers.get("vary") ?? "", /Authorization/);
      assert.equal(refused.headers.get("cdn-cache-control"), null);
    }
    // /pub/'s listing differs per visitor (protected entries are left out).
    for (const init of [{}, { headers: { authorization: BASIC_ADMIN } }]) {
      const listing = await send(app, "/pub/", init);
      assert.equal(listing.status, 200);
      assert.match(listing.headers.get("cache-control") ?? "", /^private\b/);
      assert.doesNotMatch(listing.headers.get("cache-control") ?? "", /public|s-maxage/);
      assert.match(listing.headers.get("vary") ?? "", /Authorization/);
    }
  } finally {
    await site.cleanup();
  }
});

Deno.test("the custom 404 page takes the header rules of the path asked for, not of its file", async () => {
  const site = await createSite();
  try {
    // Its folder has "Cache-Control: public, s-maxage=600".
    await Deno.writeTextFile(join(site.root, "pub/404.html"), "<p>pub not found</p>");
    const app = await site.build({ notFoundPage: "pub/404.html" });
    const answer = await send(app, "/missing.js");
    assert.equal(answer.status, 404);
    assert.equal(answer.body, "<p>pub not found</p>");
    assert.equal(answer.headers.get("cache-control"), "no-cache");
    // A block for the path asked for applies as to any answer there.
    const inPrivate = await send(app, "/private/missing");
    assert.equal(inPrivate.status, 302, "the forced rule for /private/* answers first");
  } finally {
    await site.cleanup();
  }
});
