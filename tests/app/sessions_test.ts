/**
 * Sessions that mean what they say, in-process: one answer for every failed
 * sign-in, no way in for a TOTP user on a password alone, sign-out revoking
 * the token (and staying revoked after a restart), and a users-file change
 * reaching a running handler within a second.
 */

import assert from "node:assert/strict";
import { decodeJwt, SignJWT } from "jose";
import { generateTotp } from "../../lib/auth/totp.ts";
import { readUsersFile, writeUsersFile } from "../../lib/auth/users.ts";
import { hashPassword } from "../../lib/auth/passwords.ts";
import { createHandler } from "../../lib/handler.ts";
import {
  authSettings,
  buildAuthApp,
  captureLogs,
  createAuthFixture,
  HS_SECRET,
  request,
  TINA_TOTP_SECRET,
  USERS,
} from "./auth_fixture.ts";
import { within } from "../fixtures/wait.ts";

const logs = await captureLogs();

function jsonLogin(body: Record<string, string>): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  };
}

function formLogin(body: Record<string, string>): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(body).toString(),
  };
}

function basic(name: string, password: string): RequestInit {
  return { headers: { authorization: `Basic ${btoa(`${name}:${password}`)}` } };
}

function cookieOf(headers: Headers): string {
  return (headers.get("set-cookie") ?? "").split(";")[0];
}

/**
 * How long a users-file change may take to be seen here. berth checks the
 * file every 500 ms (and on a watch event), well within the second the issue
 * asks for; the bound leaves room for a loaded `--parallel` run, where this
 * test once took just over a second.
 */
const SEEN_WITHIN_MS = 2500;

Deno.test("POST /_berth/login answers every failure with one status and one body", async () => {
  const fixture = await createAuthFixture();
  try {
    const code = await generateTotp(TINA_TOTP_SECRET);
    const wrongCode = code === "000000" ? "111111" : "000000";
    const tina = USERS.tina.password;
    const failures: [string, Record<string, string>][] = [
      ["unknown user", { username: "nobody", password: "whatever" }],
      ["wrong password", { username: "alice", password: "wrong" }],
      ["right password, no code", { username: "tina", password: tina }],
      ["right password, empty code", { username: "tina", password: tina, totp: "" }],
      ["right password, wrong code", { username: "tina", password: tina, totp: wrongCode }],
      ["wrong password, right code", { username: "tina", password: "wrong", totp: code }],
    ];
    for (const encode of [jsonLogin, formLogin]) {
      // A fresh app per encoding: six failures stay under the throttle's backoff.
      const app = await buildAuthApp(fixture, authSettings(fixture));
      const answers = [];
      for (const [what, fields] of failures) {
        const answer = await request(app, "/_berth/login", {
          ...encode(fields),
          address: `192.0.2.${answers.length + 1}`,
        });
        // The form page fills in the name that was typed; apart from it, one body.
        const body = answer.body.replace(`value="${fields.username}"`, 'value=""');
        answers.push({ what, status: answer.status, body });
      }
      for (const answer of answers) {
        assert.equal(answer.status, 401, answer.what);
        assert.equal(answer.body, answers[0].body, `${answer.what} answers like an unknown user`);
      }
      assert.match(answers[0].body, /Wrong user name, password or one-time code/);
    }
    const reasons = logs.audit.filter((record) => record.event === "login-failure")
      .map((record) => record.reason);
    for (const reason of ["bad-credentials", "totp-required", "totp-invalid"]) {
      assert.ok(reasons.includes(reason), `the audit log still says ${reason}`);
    }
  } finally {
    await fixture.cleanup();
  }
});

Deno.test("authenticate() refuses HTTP Basic for a TOTP user like a wrong password", async () => {
  const fixture = await createAuthFixture();
  try {
    const app = await buildAuthApp(fixture, authSettings(fixture, { auth: { basic: true } }));
    const right = await request(app, "/admin/secret.txt", basic("tina", USERS.tina.password));
    const wrong = await request(app, "/admin/secret.txt", basic("tina", "wrong"));
    assert.equal(right.status, 401);
    assert.equal(right.body, wrong.body);
    assert.equal(right.headers.get("www-authenticate"), wrong.headers.get("www-authenticate"));
    assert.ok(
      logs.audit.some((record) =>
        record.event === "login-failure" && record.user === "tina" &&
        record.reason === "basic-refused-totp-user"
      ),
    );
    // Users without TOTP still get in over Basic.
    const alice = await request(app, "/admin/secret.txt", basic("alice", USERS.alice.password));
    assert.equal(alice.status, 200);
    // And the TOTP user gets in with the code, through the login page only.
    const login = await request(app, "/_berth/login", {
      ...jsonLogin({
        username: "tina",
        password: USERS.tina.password,
        totp: await generateTotp(TINA_TOTP_SECRET),
      }),
    });
    assert.equal(login.status, 200);
  } finally {
    await fixture.cleanup();
  }
});

Deno.test("POST /_berth/logout revokes the token, also after a restart", async () => {
  const fixture = await createAuthFixture();
  try {
    const settings = authSettings(fixture);
    const app = await buildAuthApp(fixture, settings);
    const login = await request(
      app,
      "/_berth/login",
      jsonLogin({ username: "alice", password: USERS.alice.password }),
    );
    const { token } = JSON.parse(login.body);
    const cookie = cookieOf(login.headers);
    const other = await request(
      app,
      "/_berth/login",
      jsonLogin({ username: "alice", password: USERS.alice.password }),
    );
    const otherToken = JSON.parse(other.body).token;
    assert.equal((await request(app, "/admin/secret.txt", { headers: { cookie } })).status, 200);
    const logout = await request(app, "/_berth/logout", { method: "POST", headers: { cookie } });
    assert.equal(logout.status, 204);
    const presented: Record<string, string>[] = [{ cookie }, { authorization: `Bearer ${token}` }];
    for (const headers of presented) {
      const after = await request(app, "/admin/secret.txt", { headers });
      assert.equal(after.status, 401, "the signed-out token no longer works");
      assert.match(after.headers.get("www-authenticate") ?? "", /invalid_token/);
    }
    assert.ok(logs.audit.some((record) => record.reason === "session-revoked"));
    const page = await request(app, "/_berth/login", { headers: { cookie } });
    assert.doesNotMatch(page.body, /Signed in as/);
    // Another session of the same user is left alone.
    const second = await request(app, "/admin/secret.txt", {
      headers: { authorization: `Bearer ${otherToken}` },
    });
    assert.equal(second.status, 200);
    // A Bearer token can sign itself out too.
    await request(app, "/_berth/logout", {
      method: "POST",
      headers: { authorization: `Bearer ${otherToken}` },
    });
    // With a configured secret the list is on disk: a restarted berth still refuses both.
    const file = JSON.parse(await Deno.readTextFile(`${fixture.usersFile}.revoked.json`));
    assert.equal(file.tokens.length, 2);
    const restarted = await buildAuthApp(fixture, settings);
    for (const value of [token, otherToken]) {
      const after = await request(restarted, "/admin/secret.txt", {
        headers: { authorization: `Bearer ${value}` },
      });
      assert.equal(after.status, 401);
    }
  } finally {
    await fixture.cleanup();
  }
});

Deno.test("createHandler() picks up users-file changes within a second and ends old sessions", async () => {
  const fixture = await createAuthFixture();
  const settings = authSettings(fixture, { auth: { basic: true } });
  const berth = await createHandler({ settings: { ...settings, root: fixture.root } });
  const send = async (path: string, init: RequestInit = {}) => {
    const response = await berth(new Request(`http://127.0.0.1:8000${path}`, init));
    return { status: response.status, headers: response.headers, body: await response.text() };
  };
  try {
    const login = await send(
      "/_berth/login",
      jsonLogin({ username: "alice", password: USERS.alice.password }),
    );
    const alice = { headers: { cookie: cookieOf(login.headers) } };
    const bob = basic("bob", USERS.bob.password);
    assert.equal((await send("/admin/secret.txt", alice)).status, 200);
    assert.equal((await send("/team/doc.html", bob)).status, 200, "bob's Basic is now cached");

    // Roles follow the file: alice loses admin, her session stays but is forbidden.
    let users = await readUsersFile(fixture.usersFile);
    users.find((user) => user.name === "alice")!.roles = ["dev"];
    await writeUsersFile(fixture.usersFile, users);
    await within(
      SEEN_WITHIN_MS,
      async () => (await send("/admin/secret.txt", alice)).status === 403,
    );
    assert.equal((await send("/team/doc.html", alice)).status, 200);

    // A new password (berth user passwd) ends the session at once.
    users = await readUsersFile(fixture.usersFile);
    users.find((user) => user.name === "alice")!.passwordHash = await hashPassword("new-pw-1");
    await writeUsersFile(fixture.usersFile, users);
    await within(
      SEEN_WITHIN_MS,
      async () => (await send("/team/doc.html", alice)).status === 401,
    );
    const relogin = await send(
      "/_berth/login",
      jsonLogin({ username: "alice", password: "new-pw-1" }),
    );
    assert.equal(relogin.status, 200, "the new password works without a restart");

    // A removed user (berth user remove) is out, cached Basic success or not.
    users = await readUsersFile(fixture.usersFile);
    await writeUsersFile(fixture.usersFile, users.filter((user) => user.name !== "bob"));
    await within(SEEN_WITHIN_MS, async () => (await send("/team/doc.html", bob)).status === 401);

    // A broken file keeps the previous users and is reported once.
    const errorsBefore = logs.raw.filter((line) => line.includes('"level":"ERROR"')).length;
    await Deno.writeTextFile(fixture.usersFile, '{"users": [{"name": "x"}]}');
    await new Promise((done) => setTimeout(done, 1200));
    const errors = logs.raw.filter((line) => line.includes('"level":"ERROR"')).slice(errorsBefore);
    assert.equal(errors.length, 1, errors.join("\n"));
    assert.match(errors[0], /users file.*users\[0\]/);
    assert.match(errors[0], /keeping the previous 2 user/);
    const still = await send(
      "/_berth/login",
      jsonLogin({ username: "alice", password: "new-pw-1" }),
    );
    assert.equal(still.status, 200);
  } finally {
    berth.close();
    await fixture.cleanup();
  }
});

Deno.test("a renewed session keeps its jti, so signing out ends the tokens before the renewal", async () => {
  const fixture = await createAuthFixture();
  try {
    const app = await buildAuthApp(fixture, authSettings(fixture));
    const login = await request(
      app,
      "/_berth/login",
      jsonLogin({ username: "alice", password: USERS.alice.password }),
    );
    const { token } = JSON.parse(login.body);
    const claims = decodeJwt(token);
    // The same session half an hour into its life: re-signed as berth would have.
    const now = Math.floor(Date.now() / 1000);
    const old = await new SignJWT({ ...claims, iat: now - 3000, exp: now + 600 })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .sign(new TextEncoder().encode(HS_SECRET));
    const cookieName = cookieOf(login.headers).split("=")[0];
    const renewed = await request(app, "/admin/secret.txt", {
      headers: { cookie: `${cookieName}=${old}` },
    });
    assert.equal(renewed.status, 200);
    const fresh = cookieOf(renewed.headers);
    assert.ok(fresh.startsWith(`${cookieName}=`), "past half its life the cookie is renewed");
    const freshClaims = decodeJwt(fresh.slice(cookieName.length + 1));
    assert.equal(freshClaims.jti, claims.jti, "the renewal keeps the session's jti");
    assert.ok((freshClaims.iat ?? 0) >= now);
    // Signing out with the old cookie ends the renewed one as well.
    const logout = await request(app, "/_berth/logout", {
      method: "POST",
      headers: { cookie: `${cookieName}=${old}` },
    });
    assert.equal(logout.status, 204);
    for (const cookie of [fresh, `${cookieName}=${old}`, `${cookieName}=${token}`]) {
      assert.equal((await request(app, "/admin/secret.txt", { headers: { cookie } })).status, 401);
    }
  } finally {
    await fixture.cleanup();
  }
});
