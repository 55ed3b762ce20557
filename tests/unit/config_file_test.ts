/**
 * @module
 * Unit tests for lib/config/config_file.ts through `loadSettings()`: which
 * file is read, and the top-level `"$schema"` key editors use. A fake
 * filesystem stands in for the disk.
 */

import assert from "node:assert/strict";
import { ConfigError } from "../../lib/config/errors.ts";
import { findConfigFile, readConfigFileValues } from "../../lib/config/config_file.ts";
import { loadSettings, type LoadSettingsOptions } from "../../lib/config/load.ts";

const CWD = "/srv/site";

function fakeFiles(files: Record<string, string>): Pick<
  LoadSettingsOptions,
  "readTextFile" | "fileExists"
> {
  return {
    readTextFile: (path) =>
      Object.hasOwn(files, path)
        ? Promise.resolve(files[path])
        : Promise.reject(new Deno.errors.NotFound(path)),
    fileExists: (path) => Promise.resolve(Object.hasOwn(files, path)),
  };
}

Deno.test('loadSettings() accepts and ignores a top-level "$schema" in berth.json and berth.jsonc', async () => {
  const table: [name: string, text: string][] = [
    ["berth.json", '{ "$schema": "./berth.schema.json", "port": 9000 }'],
    [
      "berth.jsonc",
      '{\n  // editors complete keys from the schema\n  "$schema": "https://example.org/berth.schema.json",\n  "port": 9000,\n}',
    ],
  ];
  for (const [name, text] of table) {
    const loaded = await loadSettings({ cwd: CWD, ...fakeFiles({ [`${CWD}/${name}`]: text }) });
    assert.equal(loaded.settings.port, 9000, name);
    assert.equal(loaded.configFile, `${CWD}/${name}`);
    assert.ok(!Object.hasOwn(loaded.settings, "$schema"), name);
    assert.ok(!Object.hasOwn(loaded.sources, "$schema"), name);
    assert.deepEqual(loaded.warnings, [], name);
  }
});

Deno.test('loadSettings() refuses a "$schema" that is not a string, or one below the top level', async () => {
  const table: [text: string, message: string][] = [
    [
      '{ "$schema": 5 }',
      'Invalid config "$schema" in berth.json: 5 is not a string (the path or URL of berth.schema.json, for editors)',
    ],
    [
      '{ "limits": { "$schema": "x" } }',
      'Unknown config key "limits.$schema" in berth.json: allowed keys in "limits" are maxUrlLength, maxHeaderBytes, maxHeaderCount, requestTimeoutMs, headerTimeoutMs, idleTimeoutMs, sendTimeoutMs, streamIdleTimeoutMs, maxConcurrentStreams, maxConnections, maxConnectionsPerClient, maxOpenResponses',
    ],
  ];
  for (const [text, message] of table) {
    await assert.rejects(
      loadSettings({ cwd: CWD, ...fakeFiles({ [`${CWD}/berth.json`]: text }) }),
      (error: unknown) => error instanceof ConfigError && error.message === message,
      text,
    );
  }
});

Deno.test('loadSettings() refuses "$schema" given as a setting outside a file', async () => {
  await assert.rejects(
    loadSettings({ cwd: CWD, cli: { $schema: "x" } as never, ...fakeFiles({}) }),
    /^ConfigError: Unknown setting "\$schema"/,
  );
});

Deno.test("readConfigFileValues() keeps every other key, __proto__ included, for validation", () => {
  const values = readConfigFileValues({
    path: `${CWD}/berth.json`,
    display: "berth.json",
    text: '{ "$schema": "s", "__proto__": { "x": 1 }, "port": 1 }',
  });
  assert.deepEqual(Object.keys(values), ["__proto__", "port"]);
  assert.equal(Object.getPrototypeOf(values), Object.prototype);
});

Deno.test("findConfigFile() prefers --config, then BERTH_CONFIG, then berth.json over berth.jsonc", async () => {
  const files = fakeFiles({
    [`${CWD}/berth.json`]: "{}",
    [`${CWD}/berth.jsonc`]: "{}",
    [`${CWD}/a.json`]: "{}",
    [`${CWD}/b.json`]: "{}",
  });
  const table: [options: { configPath?: string; envConfigPath?: string }, display: string][] = [
    [{ configPath: "a.json", envConfigPath: "b.json" }, "a.json"],
    [{ envConfigPath: "b.json" }, "b.json"],
    [{}, "berth.json"],
  ];
  for (const [options, display] of table) {
    const warnings: string[] = [];
    const found = await findConfigFile({ cwd: CWD, ...files, ...options, warnings });
    assert.equal(found?.display, display);
    assert.deepEqual(
      warnings,
      display === "berth.json" ? ["Found both berth.json and berth.jsonc: using berth.json"] : [],
    );
  }
  assert.equal(await findConfigFile({ cwd: CWD, ...fakeFiles({}), warnings: [] }), null);
});
