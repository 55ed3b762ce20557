/** Parsing of `berth user …` / `berth hash-password` and the `user list` rendering. */
import assert from "node:assert/strict";
import { CliError, parseCli } from "../../lib/cli/args.ts";
import { parseUserArgs, renderUserList } from "../../lib/cli/user.ts";

Deno.test("parseCli() hands user and hash-password to the user parser untouched", () => {
  assert.deepEqual(parseCli(["user", "add", "x", "--role", "a"]), {
    kind: "user",
    subcommand: "user",
    args: ["add", "x", "--role", "a"],
  });
  assert.deepEqual(parseCli(["hash-password"]), {
    kind: "user",
    subcommand: "hash-password",
    args: [],
  });
  // Only as the first argument: after "--" it is a directory name again.
  assert.equal(parseCli(["--", "user"]).kind, "serve");
  assert.deepEqual(parseCli(["help", "user"]), { kind: "help", topic: "user" });
  assert.deepEqual(parseCli(["help", "hash-password"]), { kind: "help", topic: "hash-password" });
});

Deno.test("parseUserArgs() reads add, remove and list with their options", () => {
  assert.deepEqual(
    parseUserArgs("user", [
      "add",
      "alice",
      "--role",
      "admin",
      "--role",
      "ops",
      "--role",
      "admin",
      "--users",
      "u.json",
      "--totp",
    ]),
    {
      kind: "add",
      name: "alice",
      roles: ["admin", "ops"],
      totp: true,
      files: { usersPath: "u.json", configPath: undefined },
    },
  );
  assert.deepEqual(parseUserArgs("user", ["add", "--role=r", "bob"]), {
    kind: "add",
    name: "bob",
    roles: ["r"],
    totp: false,
    files: { usersPath: undefined, configPath: undefined },
  });
  assert.deepEqual(parseUserArgs("user", ["remove", "bob", "--config", "c.json"]), {
    kind: "remove",
    name: "bob",
    files: { usersPath: undefined, configPath: "c.json" },
  });
  assert.deepEqual(parseUserArgs("user", ["passwd", "bob", "--users", "u.json"]), {
    kind: "passwd",
    name: "bob",
    files: { usersPath: "u.json", configPath: undefined },
  });
  assert.deepEqual(parseUserArgs("user", ["list"]), {
    kind: "list",
    files: { usersPath: undefined, configPath: undefined },
  });
  assert.deepEqual(parseUserArgs("hash-password", []), { kind: "hash-password" });
  for (const [flag, totp] of [["--totp=true", true], ["--totp=false", false]] as const) {
    const command = parseUserArgs("user", ["add", "x", flag]);
    assert.equal(command.kind === "add" && command.totp, totp, flag);
  }
  assert.deepEqual(parseUserArgs("user", ["add", "--help"]), { kind: "help", topic: "user" });
  assert.deepEqual(parseUserArgs("hash-password", ["-h"]), {
    kind: "help",
    topic: "hash-password",
  });
});

Deno.test("parseUserArgs() refuses passwords in argv and other mistakes with one clear message", () => {
  const cases: [string, string[], RegExp][] = [
    ["user", ["add", "x", "--password", "pw"], /"--password" is not accepted/],
    ["user", ["add", "x", "--passwd=pw"], /"--passwd" is not accepted/],
    ["hash-password", ["--pass", "pw"], /"--pass" is not accepted/],
    ["user", [], /Missing action/],
    ["user", ["del", "x"], /Unknown action "del"/],
    ["user", ["remove"], /Missing NAME/],
    ["user", ["passwd"], /Missing NAME/],
    ["user", ["passwd", "x", "--totp"], /Unknown option "--totp"/],
    ["user", ["remove", "x", "--role", "a"], /Unknown option "--role"/],
    ["user", ["add", "x", "--users"], /Missing value for "--users"/],
    ["user", ["add", "x", "--users="], /Missing value for "--users"/],
    ["user", ["add", "-bad"], /Unknown option/],
    ["user", ["add", ".hidden"], /Invalid user name/],
    ["user", ["add", "x", "--role", ""], /Missing value for "--role"/],
    ["user", ["list", "extra"], /Unexpected argument "extra"/],
    // The shared strict reading (lib/cli/tokens.ts): the next flag is not a value.
    ["user", ["add", "x", "--users", "--role", "a"], /Missing value for "--users"/],
    ["user", ["add", "x", "--totp=maybe"], /"--totp": "maybe" is not true or false/],
  ];
  for (const [subcommand, argv, pattern] of cases) {
    assert.throws(() => parseUserArgs(subcommand as "user", argv), (error: unknown) => {
      assert.ok(error instanceof CliError);
      assert.match(error.message, pattern);
      assert.ok(!error.message.includes("\n"));
      return true;
    }, argv.join(" "));
  }
});

Deno.test("renderUserList() shows names, TOTP and roles, never hashes", () => {
  const text = renderUserList([
    { name: "alice", passwordHash: "$argon2id$secret", roles: ["admin", "ops"] },
    { name: "b", passwordHash: "$2y$secret", roles: [], totpSecret: "JBSWY3DPEHPK3PXP" },
  ]);
  assert.equal(text, "NAME   TOTP  ROLES\nalice  no    admin, ops\nb      yes   -\n");
  assert.equal(renderUserList([]), "No users\n");
});
