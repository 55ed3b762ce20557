/**
 * `berth --base-path /static/` as a subprocess with the README's scoped
 * permissions: the ready line names the URL under the prefix, files are
 * served under it, paths outside it are 404s (raw request targets included,
 * which `fetch` would normalize), the bare prefix and directories redirect
 * with the prefix, and a bad value exits 2 naming the setting.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  minimalPermissions,
  processTest,
  rawRequest,
  rawStatus,
  runBerth,
  startBerth,
} from "./harness.ts";

processTest(
  "berth --base-path /static/ serves under the prefix and nothing outside it",
  async () => {
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth_base_path_" }));
    const root = join(dir, "site");
    await Deno.mkdir(join(root, "sub"), { recursive: true });
    await Deno.writeTextFile(join(root, "hello.txt"), "hello\n");
    await Deno.writeTextFile(join(root, "sub", "index.html"), "<h1>sub</h1>");
    await Deno.writeTextFile(join(dir, "secret.txt"), "outside secret");
    const berth = await startBerth({ root, args: ["--base-path", "/static/"] });
    try {
      const origin = berth.url.replace(/\/$/, "");
      assert.ok(
        berth.lines.some((line) => line.includes(`${origin}/static/`)),
        `ready line names the mount: ${berth.lines.join("\n")}`,
      );
      const file = await fetch(`${origin}/static/hello.txt`);
      assert.equal(file.status, 200);
      assert.equal(await file.text(), "hello\n");

      const redirects: [string, string][] = [
        ["/static", "/static/"],
        ["/static/sub", "/static/sub/"],
      ];
      for (const [path, location] of redirects) {
        const response = await fetch(origin + path, { redirect: "manual" });
        assert.equal(response.status, 301, path);
        assert.equal(response.headers.get("location"), location, path);
        await response.body?.cancel();
      }
      const health = await fetch(`${origin}/static/_berth/health`);
      assert.equal(health.status, 200);
      await health.body?.cancel();

      for (const path of ["/hello.txt", "/sub/", "/STATIC/hello.txt", "/stat%69c/hello.txt"]) {
        const response = await fetch(origin + path);
        assert.equal(response.status, 404, path);
        await response.body?.cancel();
      }
      // Raw targets, exactly as sent: dot segments resolve before the prefix is matched.
      for (
        const target of ["/static/../secret.txt", "/static/%2e%2e/secret.txt", "//static/hello.txt"]
      ) {
        const answer = await rawRequest(
          berth.url,
          `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
        );
        assert.equal(rawStatus(answer), 404, target);
        assert.doesNotMatch(answer, /outside secret/, target);
      }
    } finally {
      await berth.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

processTest(
  "berth --base-path without a trailing slash exits 2 naming the flag's setting",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "berth_base_path_bad_" });
    try {
      const result = await runBerth([dir, "--base-path", "/static"], {
        permissions: minimalPermissions(dir),
      });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /base-path|basePath/);
      assert.match(result.stderr, /starts and ends with "\/"/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
