import assert from "node:assert/strict";
import { loadAuth } from "../../lib/auth/load_auth.ts";
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
    assert.equal(runtime.login, false);
    assert.equal(runtime.signer, null);
    assert.deepEqual(runtime.methods, ["jwt-public-key"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

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
