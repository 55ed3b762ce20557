/**
 * @module
 * Unit tests for lib/cli/check.ts: the `berth check` report lists every
 * setting with its source, never prints secrets, and lists warnings.
 */

import assert from "node:assert/strict";
import { REDACTED, renderCheckReport } from "../../lib/cli/check.ts";
import { type LoadedSettings, loadSettings } from "../../lib/config/load.ts";
import { describeSettings } from "../../lib/config/settings_docs.ts";

function loadFixture(): Promise<LoadedSettings> {
  const config = JSON.stringify({
    root: "public",
    cert: "tls/cert.pem",
    key: "tls/very-secret-key.pem",
    headers: { "X-Api-Key": "s3cr3t-value", "X-Frame-Options": "DENY" },
  });
  return loadSettings({
    cwd: "/srv/app",
    env: { BERTH_PORT: "9000", BERTH_DOTFILES: "yes" },
    cli: { host: "0.0.0.0" },
    readTextFile: (path) =>
      path === "/srv/app/berth.json"
        ? Promise.resolve(config)
        : Promise.reject(new Deno.errors.NotFound(path)),
    fileExists: (path) => Promise.resolve(path === "/srv/app/berth.json"),
  });
}

Deno.test("renderCheckReport() prints every setting as key = value with its source", async () => {
  const report = renderCheckReport(await loadFixture());
  assert.match(report, /^config file: \/srv\/app\/berth\.json$/m);
  for (const doc of describeSettings()) {
    assert.match(report, new RegExp(`^${doc.name.replace(".", "\\.")} += `, "m"), doc.name);
  }
  assert.match(report, /^root += "\/srv\/app\/public" +\(berth\.json\)$/m);
  assert.match(report, /^host += "0\.0\.0\.0" +\(command line\)$/m);
  assert.match(report, /^port += 9000 +\(BERTH_PORT\)$/m);
  assert.match(report, /^listing += false +\(default\)$/m);
  assert.match(report, /^limits\.maxUrlLength += 8192 +\(default\)$/m);
  assert.match(report, /^cert += "\/srv\/app\/tls\/cert\.pem" +\(berth\.json\)$/m);
});

Deno.test("renderCheckReport() redacts secrets, including secret-looking headers", async () => {
  const report = renderCheckReport(await loadFixture());
  assert.ok(!report.includes("very-secret-key"), "key path is redacted");
  assert.ok(!report.includes("s3cr3t-value"), "X-Api-Key value is redacted");
  assert.match(report, new RegExp(`^key += ${REDACTED} +\\(berth\\.json\\)$`, "m"));
  assert.ok(report.includes(`"X-Api-Key":"${REDACTED}"`));
  assert.ok(report.includes('"X-Frame-Options":"DENY"'), "ordinary headers are shown");
});

Deno.test("renderCheckReport() lists warnings after the settings and counts them", async () => {
  const loaded = await loadFixture();
  const report = renderCheckReport(loaded);
  const lines = report.split("\n");
  const warningLines = lines.filter((line) => line.startsWith("warning: "));
  assert.equal(warningLines.length, loaded.warnings.length);
  assert.ok(loaded.warnings.length >= 2);
  assert.match(report, /^warning: "host" is "0\.0\.0\.0"/m);
  assert.match(report, /^warning: "dotfiles" is on/m);
  assert.ok(
    lines.findIndex((line) => line.startsWith("warning: ")) >
      lines.findIndex((line) => line.startsWith("limits.requestTimeoutMs")),
  );
  assert.match(report, new RegExp(`with ${loaded.warnings.length} warnings\\.\\n$`));
});

Deno.test("renderCheckReport() says so when there is no config file and no warning", async () => {
  const loaded = await loadSettings({
    cwd: "/srv/app",
    readTextFile: () => Promise.reject(new Deno.errors.NotFound("x")),
    fileExists: () => Promise.resolve(false),
  });
  const report = renderCheckReport(loaded);
  assert.match(report, /^config file: none$/m);
  assert.match(report, /^cert += \(not set\) +\(default\)$/m);
  assert.doesNotMatch(report, /warning:/);
  assert.match(report, /The settings are valid\.\n$/);
});

Deno.test("renderCheckReport() names the sources not read under the config file line", async () => {
  const loaded = await loadSettings({
    cwd: "/srv/app",
    readPermission: () => "prompt",
    readTextFile: () => Promise.reject(new Error("must not read")),
    fileExists: () => Promise.reject(new Error("must not stat")),
  });
  const lines = renderCheckReport(loaded).split("\n");
  assert.equal(lines[0], "config file: none");
  assert.match(
    lines[1],
    /^config: \.\/berth\.json and \.\/berth\.jsonc not looked for \(no read access: add --allow-read=\.\/berth\.json,\.\/berth\.jsonc\); environment: BERTH_\* variables not read .*--allow-env=BERTH_\*\)$/,
  );
  assert.equal(lines[2], "");
});
