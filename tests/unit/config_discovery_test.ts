/**
 * @module
 * Unit tests for config discovery and permissions (lib/config/discovery.ts,
 * lib/config/config_file.ts, the `skipped` sources of `loadSettings()`): a
 * default config name is looked at only when read access to it is granted,
 * the others are named in one line with the flag that allows them, and a
 * named file without access fails as a permission error. The permission
 * query and the files are fakes that record every call.
 *
 * Whether stdin is a terminal is not an input here on purpose: berth only
 * queries (never requests) permissions, and Deno's query answers the same
 * with or without a terminal, so the decision cannot depend on it.
 * tests/integration/config_discovery_test.ts runs berth both ways.
 */

import assert from "node:assert/strict";
import { findConfigFile } from "../../lib/config/config_file.ts";
import {
  decideConfigLookup,
  describeSkippedSources,
  type SkippedSource,
} from "../../lib/config/discovery.ts";
import { ConfigAccessError, ConfigError } from "../../lib/config/errors.ts";
import { loadSettings, type LoadSettingsOptions } from "../../lib/config/load.ts";

const CWD = "/srv/app";
const JSON_PATH = `${CWD}/berth.json`;
const JSONC_PATH = `${CWD}/berth.jsonc`;

type State = Deno.PermissionState;

/**
 * Fake permission states and files that record every path a file call
 * touched, so a test can prove berth never looked at an ungranted path.
 */
function fakeAccess(
  states: Record<string, State>,
  files: Record<string, string>,
): {
  options: Pick<LoadSettingsOptions, "readTextFile" | "fileExists" | "readPermission">;
  touched: string[];
} {
  const touched: string[] = [];
  return {
    touched,
    options: {
      readPermission: (path) => states[path] ?? "prompt",
      fileExists: (path) => {
        touched.push(path);
        return Promise.resolve(Object.hasOwn(files, path));
      },
      readTextFile: (path) => {
        touched.push(path);
        return Object.hasOwn(files, path)
          ? Promise.resolve(files[path])
          : Promise.reject(new Deno.errors.NotFound(path));
      },
    },
  };
}

Deno.test("decideConfigLookup() looks only when granted, and says so only before a find", () => {
  const table: [State, boolean, ReturnType<typeof decideConfigLookup>][] = [
    ["granted", false, "look"],
    ["granted", true, "look"],
    ["prompt", false, "skip-and-say"],
    ["denied", false, "skip-and-say"],
    ["prompt", true, "skip-silently"],
    ["denied", true, "skip-silently"],
  ];
  for (const [state, foundEarlier, expected] of table) {
    assert.equal(decideConfigLookup(state, foundEarlier), expected, `${state} ${foundEarlier}`);
  }
});

Deno.test("loadSettings() reads a default config only where read access is granted", async () => {
  const table: {
    name: string;
    json: State;
    jsonc: State;
    files: string[];
    configFile: string | null;
    skipped: SkippedSource[];
    warnings?: string[];
  }[] = [
    {
      name: "read access to the whole cwd, berth.json present",
      json: "granted",
      jsonc: "granted",
      files: [JSON_PATH],
      configFile: JSON_PATH,
      skipped: [],
    },
    {
      name: "read access to the whole cwd, no config file",
      json: "granted",
      jsonc: "granted",
      files: [],
      configFile: null,
      skipped: [],
    },
    {
      name: "read access to the whole cwd, both present",
      json: "granted",
      jsonc: "granted",
      files: [JSON_PATH, JSONC_PATH],
      configFile: JSON_PATH,
      skipped: [],
      warnings: ["Found both berth.json and berth.jsonc: using berth.json"],
    },
    {
      name: "read access to the root only (--allow-read=./site), berth.json present",
      json: "prompt",
      jsonc: "prompt",
      files: [JSON_PATH],
      configFile: null,
      skipped: [
        { kind: "config-unchecked", display: "./berth.json", state: "prompt" },
        { kind: "config-unchecked", display: "./berth.jsonc", state: "prompt" },
      ],
    },
    {
      name: "read access to the root only, no config file (berth cannot tell the difference)",
      json: "prompt",
      jsonc: "prompt",
      files: [],
      configFile: null,
      skipped: [
        { kind: "config-unchecked", display: "./berth.json", state: "prompt" },
        { kind: "config-unchecked", display: "./berth.jsonc", state: "prompt" },
      ],
    },
    {
      name: "--deny-read on the cwd",
      json: "denied",
      jsonc: "denied",
      files: [JSON_PATH],
      configFile: null,
      skipped: [
        { kind: "config-unchecked", display: "./berth.json", state: "denied" },
        { kind: "config-unchecked", display: "./berth.jsonc", state: "denied" },
      ],
    },
    {
      name: "--allow-read=./berth.json only, present: berth.jsonc no longer matters",
      json: "granted",
      jsonc: "prompt",
      files: [JSON_PATH, JSONC_PATH],
      configFile: JSON_PATH,
      skipped: [],
    },
    {
      name: "--allow-read=./berth.json only, absent: berth.jsonc could not be looked for",
      json: "granted",
      jsonc: "prompt",
      files: [JSONC_PATH],
      configFile: null,
      skipped: [{ kind: "config-unchecked", display: "./berth.jsonc", state: "prompt" }],
    },
    {
      name: "--allow-read=./berth.jsonc only: a berth.json would have won, so it is named",
      json: "prompt",
      jsonc: "granted",
      files: [JSON_PATH, JSONC_PATH],
      configFile: JSONC_PATH,
      skipped: [{ kind: "config-unchecked", display: "./berth.json", state: "prompt" }],
    },
  ];
  for (const row of table) {
    const files = Object.fromEntries(row.files.map((path) => [path, '{"port": 9001}']));
    const access = fakeAccess({ [JSON_PATH]: row.json, [JSONC_PATH]: row.jsonc }, files);
    const loaded = await loadSettings({ cwd: CWD, env: {}, ...access.options });
    assert.equal(loaded.configFile, row.configFile, row.name);
    assert.equal(loaded.settings.port, row.configFile === null ? 8000 : 9001, row.name);
    assert.deepEqual(loaded.skipped, row.skipped, row.name);
    assert.deepEqual(loaded.warnings, row.warnings ?? [], row.name);
  }
});

Deno.test("findConfigFile() never touches a default config path whose read is not granted", async () => {
  const states: State[] = ["granted", "prompt", "denied"];
  const presence = [[], [JSON_PATH], [JSONC_PATH], [JSON_PATH, JSONC_PATH]];
  for (const json of states) {
    for (const jsonc of states) {
      for (const present of presence) {
        const granted = new Set([
          ...(json === "granted" ? [JSON_PATH] : []),
          ...(jsonc === "granted" ? [JSONC_PATH] : []),
        ]);
        const access = fakeAccess(
          { [JSON_PATH]: json, [JSONC_PATH]: jsonc },
          Object.fromEntries(present.map((path) => [path, "{}"])),
        );
        const skipped: SkippedSource[] = [];
        const found = await findConfigFile({ cwd: CWD, ...access.options, warnings: [], skipped });
        const label = `${json}/${jsonc} with ${present.join(", ") || "no file"}`;
        assert.deepEqual(access.touched.filter((path) => !granted.has(path)), [], label);
        // Found: the first name that is both granted and present.
        const expected = [JSON_PATH, JSONC_PATH].find((path) =>
          granted.has(path) && present.includes(path)
        );
        assert.equal(found?.path ?? null, expected ?? null, label);
      }
    }
  }
});

Deno.test("findConfigFile() names a default config the operating system refused", async () => {
  const table: [where: "stat" | "read", error: Error, expected: SkippedSource][] = [
    [
      "stat",
      new Deno.errors.PermissionDenied("EACCES"),
      { kind: "config-unreadable", display: "./berth.json" },
    ],
    [
      "read",
      new Deno.errors.PermissionDenied("EACCES"),
      { kind: "config-unreadable", display: "./berth.json" },
    ],
    [
      "read",
      new Deno.errors.NotCapable("Requires read access"),
      { kind: "config-unchecked", display: "./berth.json", state: "prompt" },
    ],
  ];
  for (const [where, error, expected] of table) {
    const skipped: SkippedSource[] = [];
    const found = await findConfigFile({
      cwd: CWD,
      warnings: [],
      skipped,
      readPermission: () => "granted",
      fileExists: (path) =>
        where === "stat" && path === JSON_PATH ? Promise.reject(error) : Promise.resolve(
          path === JSON_PATH,
        ),
      readTextFile: () => Promise.reject(error),
    });
    assert.equal(found, null, `${where} ${error.name}`);
    assert.deepEqual(skipped, [expected], `${where} ${error.name}`);
  }
});

Deno.test("findConfigFile() refuses a named config without read access before reading it", async () => {
  const table: [State, "--config" | "BERTH_CONFIG", string][] = [
    [
      "prompt",
      "--config",
      `Cannot read config file "conf/berth.json" (from "--config"): read access not granted, run with --allow-read=${CWD}/conf/berth.json`,
    ],
    [
      "denied",
      "--config",
      'Cannot read config file "conf/berth.json" (from "--config"): read access denied by --deny-read',
    ],
    [
      "prompt",
      "BERTH_CONFIG",
      `Cannot read config file "conf/berth.json" (from "BERTH_CONFIG"): read access not granted, run with --allow-read=${CWD}/conf/berth.json`,
    ],
  ];
  for (const [state, from, message] of table) {
    const access = fakeAccess({ [`${CWD}/conf/berth.json`]: state }, {
      [`${CWD}/conf/berth.json`]: "{}",
    });
    const named = from === "--config"
      ? { configPath: "conf/berth.json" }
      : { envConfigPath: "conf/berth.json" };
    const error = await findConfigFile({ cwd: CWD, ...access.options, ...named, warnings: [] })
      .then(() => undefined, (error: unknown) => error);
    assert.ok(error instanceof ConfigAccessError, `${state} ${from}`);
    assert.ok(error instanceof ConfigError, "still a ConfigError for callers that catch those");
    assert.equal(error.message, message);
    assert.deepEqual(access.touched, [], "nothing read, so nothing prompted");
  }
});

Deno.test("loadSettings() lists the BERTH_* variables as not read only without env access", async () => {
  const access = fakeAccess({ [JSON_PATH]: "granted", [JSONC_PATH]: "granted" }, {});
  const without = await loadSettings({ cwd: CWD, ...access.options });
  assert.deepEqual(without.skipped, [{ kind: "env" }]);
  const granted = await loadSettings({ cwd: CWD, env: {}, ...access.options });
  assert.deepEqual(granted.skipped, []);
});

Deno.test("loadSettings() neither looks for nor names default configs when discover is false", async () => {
  const access = fakeAccess({}, { [JSON_PATH]: '{"port": 9001}' });
  const loaded = await loadSettings({ cwd: CWD, env: {}, discover: false, ...access.options });
  assert.equal(loaded.configFile, null);
  assert.deepEqual(loaded.skipped, []);
  assert.deepEqual(access.touched, []);
});

Deno.test("describeSkippedSources() says what was not read, why, and the flag that allows it", () => {
  const json = { kind: "config-unchecked", display: "./berth.json", state: "prompt" } as const;
  const jsonc = { kind: "config-unchecked", display: "./berth.jsonc", state: "prompt" } as const;
  const env = { kind: "env" } as const;
  const ENV_LINE =
    "environment: BERTH_* variables not read (no env access to them, so berth cannot see whether any are set: add --allow-env=BERTH_*)";
  const table: [SkippedSource[], string | null][] = [
    [[], null],
    [
      [json, jsonc],
      "config: ./berth.json and ./berth.jsonc not looked for (no read access: add --allow-read=./berth.json,./berth.jsonc)",
    ],
    [
      [jsonc],
      "config: ./berth.jsonc not looked for (no read access: add --allow-read=./berth.jsonc)",
    ],
    [
      [{ ...json, state: "denied" }, { ...jsonc, state: "denied" }],
      "config: ./berth.json and ./berth.jsonc not looked for (read access denied by --deny-read)",
    ],
    [
      [{ kind: "config-unreadable", display: "./berth.json" }],
      "config: ./berth.json not read (the operating system denied access)",
    ],
    [[env], ENV_LINE],
    [
      [json, jsonc, env],
      `config: ./berth.json and ./berth.jsonc not looked for (no read access: add --allow-read=./berth.json,./berth.jsonc); ${ENV_LINE}`,
    ],
  ];
  for (const [skipped, line] of table) {
    assert.equal(describeSkippedSources(skipped), line, JSON.stringify(skipped));
  }
});
