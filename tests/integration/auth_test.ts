/**
 * Access control end to end: berth runs as a subprocess with a config file,
 * a users file and the JWT secret in an environment variable, under exactly
 * the permissions the README lists; the tests sign in over HTTP, probe
 * encoded-path bypasses over raw TCP and read the audit log file.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { hashPassword } from "../../lib/auth/passwords.ts";
import { processTest, rawRequest, rawStatus, runBerth, startBerth } from "./harness.ts";

const SECRET = "integration-secret-0123456789abcdef";
const PASSWORD = "correct horse battery";

/** A temp dir with site/, users.json, berth.json; the audit log goes to audit.log. */
async function createSetup(extraConfig: Record<string, unknown> = {}) {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth-auth-it-" }));
  const root = join(dir, "site");
  await Deno.mkdir(join(root, "admin"), { recursive: true });
  await Deno.writeTextFile(join(root, "index.html"), "<h1>home</h1>");
  await Deno.writeTextFile(join(root, "admin", "secret.txt"), "top secret");
  const users = [{ name: "alice", passwordHash: await hashPassword(PASSWORD), roles: ["admin"] }];
  await Deno.writeTextFile(join(dir, "users.json"), JSON.stringify({ users }));
  const config = join(dir, "berth.json");
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      access: [{ path: "/admin/*", roles: ["admin"] }],
      auth: { users: "users.json", jwt: { secretEnv: "BERTH_JWT_SECRET" } },
      ...extraConfig,
    }),
  );
  const audit = join(dir, "audit.log");
  const permissions = [
    "--allow-net=127.0.0.1",
    `--allow-read=${dir}`,
    "--allow-env=BERTH_JWT_SECRET",
    `--allow-write=${audit}`,
  ];
  return { dir, root, config, audit, permissions };
}

processTest("berth names the --allow-env and --allow-write flags it is missing", async () => {
  const setup = await createSetup();
  try {
    const noEnv = await runBerth(
      [setup.root, "--config", setup.config, "--audit-log", setup.audit, "--port", "0"],
      {
        permissions: [
          "--allow-net=127.0.0.1",
          `--allow-read=${setup.dir}`,
          `--allow-write=${setup.audit}`,
        ],
      },
    );
    assert.equal(noEnv.code, 4);
    assert.match(noEnv.stderr, /--allow-env=BERTH_JWT_SECRET/);
    const noWrite = await runBerth(
      [setup.root, "--config", setup.config, "--audit-log", setup.audit, "--port", "0"],
      {
        permissions: [
          "--allow-net=127.0.0.1",
          `--allow-read=${setup.dir}`,
          "--allow-env=BERTH_JWT_SECRET",
        ],
      },
    );
    assert.equal(noWrite.code, 4);
    assert.ok(noWrite.stderr.includes(`--allow-write=${setup.audit}`), noWrite.stderr);
    const noSecret = await runBerth(
      [setup.root, "--config", setup.config, "--port", "0"],
      { permissions: setup.permissions },
    );
    assert.equal(noSecret.code, 2, "an unset secret variable is a configuration error");
    assert.match(noSecret.stderr, /BERTH_JWT_SECRET/);
  } finally {
    await Deno.remove(setup.dir, { recursive: true });
  }
});

processTest("berth signs in, serves protected files, signs out and audits it", async () => {
  const setup = await createSetup();
  const berth = await startBerth({
    root: setup.root,
    args: ["--config", setup.config, "--audit-log", setup.audit],
    permissions: setup.permissions,
    env: { BERTH_JWT_SECRET: SECRET },
  });
  try {
    const anonymous = await fetch(new URL("admin/secret.txt", berth.url));
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers.get("www-authenticate"), 'Bearer realm="berth"');
    await anonymous.body?.cancel();

    const wrong = await fetch(new URL("_berth/login", berth.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "alice", password: "wrong" }),
    });
    assert.equal(wrong.status, 401);
    assert.equal((await wrong.json()).error.status, 401);

    const login = await fetch(new URL("_berth/login", berth.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "alice", password: PASSWORD }),
    });
    assert.equal(login.status, 200);
    const { token, expiresAt } = await login.json();
    assert.equal(typeof token, "string");
    assert.equal(typeof expiresAt, "number");
    const setCookie = login.headers.get("set-cookie") ?? "";
    assert.match(setCookie, /; HttpOnly; SameSite=Strict$/);
    const cookie = setCookie.split(";")[0];

    const secret = await fetch(new URL("admin/secret.txt", berth.url), { headers: { cookie } });
    assert.equal(secret.status, 200);
    assert.equal(await secret.text(), "top secret");
    assert.equal(secret.headers.get("cache-control"), "private, no-cache");

    // Raw TCP: paths fetch would normalize before sending.
    for (
      const path of [
        "/ADMIN/secret.txt",
        "/%61dmin/secret.txt",
        "//admin/secret.txt",
        "/x/../admin/secret.txt",
        "/%2e%2e/admin/secret.txt",
      ]
    ) {
      const raw = await rawRequest(
        berth.url,
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
      );
      assert.equal(rawStatus(raw), 401, path);
      assert.ok(!raw.includes("top secret"), path);
    }
    const query = await fetch(new URL(`admin/secret.txt?access_token=${token}`, berth.url));
    assert.equal(query.status, 401);
    await query.body?.cancel();

    const logout = await fetch(new URL("_berth/logout", berth.url), {
      method: "POST",
      headers: { cookie },
    });
    assert.equal(logout.status, 204);
    assert.match(logout.headers.get("set-cookie") ?? "", /Max-Age=0/);
    await logout.body?.cancel();
  } finally {
    const status = await berth.stop();
    assert.equal(status.code, 0);
  }
  try {
    const lines = (await Deno.readTextFile(setup.audit)).trim().split("\n");
    const events = lines.map((line) => JSON.parse(line));
    const names = events.map((event) => event.event);
    for (
      const name of [
        "startup",
        "login-failure",
        "login-success",
        "access-denied",
        "logout",
        "shutdown",
      ]
    ) {
      assert.ok(names.includes(name), `${name} in ${names.join(",")}`);
    }
    const startup = events.find((event) => event.event === "startup");
    assert.deepEqual(startup.authMethods, ["jwt-secret", "login"]);
    assert.equal(startup.accessRules, 1);
    const text = lines.join("\n");
    assert.ok(!text.includes(SECRET) && !text.includes(PASSWORD) && !text.includes("eyJ"));
  } finally {
    await Deno.remove(setup.dir, { recursive: true });
  }
});

processTest(
  "berth rate-limits per client with Retry-After and trusts proxies only when told",
  async () => {
    const setup = await createSetup({ rateLimit: { requestsPerSecond: 1, burst: 2 } });
    const berth = await startBerth({
      root: setup.root,
      args: ["--config", setup.config, "--audit-log", setup.audit, "--trust-proxy"],
      permissions: setup.permissions,
      env: { BERTH_JWT_SECRET: SECRET },
    });
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 4; i++) {
        const response = await fetch(new URL("index.html", berth.url), {
          headers: { "x-forwarded-for": "203.0.113.5" },
        });
        statuses.push(response.status);
        retryAfter ??= response.headers.get("retry-after");
        await response.body?.cancel();
      }
      assert.deepEqual(statuses.slice(0, 2), [200, 200]);
      assert.equal(statuses[3], 429);
      assert.ok(Number(retryAfter) >= 1);
      const other = await fetch(new URL("index.html", berth.url), {
        headers: { "x-forwarded-for": "203.0.113.6" },
      });
      assert.equal(other.status, 200, "another client behind the proxy has its own bucket");
      await other.body?.cancel();
    } finally {
      await berth.stop();
    }
    try {
      const events = (await Deno.readTextFile(setup.audit)).trim().split("\n").map((l) =>
        JSON.parse(l)
      );
      const limited = events.find((event) => event.event === "rate-limited");
      assert.equal(limited?.address, "203.0.113.5");
    } finally {
      await Deno.remove(setup.dir, { recursive: true });
    }
  },
);
