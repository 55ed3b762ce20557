/**
 * The session revocation list: entries live until their token's expiry, the
 * capacity policy never brings a revoked token back, the file is merged (not
 * overwritten) by concurrent writers, and a broken file is refused.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadRevocationList } from "../../lib/auth/revocations.ts";
import { ConfigError } from "../../lib/config/errors.ts";

Deno.test("loadRevocationList() keeps an entry until its token expires", async () => {
  let clock = 1_000_000_000;
  const list = await loadRevocationList({ now: () => clock });
  assert.equal(list.path, null);
  assert.equal(await list.revoke({ tokenId: "a", expiresAt: 1_000_060, issuedAt: 999_990 }), true);
  assert.equal(list.isRevoked("a", 999_990), true);
  assert.equal(list.isRevoked("b", 999_990), false);
  assert.equal(list.isRevoked(null, 999_990), false);
  clock = 1_000_061_000;
  assert.equal(list.isRevoked("a", 999_990), false, "an expired token needs no entry");
  await list.revoke({ tokenId: "c", expiresAt: 1_000_100, issuedAt: 1_000_000 });
  assert.equal(list.size, 1, "expired entries are dropped");
});

Deno.test("loadRevocationList() past its capacity refuses every older session instead of forgetting one", async () => {
  const list = await loadRevocationList({ maxEntries: 3, now: () => 0 });
  for (const [id, issuedAt] of [["t1", 10], ["t2", 20], ["t3", 30], ["t4", 40]] as const) {
    await list.revoke({ tokenId: id, expiresAt: 1000, issuedAt });
  }
  assert.equal(list.size, 3);
  for (const id of ["t1", "t2", "t3", "t4"]) {
    assert.equal(list.isRevoked(id, Number(id.slice(1)) * 10), true, `${id} stays revoked`);
  }
  assert.equal(list.isRevoked("never-revoked", 5), true, "sessions issued before the cut end");
  assert.equal(list.isRevoked("never-revoked", 50), false, "later sessions are untouched");
});

Deno.test("loadRevocationList() persists beside the users file and merges with other writers", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const usersPath = join(dir, "users.json");
    const exp = Math.floor(Date.now() / 1000) + 600;
    const first = await loadRevocationList({ usersPath });
    const second = await loadRevocationList({ usersPath });
    assert.equal(first.path, `${usersPath}.revoked.json`);
    await Promise.all([
      first.revoke({ tokenId: "from-first", expiresAt: exp, issuedAt: exp - 700 }),
      first.revoke({ tokenId: "also-first", expiresAt: exp, issuedAt: exp - 700 }),
      second.revoke({ tokenId: "from-second", expiresAt: exp, issuedAt: exp - 700 }),
    ]);
    const restarted = await loadRevocationList({ usersPath });
    for (const id of ["from-first", "also-first", "from-second"]) {
      assert.equal(restarted.isRevoked(id, exp - 700), true, id);
    }
    // Each writer merged the file before writing, and reload() merges what came after.
    await first.reload();
    await second.reload();
    for (const list of [first, second]) {
      assert.equal(list.isRevoked("from-second", exp - 700), true);
      assert.equal(list.isRevoked("also-first", exp - 700), true);
    }
    if (Deno.build.os !== "windows") {
      assert.equal((await Deno.stat(first.path!)).mode! & 0o777, 0o600);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadRevocationList() refuses a file that is not a revocation list", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const usersPath = join(dir, "users.json");
    const cases = [
      "not json",
      "[]",
      '{"tokens": []}',
      '{"revokedBefore": 0, "tokens": {}}',
      '{"revokedBefore": 0, "tokens": [{"jti": "a", "exp": "soon", "iat": 1}]}',
      '{"revokedBefore": 0, "tokens": [{"jti": "", "exp": 1, "iat": 1}]}',
    ];
    for (const text of cases) {
      await Deno.writeTextFile(`${usersPath}.revoked.json`, text);
      await assert.rejects(
        () => loadRevocationList({ usersPath }),
        (error) => error instanceof ConfigError && /revocation list/.test(error.message),
        text,
      );
    }
    // A broken file met on reload is reported, and what was held is kept.
    await Deno.writeTextFile(`${usersPath}.revoked.json`, '{"revokedBefore": 0, "tokens": []}');
    const problems: string[] = [];
    const list = await loadRevocationList({ usersPath, onError: (line) => problems.push(line) });
    await list.revoke({ tokenId: "kept", expiresAt: Date.now() / 1000 + 60, issuedAt: 1 });
    await Deno.writeTextFile(`${usersPath}.revoked.json`, "garbage");
    await list.reload();
    assert.equal(problems.length, 1);
    assert.equal(list.isRevoked("kept", 1), true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
