/**
 * Process-level behaviour of the CLI: exit codes, permission messages, the
 * busy-port case, graceful shutdown, TLS with HTTP/2, and `berth check`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  createLargeBytes,
  createSharedFixtureTree,
  FIXTURE_CONTENT as C,
  LARGE_FILE_SIZE,
} from "../fixtures/tree.ts";
import { minimalPermissions, processTest, runBerth, startBerth } from "./harness.ts";

const fixture = await createSharedFixtureTree();

function assertOneLine(text: string): void {
  assert.equal(text.trimEnd().split("\n").length, 1, `expected one line, got:\n${text}`);
  assert.ok(!/\bat .+:\d+:\d+/.test(text), "no stack trace");
}

processTest("berth exits 2 with one line naming an unknown flag", async () => {
  const result = await runBerth([fixture.root, "--frobnicate"], {
    permissions: minimalPermissions(fixture.root),
  });
  assert.equal(result.code, 2);
  assertOneLine(result.stderr);
  assert.match(result.stderr, /"--frobnicate"/);
});

processTest("berth exits 2 with one line naming a bad port value", async () => {
  for (const value of ["80x", "65536", "-1"]) {
    const result = await runBerth([fixture.root, `--port=${value}`], {
      permissions: minimalPermissions(fixture.root),
    });
    assert.equal(result.code, 2, value);
    assertOneLine(result.stderr);
    assert.ok(result.stderr.includes(`"${value}"`), result.stderr);
    assert.match(result.stderr, /--port/);
  }
});

processTest("berth exits 2 with one line for a bad --log-format", async () => {
  const result = await runBerth([fixture.root, "--log-format", "xml"], {
    permissions: minimalPermissions(fixture.root),
  });
  assert.equal(result.code, 2);
  assertOneLine(result.stderr);
  assert.match(result.stderr, /"xml"/);
});

processTest("berth exits 4 and names --allow-read when read access is missing", async () => {
  const result = await runBerth([fixture.root, "--port", "0"], {
    permissions: ["--allow-net=127.0.0.1"],
  });
  assert.equal(result.code, 4);
  assertOneLine(result.stderr);
  assert.ok(result.stderr.includes(`--allow-read=${fixture.root}`), result.stderr);
});

processTest("berth exits 4 and names --allow-net when network access is missing", async () => {
  const result = await runBerth([fixture.root, "--port", "0"], {
    permissions: [`--allow-read=${fixture.root}`],
  });
  assert.equal(result.code, 4);
  assertOneLine(result.stderr);
  assert.match(result.stderr, /--allow-net=127\.0\.0\.1/);
});

processTest("berth exits 2 saying the root does not exist, or is not a directory", async () => {
  const missing = join(fixture.root, "..", "no-such-dir");
  const file = join(fixture.root, "hello.txt");
  for (const [root, problem] of [[missing, "does not exist"], [file, "is not a directory"]]) {
    const result = await runBerth([root, "--port", "0"], {
      permissions: ["--allow-net=127.0.0.1", `--allow-read=${root}`],
    });
    assert.equal(result.code, 2);
    assertOneLine(result.stderr);
    assert.ok(result.stderr.includes(`Cannot serve "${root}": it ${problem}`), result.stderr);
  }
});

processTest("berth exits 3 with one line when the port is already in use", async () => {
  const first = await startBerth({ root: fixture.root });
  try {
    const port = new URL(first.url).port;
    const result = await runBerth([fixture.root, "--port", port], {
      permissions: minimalPermissions(fixture.root),
    });
    assert.equal(result.code, 3);
    assertOneLine(result.stderr);
    assert.match(result.stderr, /already in use/);
  } finally {
    assert.equal((await first.stop()).code, 0);
  }
});

processTest("berth exits 0 on SIGINT", async () => {
  const berth = await startBerth({ root: fixture.root });
  const status = await berth.stop("SIGINT");
  assert.equal(status.code, 0);
});

processTest("berth finishes an in-flight download on SIGTERM and exits 0", async () => {
  const berth = await startBerth({ root: fixture.root });
  try {
    const response = await fetch(new URL("large.bin", berth.url));
    const reader = response.body!.getReader();
    const first = await reader.read();
    assert.ok(!first.done);
    const stopping = berth.stop("SIGTERM");
    let received = first.value.length;
    const chunks = [first.value];
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        received += value.length;
        chunks.push(value);
      }
      assert.equal(received, LARGE_FILE_SIZE, "the download completes");
      const all = new Uint8Array(received);
      let offset = 0;
      for (const chunk of chunks) {
        all.set(chunk, offset);
        offset += chunk.length;
      }
      assert.deepEqual(all, createLargeBytes());
    } catch {
      // A cut connection is acceptable as long as the process exits cleanly.
      assert.ok(received <= LARGE_FILE_SIZE);
    }
    const started = performance.now();
    const status = await stopping;
    assert.equal(status.code, 0);
    assert.ok(performance.now() - started < 10_000, "within the grace period");
  } finally {
    await berth.stop();
  }
});

processTest("berth serves TLS over HTTP/1.1 with HSTS when given --cert and --key", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cert = join(dir, "cert.pem");
    const key = join(dir, "key.pem");
    const openssl = await new Deno.Command("openssl", {
      args: [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        key,
        "-out",
        cert,
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-addext",
        "basicConstraints=critical,CA:FALSE",
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(openssl.code, 0, new TextDecoder().decode(openssl.stderr));
    const berth = await startBerth({
      root: fixture.root,
      args: ["--cert", cert, "--key", key],
      permissions: ["--allow-net=127.0.0.1", `--allow-read=${fixture.root},${cert},${key}`],
    });
    try {
      assert.match(berth.url, /^https:\/\/127\.0\.0\.1:\d+\/$/);
      const client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(cert)] });
      try {
        const response = await fetch(new URL("hello.txt", berth.url), { client });
        assert.equal(await response.text(), C.HELLO);
        assert.match(response.headers.get("strict-transport-security") ?? "", /max-age=/);
      } finally {
        client.close();
      }
      const curl = await new Deno.Command("curl", {
        args: [
          "-s",
          "--http2",
          "--cacert",
          cert,
          "-o",
          "/dev/null",
          "-w",
          "%{http_version}",
          `${berth.url}hello.txt`,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      // A client asking for HTTP/2 gets HTTP/1.1: berth's HTTP/2 is off until
      // Deno's node:http2 server stops crashing (README "Connections, timeouts and TLS").
      assert.equal(
        new TextDecoder().decode(curl.stdout),
        "1.1",
        new TextDecoder().decode(curl.stderr),
      );
    } finally {
      assert.equal((await berth.stop()).code, 0);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

processTest("berth exits 2 with one line when the TLS files are not valid PEM", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cert = join(dir, "cert.pem");
    const key = join(dir, "key.pem");
    await Deno.writeTextFile(cert, "not a certificate");
    await Deno.writeTextFile(key, "not a key");
    const result = await runBerth([fixture.root, "--port", "0", "--cert", cert, "--key", key], {
      permissions: ["--allow-net=127.0.0.1", `--allow-read=${fixture.root},${cert},${key}`],
    });
    assert.equal(result.code, 2);
    assertOneLine(result.stderr);
    assert.match(result.stderr, /TLS/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

processTest("berth check applies CLI over BERTH_* env over the config file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const config = join(dir, "berth.json");
    await Deno.writeTextFile(config, JSON.stringify({ port: 9000, listing: true }));
    const permissions = [`--allow-read=${dir}`, "--allow-env"];
    const fromFile = await runBerth(["check", "--config", config], {
      permissions: [`--allow-read=${dir}`],
    });
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.match(fromFile.stdout, /port\s+= 9000/);
    assert.match(fromFile.stdout, /listing\s+= true/);
    const fromEnv = await runBerth(["check", "--config", config], {
      permissions,
      env: { BERTH_PORT: "9100" },
    });
    assert.match(fromEnv.stdout, /port\s+= 9100/);
    const fromCli = await runBerth(["check", "--config", config, "--port", "9200"], {
      permissions,
      env: { BERTH_PORT: "9100" },
    });
    assert.match(fromCli.stdout, /port\s+= 9200/);
    // Warnings are reported but do not fail the check.
    const warned = await runBerth(["check", "--config", config, "--host", "0.0.0.0"], {
      permissions: [`--allow-read=${dir}`],
    });
    assert.equal(warned.code, 0, warned.stderr);
    assert.match(warned.stdout, /^warning: "host" is "0\.0\.0\.0"/m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

processTest("berth check exits 2 naming the bad field of an invalid config file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const config = join(dir, "berth.json");
    await Deno.writeTextFile(config, JSON.stringify({ port: 70000 }));
    const result = await runBerth(["check", "--config", config], {
      permissions: [`--allow-read=${dir}`],
    });
    assert.equal(result.code, 2);
    assertOneLine(result.stderr);
    assert.match(result.stderr, /port/);
    assert.match(result.stderr, /70000/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

processTest("berth --version and --help answer on stdout with exit 0", async () => {
  const version = await runBerth(["--version"], { permissions: [] });
  assert.equal(version.code, 0);
  assert.match(version.stdout, /berth \d+\.\d+\.\d+/);
  assert.match(version.stdout, /deno/i);
  const help = await runBerth(["--help"], { permissions: [] });
  assert.equal(help.code, 0);
  for (
    const flag of [
      "--port",
      "--host",
      "--listing",
      "--dotfiles",
      "--cors",
      "--header",
      "--cert",
      "--config",
    ]
  ) {
    assert.ok(help.stdout.includes(flag), flag);
  }
});
