/**
 * Integration tests: berth runs as a subprocess with the README's minimal
 * permissions on 127.0.0.1:0, and the tests speak HTTP to it — raw TCP where
 * `fetch` would normalize the request.
 */
import assert from "node:assert/strict";
import { createSharedFixtureTree, FIXTURE_CONTENT as C } from "../fixtures/tree.ts";
import { type BerthProcess, processTest, rawRequest, rawStatus, startBerth } from "./harness.ts";

const fixture = await createSharedFixtureTree();
const SECRETS = [C.SECRET, C.LEAK, C.ENV];

/** Integration tests share one server; its stdout reader outlives single tests. */
function serverTest(name: string, fn: (berth: BerthProcess) => Promise<void>): void {
  processTest(name, async () => {
    const berth = await startBerth({ root: fixture.root });
    try {
      await fn(berth);
    } finally {
      const status = await berth.stop();
      assert.equal(status.code, 0, "berth exits 0 on SIGTERM");
    }
  });
}

function get(path: string): string {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`;
}

serverTest("berth prints a JSON ready line with its URL and serves files", async (berth) => {
  const ready = berth.lines.find((line) => line.includes(berth.url))!;
  const record = JSON.parse(ready);
  assert.equal(record.url, berth.url);
  assert.match(berth.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const response = await fetch(new URL("hello.txt", berth.url));
  assert.equal(response.status, 200);
  assert.equal(await response.text(), C.HELLO);
  assert.ok(response.headers.get("date"), "Date header");
  assert.equal(response.headers.get("x-content-type-options"), "nosniff");
});

/** Raw request targets that must never reach outside the root or crash the server. */
const HOSTILE_TARGETS: readonly string[] = [
  "/../outside/secret.txt",
  "/../../../../etc/passwd",
  "/..%2foutside%2fsecret.txt",
  "/%2e%2e/outside/secret.txt",
  "/%2E%2E/%2E%2E/etc/passwd",
  "/.%2e/outside/secret.txt",
  "/%2e./outside/secret.txt",
  "/..\\outside\\secret.txt",
  "/..%5coutside%5csecret.txt",
  "/%252e%252e/outside/secret.txt",
  "/%c0%ae%c0%ae/outside/secret.txt",
  "/%c0%af../outside/secret.txt",
  "/..%c0%af../outside/secret.txt",
  "/%e0%80%ae%e0%80%ae/outside/secret.txt",
  "/docs/../../outside/secret.txt",
  "/docs/%2e%2e/%2e%2e/outside/secret.txt",
  "/./../outside/secret.txt",
  "/.../outside/secret.txt",
  "/..;/outside/secret.txt",
  "/../site-other/leak.txt",
  "/..%2fsite-other%2fleak.txt",
  "//outside/secret.txt",
  "///../outside/secret.txt",
  "/%00",
  "/hello.txt%00.html",
  "/%zz",
  "/%",
  "/%%32%65",
  "/%u002e%u002e/outside/secret.txt",
  "/.env",
  "/%2eenv",
  "/.git/config",
  "/.git%2fconfig",
  "/link-outside.txt",
  "/link-abs-outside.txt",
  "/link-dir-outside/secret.txt",
  "/link-sibling/leak.txt",
  "/link-to-env",
  "/link-loop",
  "/link-dangling",
  "/link-dir-outside/../site/hello.txt",
  "/%ff%fe",
  "/\x7f",
  "/file\ttab",
  "/" + "../".repeat(200) + "etc/passwd",
  "/" + "%2e%2e%2f".repeat(100) + "etc/passwd",
  "*",
  "http://127.0.0.1/../outside/secret.txt",
];

serverTest("berth answers every hostile request target with a 4xx and no secret", async (berth) => {
  for (const target of HOSTILE_TARGETS) {
    const response = await rawRequest(berth.url, get(target));
    const status = rawStatus(response);
    assert.ok(status >= 400 && status < 500, `${JSON.stringify(target)} answered ${status}`);
    for (const secret of SECRETS) {
      assert.ok(!response.includes(secret), `${target} leaked ${secret}`);
    }
    assert.ok(!response.includes(fixture.root), `${target} leaked the root path`);
  }
  const still = await fetch(new URL("hello.txt", berth.url));
  assert.equal(await still.text(), C.HELLO, "server still serves after the barrage");
});

serverTest("berth answers HTTP/1.0 and closes the connection", async (berth) => {
  const response = await rawRequest(berth.url, "GET /hello.txt HTTP/1.0\r\n\r\n");
  assert.equal(rawStatus(response), 200);
  assert.ok(response.endsWith(C.HELLO));
});

serverTest("berth answers pipelined requests in order", async (berth) => {
  const request = "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n" +
    "HEAD /docs/ HTTP/1.1\r\nHost: x\r\n\r\n" +
    "GET /missing-file HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const response = await rawRequest(berth.url, request);
  const statuses = [...response.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((match) => Number(match[1]));
  assert.deepEqual(statuses, [200, 200, 404]);
});

serverTest(
  "berth answers TRACE, CONNECT-like and unknown methods with 405 or 400",
  async (berth) => {
    for (const method of ["TRACE", "FOO", "DELETE", "POST"]) {
      const response = await rawRequest(
        berth.url,
        `${method} /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
      );
      assert.equal(rawStatus(response), 405, method);
      assert.match(response, /\r\nallow: GET, HEAD, OPTIONS\r\n/i);
    }
  },
);

serverTest(
  "berth rejects malformed requests and oversized headers without crashing",
  async (berth) => {
    const garbage = await rawRequest(berth.url, "NOT HTTP AT ALL\r\n\r\n");
    assert.ok(garbage === "" || rawStatus(garbage) === 400, garbage.slice(0, 80));
    const huge = await rawRequest(
      berth.url,
      `GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-Big: ${
        "a".repeat(64 * 1024)
      }\r\nConnection: close\r\n\r\n`,
    );
    const hugeStatus = rawStatus(huge);
    assert.ok(
      huge === "" || hugeStatus === 431 || hugeStatus === 400,
      `huge header answered ${hugeStatus}`,
    );
    const many = await rawRequest(
      berth.url,
      "GET /hello.txt HTTP/1.1\r\nHost: x\r\n" +
        Array.from({ length: 120 }, (_, i) => `X-H${i}: v\r\n`).join("") +
        "Connection: close\r\n\r\n",
    );
    const manyStatus = rawStatus(many);
    assert.ok(
      many === "" || manyStatus === 431 || manyStatus === 400,
      `many headers answered ${manyStatus}`,
    );
    const after = await fetch(new URL("hello.txt", berth.url));
    assert.equal(after.status, 200);
    await after.body?.cancel();
  },
);

serverTest("berth keeps serving while a slow client dribbles its request", async (berth) => {
  const { hostname, port } = new URL(berth.url);
  const slow = await Deno.connect({ hostname, port: Number(port) });
  try {
    await slow.write(new TextEncoder().encode("GET /hello.txt HTTP/1.1\r\nHost: x\r\n"));
    for (let i = 0; i < 3; i++) {
      const response = await fetch(new URL("hello.txt", berth.url));
      assert.equal(await response.text(), C.HELLO);
    }
    await slow.write(new TextEncoder().encode("Connection: close\r\n\r\n"));
    const buffer = new Uint8Array(4096);
    const read = await slow.read(buffer);
    assert.ok(
      read !== null &&
        new TextDecoder().decode(buffer.subarray(0, read)).startsWith("HTTP/1.1 200"),
    );
  } finally {
    slow.close();
  }
});

serverTest("berth logs one JSON access record per request without secrets", async (berth) => {
  const response = await fetch(new URL("hello.txt?token=SECRET_TOKEN", berth.url), {
    headers: { authorization: "Bearer SECRET_BEARER", cookie: "session=SECRET_COOKIE" },
  });
  await response.body?.cancel();
  let record: Record<string, unknown> | undefined;
  for (let i = 0; i < 50 && !record; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const line = berth.lines.find((line) => line.includes('"path":"/hello.txt"'));
    record = line ? JSON.parse(line) : undefined;
  }
  assert.ok(record, "access record");
  assert.equal(record.method, "GET");
  assert.equal(record.status, 200);
  assert.equal(record.bytes, C.HELLO.length);
  assert.equal(typeof record.durationMs, "number");
  assert.equal(record.client, "127.0.0.1");
  assert.equal(typeof record.requestId, "string");
  const all = berth.lines.join("\n");
  for (const secret of ["SECRET_TOKEN", "SECRET_BEARER", "SECRET_COOKIE"]) {
    assert.ok(!all.includes(secret), secret);
  }
});

serverTest(
  "berth answers HEAD over the wire with GET's Content-Length and no body",
  async (berth) => {
    const head = await rawRequest(
      berth.url,
      "HEAD /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert.equal(rawStatus(head), 200);
    assert.match(head, new RegExp(`\r\ncontent-length: ${C.HELLO.length}\r\n`, "i"));
    assert.ok(head.endsWith("\r\n\r\n"), "no body after the headers");
  },
);
