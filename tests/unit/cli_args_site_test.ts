import assert from "node:assert/strict";
import { CliError, parseCli } from "../../lib/cli/args.ts";

function settingsOf(argv: string[]): Record<string, unknown> {
  const command = parseCli(argv);
  assert.equal(command.kind, "serve");
  return command.kind === "serve" ? command.values.settings as Record<string, unknown> : {};
}

Deno.test("parseCli() reads --spa alone, with =FILE and =false, never taking the root", () => {
  assert.deepEqual(settingsOf(["--spa"]), { spa: "index.html" });
  assert.deepEqual(settingsOf(["--spa", "./dist"]), { spa: "index.html", root: "./dist" });
  assert.deepEqual(settingsOf(["./dist", "--spa=app/shell.html"]), {
    root: "./dist",
    spa: "app/shell.html",
  });
  assert.deepEqual(settingsOf(["--spa=false"]), { spa: "" });
  assert.deepEqual(settingsOf(["--spa=true"]), { spa: "index.html" });
});

Deno.test("parseCli() refuses a --spa page outside the root with one clear line", () => {
  for (const value of ["../secret.html", "/etc/passwd", ""]) {
    assert.throws(() => parseCli([`--spa=${value}`]), (error: unknown) => {
      assert.ok(error instanceof CliError);
      assert.match(error.message, /^Cannot parse "--spa": /);
      return true;
    });
  }
});

Deno.test("parseCli() reads the CI flags: clean URLs, trailing slash, metrics, ready file", () => {
  assert.deepEqual(
    settingsOf(["--clean-urls", "--trailing-slash", "never", "--metrics", "--ready-file", "r.url"]),
    { cleanUrls: true, trailingSlash: "never", metrics: true, readyFile: "r.url" },
  );
  assert.throws(
    () => parseCli(["--trailing-slash", "sometimes"]),
    /Cannot parse "--trailing-slash": "sometimes" is not "auto", "always" or "never"/,
  );
  assert.throws(() => parseCli(["--ready-file"]), /Missing value for "--ready-file"/);
});
