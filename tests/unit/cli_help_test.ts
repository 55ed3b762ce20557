/**
 * @module
 * Unit tests for lib/cli/help.ts: the help text is complete, derived from the
 * schema, and fits the terminal; the version line has a stable shape.
 */

import assert from "node:assert/strict";
import { CLI_OPTIONS } from "../../lib/cli/args.ts";
import { EXIT_CODES, renderHelp, renderVersion } from "../../lib/cli/help.ts";
import { renderConfigurationDoc } from "../../scripts/generate_config_docs.ts";
import { describeSettings } from "../../lib/config/settings_docs.ts";

Deno.test("renderHelp() lists every option with its schema description", () => {
  const help = renderHelp();
  const docs = new Map(describeSettings().map((doc) => [doc.name, doc]));
  for (const option of CLI_OPTIONS) {
    assert.match(help, new RegExp(`--${option.name}\\b`), option.name);
    if (option.short) assert.ok(help.includes(`-${option.short}, --${option.name}`), option.name);
    const description = option.description ?? docs.get(option.setting ?? "")?.description ?? "";
    // Descriptions may wrap, so compare their first words.
    const start = description.split(" ").slice(0, 4).join(" ");
    assert.ok(help.includes(start), `${option.name}: "${start}"`);
  }
});

Deno.test("renderHelp() shows defaults and the BERTH_ variables of flags", () => {
  const help = renderHelp();
  for (
    const text of [
      "[default: 8000]",
      "[default: 127.0.0.1]",
      "[default: auto]",
      "[env: BERTH_PORT]",
      "[env: BERTH_HOST]",
      "[env: BERTH_CONFIG]",
      "[env: BERTH_SECURITY_HEADERS=false]",
      "(pretty | json | auto)",
    ]
  ) {
    assert.ok(help.includes(text), text);
  }
  // An empty default means off and is not shown as `[default: ""]`.
  const lines = help.split("\n");
  const spa = lines.findIndex((line) => line.includes("--spa[=FILE]"));
  const spaRow = lines.slice(spa, spa + 2).join(" ");
  assert.match(spaRow, /\[env: BERTH_SPA\]/);
  assert.doesNotMatch(spaRow, /\[default:/);
  assert.doesNotMatch(help, /\[default: ""\]/);
  // Settings without a flag are still named, so users know they exist.
  for (const name of ["limits.maxUrlLength", "cacheControl.immutable", "notFoundPage", "index"]) {
    assert.ok(help.includes(name), name);
  }
});

Deno.test("renderHelp() documents precedence, exit codes and examples", () => {
  const help = renderHelp();
  assert.match(help, /^Usage:$/m);
  assert.match(help, /berth check \[ROOT\] \[OPTIONS\]/);
  assert.match(help, /command-line flag, a BERTH_\* environment\s+variable/);
  for (const { code } of EXIT_CODES) assert.match(help, new RegExp(`^  ${code}  \\S`, "m"));
  assert.deepEqual(EXIT_CODES.map(({ code }) => code), [0, 1, 2, 3, 4, 130, 143]);
  assert.match(help, /1 {2}an unexpected failure/);
  assert.match(help, /3 {2}the port is already in use/);
  assert.match(help, /4 {2}a Deno permission is missing .*or the privilege to bind the port/);
  assert.ok(help.includes("deno run --allow-net --allow-read=./site main.ts ./site"));
  assert.ok(help.includes("--port 0"));
  assert.ok(help.includes("berth -- check"));
});

Deno.test("renderHelp() keeps every line within 100 columns", () => {
  for (
    const text of [renderHelp(), renderHelp({ topic: "check" }), renderHelp({ topic: "user" })]
  ) {
    for (const line of text.split("\n")) {
      assert.ok(line.length <= 100, `too long (${line.length}): ${line}`);
      assert.doesNotMatch(line, /\s$/, `trailing space: ${JSON.stringify(line)}`);
      assert.doesNotMatch(line, /\u00a0/, "no leftover non-breaking space");
    }
  }
});

Deno.test("renderHelp() has a check topic that explains the subcommand", () => {
  const help = renderHelp({ topic: "check" });
  assert.match(help, /^berth check - validate the settings/);
  assert.match(help, /secrets redacted/);
  assert.match(help, /0 {2}the settings are valid \(warnings do not fail the check\)/);
});

Deno.test("renderHelp() has a config topic with docs/configuration.md's reference of every setting", () => {
  const help = renderHelp({ topic: "config" });
  assert.match(help, /^berth help config - every setting, as in docs\/configuration\.md\n/);
  // The same headings and facts, in the same order, as the page `deno task docs` writes.
  const structure = (text: string) => text.split("\n").filter((line) => /^(#|- )/.test(line));
  const page = structure(renderConfigurationDoc()).filter((line) => line !== "# Configuration");
  assert.deepEqual(structure(help), page);
  for (const doc of describeSettings()) {
    assert.ok(help.includes(doc.name), doc.name);
    assert.ok(help.replaceAll("\n", " ").includes(doc.description), doc.name);
  }
  // Prose is wrapped for a terminal; only a long type list may exceed the width.
  for (const line of help.split("\n")) {
    assert.ok(line.length <= 100 || line.startsWith("- Type: "), `too long: ${line}`);
  }
});

Deno.test("renderVersion() prints berth, Deno and the run mode on one line", () => {
  assert.equal(
    renderVersion({ berth: "0.1.0", deno: "2.9.6", mode: "compiled" }),
    "berth 0.1.0 (deno 2.9.6, compiled)",
  );
  assert.equal(
    renderVersion({ berth: "1.2.3-rc.1", deno: "2.9.6", mode: "deno run" }),
    "berth 1.2.3-rc.1 (deno 2.9.6, deno run)",
  );
});
