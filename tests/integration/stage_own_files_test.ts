/**
 * A binary that carries its site must not carry berth's own files with it:
 * when the site directory is also where the users file, the JWT secret and
 * the config live, staging leaves them out of the embedded site.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { stageSite } from "../../scripts/stage_site.ts";
import { processTest } from "./harness.ts";

processTest("`stageSite()` leaves berth's own files out of a site that holds them", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth-stage-own-" }));
  try {
    const site = join(dir, "site");
    await Deno.mkdir(site);
    const files: Record<string, string> = {
      "index.html": "<h1>home</h1>",
      "users.json": JSON.stringify({ users: [] }),
      "secret.txt": "jwt-secret-0123456789abcdef0123456789abcdef",
      "berth.json": JSON.stringify({
        auth: { users: "users.json", jwt: { secretFile: "secret.txt" } },
      }),
    };
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(join(site, name), text);
    }
    const staged = await stageSite({
      site,
      config: join(site, "berth.json"),
      stageDir: join(dir, "stage"),
    });
    const names = Object.keys(staged.manifest.files);
    assert.deepEqual(names, ["index.html"]);
    for (const name of ["users.json", "secret.txt", "berth.json"]) {
      assert.ok(
        staged.skipped.includes(`${name} (one of berth's own files)`),
        `${name}: ${staged.skipped.join("; ")}`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

processTest(
  "`stageSite()` without a config still leaves out the users file berth user writes",
  async () => {
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth-stage-own-" }));
    try {
      const site = join(dir, "site");
      await Deno.mkdir(site);
      await Deno.writeTextFile(join(site, "index.html"), "<h1>home</h1>");
      await Deno.writeTextFile(join(site, "users.json"), JSON.stringify({ users: [] }));
      await Deno.writeTextFile(join(site, "users.json.lock"), "");
      const staged = await stageSite({ site, config: null, stageDir: join(dir, "stage") });
      assert.deepEqual(Object.keys(staged.manifest.files), ["index.html"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
