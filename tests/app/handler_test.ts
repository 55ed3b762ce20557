import assert from "node:assert/strict";
import { ConfigError, createHandler } from "../../lib/mod.ts";
import type { SettingsInput } from "../../lib/mod.ts";
import { createSharedFixtureTree, FIXTURE_CONTENT, FIXTURE_NAMES } from "../fixtures/tree.ts";

const tree = await createSharedFixtureTree();

Deno.test("`createHandler()` serves the root with berth's validators, headers and path safety", async () => {
  const berth = await createHandler({ settings: { root: tree.root } });
  const index = await berth(new Request("http://berth.test/"));
  assert.equal(index.status, 200);
  assert.equal(await index.text(), FIXTURE_CONTENT.INDEX);
  assert.match(index.headers.get("etag") ?? "", /^"[0-9a-f-]+"$/);
  assert.equal(index.headers.get("x-content-type-options"), "nosniff");

  const revalidated = await berth(
    new Request("http://berth.test/", { headers: { "if-none-match": index.headers.get("etag")! } }),
  );
  assert.equal(revalidated.status, 304);
  await revalidated.body?.cancel();

  for (
    const path of [`/${FIXTURE_NAMES.ENV}`, `/${FIXTURE_NAMES.LINK_OUTSIDE}`, "/%2e%2e/outside"]
  ) {
    const response = await berth(new Request(`http://berth.test${path}`));
    assert.ok(response.status === 404 || response.status === 400, path);
    const body = await response.text();
    assert.ok(!body.includes(FIXTURE_CONTENT.SECRET) && !body.includes(FIXTURE_CONTENT.ENV), path);
  }
  const bad = await berth(new Request("http://berth.test/%zz"));
  assert.equal(bad.status, 400);
  await bad.body?.cancel();
});

Deno.test("`createHandler()` applies the settings it is given on top of the defaults", async () => {
  const berth = await createHandler({
    settings: { root: tree.root, listing: true, headers: { "X-Served-By": "berth" } },
  });
  const listing = await berth(
    new Request(`http://berth.test/${FIXTURE_NAMES.ASSETS_DIR}/`, {
      headers: { accept: "application/json" },
    }),
  );
  assert.equal(listing.status, 200);
  assert.equal(listing.headers.get("x-served-by"), "berth");
  assert.match(listing.headers.get("content-type") ?? "", /^application\/json/);
  assert.ok(JSON.stringify(await listing.json()).includes("style.css"));
});

Deno.test("`createHandler()` fails at startup with a ConfigError naming the setting", async () => {
  const cases: [SettingsInput, RegExp][] = [
    [{ port: 70000 }, /^Invalid setting "port": 70000 is not an integer between 0 and 65535$/],
    [{ listing: "yes" as unknown as boolean }, /^Invalid setting "listing": "yes" is not/],
    [{ portt: 1 } as unknown as SettingsInput, /^Unknown setting "portt": did you mean "port"\?$/],
    [{ cert: "/tmp/cert.pem" }, /^Invalid settings: "cert" is set but "key" is not/],
    [
      { root: `${tree.root}/${FIXTURE_NAMES.HELLO}` },
      /^Invalid setting "root": ".*" is not a readable directory$/,
    ],
    [
      { root: `${tree.root}/no-such-dir` },
      /^Invalid setting "root": ".*" is not a readable directory$/,
    ],
  ];
  for (const [settings, message] of cases) {
    await assert.rejects(
      () => createHandler({ settings }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError, JSON.stringify(settings));
        assert.match(error.message, message);
        return true;
      },
    );
  }
});

Deno.test("`createHandler()` runs inside another Deno.serve app next to its own routes", async () => {
  const berth = await createHandler({ settings: { root: tree.root } });
  const seen: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request, info) => {
    const url = new URL(request.url);
    if (url.pathname === "/api/hello") return Response.json({ hello: "from the app" });
    seen.push(info.remoteAddr.hostname);
    return berth(request, info);
  });
  try {
    const base = `http://127.0.0.1:${server.addr.port}`;
    const api = await fetch(`${base}/api/hello`);
    assert.deepEqual(await api.json(), { hello: "from the app" });
    const file = await fetch(`${base}/${FIXTURE_NAMES.HELLO}`);
    assert.equal(file.status, 200);
    assert.equal(await file.text(), FIXTURE_CONTENT.HELLO);
    const ranged = await fetch(`${base}/${FIXTURE_NAMES.HELLO}`, {
      headers: { range: "bytes=0-4" },
    });
    assert.equal(ranged.status, 206);
    assert.equal(await ranged.text(), "hello");
    const missing = await fetch(`${base}/${FIXTURE_NAMES.MISSING}`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
    assert.deepEqual(seen, ["127.0.0.1", "127.0.0.1", "127.0.0.1"]);
  } finally {
    await server.shutdown();
  }
});

Deno.test("`createHandler()` enforces the access rules in its settings", async () => {
  const dir = await Deno.makeTempDir({ prefix: "berth_handler_auth_" });
  try {
    const users = `${dir}/users.json`;
    await Deno.writeTextFile(users, JSON.stringify({ users: [] }));
    const berth = await createHandler({
      settings: {
        root: tree.root,
        auth: { users },
        access: [{ path: `/${FIXTURE_NAMES.DOCS_DIR}/*`, roles: ["admin"] }],
      },
    });
    const denied = await berth(new Request(`http://berth.test/${FIXTURE_NAMES.DOCS_INDEX}`));
    assert.equal(denied.status, 401);
    assert.ok(denied.headers.has("www-authenticate"));
    assert.ok(!(await denied.text()).includes("docs</h1>"));
    const open = await berth(new Request(`http://berth.test/${FIXTURE_NAMES.HELLO}`));
    assert.equal(open.status, 200);
    assert.equal(await open.text(), FIXTURE_CONTENT.HELLO);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("`createHandler()` takes client addresses from the proxy with trustProxy", async () => {
  const berth = await createHandler({
    settings: {
      root: tree.root,
      trustProxy: true,
      rateLimit: { requestsPerSecond: 0.001, burst: 1 },
    },
  });
  // The proxy in front of berth is on this machine (trusted by default).
  const proxyInfo: Deno.ServeHandlerInfo = {
    remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 40000 },
    completed: Promise.resolve(),
  };
  const fetchAs = async (client: string) => {
    const response = await berth(
      new Request("http://berth.test/", { headers: { "x-forwarded-for": client } }),
      proxyInfo,
    );
    await response.body?.cancel();
    return response.status;
  };
  assert.equal(await fetchAs("192.0.2.1"), 200);
  assert.equal(await fetchAs("192.0.2.1"), 429);
  assert.equal(
    await fetchAs("192.0.2.2"),
    200,
    "another client behind the proxy has its own budget",
  );
});
