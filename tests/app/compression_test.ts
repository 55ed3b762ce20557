import assert from "node:assert/strict";
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from "node:zlib";
import { DEFAULT_SETTINGS } from "../../lib/config/schema.ts";
import { buildApp, send } from "./app_harness.ts";

const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth-compress-" }));
const SCRIPT = "export const answer = 42; // berth\n".repeat(200);
const SIBLING_SCRIPT = "console.log('precompressed');\n".repeat(100);
await Deno.writeTextFile(`${root}/app.js`, SCRIPT);
await Deno.writeTextFile(`${root}/tiny.css`, "body{margin:0}");
await Deno.writeFile(`${root}/photo.png`, new Uint8Array(4096).fill(7));
await Deno.writeTextFile(`${root}/pre.js`, SIBLING_SCRIPT);
await Deno.writeFile(`${root}/pre.js.gz`, gzipSync(SIBLING_SCRIPT));
await Deno.writeFile(`${root}/pre.js.br`, brotliCompressSync(SIBLING_SCRIPT));
await Deno.writeTextFile(`${root}/large.json`, JSON.stringify({ data: "x".repeat(5000) }));

const app = await buildApp(root);

async function fetchBytes(
  path: string,
  headers: Record<string, string> = {},
  method = "GET",
): Promise<{ status: number; headers: Headers; bytes: Uint8Array }> {
  const response = await send(app, path, { headers, method });
  return {
    status: response.status,
    headers: response.headers,
    bytes: new Uint8Array(await response.arrayBuffer()),
  };
}

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

Deno.test("serveFiles() content coding", async (t) => {
  try {
    await t.step(
      "serveFiles() compresses on the fly by Accept-Encoding with ETag, Vary and length per coding",
      async () => {
        const identity = await fetchBytes("/app.js");
        assert.equal(identity.headers.get("content-encoding"), null);
        assert.equal(identity.headers.get("vary"), "Accept-Encoding");
        assert.equal(decode(identity.bytes), SCRIPT);

        const gzip = await fetchBytes("/app.js", { "accept-encoding": "gzip" });
        assert.equal(gzip.headers.get("content-encoding"), "gzip");
        assert.equal(gzip.headers.get("vary"), "Accept-Encoding");
        assert.equal(gzip.headers.get("content-length"), String(gzip.bytes.byteLength));
        assert.equal(decode(gunzipSync(gzip.bytes)), SCRIPT);

        const br = await fetchBytes("/app.js", { "accept-encoding": "gzip, deflate, br" });
        assert.equal(br.headers.get("content-encoding"), "br");
        assert.equal(decode(brotliDecompressSync(br.bytes)), SCRIPT);

        const etags = new Set([identity, gzip, br].map((r) => r.headers.get("etag")));
        assert.equal(etags.size, 3, "each coding has its own ETag");
        assert.equal(
          gzip.headers.get("etag"),
          identity.headers.get("etag")!.slice(0, -1) + '-gzip"',
        );

        // A second request is served from the cached variant, byte for byte.
        const again = await fetchBytes("/app.js", { "accept-encoding": "gzip" });
        assert.deepEqual(again.bytes, gzip.bytes);
      },
    );

    await t.step("serveFiles() answers 304 to the ETag of the negotiated coding only", async () => {
      const gzip = await fetchBytes("/app.js", { "accept-encoding": "gzip" });
      const etag = gzip.headers.get("etag")!;
      const revalidated = await fetchBytes("/app.js", {
        "accept-encoding": "gzip",
        "if-none-match": etag,
      });
      assert.equal(revalidated.status, 304);
      assert.equal(revalidated.bytes.byteLength, 0);
      assert.equal(revalidated.headers.get("etag"), etag);
      assert.equal(revalidated.headers.get("vary"), "Accept-Encoding");
      // The same tag does not validate the identity representation.
      const other = await fetchBytes("/app.js", { "if-none-match": etag });
      assert.equal(other.status, 200);
      assert.equal(decode(other.bytes), SCRIPT);
    });

    await t.step(
      "serveFiles() never compresses a range and ranges over the identity bytes",
      async () => {
        const ranged = await fetchBytes("/app.js", {
          "accept-encoding": "gzip, br",
          range: "bytes=0-5",
        });
        assert.equal(ranged.status, 206);
        assert.equal(ranged.headers.get("content-encoding"), null);
        assert.equal(ranged.headers.get("content-range"), `bytes 0-5/${SCRIPT.length}`);
        assert.equal(decode(ranged.bytes), SCRIPT.slice(0, 6));
      },
    );

    await t.step(
      "serveFiles() leaves small, incompressible and refused responses alone",
      async () => {
        const tiny = await fetchBytes("/tiny.css", { "accept-encoding": "gzip" });
        assert.equal(tiny.headers.get("content-encoding"), null);
        assert.equal(decode(tiny.bytes), "body{margin:0}");
        const png = await fetchBytes("/photo.png", { "accept-encoding": "gzip, br" });
        assert.equal(png.headers.get("content-encoding"), null);
        assert.equal(png.headers.get("vary"), null);
        for (const refusal of ["identity", "gzip;q=0, br;q=0", "*;q=0", "deflate"]) {
          const refused = await fetchBytes("/app.js", { "accept-encoding": refusal });
          assert.equal(refused.headers.get("content-encoding"), null, refusal);
          assert.equal(decode(refused.bytes), SCRIPT, refusal);
        }
      },
    );

    await t.step(
      "serveFiles() prefers precompressed siblings and still serves them directly",
      async () => {
        const br = await fetchBytes("/pre.js", { "accept-encoding": "gzip, br" });
        assert.equal(br.headers.get("content-encoding"), "br");
        assert.equal(decode(brotliDecompressSync(br.bytes)), SIBLING_SCRIPT);
        const gz = await fetchBytes("/pre.js", { "accept-encoding": "gzip" });
        assert.equal(gz.headers.get("content-encoding"), "gzip");
        assert.deepEqual(gz.bytes, new Uint8Array(await Deno.readFile(`${root}/pre.js.gz`)));
        assert.match(gz.headers.get("etag")!, /-gzip"$/);
        const head = await fetchBytes("/pre.js", { "accept-encoding": "gzip" }, "HEAD");
        assert.equal(head.headers.get("content-length"), String(gz.bytes.byteLength));
        assert.equal(head.bytes.byteLength, 0);
        // The sibling itself is an ordinary file with its own type.
        const direct = await fetchBytes("/pre.js.gz", { "accept-encoding": "gzip" });
        assert.equal(direct.headers.get("content-encoding"), null);
        assert.equal(direct.headers.get("content-type"), "application/gzip");
      },
    );

    await t.step(
      "serveFiles() honours Cache-Control: no-transform and --compress=off",
      async () => {
        const noTransform = await buildApp(root, {
          headers: { "Cache-Control": "public, no-transform" },
        });
        const response = await send(noTransform, "/large.json", {
          headers: { "accept-encoding": "gzip" },
        });
        await response.body?.cancel();
        assert.equal(response.headers.get("content-encoding"), null);

        const policy = await buildApp(root, {
          cacheControl: { ...DEFAULT_SETTINGS.cacheControl, default: "no-cache, no-transform" },
        });
        const byPolicy = await send(policy, "/large.json", {
          headers: { "accept-encoding": "gzip" },
        });
        await byPolicy.body?.cancel();
        assert.equal(byPolicy.headers.get("content-encoding"), null);

        const off = await buildApp(root, {
          compress: { ...DEFAULT_SETTINGS.compress, enabled: false },
        });
        const plain = await send(off, "/pre.js", { headers: { "accept-encoding": "gzip, br" } });
        assert.equal(plain.headers.get("content-encoding"), null);
        assert.equal(await plain.text(), SIBLING_SCRIPT);
      },
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
