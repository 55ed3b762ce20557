/**
 * The attacker's suite for access control, in-process: forged and broken
 * tokens minted independently with jose, encoded-path bypasses, Basic,
 * listings and the audit log.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { generateKeyPair, SignJWT } from "jose";
import {
  AUDIENCE,
  authSettings,
  buildAuthApp,
  captureLogs,
  createAuthFixture,
  createEsKeys,
  HS_SECRET,
  ISSUER,
  mintHs256,
  mintNone,
  mintRs256,
  request,
  USERS,
} from "./auth_fixture.ts";
import { DEFAULT_SETTINGS } from "../../lib/config/schema.ts";

const fixture = await createAuthFixture();
const logs = await captureLogs();
const app = await buildAuthApp(fixture, authSettings(fixture));
const basicApp = await buildAuthApp(fixture, authSettings(fixture, { auth: { basic: true } }));

globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(fixture.dir, { recursive: true });
  } catch {
    // Already removed.
  }
});

function bearer(token: string): RequestInit {
  return { headers: { authorization: `Bearer ${token}` } };
}

Deno.test("authenticate() answers 401 JSON with a Bearer challenge when credentials are missing", async () => {
  const response = await request(app, "/admin/secret.txt");
  assert.equal(response.status, 401);
  assert.equal(response.headers.get("www-authenticate"), 'Bearer realm="berth"');
  assert.match(response.headers.get("content-type") ?? "", /application\/json/);
  assert.deepEqual(JSON.parse(response.body).error.status, 401);
  assert.match(response.headers.get("vary") ?? "", /Authorization, Cookie/);
  assert.equal(response.headers.get("cache-control"), "no-store");
});

Deno.test("authenticate() adds a Basic challenge when HTTP Basic is on", async () => {
  const response = await request(basicApp, "/team/doc.html");
  assert.equal(response.status, 401);
  assert.equal(
    response.headers.get("www-authenticate"),
    'Bearer realm="berth", Basic realm="berth", charset="UTF-8"',
  );
});

Deno.test("authenticate() sends browsers to the login page with a safe next", async () => {
  const response = await request(app, "/team/doc.html?x=1", {
    headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" },
  });
  assert.equal(response.status, 303);
  assert.equal(response.headers.get("location"), "/_berth/login?next=%2Fteam%2Fdoc.html%3Fx%3D1");
  assert.equal(response.body, "");
});

Deno.test("authenticate() serves protected files privately to a valid HS256 token", async () => {
  const response = await request(app, "/admin/secret.txt", bearer(await mintHs256()));
  assert.equal(response.status, 200);
  assert.equal(response.body, "top secret");
  assert.match(response.headers.get("cache-control") ?? "", /^private, no-cache$/);
  assert.match(response.headers.get("vary") ?? "", /Authorization/);
  assert.match(response.headers.get("vary") ?? "", /Cookie/);
});

Deno.test("authenticate() accepts an RS256 token from the identity provider's key", async () => {
  const token = await mintRs256(fixture.rsaPrivateKey);
  const response = await request(app, "/admin/page.html", bearer(token));
  assert.equal(response.status, 200);
  assert.equal(response.body, "<h1>admin page</h1>");
});

Deno.test("authenticate() rejects forged and broken tokens with 401", async () => {
  const valid = await mintHs256();
  const [header, payload, signature] = valid.split(".");
  const tamperedPayload = btoa(
    JSON.stringify({
      ...JSON.parse(atob(payload.replaceAll("-", "+").replaceAll("_", "/"))),
      roles: ["admin", "root"],
      sub: "mallory",
    }),
  ).replaceAll("=", "").replaceAll("+", "-").replaceAll("/", "_");
  const now = Math.floor(Date.now() / 1000);
  const table: [string, string][] = [
    [
      "alg none",
      mintNone({ sub: "alice", roles: ["admin"], iss: ISSUER, aud: AUDIENCE, exp: now + 600 }),
    ],
    [
      "alg none with a signature",
      `${
        mintNone({ sub: "alice", roles: ["admin"], iss: ISSUER, aud: AUDIENCE, exp: now + 600 })
      }${signature}`,
    ],
    [
      "HS256 signed with the RSA public key",
      await mintHs256({}, new TextEncoder().encode(fixture.publicKeyPem)),
    ],
    ["tampered payload", `${header}.${tamperedPayload}.${signature}`],
    ["signature of another secret", await mintHs256({}, new TextEncoder().encode("x".repeat(40)))],
    ["expired", await mintHs256({ expiresIn: -3600, issuedAgo: 7200 })],
    ["not yet valid", await mintHs256({ notBeforeIn: 3600 })],
    ["wrong issuer", await mintHs256({ iss: "https://evil.example" })],
    ["wrong audience", await mintHs256({ aud: "someone-else" })],
    ["no expiry", await mintHs256({ expiresIn: null })],
    ["no subject", await mintHs256({ sub: null })],
    ["RS256 from an unknown key", await mintRs256((await generateKeyPair("RS256")).privateKey)],
    ["garbage", "not.a.token"],
    ["empty segments", ".."],
  ];
  for (const [name, token] of table) {
    const response = await request(app, "/admin/secret.txt", bearer(token));
    assert.equal(response.status, 401, name);
    assert.match(response.headers.get("www-authenticate") ?? "", /error="invalid_token"/, name);
    assert.doesNotMatch(response.body, /secret/, name);
  }
});

Deno.test("authenticate() answers 403 when the role is missing or in the wrong claim type", async () => {
  const table: [string, Record<string, unknown>][] = [
    ["other role", { roles: ["dev"] }],
    ["roles as an object", { roles: { admin: true } }],
    ["roles nested in arrays", { roles: [["admin"]] }],
    ["roles as a number", { roles: 1 }],
    ["role under another claim", { roles: [], extra: { role: "admin", groups: ["admin"] } }],
  ];
  for (const [name, options] of table) {
    const token = await mintHs256(options);
    const response = await request(app, "/admin/secret.txt", bearer(token));
    assert.equal(response.status, 403, name);
    assert.doesNotMatch(response.body, /top secret/, name);
    // Authenticated is enough for /team/.
    const team = await request(app, "/team/doc.html", bearer(token));
    assert.equal(team.status, 200, `${name} reads /team/`);
  }
});

Deno.test("authenticate() never reads a token from the query string", async () => {
  const token = await mintHs256();
  for (const name of ["access_token", "token", "jwt", "berth_session", "authorization"]) {
    const response = await request(app, `/admin/secret.txt?${name}=${token}`);
    assert.equal(response.status, 401, name);
  }
});

Deno.test("authenticate() reads the session cookie but prefers the Authorization header", async () => {
  const good = await mintHs256();
  const cookie = await request(app, "/admin/secret.txt", {
    headers: { cookie: `other=1; berth_session=${good}` },
  });
  assert.equal(cookie.status, 200);
  const both = await request(app, "/admin/secret.txt", {
    headers: { cookie: `berth_session=${good}`, authorization: "Bearer broken.token.here" },
  });
  assert.equal(both.status, 401, "an explicit bad header is not rescued by the cookie");
});

Deno.test("authenticate() cannot be bypassed by encodings, case or dot segments", async () => {
  const table = [
    "/ADMIN/secret.txt",
    "/Admin/Secret.txt",
    "/%61dmin/secret.txt",
    "/%41DMIN/secret.txt",
    "/admin/../admin/secret.txt",
    "/pub/../admin/secret.txt",
    "/pub/%2e%2e/admin/secret.txt",
    "//admin/secret.txt",
    "/./admin/secret.txt",
    "/admin/./secret.txt",
    "/admin",
    "/admin/",
    "/files/private.secret",
    "/files/PRIVATE.SECRET",
    "/files/admin-notes/n.txt",
    "/files/ADMIN-notes/",
  ];
  for (const path of table) {
    const response = await request(app, path);
    assert.equal(response.status, 401, path);
  }
  for (const path of ["/admin%2fsecret.txt", "/admin%5csecret.txt", "/admin%00/x", "/%zz/x"]) {
    const response = await request(app, path);
    assert.equal(response.status, 400, path);
  }
});

Deno.test("authenticate() leaves public paths and explicit public rules open", async () => {
  for (const path of ["/home.html", "/pub/a.txt", "/files/open.txt"]) {
    const response = await request(app, path);
    assert.equal(response.status, 200, path);
    assert.doesNotMatch(response.headers.get("cache-control") ?? "", /private/, path);
  }
});

Deno.test("accessGuard() stops a rewrite from leading around a rule", async () => {
  await Deno.writeTextFile(
    join(fixture.root, "_redirects"),
    "/open-door /admin/secret.txt 200\n/gone /admin/secret.txt 404\n",
  );
  try {
    const guarded = await buildAuthApp(fixture, authSettings(fixture));
    for (const path of ["/open-door", "/gone"]) {
      const response = await request(guarded, path);
      assert.ok(response.status === 401 || response.status === 404, `${path}: ${response.status}`);
      assert.doesNotMatch(response.body, /top secret/, path);
    }
    const allowed = await request(guarded, "/open-door", bearer(await mintHs256()));
    assert.equal(allowed.status, 200);
    assert.equal(allowed.body, "top secret");
    assert.match(allowed.headers.get("cache-control") ?? "", /private/);
  } finally {
    await Deno.remove(join(fixture.root, "_redirects"));
  }
});

Deno.test("listings hide entries the visitor may not read", async () => {
  const names = async (path: string, init: RequestInit = {}) => {
    const response = await request(app, path, {
      ...init,
      headers: { ...init.headers as Record<string, string>, accept: "application/json" },
    });
    assert.equal(response.status, 200, path);
    assert.match(response.headers.get("cache-control") ?? "", /private/);
    assert.match(response.headers.get("vary") ?? "", /Cookie/);
    return JSON.parse(response.body).entries.map((entry: { name: string }) => entry.name);
  };
  assert.deepEqual(await names("/"), ["files", "pub", "home.html"]);
  assert.deepEqual(await names("/files/"), ["open.txt"]);
  const dev = bearer(await mintHs256({ sub: "bob", roles: ["dev"] }));
  assert.deepEqual(await names("/", dev), ["files", "pub", "team", "home.html"]);
  const admin = bearer(await mintHs256());
  assert.deepEqual(await names("/", admin), ["admin", "files", "pub", "team", "home.html"]);
  assert.deepEqual(await names("/files/", admin), ["admin-notes", "open.txt", "private.secret"]);
  // The HTML listing is filtered the same way, also when served from the cache.
  for (let i = 0; i < 2; i++) {
    const html = await request(app, "/", { headers: { accept: "text/html" } });
    assert.doesNotMatch(html.body, /admin|team/);
  }
});

Deno.test("HTTP Basic checks the users file when enabled", async () => {
  const basic = (name: string, password: string) => ({
    headers: { authorization: `Basic ${btoa(`${name}:${password}`)}` },
  });
  const ok = await request(basicApp, "/admin/secret.txt", basic("alice", USERS.alice.password));
  assert.equal(ok.status, 200);
  assert.equal(ok.body, "top secret");
  const again = await request(basicApp, "/admin/secret.txt", basic("alice", USERS.alice.password));
  assert.equal(again.status, 200, "the cached check gives the same answer");
  const wrong = await request(basicApp, "/admin/secret.txt", basic("alice", "nope"));
  assert.equal(wrong.status, 401);
  const forbidden = await request(basicApp, "/admin/secret.txt", basic("bob", USERS.bob.password));
  assert.equal(forbidden.status, 403);
  const malformed = await request(basicApp, "/team/doc.html", {
    headers: { authorization: "Basic !!!" },
  });
  assert.equal(malformed.status, 401);
  const off = await request(app, "/admin/secret.txt", basic("alice", USERS.alice.password));
  assert.equal(off.status, 401, "Basic is ignored unless enabled");
});

Deno.test("authenticate() verifies tokens against a JWKS served over HTTP", async () => {
  const { privateKey, jwks } = await createEsKeys();
  let fetches = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
    fetches++;
    return Response.json(jwks);
  });
  try {
    const jwksApp = await buildAuthApp(fixture, {
      access: [{ path: "/admin/*", roles: ["admin"] }],
      auth: {
        ...DEFAULT_SETTINGS.auth,
        jwt: {
          ...DEFAULT_SETTINGS.auth.jwt,
          jwks: `http://127.0.0.1:${server.addr.port}/jwks.json`,
          algorithms: ["ES256"],
          issuer: ISSUER,
        },
      },
    });
    const sign = (roles: unknown, kid = "k1") =>
      new SignJWT({ roles }).setProtectedHeader({ alg: "ES256", kid }).setSubject("carol")
        .setIssuer(ISSUER).setIssuedAt().setExpirationTime("5m").sign(privateKey);
    const ok = await request(jwksApp, "/admin/secret.txt", bearer(await sign(["admin"])));
    assert.equal(ok.status, 200);
    const scope = await request(
      jwksApp,
      "/admin/secret.txt",
      bearer(
        await new SignJWT({ scope: "read admin" }).setProtectedHeader({ alg: "ES256", kid: "k1" })
          .setSubject("carol").setIssuer(ISSUER).setIssuedAt().setExpirationTime("5m")
          .sign(privateKey),
      ),
    );
    assert.equal(scope.status, 200, "a space-separated scope grants roles");
    const hs = await request(jwksApp, "/admin/secret.txt", bearer(await mintHs256()));
    assert.equal(hs.status, 401, "HS256 is not on this allow-list");
    assert.ok(fetches >= 1 && fetches <= 2, `the JWKS is cached (${fetches} fetches)`);
  } finally {
    await server.shutdown();
  }
});

Deno.test("the audit log records denials and rejected tokens without secrets", async () => {
  const token = await mintHs256({ expiresIn: -3600, issuedAgo: 7200 });
  await request(app, "/admin/secret.txt", bearer(token));
  await request(app, "/admin/secret.txt", bearer(await mintHs256({ roles: ["dev"] })));
  const events = logs.audit.map((record) => record.event);
  assert.ok(events.includes("token-rejected"));
  assert.ok(events.includes("access-denied"));
  const rejected = logs.audit.find((record) =>
    record.event === "token-rejected" && record.reason === "expired"
  );
  assert.ok(rejected, "the reason is recorded");
  assert.equal(rejected.path, "/admin/secret.txt");
  const denied = logs.audit.find((record) =>
    record.event === "access-denied" && record.status === 403
  );
  assert.equal(denied?.rule, "/admin/*");
  assert.equal(denied?.user, "alice");
  const everything = logs.raw.join("\n");
  assert.ok(!everything.includes(token.split(".")[2]), "no token signature in the logs");
  assert.ok(!everything.includes(HS_SECRET), "no secret in the logs");
  assert.ok(!everything.includes(USERS.alice.password), "no password in the logs");
  assert.ok(!everything.includes("eyJ"), "no JWT in the logs");
});
