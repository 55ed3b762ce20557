/**
 * `berth user add|remove|list` and `berth hash-password` as a subprocess with
 * only `--allow-read=DIR --allow-write=DIR`: passwords come from stdin, never
 * argv, the users file is written atomically, and concurrent runs take turns
 * under its lock.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { verifyPassword } from "../../lib/auth/passwords.ts";
import { generateTotp, verifyTotp } from "../../lib/auth/totp.ts";
import { createUserStore, readUsersFile } from "../../lib/auth/users.ts";
import { MAIN_PATH, processTest, runBerth } from "./harness.ts";

/** A process test with a fresh directory for the users file, removed afterwards. */
function usersTest(name: string, fn: (dir: string) => Promise<void>): void {
  processTest(name, async () => {
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth-users-" }));
    try {
      await fn(dir);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

function dirPermissions(dir: string): string[] {
  return [`--allow-read=${dir}`, `--allow-write=${dir}`];
}

function berthIn(dir: string, args: readonly string[], stdin?: string) {
  return runBerth(args, { permissions: dirPermissions(dir), cwd: dir, stdin });
}

async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

function assertOneLine(text: string): void {
  assert.equal(text.trimEnd().split("\n").length, 1, `expected one line, got:\n${text}`);
  assert.ok(!/\bat .+:\d+:\d+/.test(text), "no stack trace");
}

usersTest(
  "berth user add reads the password from stdin and writes an argon2id hash",
  async (dir) => {
    const password = "correct horse battery staple";
    const result = await berthIn(dir, [
      "user",
      "add",
      "alice",
      "--role",
      "admin",
      "--role",
      "ops",
      "--users",
      "users.json",
    ], `${password}\n`);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Added user "alice" with roles admin, ops/);
    assert.ok(!result.stdout.includes(password) && !result.stderr.includes(password));

    const text = await Deno.readTextFile(join(dir, "users.json"));
    assert.ok(!text.includes(password), "no plaintext in the file");
    const users = await readUsersFile(join(dir, "users.json"));
    assert.deepEqual(users.map((user) => [user.name, user.roles]), [["alice", ["admin", "ops"]]]);
    assert.match(users[0].passwordHash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.equal(await verifyPassword(password, users[0].passwordHash), true);
    const store = createUserStore(users);
    assert.equal((await store.authenticate("alice", password)).ok, true);
    // The lock file stays (removing it would race with the next run); no temp file is left.
    assert.deepEqual(await listDir(dir), ["users.json", "users.json.lock"], "no temp file left");
    if (Deno.build.os !== "windows") {
      assert.equal((await Deno.stat(join(dir, "users.json"))).mode! & 0o777, 0o600);
    }
  },
);

usersTest(
  "berth user add strips CR LF, uses users.json in the cwd by default, and refuses duplicates",
  async (dir) => {
    const first = await berthIn(
      dir,
      ["user", "add", "bob"],
      "pw-with-crlf\r\nsecond line ignored\n",
    );
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /with no roles/);
    const users = await readUsersFile(join(dir, "users.json"));
    assert.equal(await verifyPassword("pw-with-crlf", users[0].passwordHash), true);

    const again = await berthIn(dir, ["user", "add", "bob", "--role", "x"], "other\n");
    assert.equal(again.code, 2);
    assertOneLine(again.stderr);
    assert.match(again.stderr, /User "bob" already exists/);
    assert.equal(
      await verifyPassword(
        "pw-with-crlf",
        (await readUsersFile(join(dir, "users.json")))[0].passwordHash,
      ),
      true,
    );
  },
);

usersTest("berth user add --totp stores a secret and prints its otpauth URI", async (dir) => {
  const result = await berthIn(
    dir,
    ["user", "add", "carol", "--totp", "--users", "u.json"],
    "pw\n",
  );
  assert.equal(result.code, 0, result.stderr);
  const uri = result.stdout.match(/otpauth:\/\/totp\/\S+/)?.[0];
  assert.ok(uri, result.stdout);
  const secret = new URL(uri).searchParams.get("secret")!;
  const [user] = await readUsersFile(join(dir, "u.json"));
  assert.equal(user.totpSecret, secret);
  const now = Date.now();
  assert.notEqual(await verifyTotp(secret, await generateTotp(secret, { now }), { now }), null);
});

usersTest("berth user list prints names, TOTP and roles but never hashes", async (dir) => {
  assert.equal((await berthIn(dir, ["user", "add", "alice", "--role", "admin"], "a\n")).code, 0);
  assert.equal((await berthIn(dir, ["user", "add", "bob", "--totp"], "b\n")).code, 0);
  const result = await berthIn(dir, ["user", "list"]);
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trimEnd().split("\n");
  assert.match(lines[0], /NAME\s+TOTP\s+ROLES/);
  assert.match(lines[1], /^alice\s+no\s+admin$/);
  assert.match(lines[2], /^bob\s+yes\s+-$/);
  assert.ok(!result.stdout.includes("$argon2id"), "no hashes");
});

usersTest("berth user remove deletes one user and exits 2 for an unknown one", async (dir) => {
  for (const name of ["alice", "bob"]) {
    assert.equal((await berthIn(dir, ["user", "add", name], "pw\n")).code, 0);
  }
  const removed = await berthIn(dir, ["user", "remove", "alice"]);
  assert.equal(removed.code, 0, removed.stderr);
  assert.match(removed.stdout, /Removed user "alice"/);
  assert.deepEqual((await readUsersFile(join(dir, "users.json"))).map((user) => user.name), [
    "bob",
  ]);
  const missing = await berthIn(dir, ["user", "remove", "alice"]);
  assert.equal(missing.code, 2);
  assertOneLine(missing.stderr);
  assert.match(missing.stderr, /No user "alice"/);
  assert.deepEqual(await listDir(dir), ["users.json", "users.json.lock"]);
});

usersTest("berth user passwd replaces the hash and keeps roles and TOTP", async (dir) => {
  assert.equal(
    (await berthIn(dir, ["user", "add", "alice", "--role", "admin", "--totp"], "old-pw\n")).code,
    0,
  );
  const [before] = await readUsersFile(join(dir, "users.json"));
  const changed = await berthIn(dir, ["user", "passwd", "alice"], "new-pw\n");
  assert.equal(changed.code, 0, changed.stderr);
  assert.match(changed.stdout, /Changed the password of "alice"/);
  const [after] = await readUsersFile(join(dir, "users.json"));
  assert.deepEqual(after.roles, ["admin"]);
  assert.equal(after.totpSecret, before.totpSecret);
  assert.equal(await verifyPassword("new-pw", after.passwordHash), true);
  assert.equal(await verifyPassword("old-pw", after.passwordHash), false);
  const unknown = await berthIn(dir, ["user", "passwd", "bob"], "pw\n");
  assert.equal(unknown.code, 2);
  assertOneLine(unknown.stderr);
  assert.match(unknown.stderr, /No user "bob"/);
  assert.deepEqual(await listDir(dir), ["users.json", "users.json.lock"]);
});

usersTest("berth user reads auth.users from the config file, relative to it", async (dir) => {
  await Deno.mkdir(join(dir, "conf", "data"), { recursive: true });
  await Deno.writeTextFile(
    join(dir, "conf", "berth.json"),
    JSON.stringify({ auth: { users: "data/people.json" } }),
  );
  const result = await berthIn(dir, ["user", "add", "dave", "--config", "conf/berth.json"], "pw\n");
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(
    (await readUsersFile(join(dir, "conf", "data", "people.json"))).map((user) => user.name),
    ["dave"],
  );
});

usersTest("berth user refuses a password on the command line", async (dir) => {
  for (
    const args of [
      ["user", "add", "eve", "--password", "hunter2"],
      ["user", "add", "eve", "--password=hunter2"],
      ["hash-password", "--password", "hunter2"],
    ]
  ) {
    const result = await berthIn(dir, args, "ignored\n");
    assert.equal(result.code, 2, args.join(" "));
    assertOneLine(result.stderr);
    assert.match(result.stderr, /"--password" is not accepted/);
    assert.match(result.stderr, /stdin/);
    assert.ok(!result.stderr.includes("hunter2") && !result.stdout.includes("hunter2"));
  }
  assert.deepEqual(await listDir(dir), []);
});

usersTest("berth user exits 2 with one line for usage mistakes", async (dir) => {
  const cases: [string[], RegExp, string?][] = [
    [["user"], /Missing action/],
    [["user", "rename", "x"], /Unknown action "rename"/],
    [["user", "add"], /Missing NAME/],
    [["user", "add", "a:b"], /Invalid user name "a:b"/],
    [["user", "add", "x", "y"], /Unexpected argument "y"/],
    [["user", "add", "x", "--role", "bad role"], /"--role": "bad role" is not a role name/],
    [["user", "add", "x", "--frobnicate"], /Unknown option "--frobnicate"/],
    [["user", "list", "--totp"], /Unknown option "--totp"/],
    [["user", "add", "x"], /The password is empty/, ""],
    [["user", "add", "x"], /The password is empty/, "\n"],
    [["hash-password", "extra"], /Unexpected argument "extra"/],
  ];
  for (const [args, pattern, stdin] of cases) {
    const result = await berthIn(dir, args, stdin);
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assertOneLine(result.stderr);
    assert.match(result.stderr, pattern);
  }
  assert.deepEqual(await listDir(dir), []);
});

usersTest(
  "berth user reports a broken users file and missing write access in one line",
  async (dir) => {
    await Deno.writeTextFile(
      join(dir, "users.json"),
      '{"users":[{"name":"x","password":"plain"}]}',
    );
    const broken = await berthIn(dir, ["user", "list"]);
    assert.equal(broken.code, 2);
    assertOneLine(broken.stderr);
    assert.match(broken.stderr, /Invalid users file ".*users\.json": "users\[0\]/);

    await Deno.remove(join(dir, "users.json"));
    const readOnly = await runBerth(["user", "add", "x"], {
      permissions: [`--allow-read=${dir}`],
      cwd: dir,
      stdin: "pw\n",
    });
    // A missing permission exits 4 naming the flag, as the server does.
    assert.equal(readOnly.code, 4);
    assertOneLine(readOnly.stderr);
    assert.ok(readOnly.stderr.includes(`--allow-write=${dir}`), readOnly.stderr);
  },
);

usersTest(
  "berth user exits 4 naming the flags when it may not read or write the users file",
  async (dir) => {
    const users = join(dir, "users.json");
    const table: [args: string[], permissions: string[], flags: string[]][] = [
      [["user", "add", "x", "--users", users], [], [`--allow-read=${dir}`, `--allow-write=${dir}`]],
      [["user", "add", "x", "--users", users], [`--allow-read=${dir}`], [`--allow-write=${dir}`]],
      [["user", "remove", "x", "--users", users], [`--allow-write=${dir}`], [
        `--allow-read=${dir}`,
      ]],
      [["user", "passwd", "x", "--users", users], [], [`--allow-read=${dir}`]],
      [["user", "list", "--users", users], [], [`--allow-read=${users}`]],
    ];
    for (const [args, permissions, flags] of table) {
      const result = await runBerth(args, { permissions, cwd: dir, stdin: "pw\n" });
      const label = `${args.slice(0, 2).join(" ")} with ${permissions.join(" ") || "nothing"}`;
      assert.equal(result.code, 4, `${label}: ${result.stderr}`);
      assertOneLine(result.stderr);
      for (const flag of flags) {
        assert.ok(
          result.stderr.includes(flag),
          `${label}: ${result.stderr}`,
        );
      }
    }
    assert.deepEqual(await listDir(dir), [], "nothing was written");
  },
);

usersTest("concurrent berth user add runs keep every user", async (dir) => {
  const names = ["u1", "u2", "u3", "u4", "u5"];
  const results = await Promise.all(
    names.map((name) =>
      berthIn(dir, ["user", "add", name, "--users", "users.json"], `${name}-pw\n`)
    ),
  );
  for (const result of results) assert.equal(result.code, 0, result.stderr);
  const users = await readUsersFile(join(dir, "users.json"));
  assert.deepEqual(users.map((user) => user.name).sort(), names);
  // The same name added twice at once: one run wins, the other says so.
  const twice = await Promise.all(
    [1, 2].map(() => berthIn(dir, ["user", "add", "dup", "--users", "users.json"], "pw\n")),
  );
  assert.deepEqual(twice.map((result) => result.code).sort(), [0, 2]);
  assert.match(twice.find((result) => result.code === 2)!.stderr, /already exists/);
  assert.equal((await readUsersFile(join(dir, "users.json"))).length, 6);
});

usersTest(
  "berth hash-password prints a hash of the stdin password and needs no permissions",
  async () => {
    const result = await runBerth(["hash-password"], { permissions: [], stdin: "s3cret\n" });
    assert.equal(result.code, 0, result.stderr);
    const hash = result.stdout.trim();
    assert.match(hash, /^\$argon2id\$/);
    assert.equal(await verifyPassword("s3cret", hash), true);
    assert.ok(!result.stdout.includes("s3cret"));
  },
);

usersTest("berth help user documents the subcommands", async () => {
  const result = await runBerth(["help", "user"], { permissions: [] });
  assert.equal(result.code, 0, result.stderr);
  for (
    const text of [
      "berth user add NAME",
      "berth user remove NAME",
      "berth user passwd NAME",
      "berth user list",
      "berth hash-password",
      "--users FILE",
      "never taken from the command line",
    ]
  ) {
    assert.ok(result.stdout.includes(text), text);
  }
  const viaFlag = await runBerth(["user", "--help"], { permissions: [] });
  assert.equal(viaFlag.stdout, result.stdout);
});

/** Runs berth under `script` so it gets a terminal; answers each prompt as it appears. */
async function runOnTerminal(
  args: readonly string[],
  answers: readonly string[],
): Promise<{ output: string; code: number }> {
  const command = ["deno", "run", "--quiet", MAIN_PATH, ...args].map((arg) => `'${arg}'`).join(" ");
  const child = new Deno.Command("script", {
    args: ["-qec", command, "/dev/null"],
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
    env: { NO_COLOR: "1", PATH: `${dirname(Deno.execPath())}:${Deno.env.get("PATH") ?? ""}` },
  }).spawn();
  const writer = child.stdin.getWriter();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let output = "";
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  try {
    for (const answer of answers) {
      const prompts = output.split("assword: ").length - 1;
      while (output.split("assword: ").length - 1 === prompts) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`berth ended before a prompt: ${output}`);
        output += value;
      }
      await writer.write(new TextEncoder().encode(answer));
    }
    await writer.close();
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      output += value;
    }
    return { output, code: (await child.status).code };
  } finally {
    clearTimeout(timer);
  }
}

usersTest(
  "berth hash-password prompts twice on a terminal without echoing the password",
  async () => {
    const { output, code } = await runOnTerminal(["hash-password"], [
      "tty-secret\r",
      "tty-secret\r",
    ]);
    assert.equal(code, 0, output);
    assert.ok(!output.includes("tty-secret"), `echoed: ${JSON.stringify(output)}`);
    assert.match(output, /Password: [\s\S]*Repeat password: /);
    const hash = output.match(/\$argon2id\$\S+/)?.[0];
    assert.ok(hash, output);
    assert.equal(await verifyPassword("tty-secret", hash), true);
  },
);

usersTest("berth hash-password on a terminal exits 2 when the two entries differ", async () => {
  const { output, code } = await runOnTerminal(["hash-password"], ["one\r", "two\r"]);
  assert.equal(code, 2, output);
  assert.match(output, /The passwords do not match/);
  assert.ok(!output.includes("$argon2id"));
  assert.ok(!output.includes("one") && !output.includes("two"));
});
