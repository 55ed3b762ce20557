/**
 * With `--workers`, a sign-out must reach every isolate: berth refuses to
 * start with login when the revocation list cannot be saved where all of
 * them read it, instead of leaving a signed-out session open in the others.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { hashPassword } from "../../lib/auth/passwords.ts";
import { processTest, runBerth } from "./harness.ts";

const REPO_DIR = fileURLToPath(new URL("../../", import.meta.url));

processTest(
  "berth --workers 2 with login refuses to start when sign-outs could only live in one isolate",
  async () => {
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth-workers-" }));
    try {
      await Deno.mkdir(join(dir, "site"));
      await Deno.writeTextFile(join(dir, "site/index.html"), "hi");
      await Deno.writeTextFile(join(dir, "secret.txt"), "jwt-secret-0123456789abcdef0123456789ab");
      const users = [{
        name: "ada",
        passwordHash: await hashPassword("ada-password-1"),
        roles: [],
      }];
      await Deno.writeTextFile(join(dir, "users.json"), JSON.stringify({ users }));
      await Deno.writeTextFile(
        join(dir, "berth.json"),
        JSON.stringify({
          root: "site",
          access: [{ path: "/a/*", authenticated: true }],
          auth: { users: "users.json", jwt: { secretFile: "secret.txt" } },
        }),
      );
      const result = await runBerth(
        ["--config", join(dir, "berth.json"), "--port", "0", "--workers", "2"],
        {
          permissions: [
            "--unstable-net",
            "--allow-net=127.0.0.1",
            `--allow-read=${dir},${REPO_DIR}`,
          ],
          cwd: dir,
        },
      );
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /--workers 2 with login when sign-outs cannot be saved/);
      assert.match(result.stderr, new RegExp(`--allow-write=${dir}`));
      assert.equal(result.stderr.trim().split("\n").length, 1, "one line");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
