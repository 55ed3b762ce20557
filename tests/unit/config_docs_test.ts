/**
 * @module
 * Tests that the committed docs/configuration.md is exactly what `deno task
 * docs` writes from the settings now, and that it names every setting.
 */

import assert from "node:assert/strict";
import {
  CONFIG_DOCS_PATH,
  formatMarkdown,
  renderConfigurationDoc,
} from "../../scripts/generate_config_docs.ts";
import { describeSettings } from "../../lib/config/settings_docs.ts";

Deno.test("docs/configuration.md is byte-for-byte what `deno task docs` writes", async () => {
  assert.equal(
    await Deno.readTextFile(CONFIG_DOCS_PATH),
    await formatMarkdown(renderConfigurationDoc()),
    "docs/configuration.md is stale: run `deno task docs`",
  );
});

Deno.test("renderConfigurationDoc() gives every setting a heading, its variable and default", () => {
  const page = renderConfigurationDoc();
  for (const doc of describeSettings()) {
    assert.match(
      page,
      new RegExp(`^#{2,3} \`${doc.name.replaceAll(".", "\\.")}\`$`, "m"),
      doc.name,
    );
    if (doc.env !== null) assert.ok(page.includes(`- Variable: \`${doc.env}\``), doc.name);
  }
  assert.ok(page.includes("- Default: `8000`\n- Command line: `--port`\n- Variable: `BERTH_PORT`"));
  assert.ok(page.includes("- Command line: `--spa[=FILE]`"));
  assert.ok(page.includes("- Variable: none (config file only)"));
});
