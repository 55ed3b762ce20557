/**
 * A root without an index file, listing off: the startup log says `/` will
 * answer 404 and that `--listing` would list it; the built-in 404 page links
 * to `/`. With `--listing` (or an index file) nothing is said.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { processTest, startBerth } from "./harness.ts";

const WARNING_REGEXP = /\/ will answer 404; --listing would list the folder/;

processTest(
  "berth warns at startup when / will answer 404, and the 404 page links to /",
  async () => {
    const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth-root-404-" }));
    await Deno.writeTextFile(join(root, "notes.txt"), "notes");
    try {
      const bare = await startBerth({ root });
      try {
        assert.ok(bare.lines.some((line) => WARNING_REGEXP.test(line)), bare.lines.join("\n"));
        const page = await fetch(bare.url, { headers: { accept: "text/html" } });
        assert.equal(page.status, 404);
        const body = await page.text();
        assert.match(body, /<a href="\/">Go to the home page<\/a>/);
        assert.doesNotMatch(body, /listing|notes/, "the page reveals nothing new");
      } finally {
        await bare.stop();
      }
      const listed = await startBerth({ root, args: ["--listing"] });
      try {
        assert.ok(!listed.lines.some((line) => WARNING_REGEXP.test(line)));
      } finally {
        await listed.stop();
      }
      await Deno.writeTextFile(join(root, "index.html"), "<h1>home</h1>");
      const indexed = await startBerth({ root });
      try {
        assert.ok(!indexed.lines.some((line) => WARNING_REGEXP.test(line)));
      } finally {
        await indexed.stop();
      }
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);
