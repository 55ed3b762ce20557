import assert from "node:assert/strict";
import { loadAuth } from "../../lib/auth/load_auth.ts";
import { DUMMY_HASH } from "../../lib/auth/passwords.ts";
import { writeUsersFile } from "../../lib/auth/users.ts";
import { ConfigError } from "../../lib/config/errors.ts";
import { DEFAULT_SETTINGS, type Settings } from "../../lib/config/schema.ts";

function settingsWith(overrides: Partial<Settings>): Settings {
  return { ...DEFAULT_SETTINGS, ...overrides } as Settings;
}

Deno.test("loadAuth() returns null when nothing about access control is configured", async () => {
  assert.equal(await loadAuth(DEFAULT_SETTINGS), null);
});

Deno.test("loadAuth() refuses configurations that cannot work, at startup", async () => {
  const table: [Partial<Settings>, RegExp][] = [
    [{ auth: { ...DEFAULT_SETTINGS.auth, basic: true } }, /auth\.basic.*users file/],
    [{ access: [{ path: "/a/*", roles: ["x"] }] }, /no credentials are configured/],
    [{ access: [{ path: "/a/*", authenticated: true }] }, /no credentials are configured/],
    [{ access: [{ path: "/a/(x)", public: true }] }, /groups/],
    [{
      access: [{ path: "/a/*", public: true }],
      auth: {
        ...DEFAULT_SETTINGS.auth,
        jwt: { ...DEFAULT_SETTINGS.auth.jwt, secretEnv: "BERTH_TEST_UNSET_SECRET_4B" },
      },
    }, /BERTH_TEST_UNSET_SECRET_4B/],
  ];
  for (const [overrides, message] of table) {
    await assert.rejects(
      () => loadAuth(settingsWith(overrides), { env: {} }),
      (error: unknown) => error instanceof ConfigError && message.test(error.message),
      JSON.stringify(overrides),
    );
  }
});

Deno.test("loadAuth() turns login off when only a public key is configured", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { exportSPKI, generateKeyPair } = await import("jose");
    const { publicKey } = await generateKeyPair("ES256", { extractable: true });
    const pem = `${dir}/key.pem`;
    await Deno.writeTextFile(pem, await exportSPKI(publicKey));
    const runtime = await loadAuth(settingsWith({
      access: [{ path: "/a/*", authenticated: true }],
      auth: { ...DEFAULT_SETTINGS.auth, jwt: { ...DEFAULT_SETTINGS.auth.jwt, publicKey: pem } },
    }));
    assert.ok(runtime !== null);
    assert.equal(runtime.login, null);
    assert.deepEqual(runtime.methods, ["jwt-public-key"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadAuth() gives Basic and login the users file only when they are on", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const users = `${dir}/users.json`;
    // A hash is not checked at load; DUMMY_HASH keeps the test fast.
    await writeUsersFile(users, [{ name: "ada", passwordHash: DUMMY_HASH, roles: [] }]);
    const secretFile = `${dir}/secret`;
    await Deno.writeTextFile(secretFile, "s".repeat(64));
    const publicKeyOnly = await keyFile(dir);
    // [auth settings, Basic on, login on, ephemeral key, methods]
    const rows: [Partial<Settings["auth"]>, boolean, boolean, boolean, string[]][] = [
      [{ users }, false, true, true, ["session-key-in-memory", "login"]],
      [{ users, basic: true }, true, true, true, ["session-key-in-memory", "login", "basic"]],
      [
        { users, jwt: { ...DEFAULT_SETTINGS.auth.jwt, secretFile, algorithms: ["HS512"] } },
        false,
        true,
        false,
        ["jwt-secret", "login"],
      ],
      [
        { users, basic: true, jwt: { ...DEFAULT_SETTINGS.auth.jwt, publicKey: publicKeyOnly } },
        true,
        false,
        false,
        ["jwt-public-key", "basic"],
      ],
    ];
    for (const [auth, basic, login, ephemeral, methods] of rows) {
      const runtime = await loadAuth(settingsWith({ auth: { ...DEFAULT_SETTINGS.auth, ...auth } }));
      assert.ok(runtime !== null);
      try {
        const label = JSON.stringify(auth);
        assert.equal(runtime.basic !== null, basic, label);
        if (runtime.basic !== null) assert.equal(runtime.basic, runtime.users, label);
        assert.equal(runtime.login !== null, login, label);
        if (runtime.login !== null) {
          assert.equal(runtime.login.users, runtime.users, label);
          assert.equal(runtime.login.sessionTtlSeconds, DEFAULT_SETTINGS.auth.sessionTtlSeconds);
          // What the signer mints, the verifier of the login endpoints accepts.
          const { token } = await runtime.login.signer.sign({ name: "ada", roles: [] }, {
            ttlSeconds: 60,
          });
          assert.equal((await runtime.login.verifier.verify(token)).ok, true, label);
        }
        assert.equal(runtime.ephemeralSecret, ephemeral, label);
        assert.deepEqual(runtime.methods, methods, label);
      } finally {
        runtime.close();
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Writes an ES256 SPKI public key file into `dir`; resolves to its path. */
async function keyFile(dir: string): Promise<string> {
  const { exportSPKI, generateKeyPair } = await import("jose");
  const { publicKey } = await generateKeyPair("ES256", { extractable: true });
  const path = `${dir}/key.pem`;
  await Deno.writeTextFile(path, await exportSPKI(publicKey));
  return path;
}

Deno.test("collectWarnings() warns about passwords over plain HTTP on a public address", async () => {
  const { collectWarnings } = await import("../../lib/config/warnings.ts");
  const auth = { ...DEFAULT_SETTINGS.auth, users: "/srv/users.json" };
  const clear = collectWarnings(settingsWith({ host: "0.0.0.0", auth }));
  assert.ok(clear.some((warning) => /clear text/.test(warning)));
  const local = collectWarnings(settingsWith({ auth }));
  assert.ok(!local.some((warning) => /clear text/.test(warning)));
  const tls = collectWarnings(settingsWith({ host: "0.0.0.0", auth, cert: "c", key: "k" }));
  assert.ok(!tls.some((warning) => /clear text/.test(warning)));
});
