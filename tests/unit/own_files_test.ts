import assert from "node:assert/strict";
import { join } from "node:path";
import {
  compileOwnFiles,
  describeOwnFilesInRoot,
  listOwnFilePaths,
} from "../../lib/config/own_files.ts";
import { DEFAULT_SETTINGS, type Settings } from "../../lib/config/schema.ts";

function settingsWith(root: string, overrides: Partial<Settings> = {}): Settings {
  return {
    ...DEFAULT_SETTINGS,
    root,
    cert: join(root, "cert.pem"),
    key: join(root, "key.pem"),
    readyFile: join(root, "ready"),
    auditLog: join(root, "logs/audit.log"),
    auth: {
      ...DEFAULT_SETTINGS.auth,
      users: join(root, "users.json"),
      jwt: {
        ...DEFAULT_SETTINGS.auth.jwt,
        secretFile: "secret.txt",
        publicKey: join(root, "pub.pem"),
        jwks: "https://idp.example/jwks.json",
      },
    },
    ...overrides,
  };
}

Deno.test("listOwnFilePaths() names every file berth reads or writes for itself", () => {
  const root = "/srv/site";
  const paths = listOwnFilePaths(settingsWith(root), {
    configFile: "/srv/site/berth.jsonc",
    cwd: "/srv/site",
    root,
  });
  assert.deepEqual(paths.sort(), [
    "/srv/site/_headers",
    "/srv/site/_redirects",
    "/srv/site/berth.jsonc",
    "/srv/site/cert.pem",
    "/srv/site/key.pem",
    "/srv/site/logs/audit.log",
    "/srv/site/pub.pem",
    "/srv/site/ready",
    "/srv/site/secret.txt", // relative paths are taken from the working directory
    "/srv/site/users.json",
    "/srv/site/users.json.lock",
    "/srv/site/users.json.revoked.json",
  ]);
});

Deno.test("compileOwnFiles() matches real paths, siblings, case variants and atomic temp names", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  try {
    await Deno.writeTextFile(join(dir, "users.json"), "{}");
    await Deno.mkdir(join(dir, "real"));
    await Deno.writeTextFile(join(dir, "real/secret"), "s");
    await Deno.symlink(join(dir, "real"), join(dir, "alias"));
    const own = await compileOwnFiles([
      join(dir, "users.json"),
      join(dir, "alias/secret"), // configured through a symlinked directory
      join(dir, "not-written-yet.log"),
    ]);
    const cases: [string, boolean][] = [
      ["users.json", true],
      ["USERS.JSON", true],
      ["users.json.gz", true],
      ["users.json.br", true],
      ["users.json.zst", true],
      [".users.json.0123456789ab.tmp", true],
      ["real/secret", true],
      ["not-written-yet.log", true],
      ["users.json.bak", false],
      ["users.jsonx", false],
      ["other.json", false],
      [".users.json.xyz.tmp", false],
    ];
    for (const [name, expected] of cases) {
      assert.equal(own.has(join(dir, name)), expected, name);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("describeOwnFilesInRoot() warns once per setting whose file lies in the root", () => {
  const warnings = describeOwnFilesInRoot(
    settingsWith("/srv/site", { auditLog: "/var/log/berth.log" }),
    { configFile: "/srv/site/berth.json", cwd: "/srv/site" },
  );
  const named = warnings.map((warning) => warning.slice(0, warning.indexOf('" ') + 1));
  assert.deepEqual(named.sort(), [
    '"auth.jwt.publicKey"',
    '"auth.jwt.secretFile"',
    '"auth.users"',
    '"cert"',
    '"key"',
    '"readyFile"',
  ]);
  assert.deepEqual(describeOwnFilesInRoot({ ...DEFAULT_SETTINGS, root: "/srv/site" }), []);
});

Deno.test("compileOwnFiles() recognises a hard link to an own file by device and inode", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  try {
    await Deno.writeTextFile(join(dir, "secret.txt"), "s");
    await Deno.writeTextFile(join(dir, "other.txt"), "o");
    await Deno.link(join(dir, "secret.txt"), join(dir, "alias.txt"));
    const own = await compileOwnFiles([join(dir, "secret.txt")]);
    const alias = await Deno.stat(join(dir, "alias.txt"));
    const other = await Deno.stat(join(dir, "other.txt"));
    assert.equal(alias.nlink, 2);
    assert.equal(await own.isSameFile(alias), true);
    assert.equal(await own.isSameFile(other), false);
    assert.equal(await own.isSameFile({ ino: null }), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
