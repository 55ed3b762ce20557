/** How startup failures become the CLI's exit code and one line (lib/cli/startup.ts). */

import assert from "node:assert/strict";
import { CliError } from "../../lib/cli/args.ts";
import { EXIT_CODE } from "../../lib/cli/exit_codes.ts";
import { ReadyFileError } from "../../lib/cli/ready_file.ts";
import { describeRootProblem, StartupError, toStartupError } from "../../lib/cli/startup.ts";
import { ConfigAccessError, ConfigError } from "../../lib/config/errors.ts";
import { RulesError } from "../../lib/rules/rule_error.ts";
import { AddressInUseError, BindRefusedError, TlsError } from "../../lib/server.ts";

const CASES: [error: unknown, exitCode: number | null, message: string | RegExp | null][] = [
  [new StartupError(EXIT_CODE.PERMISSION, "needs read access"), 4, "needs read access"],
  [new CliError('Unknown option "--nope"'), 2, 'Unknown option "--nope"'],
  [new ConfigError('Invalid setting "port"'), 2, 'Invalid setting "port"'],
  [new ConfigAccessError("read access not granted"), 4, "read access not granted"],
  [
    new RulesError([{ source: "_redirects", line: 3, message: "bad" }]),
    2,
    "Invalid site rules: _redirects:3: bad",
  ],
  [new ReadyFileError('Cannot write the ready file "x"'), 2, 'Cannot write the ready file "x"'],
  [new TlsError(), 2, "Cannot start TLS: the certificate or key is not valid PEM"],
  [
    new AddressInUseError("127.0.0.1", 8080),
    3,
    "Cannot listen on 127.0.0.1:8080: the address is already in use; stop the other process or choose another --port",
  ],
  [
    new BindRefusedError("unknown-host", "localhos", 8000),
    2,
    'Cannot listen on "localhos": the host name does not resolve; did you mean --host localhost?',
  ],
  [
    new BindRefusedError("unknown-host", "nosuch.invalid", 8000),
    2,
    'Cannot listen on "nosuch.invalid": the host name does not resolve; use an IP address such as --host 127.0.0.1 (this machine) or --host 0.0.0.0 (every interface)',
  ],
  [
    new BindRefusedError("not-local", "10.9.9.9", 8000),
    2,
    "Cannot listen on 10.9.9.9:8000: 10.9.9.9 is not an address of this machine; use --host 127.0.0.1 (this machine only) or --host 0.0.0.0 (every interface)",
  ],
  [
    new BindRefusedError("no-privilege", "::1", 80),
    4,
    "Cannot listen on [::1]:80: permission denied (ports below 1024 need privileges); choose --port 1024 or above (e.g. --port 8080), or grant the binary the CAP_NET_BIND_SERVICE capability",
  ],
  [
    new BindRefusedError("no-privilege", "127.0.0.1", 8080),
    4,
    "Cannot listen on 127.0.0.1:8080: permission denied; choose another --port",
  ],
  [new Error("TLS handshake bug"), null, null],
  [new TypeError("x is undefined"), null, null],
  ["a string", null, null],
];

Deno.test("toStartupError() maps each typed startup failure to its exit code and line", () => {
  for (const [error, exitCode, message] of CASES) {
    const failure = toStartupError(error);
    const label = String(error);
    if (exitCode === null) {
      assert.equal(failure, null, label);
      continue;
    }
    assert.ok(failure instanceof StartupError, label);
    assert.equal(failure.exitCode, exitCode, label);
    if (typeof message === "string") assert.equal(failure.message, message, label);
  }
});

Deno.test("describeRootProblem() says whether the root is missing, a file or unreadable", () => {
  const table: [unknown, string][] = [
    [new Deno.errors.NotFound("x"), "it does not exist"],
    [new Deno.errors.NotADirectory("x"), "it is not a directory"],
    [new Deno.errors.PermissionDenied("x"), "it is not a readable directory"],
  ];
  for (const [error, text] of table) assert.equal(describeRootProblem(error), text, String(error));
});
