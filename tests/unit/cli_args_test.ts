/**
 * @module
 * Unit tests for lib/cli/args.ts: every flag, subcommands, help/version and
 * every error message shape.
 */

import assert from "node:assert/strict";
import { CLI_OPTIONS, CliError, type CliValues, parseCli } from "../../lib/cli/args.ts";
import { loadSettings } from "../../lib/config/load.ts";
import { describeSettings } from "../../lib/config/settings_docs.ts";

/** Parses argv that must mean "serve" and returns its values. */
function serveValues(argv: string[]): CliValues {
  const command = parseCli(argv);
  assert.equal(command.kind, "serve", argv.join(" "));
  return (command as { values: CliValues }).values;
}

/** Asserts that argv is rejected with a CliError and returns its message. */
function cliError(argv: string[]): string {
  try {
    parseCli(argv);
  } catch (error) {
    assert.ok(error instanceof CliError, `expected a CliError, got ${error}`);
    assert.doesNotMatch(error.message, /\n/, "one line");
    assert.doesNotMatch(error.message, /ERR_PARSE_ARGS|Option '|argument is ambiguous/);
    assert.doesNotMatch(error.message, /\.$/, "no final period");
    return error.message;
  }
  assert.fail(`expected ${JSON.stringify(argv)} to be rejected`);
}

Deno.test("parseCli() returns serve with no settings for an empty command line", () => {
  assert.deepEqual(parseCli([]), { kind: "serve", values: { settings: {} } });
});

Deno.test("parseCli() maps every flag to its setting", () => {
  const table: [string[], CliValues][] = [
    [["./site"], { settings: { root: "./site" } }],
    [["--host", "0.0.0.0"], { settings: { host: "0.0.0.0" } }],
    [["--host=::1"], { settings: { host: "::1" } }],
    [["--port", "8080"], { settings: { port: 8080 } }],
    [["--port=0"], { settings: { port: 0 } }],
    [["-p", "8080"], { settings: { port: 8080 } }],
    [["-p0"], { settings: { port: 0 } }],
    [["--port", "65535"], { settings: { port: 65535 } }],
    [["--port", "00080"], { settings: { port: 80 } }],
    [["--listing"], { settings: { listing: true } }],
    [["--dotfiles"], { settings: { dotfiles: true } }],
    [["--cors"], { settings: { cors: true } }],
    [["--header", "X-A: 1"], { settings: { headers: { "X-A": "1" } } }],
    [["--header=X-Empty:"], { settings: { headers: { "X-Empty": "" } } }],
    [["--header", "X-Url:  http://a:b/c  "], {
      settings: { headers: { "X-Url": "http://a:b/c" } },
    }],
    [["--cert", "c.pem", "--key", "k.pem"], { settings: { cert: "c.pem", key: "k.pem" } }],
    [["--config", "conf/berth.jsonc"], { settings: {}, configPath: "conf/berth.jsonc" }],
    [["--log-format", "json"], { settings: { logFormat: "json" } }],
    [["--log-format=pretty"], { settings: { logFormat: "pretty" } }],
    [["--quiet"], { settings: { quiet: true } }],
    [["--no-security-headers"], { settings: { securityHeaders: false } }],
    [["--listing=false", "--cors=yes", "--quiet=0"], {
      settings: { listing: false, cors: true, quiet: false },
    }],
    [["--no-security-headers=false"], { settings: { securityHeaders: true } }],
    [["--port", "1", "--port", "2"], { settings: { port: 2 } }],
    [["--port", "9000", "site"], { settings: { port: 9000, root: "site" } }],
    [["site", "--port", "9000"], { settings: { port: 9000, root: "site" } }],
    [["--", "--weird-dir"], { settings: { root: "--weird-dir" } }],
    [["-"], { settings: { root: "-" } }],
  ];
  for (const [argv, expected] of table) {
    assert.deepEqual(serveValues(argv), expected, argv.join(" "));
  }
});

Deno.test("parseCli() collects repeated --header flags, a later name replacing an earlier one", () => {
  const values = serveValues([
    "--header",
    "X-Frame-Options: DENY",
    "--header",
    "Cache-Control: no-store",
    "--header",
    "x-frame-options: SAMEORIGIN",
    "--header=Link: </a.css>; rel=preload",
  ]);
  assert.deepEqual(values.settings.headers, {
    "Cache-Control": "no-store",
    "x-frame-options": "SAMEORIGIN",
    "Link": "</a.css>; rel=preload",
  });
});

Deno.test("parseCli() rejects bad --port values with one clear line", () => {
  const table = [
    "80x",
    "-1",
    "65536",
    "",
    "1e3",
    " 80",
    "80 ",
    "0x50",
    "+80",
    "8.0",
    "٨٠",
    "99999999999999999999",
  ];
  for (const value of table) {
    const expected = `Cannot parse "--port": ${
      JSON.stringify(value)
    } is not a number between 0 and 65535`;
    assert.equal(cliError(["--port", value]), expected, JSON.stringify(value));
    assert.equal(cliError([`--port=${value}`]), expected, `--port=${value}`);
  }
});

Deno.test("parseCli() reads a fractional --rate-limit like the same value in berth.json", () => {
  // Regression: flags once took digits only, so 0.5 worked in the file and failed here.
  for (const argv of [["--rate-limit", "0.5"], ["--rate-limit=0.5"]]) {
    assert.deepEqual(serveValues(argv).settings, { rateLimit: { requestsPerSecond: 0.5 } });
  }
  assert.deepEqual(serveValues(["--rate-limit", "20"]).settings, {
    rateLimit: { requestsPerSecond: 20 },
  });
  for (const value of [".5", "0.5x", "1e3", "+0.5", " 0.5", "-0.5", "0x10", ""]) {
    assert.equal(
      cliError(["--rate-limit", value]),
      `Cannot parse "--rate-limit": ${JSON.stringify(value)} is not a number between 0 and 1000000`,
      JSON.stringify(value),
    );
  }
});

Deno.test("parseCli() names unknown options and suggests close ones", () => {
  const table: [string[], string][] = [
    [["--frobnicate"], 'Unknown option "--frobnicate": run "berth --help" to see the options'],
    [["--frobnicate=1"], 'Unknown option "--frobnicate": run "berth --help" to see the options'],
    [["-x"], 'Unknown option "-x": run "berth --help" to see the options'],
    [["-y", "80"], 'Unknown option "-y": run "berth --help" to see the options'],
    [["--prot", "80"], 'Unknown option "--prot": did you mean "--port"?'],
    [["--lisitng"], 'Unknown option "--lisitng": did you mean "--listing"?'],
    [["--logformat", "json"], 'Unknown option "--logformat": did you mean "--log-format"?'],
    [["--PORT", "80"], 'Unknown option "--PORT": did you mean "--port"?'],
    [["site", "--no-cors"], 'Unknown option "--no-cors": use "--cors=false"'],
    [["--no-listing"], 'Unknown option "--no-listing": use "--listing=false"'],
    [["--no-port"], 'Unknown option "--no-port": run "berth --help" to see the options'],
  ];
  for (const [argv, message] of table) assert.equal(cliError(argv), message, argv.join(" "));
});

Deno.test("parseCli() points the flags of other static servers to berth's equivalent", () => {
  const table: [string, RegExp][] = [
    ["--single", /: "--single" is "--spa" in berth$/],
    ["-s", /"--spa" \(single-page app\) or "--quiet"/],
    ["--silent", /"--silent" is "--quiet" in berth/],
    ["-v", /the version is "-V" or "--version", and requests are logged unless "--quiet"/],
    ["--verbose", /berth logs every request unless "--quiet"/],
    ["--gzip", /berth compresses by default .*"compress" settings/],
    ["-g", /berth compresses by default/],
    ["--brotli", /berth compresses by default/],
    ["-u", /"-u" is "--compress=false" in berth/],
    ["--open", /berth never opens a browser/],
    ["-o", /berth never opens a browser/],
    ["-a", /"-a" is "--host" in berth/],
    ["--address", /"--address" is "--host" in berth/],
    ["--interfaces", /"--interfaces" is "--host" in berth/],
    ["-d", /"-d" is "--listing" \(directory listings\) or "--dotfiles" in berth; .*ROOT argument/],
    ["--dir", /the directory to serve is the ROOT argument/],
    ["--root", /the directory to serve is the ROOT argument/],
    ["-c", /"cacheControl" setting, CORS is "--cors", a config file is "--config FILE"/],
    ["--cache", /"--cache" is the "cacheControl" setting in berth/],
    ["--maxage", /"cacheControl" setting/],
    ["-S", /berth serves HTTPS when given "--cert FILE" and "--key FILE"/],
    ["--ssl", /berth serves HTTPS when given "--cert FILE" and "--key FILE"/],
    ["-C", /"-C" is "--cert FILE" \(or "--cors"\) in berth/],
    ["-K", /"-K" is "--key FILE" in berth/],
    ["--ssl-cert", /"--ssl-cert" is "--cert" in berth/],
    ["--tls-key", /"--tls-key" is "--key" in berth/],
    ["-e", /"-e" is "--clean-urls" in berth/],
    ["--pretty-urls", /"--pretty-urls" is "--clean-urls" in berth/],
    ["--index", /"index" setting/],
    ["--auth", /"berth user add"/],
    ["--password", /"berth user add" reads the password from stdin/],
  ];
  for (const [flag, pointer] of table) {
    const message = cliError(["./site", flag]);
    assert.ok(message.startsWith(`Unknown option "${flag}": `), message);
    assert.match(message, pointer, flag);
  }
  // Flags berth has keep their meaning.
  assert.deepEqual(serveValues(["--cors", "--spa", "--quiet"]).settings, {
    cors: true,
    spa: "index.html",
    quiet: true,
  });
});

Deno.test("parseCli() reports missing and misplaced values", () => {
  const table: [string[], string][] = [
    [["--port"], 'Missing value for "--port"'],
    [["--host"], 'Missing value for "--host"'],
    [["--header"], 'Missing value for "--header"'],
    [["--config"], 'Missing value for "--config"'],
    [["--host", "--port", "80"], 'Missing value for "--host"'],
    [["--cert", "--listing"], 'Missing value for "--cert"'],
    [["a", "b"], 'Unexpected argument "b": berth serves one root directory'],
    [["check", "a", "b"], 'Unexpected argument "b": berth serves one root directory'],
    [["a", "--", "b"], 'Unexpected argument "b": berth serves one root directory'],
    [
      ["--listing=maybe"],
      'Cannot parse "--listing": "maybe" is not true or false (the switch needs no value)',
    ],
    [[""], 'Cannot parse the ROOT argument: "" is not a directory path'],
  ];
  for (const [argv, message] of table) assert.equal(cliError(argv), message, argv.join(" "));
});

Deno.test("parseCli() validates values against the settings schema", () => {
  const table: [string[], string][] = [
    [
      ["--host", ""],
      'Cannot parse "--host": "" is not a host name or IP address (IPv6 without brackets)',
    ],
    [
      ["--host", "[::1]"],
      'Cannot parse "--host": "[::1]" is not a host name or IP address (IPv6 without brackets)',
    ],
    [
      ["--host", "a b"],
      'Cannot parse "--host": "a b" is not a host name or IP address (IPv6 without brackets)',
    ],
    [
      ["--log-format", "xml"],
      'Cannot parse "--log-format": "xml" is not "pretty", "json" or "auto"',
    ],
    [["--log-format", ""], 'Cannot parse "--log-format": "" is not "pretty", "json" or "auto"'],
    [["--cert", ""], 'Cannot parse "--cert": "" is not a file path'],
    [["--key="], 'Cannot parse "--key": "" is not a file path'],
    [["--config", ""], 'Cannot parse "--config": "" is not a file path'],
  ];
  for (const [argv, message] of table) assert.equal(cliError(argv), message, argv.join(" "));
});

Deno.test("parseCli() requires --header values shaped like Name: value", () => {
  const table: [string, string][] = [
    ["NoColon", 'Cannot parse "--header": "NoColon" is not "Name: value"'],
    [
      "Bad Name: x",
      `Cannot parse "--header": "Bad Name" is not a header name (letters, digits and !#$%&'*+-.^_\`|~, then ": value")`,
    ],
    [
      ": x",
      `Cannot parse "--header": "" is not a header name (letters, digits and !#$%&'*+-.^_\`|~, then ": value")`,
    ],
    [
      "X-A : x",
      `Cannot parse "--header": "X-A " is not a header name (letters, digits and !#$%&'*+-.^_\`|~, then ": value")`,
    ],
    ["__proto__: x", 'Cannot parse "--header": "__proto__" is a reserved name'],
    ["constructor: x", 'Cannot parse "--header": "constructor" is a reserved name'],
    [
      "X-A: a\r\nSet-Cookie: x",
      'Cannot parse "--header": "a\\r\\nSet-Cookie: x" is not a header value of printable Latin-1 characters (no CR, LF or other control characters)',
    ],
    [
      "X-A: a\u0000b",
      'Cannot parse "--header": "a\\u0000b" is not a header value of printable Latin-1 characters (no CR, LF or other control characters)',
    ],
    [
      "X-A: 日本",
      'Cannot parse "--header": "日本" is not a header value of printable Latin-1 characters (no CR, LF or other control characters)',
    ],
  ];
  for (const [value, message] of table) {
    assert.equal(cliError(["--header", value]), message, JSON.stringify(value));
  }
});

Deno.test("parseCli() selects the check subcommand from the first positional", () => {
  assert.deepEqual(parseCli(["check"]), { kind: "check", values: { settings: {} } });
  assert.deepEqual(parseCli(["check", "./site", "--port", "0", "--config", "b.json"]), {
    kind: "check",
    values: { settings: { root: "./site", port: 0 }, configPath: "b.json" },
  });
  assert.deepEqual(parseCli(["--port", "1", "check"]), {
    kind: "check",
    values: { settings: { port: 1 } },
  });
  // Only the first positional is a subcommand; "--" makes it a directory.
  assert.equal(
    cliError(["site", "check"]),
    'Unexpected argument "check": berth serves one root directory',
  );
  assert.deepEqual(parseCli(["--", "check"]), {
    kind: "serve",
    values: { settings: { root: "check" } },
  });
  assert.deepEqual(parseCli(["./check"]), {
    kind: "serve",
    values: { settings: { root: "./check" } },
  });
});

Deno.test("parseCli() returns help and version, and they win over other mistakes", () => {
  const table: [string[], unknown][] = [
    [["--help"], { kind: "help" }],
    [["-h"], { kind: "help" }],
    [["help"], { kind: "help" }],
    [["help", "check"], { kind: "help", topic: "check" }],
    [["check", "--help"], { kind: "help", topic: "check" }],
    [["check", "-h"], { kind: "help", topic: "check" }],
    [["--version"], { kind: "version" }],
    [["-V"], { kind: "version" }],
    [["site", "-V"], { kind: "version" }],
    [["-hV"], { kind: "help" }],
    [["--port", "80x", "--help"], { kind: "help" }],
    [["--frobnicate", "-h"], { kind: "help" }],
    [["--version", "--bogus"], { kind: "version" }],
  ];
  for (const [argv, expected] of table) assert.deepEqual(parseCli(argv), expected, argv.join(" "));
  assert.equal(
    cliError(["help", "nope"]),
    'Unknown help topic "nope": topics are "check", "config", "user", "hash-password"',
  );
  assert.equal(
    cliError(["help", "check", "x"]),
    'Unexpected argument "x": "berth help" takes one topic',
  );
});

Deno.test("CLI_OPTIONS only names settings that exist in the schema", () => {
  const names = new Set(describeSettings().map((doc) => doc.name));
  for (const option of CLI_OPTIONS) {
    if (option.setting !== undefined) assert.ok(names.has(option.setting), option.name);
    assert.ok(option.description !== undefined || option.setting !== undefined, option.name);
  }
});

Deno.test("parseCli() output feeds loadSettings() and wins over env and file", async () => {
  const command = parseCli(["site", "--port", "0", "--header", "X-A: cli", "--config", "b.json"]);
  assert.equal(command.kind, "serve");
  const { values } = command as { values: CliValues };
  const loaded = await loadSettings({
    cli: values.settings,
    configPath: values.configPath,
    env: { BERTH_PORT: "9000", BERTH_ROOT: "env-site" },
    cwd: "/srv",
    readTextFile: (path) =>
      path === "/srv/b.json"
        ? Promise.resolve('{"port": 1234, "headers": {"x-a": "file", "X-B": "file"}}')
        : Promise.reject(new Deno.errors.NotFound(path)),
    fileExists: () => Promise.resolve(false),
  });
  assert.equal(loaded.settings.port, 0);
  assert.equal(loaded.settings.root, "/srv/site");
  assert.deepEqual(loaded.settings.headers, { "X-B": "file", "X-A": "cli" });
  assert.equal(loaded.sources.port, "cli");
  assert.equal(loaded.configFile, "/srv/b.json");
});
