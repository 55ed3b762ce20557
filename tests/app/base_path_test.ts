/**
 * berth mounted under `/static/` through `createHandler`: a request under the
 * prefix is served as if the prefix were not there, one outside it is a 404
 * (the bare prefix redirects), and every Location berth builds carries the
 * prefix again — directory, clean-URL and trailing-slash redirects,
 * `_redirects` rules, the login page and its `next`, internal endpoints,
 * listings, the SPA fallback and error pages. Access rules match the path
 * after the prefix.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { createHandler, type SettingsInput } from "../../lib/mod.ts";
import { authSettings, createAuthFixture, USERS } from "./auth_fixture.ts";

const BASE = "/static/";

const site = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth-base-path-" }));
const FILES: Record<string, string> = {
  "index.html": "<h1>home</h1>",
  "sub/index.html": "<h1>sub</h1>",
  "about.html": "<h1>about</h1>",
  "list/a.txt": "a",
  "list/b dir/c.txt": "c",
  "404.html": "<h1>custom missing</h1>",
  "_redirects": [
    "/old /new 301",
    "/away https://example.com/x 302",
    "/blog/* /posts/:splat 302",
    "/shown /about.html 200",
  ].join("\n"),
};
for (const [name, text] of Object.entries(FILES)) {
  await Deno.mkdir(join(site, name, ".."), { recursive: true });
  await Deno.writeTextFile(join(site, name), text);
}
// A file beside the site that no spelling of a path under the prefix may reach.
const outside = join(site, "..", `${site.split("/").at(-1)}-secret.txt`);
await Deno.writeTextFile(outside, "outside secret");
const fixture = await createAuthFixture();
globalThis.addEventListener("unload", () => {
  for (const path of [site, outside, fixture.dir]) {
    try {
      Deno.removeSync(path, { recursive: true });
    } catch {
      // Already removed.
    }
  }
});

/** A handler over the site mounted at `/static/`, with `settings` on top. */
async function mounted(settings: SettingsInput = {}) {
  return await createHandler({
    settings: { root: site, quiet: true, basePath: BASE, ...settings },
  });
}

/** Sends `path` (raw, as a client would) and returns status, Location and body. */
async function send(
  handler: (request: Request) => Promise<Response>,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; location: string | null; body: string; headers: Headers }> {
  const response = await handler(new Request(`http://berth.test${path}`, init));
  return {
    status: response.status,
    location: response.headers.get("location"),
    headers: response.headers,
    body: await response.text(),
  };
}

Deno.test("`createHandler()` with basePath serves the site under the prefix as if it were not there", async () => {
  const berth = await mounted();
  try {
    const table: [string, number, string][] = [
      ["/static/", 200, "<h1>home</h1>"],
      ["/static/index.html", 200, "<h1>home</h1>"],
      ["/static/sub/", 200, "<h1>sub</h1>"],
      ["/static/about.html", 200, "<h1>about</h1>"],
      ["/static//sub/", 200, "<h1>sub</h1>"],
      ["/static/s%75b/", 200, "<h1>sub</h1>"],
      ["/static/a/../sub/", 200, "<h1>sub</h1>"],
      ["/static/shown", 200, "<h1>about</h1>"],
    ];
    for (const [path, status, body] of table) {
      const answer = await send(berth, path);
      assert.equal(answer.status, status, path);
      assert.equal(answer.body, body, path);
    }
  } finally {
    berth.close();
  }
});

Deno.test("`createHandler()` with basePath answers 404 outside the prefix, whatever the spelling", async () => {
  const berth = await mounted();
  try {
    const secret = outside.split("/").at(-1)!;
    const paths = [
      "/",
      "/index.html",
      "/sub/",
      "/sub",
      "/static.html",
      "/staticx/",
      "/stat%69c/",
      "/stat%69c/index.html",
      "/STATIC/",
      "/Static/index.html",
      "//static/",
      "//static/index.html",
      "/x/static/",
      `/static/../${secret}`,
      `/static/%2e%2e/${secret}`,
      `/static/.%2E/${secret}`,
      `/static/sub/../../${secret}`,
      "/static/../static/../_berth/health",
      "/_berth/health",
    ];
    for (const path of paths) {
      const answer = await send(berth, path);
      assert.equal(answer.status, 404, path);
      assert.equal(answer.location, null, path);
      // The built-in page: the site's custom 404 is the site's, not the host app's.
      assert.doesNotMatch(answer.body, /custom missing|outside secret|<h1>/, path);
    }
    // Encodings that would step out after the prefix are refused or stay inside.
    for (const path of [`/static/..%2f${secret}`, `/static/%2e%2e%2f${secret}`]) {
      const answer = await send(berth, path);
      assert.equal(answer.status, 400, path);
      assert.doesNotMatch(answer.body, /outside secret/, path);
    }
  } finally {
    berth.close();
  }
});

Deno.test("`createHandler()` with basePath redirects the bare prefix to it, query kept", async () => {
  const berth = await mounted();
  try {
    assert.deepEqual(
      [(await send(berth, "/static")).status, (await send(berth, "/static")).location],
      [301, "/static/"],
    );
    assert.equal((await send(berth, "/static?a=1&b")).location, "/static/?a=1&b");
    const head = await send(berth, "/static", { method: "HEAD" });
    assert.equal(head.status, 301);
    assert.equal(head.location, "/static/");
  } finally {
    berth.close();
  }
});

Deno.test("`createHandler()` with basePath puts the prefix back in directory and _redirects Locations", async () => {
  const berth = await mounted();
  try {
    const table: [string, number, string][] = [
      ["/static/sub", 301, "/static/sub/"],
      ["/static/sub?x=1", 301, "/static/sub/?x=1"],
      ["/static/index.html/", 301, "/static/index.html"],
      ["/static/old", 301, "/static/new"],
      ["/static/old?q=2", 301, "/static/new?q=2"],
      ["/static/away", 302, "https://example.com/x"],
      ["/static/blog/2024/post", 302, "/static/posts/2024/post"],
      // A placeholder cannot carry the redirect off the site, nor out of the mount.
      ["/static/blog//evil.example/", 302, "/static/posts/evil.example/"],
    ];
    for (const [path, status, location] of table) {
      const answer = await send(berth, path);
      assert.equal(answer.status, status, path);
      assert.equal(answer.location, location, path);
    }
  } finally {
    berth.close();
  }
});

Deno.test("`createHandler()` with basePath puts the prefix back in clean-URL and trailing-slash redirects", async () => {
  const clean = await mounted({ cleanUrls: true });
  const never = await mounted({ trailingSlash: "never" });
  const always = await mounted({ trailingSlash: "always", cleanUrls: true });
  try {
    const table: [typeof clean, string, number, string | null][] = [
      [clean, "/static/about.html", 301, "/static/about"],
      [clean, "/static/about", 200, null],
      [clean, "/static/sub/index.html", 301, "/static/sub/"],
      [never, "/static/sub/", 301, "/static/sub"],
      [never, "/static/sub", 200, null],
      [always, "/static/about", 301, "/static/about/"],
    ];
    for (const [handler, path, status, location] of table) {
      const answer = await send(handler, path);
      assert.equal(answer.status, status, path);
      assert.equal(answer.location, location, path);
    }
  } finally {
    for (const handler of [clean, never, always]) handler.close();
  }
});

Deno.test("`createHandler()` with basePath serves internal endpoints, listings, the SPA page and error pages under the prefix", async () => {
  const berth = await mounted({ listing: true, notFoundPage: "404.html" });
  const spa = await mounted({ spa: "index.html" });
  try {
    const health = await send(berth, "/static/_berth/health");
    assert.equal(health.status, 200);
    assert.match(health.body, /"ok"/);
    // The internal prefix is reserved under the mount too.
    assert.equal((await send(berth, "/static/_berth/nothing")).status, 404);
    assert.equal((await send(berth, "/static/_redirects")).status, 404);

    const listing = await send(berth, "/static/list/");
    assert.equal(listing.status, 200);
    // Relative links resolve under the prefix in the browser.
    assert.match(listing.body, /href="\.\/a\.txt"/);
    assert.match(listing.body, /href="\.\/b%20dir\/"/);
    assert.doesNotMatch(listing.body, /href="\/(?!static\/)/);

    const missing = await send(berth, "/static/nope.txt");
    assert.equal(missing.status, 404);
    assert.equal(missing.body, "<h1>custom missing</h1>");

    const route = await send(spa, "/static/app/route", { headers: { accept: "text/html" } });
    assert.equal(route.status, 200);
    assert.equal(route.body, "<h1>home</h1>");
    const outsideRoute = await send(spa, "/app/route", { headers: { accept: "text/html" } });
    assert.equal(outsideRoute.status, 404);
  } finally {
    berth.close();
    spa.close();
  }
});

Deno.test("`createHandler()` with basePath matches access rules after the prefix and logs in under it", async () => {
  const berth = await createHandler({
    settings: { ...authSettings(fixture), root: fixture.root, quiet: true, basePath: BASE },
  });
  const browser = { accept: "text/html" };
  try {
    // `/admin/*` protects /static/admin/..., in every spelling.
    for (const path of ["/static/admin/secret.txt", "/static/%61dmin/secret.txt"]) {
      const answer = await send(berth, path, { headers: { accept: "application/json" } });
      assert.equal(answer.status, 401, path);
      assert.doesNotMatch(answer.body, /top secret/, path);
    }
    assert.equal((await send(berth, "/static/pub/a.txt")).body, "public a");

    const toLogin = await send(berth, "/static/team/doc.html?x=1", { headers: browser });
    assert.equal(toLogin.status, 303);
    assert.equal(
      toLogin.location,
      `/static/_berth/login?next=${encodeURIComponent("/static/team/doc.html?x=1")}`,
    );

    const page = await send(berth, "/static/_berth/login?next=%2Fstatic%2Fteam%2Fdoc.html");
    assert.equal(page.status, 200);
    assert.match(page.body, /<form method="post" action="\/static\/_berth\/login"/);
    assert.match(page.body, /name="next" value="\/static\/team\/doc.html"/);
    // A next outside the mount (another part of the host app) falls back to the mount.
    const away = await send(berth, "/static/_berth/login?next=%2Fadmin%2Fdelete");
    assert.match(away.body, /name="next" value="\/static\/"/);

    const form = (next: string) => ({
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ username: "alice", password: USERS.alice.password, next })
        .toString(),
    });
    const table: [string, string][] = [
      ["/static/team/doc.html?x=1", "/static/team/doc.html?x=1"],
      ["/admin/delete", "/static/"],
      ["/static", "/static/"],
      ["//evil.example/", "/static/"],
      ["", "/static/"],
    ];
    for (const [next, location] of table) {
      const signIn = await send(berth, "/static/_berth/login", form(next));
      assert.equal(signIn.status, 303, next);
      assert.equal(signIn.location, location, next);
    }
    const cookie = (await send(berth, "/static/_berth/login", form(""))).headers
      .get("set-cookie")!.split(";")[0];
    const logout = await send(berth, "/static/_berth/logout", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: "",
    });
    assert.equal(logout.status, 303);
    assert.equal(logout.location, "/static/_berth/login");
    // The login endpoints are berth's only under the prefix.
    assert.equal((await send(berth, "/_berth/login")).status, 404);
  } finally {
    berth.close();
  }
});

Deno.test("the built-in 404 page links to the mount's home, not the host app's", async () => {
  const root = await Deno.makeTempDir({ prefix: "berth-base-home-" });
  try {
    const berth = await createHandler({ settings: { root, basePath: "/static/" } });
    for (const path of ["/static/missing.html", "/elsewhere"]) {
      const response = await berth(
        new Request(`http://127.0.0.1${path}`, { headers: { accept: "text/html" } }),
      );
      assert.equal(response.status, 404, path);
      const html = await response.text();
      assert.match(html, /<a href="\/static\/">Go to the home page<\/a>/, path);
    }
    berth.close();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
