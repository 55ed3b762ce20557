/**
 * @module
 * Unit tests for lib/config/text_value.ts: one reading of setting text for
 * `BERTH_*` variables and command-line flags.
 */

import assert from "node:assert/strict";
import { describeSettings, type SettingDoc } from "../../lib/config/settings_docs.ts";
import { parseSettingText } from "../../lib/config/text_value.ts";

function doc(name: string): SettingDoc {
  const found = describeSettings().find((setting) => setting.name === name);
  assert.ok(found, name);
  return found;
}

Deno.test("parseSettingText() reads text by the setting's kind and refuses what is not that kind", () => {
  const table: [string, string, unknown][] = [
    ["rateLimit.requestsPerSecond", "0.5", 0.5],
    ["rateLimit.requestsPerSecond", "20", 20],
    ["rateLimit.requestsPerSecond", "-0.5", -0.5], // the range is the schema's job
    ["rateLimit.requestsPerSecond", ".5", undefined],
    ["rateLimit.requestsPerSecond", "1.", undefined],
    ["rateLimit.requestsPerSecond", "1e3", undefined],
    ["rateLimit.requestsPerSecond", "+1", undefined],
    ["rateLimit.requestsPerSecond", " 1", undefined],
    ["rateLimit.requestsPerSecond", "", undefined],
    ["port", "8080", 8080],
    ["port", "80.5", undefined],
    ["port", "8.0", undefined],
    ["port", "0x50", undefined],
    ["port", "٨٠", undefined],
    ["listing", "yes", true],
    ["listing", "OFF", false],
    ["listing", "maybe", undefined],
    ["index", "index.html, index.htm,,", ["index.html", "index.htm"]],
    ["logFormat", "json", "json"],
    ["host", " ::1", " ::1"],
  ];
  for (const [name, text, expected] of table) {
    assert.deepEqual(
      parseSettingText(doc(name), text),
      expected,
      `${name} ${JSON.stringify(text)}`,
    );
  }
});
