/**
 * The login endpoints in-process: page, JSON and form sign-in, cookies,
 * CSRF, open redirects, body limits, brute force, TOTP and its replay,
 * logout, sliding renewal, and login being off without a signing secret.
 */

import assert from "node:assert/strict";
import { generateTotp } from "../../lib/auth/totp.ts";
import { DEFAULT_SETTINGS } from "../../lib/config/schema.ts";
import { createRequestContextFactory } from "../../lib/request_context.ts";
import {
  authSettings,
  buildAuthApp,
  captureLogs,
  createAuthFixture,
  mintHs256,
  request,
  TINA_TOTP_SECRET,
  USERS,
} from "./auth_fixture.ts";

const fixture = await createAuthFixture();
const logs = await captureLogs();
globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(fixture.dir, { recursive: true });
  } catch {
    // Already removed.
  }
});

/** A fresh app, so throttle state never leaks between tests. */
async function freshApp(tls = false) {
  return await buildAuthApp(fixture, authSettings(fixture), tls);
}

function jsonLogin(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}

function formLogin(fields: Record<string, string>, headers: Record<string, string> = {}) {
  return {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields).toString(),
  };
}

/** The cookie value set by a response, e.g. `berth_session=…`. */
function cookiePair(headers: Headers): string {
  const setCookie = headers.get("set-cookie") ?? "";
  return setCookie.split(";")[0];
}

Deno.test("GET /_berth/login renders an accessible form and escapes next", async () => {
  const app = await freshApp();
  const page = await request(app, "/_berth/login?next=%2Fteam%2Fdoc.html%3Fa%3D1%26b%3D%22");
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type") ?? "", /text\/html/);
  assert.equal(page.headers.get("cache-control"), "no-store");
  assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'none'/);
  assert.match(page.body, /<label for="username">/);
  assert.match(page.body, /<label for="password">/);
  assert.match(page.body, /<input id="password" name="password" type="password"/);
  assert.match(page.body, /<form method="post" action="\/_berth\/login"/);
  assert.doesNotMatch(page.body, /<script/);
  // `"` in next is refused by sanitizeNext; a valid next is escaped into the attribute.
  assert.match(page.body, /name="next" value="\/"/);
  const good = await request(app, "/_berth/login?next=%2Fteam%2Fdoc.html%3Fa%3D1%26b%3D2");
  assert.match(good.body, /name="next" value="\/team\/doc.html\?a=1&amp;b=2"/);
  const hostile = await request(app, '/_berth/login?next="><script>alert(1)</script>');
  assert.doesNotMatch(hostile.body, /<script>alert/);
  const head = await request(app, "/_berth/login", { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.body, "");
});

Deno.test("POST /_berth/login with JSON returns a token and an HttpOnly cookie", async () => {
  const app = await freshApp();
  const response = await request(
    app,
    "/_berth/login",
    jsonLogin({ username: "alice", password: USERS.alice.password }),
  );
  assert.equal(response.status, 200);
  const body = JSON.parse(response.body);
  assert.equal(typeof body.token, "string");
  assert.ok(body.expiresAt > Date.now() / 1000 + 3000);
  const setCookie = response.headers.get("set-cookie") ?? "";
  assert.equal(
    setCookie,
    `berth_session=${body.token}; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict`,
  );
  assert.equal(response.headers.get("cache-control"), "no-store");
  const admin = await request(app, "/admin/secret.txt", {
    headers: { cookie: cookiePair(response.headers) },
  });
  assert.equal(admin.status, 200);
  const bearer = await request(app, "/admin/secret.txt", {
    headers: { authorization: `Bearer ${body.token}` },
  });
  assert.equal(bearer.status, 200);
});

Deno.test("POST /_berth/login sets a Secure cookie under TLS", async () => {
  const app = await freshApp(true);
  const response = await request(
    app,
    "/_berth/login",
    { ...jsonLogin({ username: "alice", password: USERS.alice.password }), secure: true },
  );
  assert.equal(response.status, 200);
  assert.match(response.headers.get("set-cookie") ?? "", /; HttpOnly; SameSite=Strict; Secure$/);
});

Deno.test("POST /_berth/login behind a trusted TLS proxy accepts https and sets Secure", async () => {
  const body = { username: "alice", password: USERS.alice.password };
  const proxied = { origin: "https://127.0.0.1:8000", "x-forwarded-proto": "https" };
  // The request context decides `secure`: only a trusted peer's X-Forwarded-Proto counts.
  const loginFrom = async (peer: string, trustProxy: boolean) => {
    const createContext = createRequestContextFactory({ secure: false, proxy: { trustProxy } });
    const req = new Request("http://127.0.0.1:8000/_berth/login", jsonLogin(body, proxied));
    const response = await (await freshApp())(
      req,
      createContext(req, {
        remoteAddr: { transport: "tcp", hostname: peer, port: 40000 },
        completed: Promise.resolve(),
      }),
    );
    await response.body?.cancel();
    return { status: response.status, cookie: response.headers.get("set-cookie") ?? "" };
  };
  const response = await loginFrom("127.0.0.1", true);
  assert.equal(response.status, 200);
  assert.match(response.cookie, /; Secure$/);
  const spoofed = await loginFrom("127.0.0.1", false);
  assert.equal(spoofed.status, 403, "without trust-proxy the header is ignored");
  const direct = await loginFrom("198.51.100.20", true);
  assert.equal(direct.status, 403, "a client that is not a trusted proxy cannot claim https");
});

Deno.test("POST /_berth/login as a form redirects to a safe next only", async () => {
  const app = await freshApp();
  const table: [string, string][] = [
    ["/team/doc.html?x=1", "/team/doc.html?x=1"],
    ["//evil.example/", "/"],
    ["/\\evil.example", "/"],
    ["https://evil.example/", "/"],
    ["javascript:alert(1)", "/"],
    ["/%2F%2Fevil.example", "/"],
    ["\\\\evil.example", "/"],
    ["", "/"],
  ];
  for (const [next, location] of table) {
    const response = await request(
      app,
      "/_berth/login",
      formLogin({ username: "alice", password: USERS.alice.password, next }),
    );
    assert.equal(response.status, 303, next);
    assert.equal(response.headers.get("location"), location, next);
    assert.match(response.headers.get("set-cookie") ?? "", /HttpOnly/);
  }
});

Deno.test("POST /_berth/login answers unknown users exactly like wrong passwords", async () => {
  const app = await freshApp();
  const unknown = await request(
    app,
    "/_berth/login",
    jsonLogin({ username: "nobody", password: "whatever" }),
  );
  const wrong = await request(
    app,
    "/_berth/login",
    jsonLogin({ username: "alice", password: "nope" }),
  );
  assert.equal(unknown.status, 401);
  assert.equal(wrong.status, 401);
  assert.equal(unknown.body, wrong.body);
  assert.deepEqual([...unknown.headers.keys()], [...wrong.headers.keys()]);
  assert.equal(unknown.headers.get("set-cookie"), null);
  const reasons = logs.audit.filter((record) => record.event === "login-failure")
    .map((record) => record.reason);
  assert.ok(reasons.length >= 2 && reasons.every((reason) => reason === "bad-credentials"));
  const form = await request(app, "/_berth/login", formLogin({ username: "x", password: "y" }));
  assert.equal(form.status, 401);
  assert.match(form.body, /role="alert"/, "a form post gets the page back with the message");
});

Deno.test("POST /_berth/login refuses cross-site requests (CSRF)", async () => {
  const app = await freshApp();
  const body = { username: "alice", password: USERS.alice.password };
  const refused: Record<string, string>[] = [
    { origin: "https://evil.example" },
    { origin: "http://127.0.0.1:8001" },
    { origin: "https://127.0.0.1:8000" },
    { origin: "null" },
    { origin: "http://127.0.0.1:8000/" },
    { "sec-fetch-site": "cross-site" },
    { "sec-fetch-site": "same-site" },
  ];
  for (const headers of refused) {
    const response = await request(app, "/_berth/login", jsonLogin(body, headers));
    assert.equal(response.status, 403, JSON.stringify(headers));
    assert.equal(response.headers.get("set-cookie"), null);
  }
  const allowed: Record<string, string>[] = [
    { origin: "http://127.0.0.1:8000" },
    { "sec-fetch-site": "same-origin" },
    { "sec-fetch-site": "none" },
    {},
  ];
  for (const headers of allowed) {
    const response = await request(app, "/_berth/login", jsonLogin(body, headers));
    assert.equal(response.status, 200, JSON.stringify(headers));
  }
  const logout = await request(app, "/_berth/logout", {
    method: "POST",
    headers: { origin: "https://evil.example" },
  });
  assert.equal(logout.status, 403);
});

Deno.test("POST /_berth/login answers every malformed request with a clear 4xx", async () => {
  const app = await freshApp();
  const table: [RequestInit, number][] = [
    [jsonLogin("{not json"), 400],
    [jsonLogin("[]"), 400],
    [jsonLogin({ username: "alice" }), 400],
    [jsonLogin({ username: 1, password: "x" }), 400],
    [jsonLogin({ username: "alice", password: "x", totp: 123456 }), 400],
    [jsonLogin({ username: "alice", password: "x".repeat(9000) }), 413],
    [{ method: "POST", headers: { "content-type": "text/plain" }, body: "x" }, 415],
    [{ method: "POST", body: "username=a&password=b" }, 415],
    [{
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new Uint8Array([0xff, 0xfe, 0x00]),
    }, 400],
    [{ method: "PUT" }, 405],
    [{ method: "DELETE" }, 405],
  ];
  for (const [init, status] of table) {
    const response = await request(app, "/_berth/login", init);
    assert.equal(response.status, status, JSON.stringify(init.body ?? init.method).slice(0, 80));
    assert.ok(JSON.parse(response.body).error.message.length > 5, "a message says what is wrong");
  }
  const logoutGet = await request(app, "/_berth/logout");
  assert.equal(logoutGet.status, 405);
  assert.equal(logoutGet.headers.get("allow"), "POST");
});

Deno.test("brute force on the login is answered with 429 and Retry-After", async () => {
  const app = await freshApp();
  const statuses: number[] = [];
  let retryAfter: string | null = null;
  for (let i = 0; i < 7; i++) {
    const response = await request(
      app,
      "/_berth/login",
      jsonLogin({ username: "alice", password: `guess-${i}` }, {}),
    );
    statuses.push(response.status);
    retryAfter ??= response.headers.get("retry-after");
  }
  assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429]);
  assert.ok(Number(retryAfter) >= 1);
  // The right password does not get through while the name is backing off, from any address.
  const right = await request(
    app,
    "/_berth/login",
    { ...jsonLogin({ username: "alice", password: USERS.alice.password }), address: "192.0.2.99" },
  );
  assert.equal(right.status, 429);
  assert.ok(
    logs.audit.some((record) => record.event === "rate-limited" && record.scope === "login"),
  );
});

Deno.test("brute force over HTTP Basic is throttled the same way", async () => {
  const app = await buildAuthApp(fixture, authSettings(fixture, { auth: { basic: true } }));
  const statuses: number[] = [];
  for (let i = 0; i < 7; i++) {
    const response = await request(app, "/team/doc.html", {
      headers: { authorization: `Basic ${btoa(`bob:guess-${i}`)}` },
      address: "198.51.100.3",
    });
    statuses.push(response.status);
    if (response.status === 429) assert.ok(Number(response.headers.get("retry-after")) >= 1);
  }
  assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429]);
});

Deno.test("TOTP is required for users with a secret and each code works once", async () => {
  const app = await freshApp();
  const password = USERS.tina.password;
  const missing = await request(app, "/_berth/login", jsonLogin({ username: "tina", password }));
  assert.equal(missing.status, 401);
  assert.match(JSON.parse(missing.body).error.message, /one-time code/);
  const code = await generateTotp(TINA_TOTP_SECRET);
  const wrongCode = code === "000000" ? "111111" : "000000";
  const bad = await request(
    app,
    "/_berth/login",
    jsonLogin({ username: "tina", password, totp: wrongCode }),
  );
  assert.equal(bad.status, 401);
  const ok = await request(
    app,
    "/_berth/login",
    jsonLogin({ username: "tina", password, totp: code }),
  );
  assert.equal(ok.status, 200);
  const replay = await request(
    app,
    "/_berth/login",
    jsonLogin({ username: "tina", password, totp: code }),
  );
  assert.equal(replay.status, 401);
  assert.ok(logs.audit.some((record) => record.reason === "totp-replayed"));
  const codeInWrongPassword = await request(
    app,
    "/_berth/login",
    jsonLogin({ username: "tina", password: "wrong", totp: code }),
  );
  assert.equal(codeInWrongPassword.status, 401);
  assert.ok(!logs.raw.join("\n").includes(`"${code}"`), "no TOTP code in the logs");
});

Deno.test("POST /_berth/logout clears the cookie", async () => {
  const app = await freshApp();
  const login = await request(
    app,
    "/_berth/login",
    jsonLogin({ username: "alice", password: USERS.alice.password }),
  );
  const cookie = cookiePair(login.headers);
  const logout = await request(app, "/_berth/logout", { method: "POST", headers: { cookie } });
  assert.equal(logout.status, 204);
  assert.equal(
    logout.headers.get("set-cookie"),
    "berth_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict",
  );
  const form = await request(
    app,
    "/_berth/logout",
    formLogin({ next: "//evil.example" }, { cookie }),
  );
  assert.equal(form.status, 303);
  assert.equal(form.headers.get("location"), "/");
  assert.ok(logs.audit.some((record) => record.event === "logout" && record.user === "alice"));
});

Deno.test("authenticate() renews a session cookie past half its life", async () => {
  const app = await freshApp();
  const old = await mintHs256({ issuedAgo: 2400, expiresIn: 1200 });
  const renewed = await request(app, "/admin/secret.txt", {
    headers: { cookie: `berth_session=${old}` },
  });
  assert.equal(renewed.status, 200);
  const setCookie = renewed.headers.get("set-cookie") ?? "";
  assert.match(
    setCookie,
    /^berth_session=eyJ[^;]+; Path=\/; Max-Age=3600; HttpOnly; SameSite=Strict$/,
  );
  assert.ok(!setCookie.includes(old));
  const fresh = await mintHs256({ expiresIn: 3000 });
  const kept = await request(app, "/admin/secret.txt", {
    headers: { cookie: `berth_session=${fresh}` },
  });
  assert.equal(kept.status, 200);
  assert.equal(kept.headers.get("set-cookie"), null, "a young cookie is left alone");
  const bearerOld = await request(app, "/admin/secret.txt", {
    headers: { authorization: `Bearer ${old}` },
  });
  assert.equal(
    bearerOld.headers.get("set-cookie"),
    null,
    "Bearer tokens are never turned into cookies",
  );
});

Deno.test("login is off (404) when only public keys are configured", async () => {
  const app = await buildAuthApp(
    fixture,
    authSettings(fixture, {
      jwt: { secretFile: undefined, algorithms: ["RS256"] },
    }),
  );
  const page = await request(app, "/_berth/login");
  assert.equal(page.status, 404);
  const post = await request(
    app,
    "/_berth/login",
    jsonLogin({ username: "alice", password: USERS.alice.password }),
  );
  assert.equal(post.status, 404);
  const browser = await request(app, "/admin/page.html", { headers: { accept: "text/html" } });
  assert.equal(browser.status, 401, "no login page to redirect to");
});

Deno.test("a users file alone turns login on with an in-memory key", async () => {
  const app = await buildAuthApp(fixture, {
    access: [{ path: "/admin/*", roles: ["admin"] }],
    auth: { ...DEFAULT_SETTINGS.auth, users: fixture.usersFile },
  });
  const login = await request(
    app,
    "/_berth/login",
    jsonLogin({ username: "alice", password: USERS.alice.password }),
  );
  assert.equal(login.status, 200);
  const admin = await request(app, "/admin/secret.txt", {
    headers: { cookie: cookiePair(login.headers) },
  });
  assert.equal(admin.status, 200);
  const foreign = await request(app, "/admin/secret.txt", {
    headers: { authorization: `Bearer ${await mintHs256()}` },
  });
  assert.equal(foreign.status, 401, "tokens signed with any other key are refused");
});

Deno.test("the login page stays reachable when every path is protected", async () => {
  const app = await buildAuthApp(fixture, {
    ...authSettings(fixture),
    access: [{ path: "/*", authenticated: true }],
  });
  assert.equal((await request(app, "/_berth/login")).status, 200);
  assert.equal((await request(app, "/_berth/health")).status, 200);
  assert.equal((await request(app, "/home.html")).status, 401);
});

Deno.test("audit log lines carry login events and never a secret", async () => {
  const app = await freshApp();
  const login = await request(
    app,
    "/_berth/login",
    jsonLogin({ username: "alice", password: USERS.alice.password }),
  );
  const token = JSON.parse(login.body).token as string;
  const success = logs.audit.find((record) => record.event === "login-success");
  assert.equal(success?.user, "alice");
  assert.equal(success?.address, "127.0.0.1");
  assert.equal(success?.method, "login");
  const everything = logs.raw.join("\n");
  for (const user of Object.values(USERS)) assert.ok(!everything.includes(user.password));
  assert.ok(!everything.includes(token));
  assert.ok(!everything.includes(token.split(".")[2]));
  assert.ok(!everything.includes("Set-Cookie") && !everything.includes("berth_session="));
  await request(
    app,
    "/_berth/login",
    jsonLogin({ username: `eve\n{"event":"login-success"}${"x".repeat(500)}`, password: "x" }),
  );
  const forged = logs.audit.find((record) => String(record.user).startsWith("eve"));
  assert.ok(forged !== undefined);
  assert.doesNotMatch(String(forged.user), /\n/, "control characters are neutralized");
  assert.ok(String(forged.user).length <= 201, "client-supplied fields are clipped");
  for (const record of logs.audit) {
    assert.equal(record.logger, "berth.audit");
    assert.equal(typeof record["@timestamp"], "string");
  }
});

Deno.test("POST /_berth/login (form) keeps the user name and next after a wrong password", async () => {
  const app = await freshApp();
  const hostile = '"><img src=x onerror=alert(1)>';
  for (const name of ["alice", hostile]) {
    const response = await request(
      app,
      "/_berth/login",
      formLogin({ username: name, password: "wrong", next: "/team/doc.html" }),
    );
    assert.equal(response.status, 401);
    assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
    assert.doesNotMatch(response.body, /<img/);
    const kept = response.body.match(/id="username" name="username" value="([^"]*)"/)?.[1];
    assert.equal(kept, name === hostile ? "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" : name);
    assert.match(response.body, /name="next" value="\/team\/doc.html"/);
    assert.match(response.body, /role="alert" aria-live="assertive"/);
  }
});
