/**
 * The users file: validation messages, atomic writes, and the user store's
 * unknown-user path (it must spend a password check on the dummy hash).
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

Deno.test("createUserStore() verifies unknown users against DUMMY_HASH so timing matches", async () => {
  const calls: [string, string][] = [];
  const store = createUserStore([{ name: "alice", passwordHash: HASH, roles: [] }], {
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
  await store.authenticate("alice", "guess");
  assert.deepEqual(calls[1], ["guess", HASH]);
  await store.authenticate(undefined as unknown as string, undefined as unknown as string);
  assert.deepEqual(calls[2], ["", DUMMY_HASH]);
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
