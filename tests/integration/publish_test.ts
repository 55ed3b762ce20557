/**
 * The package as JSR would receive it: `deno publish --dry-run` (JSR itself
 * is not reachable from CI) must accept the public API without slow types and
 * list only what a user of the package needs, never tests, scripts or CI files.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { processTest } from "./harness.ts";

const REPO_DIR = fileURLToPath(new URL("../..", import.meta.url));

/** Top-level files the package must carry: the licence, the front page and the entries. */
const REQUIRED_FILES = ["LICENSE", "README.md", "deno.json", "main.ts", "lib/mod.ts"];

/** Where a published file may live: the library, its docs and the config file's JSON Schema. */
const ALLOWED_FILE_REGEXP = /^(?:lib\/.+\.ts|docs\/[^/]+\.md|berth\.schema\.json)$/;

processTest(
  "`deno publish --dry-run` succeeds and lists only the library, its docs and the licence",
  async () => {
    // --no-check: the test task type-checks the same modules right before the tests.
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["publish", "--dry-run", "--allow-dirty", "--no-check"],
      cwd: REPO_DIR,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, text);
    const root = new URL("../../", import.meta.url).href;
    const files = [...text.matchAll(/^\s+(file:\/\/\S+) \(/gm)].map(([, url]) => {
      assert.ok(url.startsWith(root), url);
      return url.slice(root.length);
    });
    for (const required of REQUIRED_FILES) assert.ok(files.includes(required), required);
    const unexpected = files.filter((file) =>
      !REQUIRED_FILES.includes(file) && !ALLOWED_FILE_REGEXP.test(file)
    );
    assert.deepEqual(unexpected, []);
  },
);
