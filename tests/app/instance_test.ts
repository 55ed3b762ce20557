/** `startInstance()` (lib/server.ts): one running berth over a compiled runtime. */

import assert from "node:assert/strict";
import { DEFAULT_SETTINGS, type Settings } from "../../lib/config/schema.ts";
import { denoFileSystem } from "../../lib/fs/deno_fs.ts";
import { compileRuntime, type Runtime } from "../../lib/runtime.ts";
import { AddressInUseError, startInstance, TlsError } from "../../lib/server.ts";

async function withRuntime(run: (runtime: Runtime) => Promise<void>): Promise<void> {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth-instance-" }));
  await Deno.writeTextFile(`${root}/hello.txt`, "hello");
  const settings: Settings = { ...DEFAULT_SETTINGS, root, host: "127.0.0.1", port: 0 };
  const runtime = await compileRuntime(settings, { fs: denoFileSystem, root, tls: false });
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
  });
});
