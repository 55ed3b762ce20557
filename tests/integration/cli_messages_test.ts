/**
 * The startup mistakes a new user makes, as a subprocess sees them (issue
 * 14): a host that does not resolve, a port without the privilege to bind
 * it, flags of other servers, missing TLS files — each one line with the fix
 * and its exit code, never a stack trace — and the ready file removed on
 * every exit path.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createSharedFixtureTree } from "../fixtures/tree.ts";
import { MAIN_PATH, minimalPermissions, processTest, runBerth, startBerth } from "./harness.ts";

const fixture = await createSharedFixtureTree();

function assertOneLine(text: string): void {
  assert.equal(text.trimEnd().split("\n").length, 1, `expected one line, got:\n${text}`);
  assert.ok(!/\bat .+:\d+:\d+/.test(text), "no stack trace");
  assert.ok(!/Uncaught/.test(text), "no uncaught error");
}

processTest(
  "berth exits 2 with one line naming the fix for a host that does not resolve",
  async () => {
    const table: [host: string, fix: RegExp][] = [
      ["localhos", /the host name does not resolve; did you mean --host localhost\?$/],
      ["no-such-host.invalid", /does not resolve; use an IP address such as --host 127\.0\.0\.1/],
    ];
    for (const [host, fix] of table) {
      // Unscoped --allow-net: the name is looked up, as by a user who granted it.
      const result = await runBerth([fixture.root, "--host", host, "--port", "0"], {
        permissions: ["--allow-net", `--allow-read=${fixture.root}`],
      });
      assert.equal(result.code, 2, `${host}: ${result.stderr}`);
      assertOneLine(result.stderr);
      assert.ok(result.stderr.startsWith(`berth: Cannot listen on "${host}": `), result.stderr);
      assert.match(result.stderr.trimEnd(), fix);
    }
  },
);

/**
 * How to run deno without the privilege to bind port 80, or null where the
 * test cannot: as root, `capsh` drops CAP_NET_BIND_SERVICE; as another user
 * on Linux, port 80 is privileged unless `ip_unprivileged_port_start` says not.
 */
function unprivilegedRunner(): ((args: string[]) => Deno.Command) | null {
  if (Deno.build.os !== "linux") return null;
  const start = Number(
    (() => {
      try {
        return Deno.readTextFileSync("/proc/sys/net/ipv4/ip_unprivileged_port_start");
      } catch {
        return "1024";
      }
    })(),
  );
  if (Deno.uid() !== 0) {
    if (start <= 80) return null;
    return (args) => new Deno.Command(Deno.execPath(), { args, stdout: "piped", stderr: "piped" });
  }
  try {
    new Deno.Command("capsh", { args: ["--help"], stdout: "null", stderr: "null" }).outputSync();
  } catch {
    return null;
  }
  const quote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;
  return (args) =>
    new Deno.Command("capsh", {
      args: [
        "--drop=cap_net_bind_service",
        "--",
        "-c",
        [Deno.execPath(), ...args].map(quote).join(" "),
      ],
      stdout: "piped",
      stderr: "piped",
    });
}

const unprivileged = unprivilegedRunner();

processTest(
  `berth exits 4 with one line naming the fix when it may not bind a port below 1024${
    unprivileged === null ? " (ignored: no way to drop the privilege here)" : ""
  }`,
  async () => {
    const command = unprivileged!([
      "run",
      "--quiet",
      ...minimalPermissions(fixture.root),
      MAIN_PATH,
      fixture.root,
      "--port",
      "80",
    ]);
    const output = await command.output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 4, stderr);
    assertOneLine(stderr);
    assert.match(
      stderr,
      /^berth: Cannot listen on 127\.0\.0\.1:80: permission denied \(ports below 1024 need privileges\); choose --port 1024 or above/,
    );
  },
  { ignore: unprivileged === null },
);

processTest("berth exits 2 pointing another server's flag to berth's equivalent", async () => {
  const table: [flag: string, pointer: string][] = [
    ["--single", '"--single" is "--spa" in berth'],
    ["--gzip", "berth compresses by default"],
    ["-o", "berth never opens a browser"],
    ["-a", '"-a" is "--host" in berth'],
  ];
  for (const [flag, pointer] of table) {
    const result = await runBerth([fixture.root, flag], {
      permissions: minimalPermissions(fixture.root),
    });
    assert.equal(result.code, 2, flag);
    assertOneLine(result.stderr);
    assert.ok(result.stderr.includes(`Unknown option "${flag}": `), result.stderr);
    assert.ok(result.stderr.includes(pointer), result.stderr);
  }
});

processTest("berth takes -p as --port", async () => {
  const berth = await startBerth({ root: fixture.root, args: ["-p", "0"] });
  try {
    const response = await fetch(new URL("hello.txt", berth.url));
    assert.equal(response.status, 200);
    await response.body?.cancel();
  } finally {
    assert.equal((await berth.stop()).code, 0);
  }
});

processTest("berth help config prints every setting, exit 0", async () => {
  const result = await runBerth(["help", "config"], { permissions: [] });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^berth help config - every setting/);
  for (const heading of ["## `port`", "### `limits.maxUrlLength`", "### `compress.enabled`"]) {
    assert.ok(result.stdout.includes(heading), heading);
  }
});

processTest("berth exits 2 naming the TLS file that is missing, certificate or key", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cert = join(dir, "cert.pem");
    const key = join(dir, "key.pem");
    const permissions = ["--allow-net=127.0.0.1", `--allow-read=${fixture.root},${dir}`];
    const args = [fixture.root, "--port", "0", "--cert", cert, "--key", key];
    const noCert = await runBerth(args, { permissions });
    assert.equal(noCert.code, 2);
    assertOneLine(noCert.stderr);
    assert.ok(
      noCert.stderr.includes(
        `Cannot read the TLS certificate "${cert}" (--cert): it does not exist`,
      ),
      noCert.stderr,
    );
    await Deno.writeTextFile(cert, "not yet checked");
    const noKey = await runBerth(args, { permissions });
    assert.equal(noKey.code, 2);
    assertOneLine(noKey.stderr);
    assert.ok(
      noKey.stderr.includes(`Cannot read the TLS key "${key}" (--key): it does not exist`),
      noKey.stderr,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

processTest("berth removes a stale ready file on every exit path", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  const readyFile = join(dir, "berth.url");
  const badConfig = join(dir, "bad.json");
  await Deno.writeTextFile(badConfig, JSON.stringify({ port: 70000 }));
  const missingRoot = join(dir, "no-such-site");
  const write = `--allow-write=${readyFile}`;
  const busy = await startBerth({ root: fixture.root });
  try {
    const busyPort = new URL(busy.url).port;
    const table: [label: string, args: string[], permissions: string[], code: number][] = [
      ["missing root", [missingRoot], ["--allow-net=127.0.0.1", `--allow-read=${dir}`, write], 2],
      [
        "invalid config file",
        [fixture.root, "--config", badConfig],
        [...minimalPermissions(fixture.root), `--allow-read=${fixture.root},${dir}`, write],
        2,
      ],
      ["missing read permission", [fixture.root], ["--allow-net=127.0.0.1", write], 4],
      [
        "port in use",
        [fixture.root, "--port", busyPort],
        [...minimalPermissions(fixture.root), write],
        3,
      ],
    ];
    for (const [label, args, permissions, code] of table) {
      await Deno.writeTextFile(readyFile, "http://stale.example/\n");
      const result = await runBerth(["--port", "0", ...args, "--ready-file", readyFile], {
        permissions,
      });
      assert.equal(result.code, code, `${label}: ${result.stderr}`);
      assertOneLine(result.stderr);
      await assert.rejects(Deno.stat(readyFile), Deno.errors.NotFound, label);
    }
    // A clean stop (exit 0) removes the file it wrote.
    const berth = await startBerth({
      root: fixture.root,
      args: ["--ready-file", readyFile],
      permissions: [...minimalPermissions(fixture.root), write],
    });
    assert.equal((await berth.stop()).code, 0);
    await assert.rejects(Deno.stat(readyFile), Deno.errors.NotFound, "clean stop");
  } finally {
    await busy.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
