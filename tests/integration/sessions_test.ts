/**
 * Sessions end to end, with berth and `berth user` as subprocesses under
 * scoped permissions: HTTP Basic never lets a TOTP user in on a password,
 * `berth user passwd` / `remove` reach a running server within a second,
 * and a sign-out survives a restart.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { hashPassword } from "../../lib/auth/passwords.ts";
import { processTest, runBerth, startBerth } from "./harness.ts";
import { within } from "../fixtures/wait.ts";

const SECRET = "integration-secret-0123456789abcdef";
const TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/** A temp dir with site/, users.json (alice; carol with TOTP) and berth.json. */
async function createSetup() {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth-sessions-it-" }));
  const root = join(dir, "site");
  await Deno.mkdir(join(root, "admin"), { recursive: true });
  await Deno.writeTextFile(join(root, "admin", "secret.txt"), "top secret");
  const users = [
    { name: "alice", passwordHash: await hashPassword("alice-password"), roles: ["admin"] },
    {
      name: "carol",
      passwordHash: await hashPassword("password"),
      roles: ["admin"],
      totpSecret: TOTP_SECRET,
    },
  ];
  const usersFile = join(dir, "users.json");
  await Deno.writeTextFile(usersFile, JSON.stringify({ users }));
  const config = join(dir, "berth.json");
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      access: [{ path: "/admin/*", roles: ["admin"] }],
      auth: { users: "users.json", basic: true, jwt: { secretEnv: "BERTH_JWT_SECRET" } },
    }),
  );
  // Read and write on the directory: the revocation list is written atomically beside users.json.
  const permissions = [
    "--allow-net=127.0.0.1",
    `--allow-read=${dir}`,
    `--allow-write=${dir}`,
    "--allow-env=BERTH_JWT_SECRET",
  ];
  const start = () =>
    startBerth({
      root,
      args: ["--config", config],
      permissions,
      env: { BERTH_JWT_SECRET: SECRET },
    });
  const cli = (args: string[], stdin?: string) =>
    runBerth(["user", ...args, "--users", usersFile], {
      permissions: [`--allow-read=${dir}`, `--allow-write=${dir}`],
      cwd: dir,
      stdin,
    });
  return { dir, root, usersFile, start, cli };
}

function basic(name: string, password: string): HeadersInit {
  return { authorization: `Basic ${btoa(`${name}:${password}`)}` };
}

async function statusOf(url: URL, headers: HeadersInit = {}): Promise<number> {
  const response = await fetch(url, { headers });
  await response.body?.cancel();
  return response.status;
}

async function signIn(base: string, username: string, password: string) {
  const response = await fetch(new URL("_berth/login", base), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  const body = await response.json();
  return {
    status: response.status,
    token: body.token as string,
    cookie: (response.headers.get("set-cookie") ?? "").split(";")[0],
    body,
  };
}

processTest("berth refuses HTTP Basic for a TOTP user even with the right password", async () => {
  const setup = await createSetup();
  const berth = await setup.start();
  try {
    const secret = new URL("admin/secret.txt", berth.url);
    assert.equal(await statusOf(secret, basic("alice", "alice-password")), 200);
    // `curl -u carol:password`: the password alone must not be enough.
    assert.equal(await statusOf(secret, basic("carol", "password")), 401);
    assert.equal(await statusOf(secret, basic("carol", "wrong")), 401);
    const right = await fetch(secret, { headers: basic("carol", "password") });
    const wrong = await fetch(secret, { headers: basic("carol", "wrong") });
    assert.equal(await right.text(), await wrong.text(), "the same answer as a wrong password");
    // Nor over the JSON login without a code.
    const login = await signIn(berth.url, "carol", "password");
    assert.equal(login.status, 401);
  } finally {
    await berth.stop();
    await Deno.remove(setup.dir, { recursive: true });
  }
});

processTest(
  "berth user passwd and remove end sessions on a running server within a second",
  async () => {
    const setup = await createSetup();
    const berth = await setup.start();
    try {
      const secret = new URL("admin/secret.txt", berth.url);
      const alice = await signIn(berth.url, "alice", "alice-password");
      assert.equal(alice.status, 200);
      const aliceBasic = basic("alice", "alice-password");
      assert.equal(await statusOf(secret, { cookie: alice.cookie }), 200);
      assert.equal(await statusOf(secret, aliceBasic), 200);

      const passwd = await setup.cli(["passwd", "alice"], "a-new-password\n");
      assert.equal(passwd.code, 0, passwd.stderr);
      const took = await within(
        1000,
        async () => await statusOf(secret, { cookie: alice.cookie }) === 401,
      );
      assert.ok(took < 1000, `took ${took} ms`);
      assert.equal(await statusOf(secret, { authorization: `Bearer ${alice.token}` }), 401);
      assert.equal(await statusOf(secret, aliceBasic), 401, "the old password over Basic too");
      assert.equal(await statusOf(secret, basic("alice", "a-new-password")), 200);
      const again = await signIn(berth.url, "alice", "a-new-password");
      assert.equal(again.status, 200);

      const remove = await setup.cli(["remove", "alice"]);
      assert.equal(remove.code, 0, remove.stderr);
      await within(1000, async () => await statusOf(secret, { cookie: again.cookie }) === 401);
      assert.equal(await statusOf(secret, basic("alice", "a-new-password")), 401);
      assert.ok(berth.lines.some((line) => line.includes("users file reloaded")));
    } finally {
      await berth.stop();
      await Deno.remove(setup.dir, { recursive: true });
    }
  },
);

processTest("a signed-out token stays refused after berth restarts", async () => {
  const setup = await createSetup();
  let berth = await setup.start();
  try {
    const secret = new URL("admin/secret.txt", berth.url);
    const alice = await signIn(berth.url, "alice", "alice-password");
    const kept = await signIn(berth.url, "alice", "alice-password");
    const logout = await fetch(new URL("_berth/logout", berth.url), {
      method: "POST",
      headers: { cookie: alice.cookie },
    });
    assert.equal(logout.status, 204);
    await logout.body?.cancel();
    assert.equal(await statusOf(secret, { authorization: `Bearer ${alice.token}` }), 401);
    await berth.stop();

    berth = await setup.start();
    const restarted = new URL("admin/secret.txt", berth.url);
    assert.equal(await statusOf(restarted, { authorization: `Bearer ${alice.token}` }), 401);
    assert.equal(await statusOf(restarted, { authorization: `Bearer ${kept.token}` }), 200);
  } finally {
    await berth.stop();
    await Deno.remove(setup.dir, { recursive: true });
  }
});
