/** `startInstance()` (lib/server.ts): one running berth over a compiled runtime. */

import assert from "node:assert/strict";
import { DEFAULT_SETTINGS, type Settings } from "../../lib/config/schema.ts";
import { denoFileSystem } from "../../lib/fs/deno_fs.ts";
import { compileRuntime, type Runtime } from "../../lib/runtime.ts";
import { AddressInUseError, BindRefusedError, startInstance, TlsError } from "../../lib/server.ts";

async function withRuntime(
  run: (runtime: Runtime) => Promise<void>,
  tls = false,
): Promise<void> {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth-instance-" }));
  await Deno.writeTextFile(`${root}/hello.txt`, "hello");
  const settings: Settings = { ...DEFAULT_SETTINGS, root, host: "127.0.0.1", port: 0 };
  const runtime = await compileRuntime(settings, { fs: denoFileSystem, root, tls });
  try {
    await run(runtime);
  } finally {
    runtime.close();
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("startInstance() serves the runtime's root on a free port and stops", async () => {
  await withRuntime(async (runtime) => {
    const instance = await startInstance(runtime, { watchCache: true });
    try {
      assert.ok(instance.port > 0);
      assert.equal(instance.url, `http://127.0.0.1:${instance.port}/`);
      const response = await fetch(new URL("hello.txt", instance.url));
      assert.equal(response.status, 200);
      assert.equal(await response.text(), "hello");
      assert.equal(response.headers.get("x-content-type-options"), "nosniff");
    } finally {
      await instance.stop(1000);
    }
    await instance.finished;
    // A second stop waits for the first and does not throw.
    await instance.stop(0);
    await assert.rejects(fetch(instance.url));
  });
});

Deno.test("startInstance() throws AddressInUseError when the port is taken", async () => {
  await withRuntime(async (runtime) => {
    const first = await startInstance(runtime);
    try {
      await assert.rejects(startInstance(runtime, { port: first.port }), AddressInUseError);
    } finally {
      await first.stop(0);
    }
  });
});

Deno.test("startInstance() throws TlsError when the certificate is not PEM", async () => {
  await withRuntime(async (runtime) => {
    await assert.rejects(
      startInstance(runtime, { tls: { cert: "not pem", key: "not pem" } }),
      TlsError,
    );
  }, true);
});

Deno.test("startInstance() refuses a listener whose TLS disagrees with the runtime's", async () => {
  // HSTS and Secure cookies come from the runtime: a plain listener under them would lie.
  await withRuntime(async (runtime) => {
    await assert.rejects(startInstance(runtime), /compiled with tls true, the listener false/);
  }, true);
  await withRuntime(async (runtime) => {
    await assert.rejects(
      startInstance(runtime, { tls: { cert: "x", key: "y" } }),
      /compiled with tls false, the listener true/,
    );
  });
});

/** Sends `request` over TCP (or TLS with `caCert`) and returns all bytes until the server closes. */
async function rawExchange(
  port: number,
  request: string,
  caCert?: string,
): Promise<string> {
  const connection = caCert === undefined
    ? await Deno.connect({ hostname: "127.0.0.1", port })
    : await Deno.connectTls({ hostname: "127.0.0.1", port, caCerts: [caCert] });
  const timer = setTimeout(() => {
    try {
      connection.close();
    } catch {
      // Already closed.
    }
  }, 5000);
  try {
    await connection.write(new TextEncoder().encode(request));
    const chunks: Uint8Array[] = [];
    const buffer = new Uint8Array(64 * 1024);
    while (true) {
      // A reset or a TLS close without close_notify after the answer ends the read.
      const read = await connection.read(buffer).catch(() => null);
      if (read === null) break;
      chunks.push(buffer.slice(0, read));
    }
    return new TextDecoder().decode(new Uint8Array(chunks.flatMap((chunk) => [...chunk])));
  } finally {
    clearTimeout(timer);
    try {
      connection.close();
    } catch {
      // Already closed.
    }
  }
}

/** The head of a raw answer: status line and lower-cased header lines. */
function headOf(raw: string): { status: string; headers: Map<string, string> } {
  const [status, ...lines] = raw.split("\r\n\r\n")[0].split("\r\n");
  const headers = new Map(lines.map((line) => {
    const colon = line.indexOf(":");
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
  }));
  return { status, headers };
}

const OVERSIZED_HEAD = `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(80 * 1024)}\r\n\r\n`;

Deno.test("startInstance() gives the transport's own answers the base headers", async () => {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth-instance-" }));
  const settings: Settings = { ...DEFAULT_SETTINGS, root, host: "127.0.0.1", port: 0, cors: true };
  const runtime = await compileRuntime(settings, { fs: denoFileSystem, root, tls: false });
  const instance = await startInstance(runtime);
  try {
    const table: [request: string, status: RegExp, own: Record<string, string>][] = [
      // Refused by the bridge (a web Response): TRACE, and a target that is not a path.
      ["TRACE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", /^HTTP\/1\.1 405 /, {
        allow: "GET, HEAD, OPTIONS",
      }],
      ["GET * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", /^HTTP\/1\.1 400 /, {}],
      // Refused by node's parser (raw bytes): an unknown method, an oversized head.
      ["FROB / HTTP/1.1\r\nHost: x\r\n\r\n", /^HTTP\/1\.1 405 /, { allow: "GET, HEAD, OPTIONS" }],
      [OVERSIZED_HEAD, /^HTTP\/1\.1 431 /, { connection: "close" }],
      ["\x01\x02 nonsense\r\n\r\n", /^HTTP\/1\.1 400 /, { connection: "close" }],
    ];
    for (const [request, status, own] of table) {
      const head = headOf(await rawExchange(instance.port, request));
      const label = request.slice(0, 12);
      assert.match(head.status, status, label);
      for (const [name, value] of Object.entries({ ...runtime.baseHeaders, ...own })) {
        assert.equal(head.headers.get(name), value, `${label}: ${name}`);
      }
      assert.equal(head.headers.get("access-control-allow-origin"), "*", label);
      assert.equal(head.headers.get("x-content-type-options"), "nosniff", label);
    }
  } finally {
    await instance.stop(0);
    runtime.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("startInstance() sends HSTS on the transport's own answers under TLS", async () => {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth-instance-" }));
  const cert = `${root}/cert.pem`;
  const key = `${root}/key.pem`;
  const openssl = await new Deno.Command("openssl", {
    args: [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
      ...["-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1"],
      ...[
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-addext",
        "basicConstraints=critical,CA:FALSE",
      ],
    ],
    stdout: "null",
    stderr: "null",
  }).output();
  assert.equal(openssl.code, 0);
  const tls = { cert: await Deno.readTextFile(cert), key: await Deno.readTextFile(key) };
  const settings: Settings = { ...DEFAULT_SETTINGS, root, host: "127.0.0.1", port: 0 };
  const runtime = await compileRuntime(settings, { fs: denoFileSystem, root, tls: true });
  const instance = await startInstance(runtime, { tls });
  try {
    for (
      const request of [
        "TRACE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "FROB / HTTP/1.1\r\nHost: x\r\n\r\n",
      ]
    ) {
      const head = headOf(await rawExchange(instance.port, request, tls.cert));
      assert.match(head.status, /^HTTP\/1\.1 405 /, request);
      assert.match(head.headers.get("strict-transport-security") ?? "", /^max-age=\d+/, request);
      assert.equal(head.headers.get("x-frame-options"), "SAMEORIGIN", request);
    }
  } finally {
    await instance.stop(0);
    runtime.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("startInstance() throws BindRefusedError for a host that is not this machine's", async () => {
  await withRuntime(async (runtime) => {
    const table: [host: string, refusal: string][] = [
      ["localhos", "unknown-host"],
      ["no-such-host.invalid", "unknown-host"],
      // TEST-NET-3 (RFC 5737): never an address of this machine.
      ["203.0.113.7", "not-local"],
    ];
    for (const [host, refusal] of table) {
      const settings = { ...runtime.settings, host };
      await assert.rejects(
        startInstance({ ...runtime, settings }),
        (error: unknown) => {
          assert.ok(error instanceof BindRefusedError, `${host}: ${error}`);
          assert.equal(error.refusal, refusal, host);
          assert.ok(error.message.includes(host), error.message);
          return true;
        },
      );
    }
  });
});
