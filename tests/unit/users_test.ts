/**
 * The users file: validation messages, atomic writes, and the user store:
 * unknown names cost what the slowest hash costs, every answer is held to
 * that time, and replace() swaps users and session versions.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DUMMY_HASH, hashPassword } from "../../lib/auth/passwords.ts";
import {
  createUserStore,
  parseUsersFile,
  readUsersFile,
  type UserRecord,
  writeUsersFile,
} from "../../lib/auth/users.ts";
import { ConfigError } from "../../lib/config/errors.ts";
import { bcrypt as bcryptHash } from "hash-wasm";

const HASH = await hashPassword("s3cret");
const BCRYPT = "$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";

function userJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: "alice", passwordHash: HASH, roles: ["admin"], ...overrides };
}

Deno.test("parseUsersFile() accepts argon2id and bcrypt users with optional TOTP", () => {
  const users = parseUsersFile(
    JSON.stringify({
      users: [
        userJson(),
        userJson({
          name: "bob.smith@example.com",
          passwordHash: BCRYPT,
          roles: [],
          totpSecret: "JBSWY3DPEHPK3PXP",
        }),
      ],
    }),
    "users.json",
  );
  assert.equal(users.length, 2);
  assert.deepEqual(users[1].roles, []);
  assert.equal(users[1].totpSecret, "JBSWY3DPEHPK3PXP");
});

Deno.test("parseUsersFile() names the file, the field and the problem", () => {
  const cases: [unknown, RegExp][] = [
    [[], /the top level must be an object with "users"/],
    [{}, /"users" is missing/],
    [null, /the top level must be an object/],
    [{ users: {} }, /"users" must be a list of users/],
    [{ users: [userJson(), userJson()] }, /"users\[1\]\.name" "alice" is a duplicate/],
    [{ users: [userJson({ name: "a:b" })] }, /"users\[0\]\.name" must be 1-64 letters/],
    [{ users: [userJson({ name: "" })] }, /"users\[0\]\.name"/],
    [{ users: [userJson({ name: "x".repeat(65) })] }, /"users\[0\]\.name"/],
    [{ users: [userJson({ name: 7 })] }, /"users\[0\]\.name" must be a string/],
    [
      { users: [userJson({ passwordHash: "hunter2" })] },
      /"users\[0\]\.passwordHash" must be an argon2id PHC string or a bcrypt/,
    ],
    [{ users: [userJson({ passwordHash: "$apr1$abc$def" })] }, /passwordHash/],
    [{ users: [userJson({ roles: "admin" })] }, /"users\[0\]\.roles" must be a list of role names/],
    [{ users: [userJson({ roles: ["ad min"] })] }, /"users\[0\]\.roles\[0\]"/],
    [
      { users: [userJson({ totpSecret: "abc" })] },
      /"users\[0\]\.totpSecret" must be a base32 secret/,
    ],
    [{ users: [userJson({ password: "plain" })] }, /"users\[0\]\.password" is not a known field/],
    [{ users: [userJson()], extra: 1 }, /"extra" is not a known field/],
    [{ users: ["alice"] }, /"users\[0\]" must be a user object/],
  ];
  for (const [json, pattern] of cases) {
    assert.throws(
      () => parseUsersFile(JSON.stringify(json), "/srv/users.json"),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError, String(error));
        assert.match(error.message, /^Invalid users file "\/srv\/users\.json": /);
        assert.match(error.message, pattern);
        assert.ok(!error.message.includes(HASH), "no hash in messages");
        return true;
      },
      JSON.stringify(json).slice(0, 80),
    );
  }
  assert.throws(() => parseUsersFile("{nope", "u.json"), /not valid JSON \(line 1 column 2\)/);
  assert.throws(
    () => parseUsersFile(`{"users":[{"passwordHash":"${HASH}" x}]}`, "u.json"),
    (error: unknown) => error instanceof ConfigError && !error.message.includes("argon2id"),
  );
  assert.throws(() => parseUsersFile("", "u.json"), /not valid JSON/);
});

Deno.test("readUsersFile() says when the file is missing or a directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      () => readUsersFile(join(dir, "none.json")),
      /Cannot read the users file .*does not exist/,
    );
    await assert.rejects(() => readUsersFile(dir), /is a directory/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeUsersFile() writes atomically with mode 0600 and leaves no temp file", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "users.json");
  try {
    const users: UserRecord[] = [{ name: "alice", passwordHash: HASH, roles: ["admin"] }];
    await writeUsersFile(path, users);
    await writeUsersFile(path, [...users, {
      name: "bob",
      passwordHash: BCRYPT,
      roles: [],
      totpSecret: "JBSWY3DPEHPK3PXP",
    }]);
    const names = [];
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
    assert.deepEqual(names, ["users.json"]);
    if (Deno.build.os !== "windows") assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    const read = await readUsersFile(path);
    assert.deepEqual(read.map((user) => user.name), ["alice", "bob"]);
    assert.equal(read[1].totpSecret, "JBSWY3DPEHPK3PXP");
    assert.equal(Object.hasOwn(read[0], "totpSecret"), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeUsersFile() refuses invalid users and keeps the old file", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "users.json");
  try {
    await writeUsersFile(path, [{ name: "alice", passwordHash: HASH, roles: [] }]);
    const before = await Deno.readTextFile(path);
    await assert.rejects(
      () =>
        writeUsersFile(path, [{ name: "alice", passwordHash: HASH, roles: [] }, {
          name: "alice",
          passwordHash: HASH,
          roles: [],
        }]),
      /duplicate/,
    );
    await assert.rejects(
      () => writeUsersFile(join(dir, "missing", "users.json"), []),
      /Cannot write the users file/,
    );
    assert.equal(await Deno.readTextFile(path), before);
    const names = [];
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
    assert.deepEqual(names, ["users.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("createUserStore() authenticates known users and tells wrong passwords apart internally", async () => {
  const store = createUserStore([
    { name: "alice", passwordHash: HASH, roles: ["admin"] },
    { name: "bob", passwordHash: BCRYPT, roles: [] },
  ]);
  const ok = await store.authenticate("alice", "s3cret");
  assert.equal(ok.ok, true);
  if (ok.ok) assert.deepEqual(ok.user.roles, ["admin"]);
  assert.deepEqual(await store.authenticate("alice", "wrong"), {
    ok: false,
    reason: "wrong-password",
  });
  assert.equal((await store.authenticate("bob", "U*U")).ok, true, "bcrypt user");
  assert.deepEqual(await store.authenticate("mallory", "s3cret"), {
    ok: false,
    reason: "unknown-user",
  });
  assert.deepEqual(await store.authenticate("ALICE", "s3cret"), {
    ok: false,
    reason: "unknown-user",
  });
  assert.equal(store.get("alice")?.name, "alice");
  assert.equal(store.get("__proto__"), undefined);
  assert.equal(store.get("mallory"), undefined);
});

Deno.test("createUserStore() checks unknown users against DUMMY_HASH when the file is empty", async () => {
  const calls: [string, string][] = [];
  const store = createUserStore([], {
    verify: (password, hash) => {
      calls.push([password, hash]);
      return Promise.resolve(false);
    },
  });
  assert.deepEqual(await store.authenticate("nobody", "guess"), {
    ok: false,
    reason: "unknown-user",
  });
  assert.deepEqual(calls, [["guess", DUMMY_HASH]]);
  await store.authenticate(undefined as unknown as string, undefined as unknown as string);
  assert.deepEqual(calls[1], ["", DUMMY_HASH]);
});

/** bcrypt hashes of a given cost (their digests need not match any password). */
const BCRYPT_05 = "$2y$05$abcdefghijklmnopqrstuu" + "A".repeat(31);
const BCRYPT_10 = "$2y$10$abcdefghijklmnopqrstuu" + "B".repeat(31);
const BCRYPT_11 = "$2y$11$abcdefghijklmnopqrstuu" + "C".repeat(31);

Deno.test("createUserStore() makes unknown users cost what the slowest hash kind costs", async () => {
  // Each row: the fake cost of each hash (ms); the dummy unknown names must be checked against.
  const rows: { name: string; costs: Record<string, number>; dummy: string }[] = [
    {
      name: "bcrypt slower than argon2id",
      costs: { [HASH]: 40, [BCRYPT_05]: 2, [BCRYPT_10]: 60 },
      dummy: BCRYPT_10,
    },
    {
      name: "argon2id slower than bcrypt",
      costs: { [HASH]: 40, [BCRYPT_05]: 2, [BCRYPT_10]: 20 },
      dummy: HASH,
    },
  ];
  for (const row of rows) {
    let clock = 0;
    const checked: string[] = [];
    const store = createUserStore([
      { name: "alice", passwordHash: HASH, roles: [] },
      { name: "bob", passwordHash: BCRYPT_05, roles: [] },
      { name: "carol", passwordHash: BCRYPT_10, roles: [] },
    ], {
      now: () => clock,
      verify: (_password, hash) => {
        checked.push(hash);
        clock += row.costs[hash];
        return Promise.resolve(false);
      },
    });
    await store.authenticate("nobody", "guess");
    // Calibration timed only the heaviest hash of each kind (twice each), never bob's.
    assert.ok(!checked.slice(0, -1).includes(BCRYPT_05), row.name);
    assert.equal(checked.at(-1), row.dummy, row.name);
  }
});

Deno.test("createUserStore() holds every answer to the slowest hash's time", async () => {
  let clock = 0;
  const costs: Record<string, number> = { [HASH]: 60, [BCRYPT_05]: 1 };
  const store = createUserStore([
    { name: "alice", passwordHash: HASH, roles: [] },
    { name: "bob", passwordHash: BCRYPT_05, roles: [] },
  ], {
    now: () => clock,
    verify: (_password, hash) => {
      clock += costs[hash];
      return Promise.resolve(false);
    },
  });
  await store.authenticate("warm-up", "x");
  // bob's hash takes 1 fake ms; the rest of the 60 ms floor is waited for real.
  const started = performance.now();
  assert.deepEqual(await store.authenticate("bob", "x"), { ok: false, reason: "wrong-password" });
  assert.ok(performance.now() - started >= 50, "a fast hash is held to the floor");
});

Deno.test("createUserStore() with real hashes answers bcrypt and unknown names no faster than argon2id", async () => {
  const bobHash = await bcryptHash({
    password: "bob-password",
    salt: crypto.getRandomValues(new Uint8Array(16)),
    costFactor: 5,
    outputType: "encoded",
  });
  const store = createUserStore([
    { name: "alice", passwordHash: HASH, roles: [] },
    { name: "bob", passwordHash: bobHash, roles: [] },
  ]);
  const median = async (name: string) => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      await store.authenticate(name, "wrong");
      times.push(performance.now() - started);
    }
    return times.sort((a, b) => a - b)[2];
  };
  await median("warm-up");
  const argon = await median("alice");
  const bcrypt = await median("bob");
  const unknown = await median("nobody");
  // Only a lower bound: under a loaded parallel run any answer can be slow,
  // but a fast answer is what would reveal a name.
  for (const [what, ms] of [["bcrypt user", bcrypt], ["unknown user", unknown]] as const) {
    assert.ok(
      ms >= argon * 0.5,
      `${what} took ${ms.toFixed(1)} ms, argon2id user ${argon.toFixed(1)} ms`,
    );
  }
});

Deno.test("createUserStore() replace() swaps users, bumps the generation and the session version", () => {
  const store = createUserStore([
    { name: "alice", passwordHash: HASH, roles: ["admin"] },
    { name: "bob", passwordHash: BCRYPT_05, roles: [] },
  ]);
  const alice = store.sessionVersion("alice");
  assert.match(alice ?? "", /^[A-Za-z0-9_-]{22}$/);
  assert.equal(store.sessionVersion("alice"), alice, "stable while unchanged");
  assert.notEqual(store.sessionVersion("bob"), alice);
  assert.equal(store.sessionVersion("nobody"), undefined);
  assert.equal(store.generation, 0);
  store.replace([
    { name: "alice", passwordHash: BCRYPT_11, roles: ["admin"] },
    { name: "carol", passwordHash: BCRYPT_10, roles: ["dev"] },
  ]);
  assert.equal(store.generation, 1);
  assert.equal(store.size, 2);
  assert.equal(store.get("bob"), undefined);
  assert.deepEqual(store.get("carol")?.roles, ["dev"]);
  assert.notEqual(store.sessionVersion("alice"), alice, "a new password changes it");
  const withoutTotp = store.sessionVersion("alice");
  store.replace([
    { name: "alice", passwordHash: BCRYPT_11, roles: [], totpSecret: "JBSWY3DPEHPK3PXP" },
  ]);
  assert.notEqual(store.sessionVersion("alice"), withoutTotp, "adding TOTP changes it");
});

Deno.test("parseUsersFile() answers generated corruptions with a ConfigError or a valid list", () => {
  const text = JSON.stringify({
    users: [
      userJson(),
      userJson({ name: "bob", passwordHash: BCRYPT, roles: [], totpSecret: "JBSWY3DPEHPK3PXP" }),
    ],
  });
  let state = 7;
  const random = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  const noise = '{}[]",:0a\\\u0000é$';
  for (let i = 0; i < 500; i++) {
    const chars = [...text];
    const at = Math.floor(random() * chars.length);
    const char = noise[Math.floor(random() * noise.length)];
    if (random() < 0.5) chars[at] = char;
    else chars.splice(at, 1);
    const corrupted = chars.join("");
    try {
      const users = parseUsersFile(corrupted, "u.json");
      for (const user of users) {
        assert.equal(typeof user.name, "string");
        assert.ok(Array.isArray(user.roles));
      }
    } catch (error) {
      assert.ok(error instanceof ConfigError, `${corrupted}: ${error}`);
      assert.ok(!error.message.includes("\n"), error.message);
    }
  }
});
