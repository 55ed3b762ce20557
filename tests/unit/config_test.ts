/**
 * @module
 * Unit tests for lib/config: schema defaults and docs, the JSONC reader,
 * source precedence, path resolution, env parsing, hostile config input and
 * warnings. All IO is injected; nothing touches the disk.
 */

import assert from "node:assert/strict";
import * as v from "valibot";
import { ConfigError, findClosestName, formatValue } from "../../lib/config/errors.ts";
import { MAX_JSONC_DEPTH, parseJsonc } from "../../lib/config/jsonc.ts";
import {
  type LoadedSettings,
  loadSettings,
  type LoadSettingsOptions,
} from "../../lib/config/load.ts";
import { DEFAULT_SETTINGS, type Settings, SETTINGS_SCHEMA } from "../../lib/config/schema.ts";
import { describeSettings, isSecretName, toEnvName } from "../../lib/config/settings_docs.ts";
import { collectWarnings, isPublicHost } from "../../lib/config/warnings.ts";

const CWD = "/work/project";

/** A fake filesystem: absolute path → contents. */
function fakeFiles(files: Record<string, string>): Pick<
  LoadSettingsOptions,
  "readTextFile" | "fileExists"
> {
  return {
    readTextFile: (path) =>
      Object.hasOwn(files, path)
        ? Promise.resolve(files[path])
        : Promise.reject(new Deno.errors.NotFound(`No such file: ${path}`)),
    fileExists: (path) => Promise.resolve(Object.hasOwn(files, path)),
  };
}

/** Loads with a berth.json in CWD holding `config` (a string is used verbatim). */
function loadWith(
  config: unknown,
  options: Partial<LoadSettingsOptions> = {},
): Promise<LoadedSettings> {
  const files: Record<string, string> = {};
  if (config !== undefined) {
    files[`${CWD}/berth.json`] = typeof config === "string" ? config : JSON.stringify(config);
  }
  return loadSettings({ cwd: CWD, ...fakeFiles(files), ...options });
}

/** Asserts that loading fails with a ConfigError and returns its message. */
async function loadError(config: unknown, options: Partial<LoadSettingsOptions> = {}) {
  try {
    await loadWith(config, options);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    return error.message;
  }
  assert.fail(`expected loading ${formatValue(config)} to fail`);
}

/** The shape every user-facing message must have. */
function assertOneLineMessage(message: string): void {
  assert.doesNotMatch(message, /\n/, "one line");
  assert.doesNotMatch(message, /\.$/, "no final period");
  assert.match(message, /^[A-Z]/, "sentence case");
  assert.doesNotMatch(message, /Expected .* but received|Invalid type:|Invalid key:/);
  assert.doesNotMatch(message, /\bat .*:\d+:\d+\)/, "no stack frames");
}

function expectJsoncError(text: string): string {
  try {
    parseJsonc(text, "berth.jsonc");
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    return error.message;
  }
  assert.fail(`expected ${JSON.stringify(text)} to be rejected`);
}

// ---------------------------------------------------------------------------
// schema

Deno.test("DEFAULT_SETTINGS holds the documented defaults", () => {
  assert.deepEqual(DEFAULT_SETTINGS, {
    root: ".",
    host: "127.0.0.1",
    port: 8000,
    listing: false,
    dotfiles: false,
    cors: false,
    headers: {},
    logFormat: "auto",
    quiet: false,
    cacheControl: { default: "no-cache", immutable: "public, max-age=31536000, immutable" },
    securityHeaders: true,
    index: ["index.html"],
    notFoundPage: "404.html",
    cache: { enabled: true, maxFileBytes: 1048576, maxTotalBytes: 67108864, watch: true },
    frozen: false,
    compress: {
      enabled: true,
      precompressed: true,
      onTheFly: true,
      minBytes: 1024,
      gzipLevel: 6,
      brotliLevel: 5,
    },
    workers: 1,
    shutdownTimeoutMs: 5000,
    limits: {
      maxUrlLength: 8192,
      maxHeaderBytes: 16384,
      maxHeaderCount: 100,
      requestTimeoutMs: 30000,
      headerTimeoutMs: 10000,
      idleTimeoutMs: 10000,
      sendTimeoutMs: 30000,
      streamIdleTimeoutMs: 30000,
      maxConcurrentStreams: 32,
      maxConnections: 0,
      maxConnectionsPerClient: 0,
      maxOpenResponses: 0,
    },
    spa: "",
    cleanUrls: false,
    trailingSlash: "auto",
    headerRules: {},
    redirectRules: [],
    watchRules: true,
    internalPrefix: "/_berth/",
    basePath: "/",
    metrics: false,
    metricsAccess: "loopback",
    access: [],
    auth: {
      basic: false,
      cookieName: "berth_session",
      jwt: { clockToleranceSeconds: 30, rolesClaim: "roles" },
      sessionTtlSeconds: 3600,
    },
    rateLimit: { requestsPerSecond: 0, burst: 100, maxClients: 100000 },
    trustProxy: false,
    trustedProxies: ["127.0.0.0/8", "::1"],
    proxyHeader: "X-Forwarded-For",
  });
  assert.equal(DEFAULT_SETTINGS.cert, undefined);
  assert.equal(DEFAULT_SETTINGS.key, undefined);
});

Deno.test("DEFAULT_SETTINGS is deeply frozen so no caller can change the defaults", () => {
  assert.ok(Object.isFrozen(DEFAULT_SETTINGS));
  assert.ok(Object.isFrozen(DEFAULT_SETTINGS.limits));
  assert.ok(Object.isFrozen(DEFAULT_SETTINGS.index));
  assert.throws(() => {
    (DEFAULT_SETTINGS as Settings).port = 1;
  }, TypeError);
});

Deno.test("describeSettings() documents every setting with its default and variable", () => {
  const docs = describeSettings();
  const names = docs.map((doc) => doc.name);
  assert.deepEqual(names, [
    "root",
    "host",
    "port",
    "listing",
    "dotfiles",
    "cors",
    "headers",
    "cert",
    "key",
    "logFormat",
    "quiet",
    "cacheControl.default",
    "cacheControl.immutable",
    "securityHeaders",
    "index",
    "notFoundPage",
    "cache.enabled",
    "cache.maxFileBytes",
    "cache.maxTotalBytes",
    "cache.watch",
    "frozen",
    "compress.enabled",
    "compress.precompressed",
    "compress.onTheFly",
    "compress.minBytes",
    "compress.gzipLevel",
    "compress.brotliLevel",
    "workers",
    "shutdownTimeoutMs",
    "limits.maxUrlLength",
    "limits.maxHeaderBytes",
    "limits.maxHeaderCount",
    "limits.requestTimeoutMs",
    "limits.headerTimeoutMs",
    "limits.idleTimeoutMs",
    "limits.sendTimeoutMs",
    "limits.streamIdleTimeoutMs",
    "limits.maxConcurrentStreams",
    "limits.maxConnections",
    "limits.maxConnectionsPerClient",
    "limits.maxOpenResponses",
    "spa",
    "cleanUrls",
    "trailingSlash",
    "headerRules",
    "redirectRules",
    "watchRules",
    "internalPrefix",
    "basePath",
    "metrics",
    "metricsAccess",
    "readyFile",
    "access",
    "auth.users",
    "auth.jwt.secretEnv",
    "auth.jwt.secretFile",
    "auth.jwt.publicKey",
    "auth.jwt.jwks",
    "auth.jwt.algorithms",
    "auth.jwt.issuer",
    "auth.jwt.audience",
    "auth.jwt.rolesClaim",
    "auth.jwt.clockToleranceSeconds",
    "auth.basic",
    "auth.cookieName",
    "auth.sessionTtlSeconds",
    "rateLimit.requestsPerSecond",
    "rateLimit.burst",
    "rateLimit.maxClients",
    "trustProxy",
    "trustedProxies",
    "proxyHeader",
    "auditLog",
  ]);
  for (const doc of docs) {
    assert.ok(doc.description.length > 10, `${doc.name} has a description`);
    assert.doesNotMatch(doc.description, /\.$/, `${doc.name} description has no final period`);
    assert.ok(doc.allowed.length > 0, `${doc.name} says what is allowed`);
    const actual = doc.name.split(".").reduce<unknown>(
      (node, part) => (node as Record<string, unknown> | undefined)?.[part],
      DEFAULT_SETTINGS,
    );
    assert.deepEqual(doc.default, actual, `${doc.name} default matches DEFAULT_SETTINGS`);
  }
  const byName = new Map(docs.map((doc) => [doc.name, doc]));
  assert.equal(byName.get("port")?.type, "integer 0..65535");
  assert.equal(byName.get("port")?.min, 0);
  assert.equal(byName.get("port")?.max, 65535);
  assert.equal(byName.get("logFormat")?.type, '"pretty" | "json" | "auto"');
  assert.equal(byName.get("root")?.type, "path");
  assert.equal(byName.get("root")?.path, true);
  assert.equal(byName.get("cert")?.path, true);
  assert.equal(byName.get("notFoundPage")?.path, false, "notFoundPage is relative to root");
  assert.equal(byName.get("headers")?.env, null, "records have no variable");
  assert.equal(byName.get("key")?.secret, true);
  assert.equal(byName.get("cert")?.secret, false);
});

Deno.test("toEnvName() turns setting names into BERTH_ variables", () => {
  const table: [string, string][] = [
    ["root", "BERTH_ROOT"],
    ["port", "BERTH_PORT"],
    ["logFormat", "BERTH_LOG_FORMAT"],
    ["shutdownTimeoutMs", "BERTH_SHUTDOWN_TIMEOUT_MS"],
    ["cacheControl.default", "BERTH_CACHE_CONTROL_DEFAULT"],
    ["limits.maxUrlLength", "BERTH_LIMITS_MAX_URL_LENGTH"],
  ];
  for (const [name, env] of table) assert.equal(toEnvName(name), env, name);
});

Deno.test("isSecretName() flags keys, secrets, passwords and credential headers", () => {
  const table: [string, boolean][] = [
    ["key", true],
    ["jwtSecret", true],
    ["auth.password", true],
    ["apiKey", true],
    ["api_key", true],
    ["X-Api-Key", true],
    ["Authorization", true],
    ["cookie", true],
    ["sessionToken", true],
    ["root", false],
    ["monkey", false],
    ["keyboard", false],
    ["maxHeaderCount", false],
    ["cert", false],
  ];
  for (const [name, secret] of table) assert.equal(isSecretName(name), secret, name);
});

Deno.test("SETTINGS_SCHEMA rejects cert without key and key without cert", () => {
  for (const input of [{ cert: "c.pem" }, { key: "k.pem" }]) {
    const result = v.safeParse(SETTINGS_SCHEMA, input);
    assert.equal(result.success, false);
    assert.match(result.issues?.[0].message ?? "", /TLS needs both/);
  }
  assert.equal(v.safeParse(SETTINGS_SCHEMA, { cert: "c.pem", key: "k.pem" }).success, true);
});

// ---------------------------------------------------------------------------
// errors helpers

Deno.test("formatValue() quotes strings, keeps numbers plain and cuts long values", () => {
  assert.equal(formatValue("80x"), '"80x"');
  assert.equal(formatValue(70000), "70000");
  assert.equal(formatValue(Infinity), "Infinity");
  assert.equal(formatValue(null), "null");
  assert.equal(formatValue([1, "a"]), '[1,"a"]');
  assert.equal(formatValue(undefined), "undefined");
  const long = formatValue("x".repeat(10_000));
  assert.ok(long.length <= 60);
  assert.ok(long.endsWith("…"));
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.equal(formatValue(cyclic), "[object Object]");
});

Deno.test("findClosestName() suggests near misses, counting a swap as one edit", () => {
  assert.equal(findClosestName("prot", ["root", "port", "host"]), "port");
  assert.equal(findClosestName("lisitng", ["listing", "dotfiles"]), "listing");
  assert.equal(findClosestName("PORT", ["port"]), "port");
  assert.equal(findClosestName("frobnicate", ["port", "host"]), undefined);
  assert.equal(findClosestName("x".repeat(10_000), ["port"]), undefined);
});

// ---------------------------------------------------------------------------
// jsonc

Deno.test("parseJsonc() reads comments, trailing commas and tricky strings", () => {
  const table: [string, unknown][] = [
    ["{}", {}],
    ["[]", []],
    ["  42 ", 42],
    ["-0.5e2", -50],
    ['"a"', "a"],
    ["true", true],
    ["null", null],
    ['{"a": 1,}', { a: 1 }],
    ["[1, 2, ]", [1, 2]],
    ['{"a": [1, {"b": 2,},],}', { a: [1, { b: 2 }] }],
    ['// leading\n{"a": 1} // trailing', { a: 1 }],
    ['/* block */ {"a": /* inside */ 1}', { a: 1 }],
    ['{"a": 1 /* multi\nline */, "b": 2}', { a: 1, b: 2 }],
    ['{"url": "http://example.com//x"}', { url: "http://example.com//x" }],
    ['{"c": "/* not a comment */"}', { c: "/* not a comment */" }],
    ['{"s": "a,}", "t": ",]"}', { s: "a,}", t: ",]" }],
    ['{"q": "say \\"hi\\" // ok"}', { q: 'say "hi" // ok' }],
    ['"\\u00e9\\n\\t\\\\\\/"', "é\n\t\\/"],
    ['\ufeff{"bom": true}', { bom: true }],
    ['{"a": 1}\n// comment at end without newline', { a: 1 }],
    ['{\r\n  "crlf": 1\r\n}', { crlf: 1 }],
  ];
  for (const [text, expected] of table) {
    assert.deepEqual(parseJsonc(text, "t.jsonc"), expected, JSON.stringify(text));
  }
});

Deno.test("parseJsonc() keeps __proto__ as a plain key like JSON.parse", () => {
  const value = parseJsonc('{"__proto__": {"polluted": true}}', "t.jsonc") as Record<
    string,
    unknown
  >;
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  assert.ok(Object.hasOwn(value, "__proto__"));
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.deepEqual(Object.keys(value), ["__proto__"]);
});

Deno.test("parseJsonc() reports syntax errors with the file and line:column", () => {
  const table: [string, string][] = [
    [
      '{\n  "a": 1,\n  "b": 2\n]',
      'Cannot parse berth.jsonc:4:1: expected "," or "}" but found "]"',
    ],
    ["", "Cannot parse berth.jsonc:1:1: expected a value but found the end of the file"],
    ['{"a": 1,,}', 'Cannot parse berth.jsonc:1:9: expected a double-quoted key but found ","'],
    ["[1,,2]", 'Cannot parse berth.jsonc:1:4: expected a value but found ","'],
    ["[,]", 'Cannot parse berth.jsonc:1:2: expected a value but found ","'],
    ["{,}", 'Cannot parse berth.jsonc:1:2: expected a double-quoted key but found ","'],
    ['{"a" 1}', 'Cannot parse berth.jsonc:1:6: expected ":" after the key but found "1"'],
    ["{'a': 1}", 'Cannot parse berth.jsonc:1:2: expected a double-quoted key but found "\'"'],
    [
      "{port: 1}",
      'Cannot parse berth.jsonc:1:2: expected a double-quoted key but found "p"',
    ],
    [
      '{"a": yes}',
      'Cannot parse berth.jsonc:1:7: expected a value but found "yes" (strings need double quotes)',
    ],
    ['{"a": "x', "Cannot parse berth.jsonc:1:7: unterminated string"],
    [
      '{"a": "x\ny"}',
      "Cannot parse berth.jsonc:1:9: unterminated string (line break inside a string)",
    ],
    ['{"a": 1} /* open', "Cannot parse berth.jsonc:1:10: unterminated /* comment"],
    ['{"a": 1} x', 'Cannot parse berth.jsonc:1:10: unexpected "x" after the end of the value'],
    [
      '{"a": 1} {"b": 2}',
      'Cannot parse berth.jsonc:1:10: unexpected "{" after the end of the value',
    ],
    ["01", 'Cannot parse berth.jsonc:1:1: invalid number "01"'],
    ["1.", 'Cannot parse berth.jsonc:1:1: invalid number "1."'],
    ["-", 'Cannot parse berth.jsonc:1:1: invalid number "-"'],
    ["+1", 'Cannot parse berth.jsonc:1:1: expected a value but found "+"'],
    ["0x50", 'Cannot parse berth.jsonc:1:1: invalid number "0x50"'],
    [
      "NaN",
      'Cannot parse berth.jsonc:1:1: expected a value but found "NaN" (strings need double quotes)',
    ],
    [
      "Infinity",
      'Cannot parse berth.jsonc:1:1: expected a value but found "Infinity" (strings need double quotes)',
    ],
    ['"\\x"', 'Cannot parse berth.jsonc:1:2: invalid escape "\\x" in a string'],
    ['"\\u12"', "Cannot parse berth.jsonc:1:2: invalid \\u escape (expected 4 hex digits)"],
    ['"a\tb"', "Cannot parse berth.jsonc:1:3: control character U+0009 inside a string"],
    ['{"port": 1, "port": 2}', 'Cannot parse berth.jsonc:1:13: duplicate key "port"'],
    ['{\n  "é": 1 x}', 'Cannot parse berth.jsonc:2:10: expected "," or "}" but found "x"'],
    ["\u0000", "Cannot parse berth.jsonc:1:1: expected a value but found U+0000"],
  ];
  for (const [text, message] of table) {
    assert.equal(expectJsoncError(text), message, JSON.stringify(text));
  }
});

Deno.test("parseJsonc() rejects nesting deeper than MAX_JSONC_DEPTH instead of overflowing", () => {
  const ok = "[".repeat(MAX_JSONC_DEPTH) + "]".repeat(MAX_JSONC_DEPTH);
  assert.ok(Array.isArray(parseJsonc(ok, "t.jsonc")));
  for (const text of ["[".repeat(100_000), '{"a":'.repeat(50_000)]) {
    const message = expectJsoncError(text);
    assert.match(message, /nested deeper than 64 levels/);
    assertOneLineMessage(message);
  }
});

Deno.test("parseJsonc() never throws anything but ConfigError on generated garbage", () => {
  const alphabet = [
    "{",
    "}",
    "[",
    "]",
    '"',
    ":",
    ",",
    "/",
    "*",
    "\\",
    "1",
    "-",
    "e",
    "a",
    " ",
    "\n",
  ];
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let i = 0; i < 2000; i++) {
    const length = Math.floor(random() * 24);
    let text = "";
    for (let j = 0; j < length; j++) text += alphabet[Math.floor(random() * alphabet.length)];
    try {
      parseJsonc(text, "fuzz.jsonc");
    } catch (error) {
      assert.ok(error instanceof ConfigError, `${JSON.stringify(text)} threw ${error}`);
      assert.match(error.message, /^Cannot parse fuzz\.jsonc:\d+:\d+: /);
    }
  }
});

// ---------------------------------------------------------------------------
// loadSettings: sources and precedence

Deno.test("loadSettings() returns the defaults when no source sets anything", async () => {
  const loaded = await loadWith(undefined, { env: {} });
  assert.deepEqual(loaded.settings, { ...DEFAULT_SETTINGS, root: CWD });
  assert.equal(loaded.configFile, null);
  assert.deepEqual(loaded.warnings, []);
  for (const doc of describeSettings()) assert.equal(loaded.sources[doc.name], "default");
});

Deno.test("loadSettings() prefers CLI over BERTH_* over the config file over defaults", async () => {
  type Row = [string, { file?: number; env?: string; cli?: number }, number, string];
  const table: Row[] = [
    ["nothing set", {}, 8000, "default"],
    ["file only", { file: 1001 }, 1001, "file"],
    ["env only", { env: "1002" }, 1002, "env"],
    ["cli only", { cli: 1003 }, 1003, "cli"],
    ["env over file", { file: 1001, env: "1002" }, 1002, "env"],
    ["cli over file", { file: 1001, cli: 1003 }, 1003, "cli"],
    ["cli over env", { env: "1002", cli: 1003 }, 1003, "cli"],
    ["cli over env over file", { file: 1001, env: "1002", cli: 1003 }, 1003, "cli"],
    ["port 0 from cli is kept", { file: 1001, cli: 0 }, 0, "cli"],
  ];
  for (const [label, given, port, source] of table) {
    const loaded = await loadWith(given.file === undefined ? undefined : { port: given.file }, {
      env: given.env === undefined ? {} : { BERTH_PORT: given.env },
      cli: given.cli === undefined ? {} : { port: given.cli },
    });
    assert.equal(loaded.settings.port, port, label);
    assert.equal(loaded.sources.port, source, label);
  }
});

Deno.test("loadSettings() merges nested objects field by field across sources", async () => {
  const loaded = await loadWith(
    { limits: { maxUrlLength: 4096 }, cacheControl: { default: "max-age=60" } },
    {
      env: { BERTH_LIMITS_MAX_HEADER_COUNT: "50", BERTH_CACHE_CONTROL_IMMUTABLE: "max-age=1" },
      cli: { limits: { requestTimeoutMs: 1000 } },
    },
  );
  assert.deepEqual(loaded.settings.limits, {
    maxUrlLength: 4096,
    maxHeaderBytes: 16384,
    maxHeaderCount: 50,
    requestTimeoutMs: 1000,
    headerTimeoutMs: 10000,
    idleTimeoutMs: 10000,
    sendTimeoutMs: 30000,
    streamIdleTimeoutMs: 30000,
    maxConcurrentStreams: 32,
    maxConnections: 0,
    maxConnectionsPerClient: 0,
    maxOpenResponses: 0,
  });
  assert.deepEqual(loaded.settings.cacheControl, { default: "max-age=60", immutable: "max-age=1" });
  assert.equal(loaded.sources["limits.maxUrlLength"], "file");
  assert.equal(loaded.sources["limits.maxHeaderBytes"], "default");
  assert.equal(loaded.sources["limits.maxHeaderCount"], "env");
  assert.equal(loaded.sources["limits.requestTimeoutMs"], "cli");
  assert.equal(loaded.sources["cacheControl.immutable"], "env");
});

Deno.test("loadSettings() merges headers by name, ignoring case, CLI last", async () => {
  const loaded = await loadWith(
    { headers: { "X-Frame-Options": "DENY", "X-From-File": "1" } },
    { cli: { headers: { "x-frame-options": "SAMEORIGIN", "X-From-Cli": "2" } } },
  );
  assert.deepEqual(loaded.settings.headers, {
    "X-From-File": "1",
    "x-frame-options": "SAMEORIGIN",
    "X-From-Cli": "2",
  });
  assert.equal(loaded.sources.headers, "cli");
});

Deno.test("loadSettings() ignores undefined CLI values instead of resetting a setting", async () => {
  const loaded = await loadWith({ port: 1001 }, {
    cli: { port: undefined, host: undefined, limits: { maxUrlLength: undefined } },
  });
  assert.equal(loaded.settings.port, 1001);
  assert.equal(loaded.sources.port, "file");
  assert.equal(loaded.sources.host, "default");
});

Deno.test("loadSettings() resolves config file paths against the file's directory", async () => {
  const files = {
    "/etc/berth/conf/site.jsonc": JSON.stringify({
      root: "../public",
      cert: "tls/cert.pem",
      key: "/abs/key.pem",
    }),
  };
  const loaded = await loadSettings({
    cwd: CWD,
    configPath: "/etc/berth/conf/site.jsonc",
    ...fakeFiles(files),
  });
  assert.equal(loaded.configFile, "/etc/berth/conf/site.jsonc");
  assert.equal(loaded.settings.root, "/etc/berth/public");
  assert.equal(loaded.settings.cert, "/etc/berth/conf/tls/cert.pem");
  assert.equal(loaded.settings.key, "/abs/key.pem");
  assert.equal(loaded.settings.notFoundPage, "404.html", "notFoundPage stays relative to root");
});

Deno.test("loadSettings() resolves CLI and env paths against the working directory", async () => {
  const files = { [`${CWD}/conf/berth.json`]: JSON.stringify({ root: "from-file" }) };
  const loaded = await loadSettings({
    cwd: CWD,
    configPath: "conf/berth.json",
    env: { BERTH_CERT: "certs/c.pem", BERTH_KEY: "certs/k.pem" },
    cli: { root: "./site" },
    ...fakeFiles(files),
  });
  assert.equal(loaded.configFile, `${CWD}/conf/berth.json`);
  assert.equal(loaded.settings.root, `${CWD}/site`);
  assert.equal(loaded.settings.cert, `${CWD}/certs/c.pem`);
  assert.equal(loaded.settings.key, `${CWD}/certs/k.pem`);
});

Deno.test("loadSettings() finds berth.json, then berth.jsonc, in the working directory", async () => {
  const jsonc = `{\n  // comment\n  "port": 2002,\n}`;
  const onlyJsonc = await loadSettings({
    cwd: CWD,
    ...fakeFiles({ [`${CWD}/berth.jsonc`]: jsonc }),
  });
  assert.equal(onlyJsonc.configFile, `${CWD}/berth.jsonc`);
  assert.equal(onlyJsonc.settings.port, 2002);
  assert.deepEqual(onlyJsonc.warnings, []);

  const both = await loadSettings({
    cwd: CWD,
    ...fakeFiles({ [`${CWD}/berth.json`]: '{"port": 2001}', [`${CWD}/berth.jsonc`]: jsonc }),
  });
  assert.equal(both.configFile, `${CWD}/berth.json`);
  assert.equal(both.settings.port, 2001);
  assert.deepEqual(both.warnings, ["Found both berth.json and berth.jsonc: using berth.json"]);
});

Deno.test("loadSettings() treats an unreadable config file in the cwd as absent", async () => {
  const denials = [
    new Deno.errors.NotCapable("Requires read access"),
    new Deno.errors.PermissionDenied("EACCES"),
  ];
  for (const denial of denials) {
    const viaExists = await loadSettings({
      cwd: CWD,
      fileExists: () => Promise.reject(denial),
      readTextFile: () => Promise.reject(new Error("must not read")),
    });
    assert.equal(viaExists.configFile, null, denial.name);
    const viaRead = await loadSettings({
      cwd: CWD,
      fileExists: () => Promise.resolve(true),
      readTextFile: () => Promise.reject(denial),
    });
    assert.equal(viaRead.configFile, null, denial.name);
    assert.equal(viaRead.settings.port, 8000);
  }
});

Deno.test("loadSettings() fails clearly when an explicit config file cannot be read", async () => {
  const table: [Error, string][] = [
    [
      new Deno.errors.NotFound("x"),
      'Cannot read config file "missing.json" (from "--config"): no such file',
    ],
    [
      new Deno.errors.NotCapable("x"),
      `Cannot read config file "missing.json" (from "--config"): read access not granted, run with --allow-read=${CWD}/missing.json`,
    ],
    [
      new Deno.errors.PermissionDenied("x"),
      'Cannot read config file "missing.json" (from "--config"): permission denied',
    ],
    [
      new Deno.errors.IsADirectory("x"),
      'Cannot read config file "missing.json" (from "--config"): it is a directory',
    ],
  ];
  for (const [cause, message] of table) {
    const error = await loadSettings({
      cwd: CWD,
      configPath: "missing.json",
      readTextFile: () => Promise.reject(cause),
      fileExists: () => Promise.resolve(false),
    }).then(() => undefined, (error: unknown) => error);
    assert.ok(error instanceof ConfigError, cause.name);
    assert.equal(error.message, message);
    assert.equal(error.cause, cause);
  }
  await assert.rejects(
    loadSettings({ cwd: CWD, configPath: "", ...fakeFiles({}) }),
    { name: "ConfigError", message: 'Invalid "--config": "" is not a file path' },
  );
});

Deno.test("loadSettings() reads BERTH_CONFIG, and --config beats it", async () => {
  const files = {
    [`${CWD}/env.json`]: '{"port": 3001}',
    [`${CWD}/cli.json`]: '{"port": 3002}',
  };
  const fromEnv = await loadSettings({
    cwd: CWD,
    env: { BERTH_CONFIG: "env.json" },
    ...fakeFiles(files),
  });
  assert.equal(fromEnv.settings.port, 3001);
  assert.equal(fromEnv.configFile, `${CWD}/env.json`);
  const fromCli = await loadSettings({
    cwd: CWD,
    configPath: "cli.json",
    env: { BERTH_CONFIG: "env.json" },
    ...fakeFiles(files),
  });
  assert.equal(fromCli.settings.port, 3002);
  await assert.rejects(
    loadSettings({ cwd: CWD, env: { BERTH_CONFIG: "nope.json" }, ...fakeFiles(files) }),
    { message: 'Cannot read config file "nope.json" (from "BERTH_CONFIG"): no such file' },
  );
});

Deno.test("loadSettings() ignores the environment when env access is not granted", async () => {
  const loaded = await loadWith({ port: 1001 }, { env: undefined });
  assert.equal(loaded.settings.port, 1001);
  assert.equal(loaded.sources.port, "file");
});

// ---------------------------------------------------------------------------
// environment variables

Deno.test("loadSettings() parses boolean variables as true/false/1/0/yes/no", async () => {
  const table: [string, boolean][] = [
    ["true", true],
    ["false", false],
    ["1", true],
    ["0", false],
    ["yes", true],
    ["no", false],
    ["TRUE", true],
    ["No", false],
    [" yes ", true],
    ["on", true],
    ["off", false],
  ];
  for (const [text, expected] of table) {
    const loaded = await loadWith(undefined, { env: { BERTH_LISTING: text, BERTH_QUIET: text } });
    assert.equal(loaded.settings.listing, expected, text);
    assert.equal(loaded.settings.quiet, expected, text);
    assert.equal(loaded.sources.listing, "env");
  }
  const off = await loadWith(undefined, { env: { BERTH_SECURITY_HEADERS: "0" } });
  assert.equal(off.settings.securityHeaders, false);
});

Deno.test("loadSettings() treats an empty variable as unset", async () => {
  const loaded = await loadWith({ port: 1001 }, { env: { BERTH_PORT: "", BERTH_HOST: "" } });
  assert.equal(loaded.settings.port, 1001);
  assert.equal(loaded.settings.host, "127.0.0.1");
});

Deno.test("loadSettings() reads every scalar setting from its variable", async () => {
  const loaded = await loadWith(undefined, {
    env: {
      BERTH_ROOT: "site",
      BERTH_HOST: "::1",
      BERTH_PORT: "8080",
      BERTH_DOTFILES: "no",
      BERTH_CORS: "yes",
      BERTH_LOG_FORMAT: "json",
      BERTH_CERT: "c.pem",
      BERTH_KEY: "k.pem",
      BERTH_INDEX: "index.html, index.htm,,",
      BERTH_NOT_FOUND_PAGE: "errors/404.html",
      BERTH_SHUTDOWN_TIMEOUT_MS: "0",
      BERTH_LIMITS_MAX_URL_LENGTH: "2048",
    },
  });
  const s = loaded.settings;
  assert.equal(s.root, `${CWD}/site`);
  assert.equal(s.host, "::1");
  assert.equal(s.port, 8080);
  assert.equal(s.dotfiles, false);
  assert.equal(s.cors, true);
  assert.equal(s.logFormat, "json");
  assert.equal(s.cert, `${CWD}/c.pem`);
  assert.equal(s.key, `${CWD}/k.pem`);
  assert.deepEqual(s.index, ["index.html", "index.htm"]);
  assert.equal(s.notFoundPage, "errors/404.html");
  assert.equal(s.shutdownTimeoutMs, 0);
  assert.equal(s.limits.maxUrlLength, 2048);
  assert.deepEqual(loaded.warnings, []);
});

Deno.test("loadSettings() names the variable, the value and what is allowed", async () => {
  const table: [Record<string, string>, string][] = [
    [
      { BERTH_LISTING: "maybe" },
      'Invalid environment variable "BERTH_LISTING": "maybe" is not a boolean (true, false, 1, 0, yes or no)',
    ],
    [
      { BERTH_CORS: "2" },
      'Invalid environment variable "BERTH_CORS": "2" is not a boolean (true, false, 1, 0, yes or no)',
    ],
    [
      { BERTH_PORT: "80x" },
      'Invalid environment variable "BERTH_PORT": "80x" is not an integer between 0 and 65535',
    ],
    [
      { BERTH_PORT: "70000" },
      'Invalid environment variable "BERTH_PORT": "70000" is not an integer between 0 and 65535',
    ],
    [
      { BERTH_PORT: "-1" },
      'Invalid environment variable "BERTH_PORT": "-1" is not an integer between 0 and 65535',
    ],
    [
      { BERTH_PORT: "1e3" },
      'Invalid environment variable "BERTH_PORT": "1e3" is not an integer between 0 and 65535',
    ],
    [
      { BERTH_PORT: "0x50" },
      'Invalid environment variable "BERTH_PORT": "0x50" is not an integer between 0 and 65535',
    ],
    [
      { BERTH_LOG_FORMAT: "xml" },
      'Invalid environment variable "BERTH_LOG_FORMAT": "xml" is not "pretty", "json" or "auto"',
    ],
    [
      { BERTH_HOST: "a b" },
      'Invalid environment variable "BERTH_HOST": "a b" is not a host name or IP address (IPv6 without brackets)',
    ],
    [
      { BERTH_INDEX: "index.html,a/b" },
      'Invalid environment variable "BERTH_INDEX": "a/b" (in "index.html,a/b") is not a file name without slashes',
    ],
    [
      { BERTH_LIMITS_MAX_URL_LENGTH: "10" },
      'Invalid environment variable "BERTH_LIMITS_MAX_URL_LENGTH": "10" is not an integer between 64 and 1048576',
    ],
    [
      { BERTH_CACHE_CONTROL_DEFAULT: "a\r\nSet-Cookie: x" },
      'Invalid environment variable "BERTH_CACHE_CONTROL_DEFAULT": "a\\r\\nSet-Cookie: x" is not a non-empty header value',
    ],
    [
      { BERTH_KEY: "k.pem" },
      'Invalid settings: "key" is set but "cert" is not: TLS needs both the certificate and its private key ("key" is set by "BERTH_KEY")',
    ],
  ];
  for (const [env, message] of table) {
    const actual = await loadError(undefined, { env });
    assert.equal(actual, message);
    assertOneLineMessage(actual);
  }
});

Deno.test("loadSettings() reads a fractional BERTH_ number like the same value in berth.json", async () => {
  // Regression: variables once took integers only, so 0.5 worked in the file and failed here.
  const fromFile = await loadWith({ rateLimit: { requestsPerSecond: 0.5 } });
  for (const text of ["0.5", " 0.5 ", "+0.5"]) {
    const loaded = await loadWith(undefined, {
      env: { BERTH_RATE_LIMIT_REQUESTS_PER_SECOND: text },
    });
    assert.equal(loaded.settings.rateLimit.requestsPerSecond, 0.5, JSON.stringify(text));
    assert.deepEqual(loaded.settings.rateLimit, fromFile.settings.rateLimit);
  }
  const table: [Record<string, string>, string][] = [
    [
      { BERTH_RATE_LIMIT_REQUESTS_PER_SECOND: ".5" },
      'Invalid environment variable "BERTH_RATE_LIMIT_REQUESTS_PER_SECOND": ".5" is not a number between 0 and 1000000',
    ],
    [
      { BERTH_RATE_LIMIT_REQUESTS_PER_SECOND: "1e3" },
      'Invalid environment variable "BERTH_RATE_LIMIT_REQUESTS_PER_SECOND": "1e3" is not a number between 0 and 1000000',
    ],
    [
      { BERTH_PORT: "80.5" },
      'Invalid environment variable "BERTH_PORT": "80.5" is not an integer between 0 and 65535',
    ],
  ];
  for (const [env, message] of table) assert.equal(await loadError(undefined, { env }), message);
});

Deno.test("loadSettings() warns about unknown BERTH_ variables and suggests a name", async () => {
  const loaded = await loadWith(undefined, {
    env: { BERTH_PROT: "1", BERTH_ZZZZZZZZ: "1", HOME: "/root", BERTH_CONFIG: "" },
  });
  assert.deepEqual(loaded.warnings, [
    'Ignoring unknown environment variable "BERTH_PROT" (did you mean "BERTH_PORT"?)',
    'Ignoring unknown environment variable "BERTH_ZZZZZZZZ"',
  ]);
});

// ---------------------------------------------------------------------------
// hostile config files

Deno.test("loadSettings() names the field, value and allowed values for bad config", async () => {
  const long = "x".repeat(100_000);
  const table: [unknown, string][] = [
    [
      { port: 70000 },
      'Invalid config "port" in berth.json: 70000 is not an integer between 0 and 65535',
    ],
    [
      { port: "8000" },
      'Invalid config "port" in berth.json: "8000" is not an integer between 0 and 65535',
    ],
    [
      { port: 80.5 },
      'Invalid config "port" in berth.json: 80.5 is not an integer between 0 and 65535',
    ],
    [{ port: -1 }, 'Invalid config "port" in berth.json: -1 is not an integer between 0 and 65535'],
    [
      '{"port": 1e999}',
      'Invalid config "port" in berth.json: Infinity is not an integer between 0 and 65535',
    ],
    [
      '{"port": 99999999999999999999999}',
      'Invalid config "port" in berth.json: 1e+23 is not an integer between 0 and 65535',
    ],
    [
      { port: null },
      'Invalid config "port" in berth.json: null is not an integer between 0 and 65535',
    ],
    [
      { port: true },
      'Invalid config "port" in berth.json: true is not an integer between 0 and 65535',
    ],
    [
      { port: [80] },
      'Invalid config "port" in berth.json: [80] is not an integer between 0 and 65535',
    ],
    [
      { port: { value: 80 } },
      'Invalid config "port" in berth.json: {"value":80} is not an integer between 0 and 65535',
    ],
    [
      { host: 5 },
      'Invalid config "host" in berth.json: 5 is not a host name or IP address (IPv6 without brackets)',
    ],
    [
      { host: "" },
      'Invalid config "host" in berth.json: "" is not a host name or IP address (IPv6 without brackets)',
    ],
    [
      { host: "[::1]" },
      'Invalid config "host" in berth.json: "[::1]" is not a host name or IP address (IPv6 without brackets)',
    ],
    [
      { host: "evil.com/x" },
      'Invalid config "host" in berth.json: "evil.com/x" is not a host name or IP address (IPv6 without brackets)',
    ],
    [{ root: "" }, 'Invalid config "root" in berth.json: "" is not a directory path'],
    [{ root: 1 }, 'Invalid config "root" in berth.json: 1 is not a directory path'],
    [{ listing: "yes" }, 'Invalid config "listing" in berth.json: "yes" is not true or false'],
    [{ dotfiles: 1 }, 'Invalid config "dotfiles" in berth.json: 1 is not true or false'],
    [{ cors: null }, 'Invalid config "cors" in berth.json: null is not true or false'],
    [{ quiet: "false" }, 'Invalid config "quiet" in berth.json: "false" is not true or false'],
    [
      { securityHeaders: 0 },
      'Invalid config "securityHeaders" in berth.json: 0 is not true or false',
    ],
    [
      { logFormat: "xml" },
      'Invalid config "logFormat" in berth.json: "xml" is not "pretty", "json" or "auto"',
    ],
    [
      { logFormat: "JSON" },
      'Invalid config "logFormat" in berth.json: "JSON" is not "pretty", "json" or "auto"',
    ],
    [
      { headers: [] },
      'Invalid config "headers" in berth.json: [] is not an object of header names to string values',
    ],
    [
      { headers: "X-A: 1" },
      'Invalid config "headers" in berth.json: "X-A: 1" is not an object of header names to string values',
    ],
    [
      { headers: { "Bad Name": "x" } },
      'Invalid config "headers" in berth.json: "Bad Name" is not a header name (letters, digits and !#$%&\'*+-.^_`|~)',
    ],
    [
      { headers: { "X-A:": "x" } },
      'Invalid config "headers" in berth.json: "X-A:" is not a header name (letters, digits and !#$%&\'*+-.^_`|~)',
    ],
    [
      { headers: { "": "x" } },
      'Invalid config "headers" in berth.json: "" is not a header name (letters, digits and !#$%&\'*+-.^_`|~)',
    ],
    [
      { headers: { "X-A": 1 } },
      'Invalid config "headers.X-A" in berth.json: 1 is not a header value of printable Latin-1 characters (no CR, LF or other control characters)',
    ],
    [
      { headers: { "X-A": "a\r\nSet-Cookie: evil=1" } },
      'Invalid config "headers.X-A" in berth.json: "a\\r\\nSet-Cookie: evil=1" is not a header value of printable Latin-1 characters (no CR, LF or other control characters)',
    ],
    [
      { headers: { "X-A": "a\u0000b" } },
      'Invalid config "headers.X-A" in berth.json: "a\\u0000b" is not a header value of printable Latin-1 characters (no CR, LF or other control characters)',
    ],
    [
      '{"headers": {"__proto__": "x"}}',
      'Invalid config "headers.__proto__" in berth.json: "__proto__" is a reserved name, not allowed as a key',
    ],
    [
      '{"__proto__": {"port": 1}}',
      'Invalid config "__proto__" in berth.json: "__proto__" is a reserved name, not allowed as a key',
    ],
    [
      { constructor: { prototype: {} } },
      'Invalid config "constructor" in berth.json: "constructor" is a reserved name, not allowed as a key',
    ],
    [
      { limits: { prototype: 1 } },
      'Invalid config "limits.prototype" in berth.json: "prototype" is a reserved name, not allowed as a key',
    ],
    [
      { headers: { constructor: "x" } },
      'Invalid config "headers.constructor" in berth.json: "constructor" is a reserved name, not allowed as a key',
    ],
    [{ prot: 80 }, 'Unknown config key "prot" in berth.json: did you mean "port"?'],
    [{ Port: 80 }, 'Unknown config key "Port" in berth.json: did you mean "port"?'],
    [
      { frobnicate: true },
      'Unknown config key "frobnicate" in berth.json: allowed keys are root, host, port, listing, dotfiles, cors, headers, cert, key, logFormat, quiet, cacheControl, securityHeaders, index, notFoundPage, cache, frozen, compress, workers, shutdownTimeoutMs, limits, spa, cleanUrls, trailingSlash, headerRules, redirectRules, watchRules, internalPrefix, basePath, metrics, metricsAccess, readyFile, access, auth, rateLimit, trustProxy, trustedProxies, proxyHeader, auditLog',
    ],
    [
      { limits: { maxUrl: 1 } },
      'Unknown config key "limits.maxUrl" in berth.json: allowed keys in "limits" are maxUrlLength, maxHeaderBytes, maxHeaderCount, requestTimeoutMs, headerTimeoutMs, idleTimeoutMs, sendTimeoutMs, streamIdleTimeoutMs, maxConcurrentStreams, maxConnections, maxConnectionsPerClient, maxOpenResponses',
    ],
    [
      { limits: { maxUrlLenght: 9000 } },
      'Unknown config key "limits.maxUrlLenght" in berth.json: did you mean "limits.maxUrlLength"?',
    ],
    [
      { cacheControl: { immutable: "x", extra: { deep: 1 } } },
      'Unknown config key "cacheControl.extra" in berth.json: allowed keys in "cacheControl" are default, immutable',
    ],
    [
      { limits: [] },
      'Invalid config "limits" in berth.json: [] is not an object with the keys maxUrlLength, maxHeaderBytes, maxHeaderCount, requestTimeoutMs, headerTimeoutMs, idleTimeoutMs, sendTimeoutMs, streamIdleTimeoutMs, maxConcurrentStreams, maxConnections, maxConnectionsPerClient and maxOpenResponses',
    ],
    [
      { limits: 5 },
      'Invalid config "limits" in berth.json: 5 is not an object with the keys maxUrlLength, maxHeaderBytes, maxHeaderCount, requestTimeoutMs, headerTimeoutMs, idleTimeoutMs, sendTimeoutMs, streamIdleTimeoutMs, maxConcurrentStreams, maxConnections, maxConnectionsPerClient and maxOpenResponses',
    ],
    [
      { limits: { maxUrlLength: 1 } },
      'Invalid config "limits.maxUrlLength" in berth.json: 1 is not an integer between 64 and 1048576',
    ],
    [
      { limits: { maxHeaderCount: 1e9 } },
      'Invalid config "limits.maxHeaderCount" in berth.json: 1000000000 is not an integer between 8 and 10000',
    ],
    [
      { limits: { requestTimeoutMs: 2 ** 31 } },
      'Invalid config "limits.requestTimeoutMs" in berth.json: 2147483648 is not an integer between 100 and 2147483647',
    ],
    [
      { cacheControl: { default: 5 } },
      'Invalid config "cacheControl.default" in berth.json: 5 is not a non-empty header value',
    ],
    [
      { cacheControl: { default: "" } },
      'Invalid config "cacheControl.default" in berth.json: "" is not a non-empty header value',
    ],
    [
      { cacheControl: { immutable: "a\nb" } },
      'Invalid config "cacheControl.immutable" in berth.json: "a\\nb" is not a non-empty header value',
    ],
    [
      { index: "index.html" },
      'Invalid config "index" in berth.json: "index.html" is not a list of file names without slashes',
    ],
    [
      { index: [1] },
      'Invalid config "index[0]" in berth.json: 1 is not a file name without slashes',
    ],
    [
      { index: ["index.html", "../etc/passwd"] },
      'Invalid config "index[1]" in berth.json: "../etc/passwd" is not a file name without slashes',
    ],
    [
      { index: [".."] },
      'Invalid config "index[0]" in berth.json: ".." is not a file name without slashes',
    ],
    [
      { index: [""] },
      'Invalid config "index[0]" in berth.json: "" is not a file name without slashes',
    ],
    [
      { notFoundPage: "/etc/passwd" },
      'Invalid config "notFoundPage" in berth.json: "/etc/passwd" is not a path inside root without ".." segments',
    ],
    [
      { notFoundPage: "../secret.html" },
      'Invalid config "notFoundPage" in berth.json: "../secret.html" is not a path inside root without ".." segments',
    ],
    [
      { notFoundPage: "a/../../b" },
      'Invalid config "notFoundPage" in berth.json: "a/../../b" is not a path inside root without ".." segments',
    ],
    [
      { notFoundPage: "a\\..\\b" },
      'Invalid config "notFoundPage" in berth.json: "a\\\\..\\\\b" is not a path inside root without ".." segments',
    ],
    [
      { shutdownTimeoutMs: -1 },
      'Invalid config "shutdownTimeoutMs" in berth.json: -1 is not an integer between 0 and 2147483647',
    ],
    [
      { shutdownTimeoutMs: 1e20 },
      'Invalid config "shutdownTimeoutMs" in berth.json: 100000000000000000000 is not an integer between 0 and 2147483647',
    ],
    [{ cert: "", key: "k" }, 'Invalid config "cert" in berth.json: "" is not a file path'],
    [
      { cert: "c.pem" },
      'Invalid settings: "cert" is set but "key" is not: TLS needs both the certificate and its private key ("cert" is set in berth.json)',
    ],
    [
      { host: long },
      `Invalid config "host" in berth.json: "${
        "x".repeat(58)
      }… is not a host name or IP address (IPv6 without brackets)`,
    ],
    [[], "Invalid config in berth.json: [] is not an object of settings"],
    [[{ port: 1 }], 'Invalid config in berth.json: [{"port":1}] is not an object of settings'],
    ['"port"', 'Invalid config in berth.json: "port" is not an object of settings'],
    ["null", "Invalid config in berth.json: null is not an object of settings"],
    ["42", "Invalid config in berth.json: 42 is not an object of settings"],
    ["", "Cannot parse berth.json:1:1: expected a value but found the end of the file"],
    [
      '{"port": 80',
      'Cannot parse berth.json:1:12: expected "," or "}" but found the end of the file',
    ],
    [
      '{"limits": ' + "[".repeat(1000),
      "Cannot parse berth.json:1:75: arrays and objects nested deeper than 64 levels",
    ],
  ];
  for (const [config, message] of table) {
    const actual = await loadError(config);
    assert.equal(actual, message, formatValue(config));
    assertOneLineMessage(actual);
  }
  // The defaults are untouched by all of the above.
  assert.equal(({} as Record<string, unknown>).port, undefined);
  assert.equal(DEFAULT_SETTINGS.port, 8000);
});

Deno.test("loadSettings() says how many more problems a config file has", async () => {
  // Problems are reported in schema order: host comes before port.
  const message = await loadError({ port: "x", host: 1, listing: "no" });
  assert.equal(
    message,
    'Invalid config "host" in berth.json: 1 is not a host name or IP address (IPv6 without brackets) (and 2 more problems)',
  );
  assert.doesNotMatch(await loadError('{"port": 1e999}'), /more problem/);
});

Deno.test("loadSettings() rejects bad programmatic CLI values with a clear message", async () => {
  const table: [Record<string, unknown>, string][] = [
    [
      { port: 70000 },
      'Invalid command-line value for "port": 70000 is not an integer between 0 and 65535',
    ],
    [
      { bogus: 1 },
      'Unknown setting "bogus": allowed keys are root, host, port, listing, dotfiles, cors, headers, cert, key, logFormat, quiet, cacheControl, securityHeaders, index, notFoundPage, cache, frozen, compress, workers, shutdownTimeoutMs, limits, spa, cleanUrls, trailingSlash, headerRules, redirectRules, watchRules, internalPrefix, basePath, metrics, metricsAccess, readyFile, access, auth, rateLimit, trustProxy, trustedProxies, proxyHeader, auditLog',
    ],
    [
      { headers: JSON.parse('{"__proto__": "x"}') },
      'Invalid command-line value for "headers.__proto__": "__proto__" is a reserved name, not allowed as a key',
    ],
    [
      { cert: "c.pem" },
      'Invalid settings: "cert" is set but "key" is not: TLS needs both the certificate and its private key ("cert" is set on the command line)',
    ],
  ];
  for (const [cli, message] of table) {
    const actual = await loadError(undefined, { cli: cli as LoadSettingsOptions["cli"] });
    assert.equal(actual, message);
  }
});

Deno.test("loadSettings() accepts TLS files split across sources", async () => {
  const loaded = await loadWith({ cert: "c.pem" }, { env: { BERTH_KEY: "/keys/k.pem" } });
  assert.equal(loaded.settings.cert, `${CWD}/c.pem`);
  assert.equal(loaded.settings.key, "/keys/k.pem");
  assert.equal(loaded.sources.cert, "file");
  assert.equal(loaded.sources.key, "env");
});

Deno.test("loadSettings() ends generated hostile configs in a ConfigError or valid settings", async () => {
  const docs = describeSettings();
  const samples: unknown[] = [
    null,
    true,
    false,
    0,
    -1,
    1.5,
    65536,
    2 ** 53,
    -(2 ** 53),
    "",
    " ",
    "a\nb",
    "\u0000",
    "../..",
    "x".repeat(5000),
    [],
    [null],
    ["a", 1],
    {},
    { __proto__: null, a: 1 },
    { nested: { deeper: [] } },
  ];
  let seed = 7;
  const random = () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  let failures = 0;
  for (let i = 0; i < 600; i++) {
    const config: Record<string, unknown> = {};
    const fields = 1 + Math.floor(random() * 3);
    for (let j = 0; j < fields; j++) {
      const [top, child] = docs[Math.floor(random() * docs.length)].name.split(".");
      const value = samples[Math.floor(random() * samples.length)];
      config[top] = child === undefined ? value : { [child]: value };
    }
    try {
      const loaded = await loadWith(config);
      assert.ok(v.is(SETTINGS_SCHEMA, loaded.settings), "loaded settings satisfy the schema");
    } catch (error) {
      failures++;
      assert.ok(error instanceof ConfigError, `${formatValue(config)} threw ${error}`);
      assertOneLineMessage(error.message);
      assert.match(error.message, /^(Invalid config "|Invalid settings: |Unknown config key ")/);
    }
  }
  assert.ok(failures > 300, "most generated configs are invalid");
});

// ---------------------------------------------------------------------------
// warnings

Deno.test("collectWarnings() is silent for the defaults", () => {
  assert.deepEqual(collectWarnings(DEFAULT_SETTINGS), []);
});

Deno.test("collectWarnings() flags public binds, dotfiles, listings and risky headers", () => {
  const table: [Partial<Settings>, RegExp[]][] = [
    [{ host: "0.0.0.0" }, [/^"host" is "0\.0\.0\.0": berth listens on every network interface/]],
    [{ host: "::" }, [/^"host" is "::": berth listens on every network interface/]],
    [{ host: "192.168.1.5" }, [/^"host" is "192\.168\.1\.5", not a loopback address/]],
    [{ host: "localhost" }, []],
    [{ host: "127.0.0.2" }, []],
    [{ host: "::1" }, []],
    [{ listing: true }, []],
    [
      { host: "0.0.0.0", listing: true },
      [/every network interface/, /^"listing" is on with a public "host"/],
    ],
    [{ dotfiles: true }, [/^"dotfiles" is on: names starting with "\." such as \.git and \.env/]],
    [
      {
        headers: {
          "access-control-allow-origin": "*",
          "Access-Control-Allow-Credentials": "TRUE",
        },
      },
      [/^"Access-Control-Allow-Origin: \*" with "Access-Control-Allow-Credentials: true"/],
    ],
    [
      { cors: true, headers: { "Access-Control-Allow-Credentials": "true" } },
      [/browsers reject credentialed requests/],
    ],
    [{ headers: { "Access-Control-Allow-Origin": "*" } }, []],
    [
      {
        headers: {
          "Access-Control-Allow-Origin": "https://a.example",
          "Access-Control-Allow-Credentials": "true",
        },
      },
      [],
    ],
    [{ securityHeaders: false }, [/^"securityHeaders" is off/]],
    [{ root: "/" }, [/^"root" is "\/": the whole filesystem is served/]],
  ];
  for (const [overrides, expected] of table) {
    const warnings = collectWarnings({ ...DEFAULT_SETTINGS, ...overrides } as Settings);
    assert.equal(warnings.length, expected.length, `${formatValue(overrides)}: ${warnings}`);
    expected.forEach((pattern, i) => assert.match(warnings[i], pattern));
    for (const warning of warnings) assertOneLineMessage(warning.replace(/^"/, "X"));
  }
});

Deno.test("isPublicHost() treats only loopback addresses as private", () => {
  const table: [string, boolean][] = [
    ["127.0.0.1", false],
    ["127.1.2.3", false],
    ["localhost", false],
    ["LOCALHOST", false],
    ["::1", false],
    ["0:0:0:0:0:0:0:1", false],
    ["::ffff:127.0.0.1", false],
    ["0.0.0.0", true],
    ["::", true],
    ["10.0.0.1", true],
    ["example.com", true],
    ["127.0.0.1.example.com", true],
  ];
  for (const [host, expected] of table) assert.equal(isPublicHost(host), expected, host);
});

Deno.test("loadSettings() includes the settings warnings in its result", async () => {
  const loaded = await loadWith({ host: "0.0.0.0", dotfiles: true });
  assert.equal(loaded.warnings.length, 2);
  assert.match(loaded.warnings[0], /every network interface/);
  assert.match(loaded.warnings[1], /"dotfiles" is on/);
});

Deno.test("loadSettings() reads a real berth.jsonc with the default Deno file access", async () => {
  const dir = await Deno.makeTempDir({ prefix: "berth_config_test_" });
  try {
    await Deno.mkdir(`${dir}/berth.json`); // a directory is not a config file
    await Deno.writeTextFile(
      `${dir}/berth.jsonc`,
      '{\n  // served from a sibling directory\n  "root": "./public",\n  "port": 0,\n}\n',
    );
    const loaded = await loadSettings({ cwd: dir, env: {} });
    assert.equal(loaded.configFile, `${dir}/berth.jsonc`);
    assert.equal(loaded.settings.root, `${dir}/public`);
    assert.equal(loaded.settings.port, 0);
    await assert.rejects(loadSettings({ cwd: dir, configPath: "missing.json" }), {
      name: "ConfigError",
      message: 'Cannot read config file "missing.json" (from "--config"): no such file',
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
