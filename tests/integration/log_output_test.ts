/**
 * What berth's log streams hold as a consumer reading them to the end sees
 * it: one access line per request, none lost on SIGTERM/SIGINT, and in JSON
 * mode nothing but JSON lines on stdout and stderr.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DENO_CONFIG_PATH, MAIN_PATH, processTest, rawRequest } from "./harness.ts";

/** A berth child whose whole stdout and stderr are read until they close. */
interface LoggedBerth {
  url: string;
  child: Deno.ChildProcess;
  /** Everything written to stdout and stderr, once the child exited. */
  output: Promise<{ stdout: string; stderr: string; code: number }>;
}

/** The URL of the listening line, read from the JSON lines seen so far. */
function listeningUrl(text: string): string | null {
  return text.match(/"url":"(http:\/\/127\.0\.0\.1:\d+\/)"/)?.[1] ?? null;
}

/** Starts berth on `root` with JSON logs and reads both streams to the end. */
async function startLogged(root: string, args: readonly string[]): Promise<LoggedBerth> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--allow-net=127.0.0.1",
      `--allow-read=${root}`,
      MAIN_PATH,
      root,
      "--port",
      "0",
      "--log-format",
      "json",
      ...args,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  let stdout = "";
  let announce!: (url: string) => void;
  const announced = new Promise<string>((resolve) => announce = resolve);
  const stdoutDone = (async () => {
    for await (const text of child.stdout.pipeThrough(new TextDecoderStream())) {
      stdout += text;
      const url = listeningUrl(stdout);
      if (url !== null) announce(url);
    }
  })();
  const stderrText = new Response(child.stderr).text();
  const output = Promise.all([child.status, stdoutDone, stderrText]).then((
    [status, , stderr],
  ) => ({ stdout, stderr, code: status.code }));
  const url = await Promise.race([
    announced,
    output.then(({ stdout, stderr }) => {
      throw new Error(`berth exited before listening\n${stdout}\n${stderr}`);
    }),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error("berth did not start in 20 s")), 20_000)
    ),
  ]);
  return { url, child, output };
}

/** Non-empty lines of `text`. */
function linesOf(text: string): string[] {
  return text.split("\n").filter((line) => line !== "");
}

/** The parsed access lines of `stdout`. */
function accessLines(stdout: string): Record<string, unknown>[] {
  return linesOf(stdout).map((line) => JSON.parse(line)).filter((record) =>
    record.logger === "berth.access"
  );
}

async function withSite(
  files: Record<string, string>,
  body: (root: string) => Promise<void>,
): Promise<void> {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth-log-" }));
  try {
    for (const [name, content] of Object.entries(files)) {
      await Deno.writeTextFile(join(root, name), content);
    }
    await body(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  processTest(
    `berth writes exactly one access line per request when ${signal} comes right after them`,
    async () => {
      await withSite({ "a.txt": "a\n" }, async (root) => {
        const berth = await startLogged(root, []);
        const requests = 300;
        try {
          // Ten clients at once, each on its kept-alive connections.
          for (let sent = 0; sent < requests; sent += 10) {
            await Promise.all(
              Array.from({ length: 10 }, async (_, i) => {
                const response = await fetch(new URL(`a.txt?n=${sent + i}`, berth.url));
                assert.equal(await response.text(), "a\n");
              }),
            );
          }
        } finally {
          berth.child.kill(signal);
        }
        const { stdout, stderr, code } = await berth.output;
        assert.equal(code, 0, stderr);
        const records = accessLines(stdout);
        assert.equal(records.length, requests);
        assert.equal(new Set(records.map((record) => record.requestId)).size, requests);
        assert.ok(records.every((record) => record.path === "/a.txt" && record.status === 200));
        // The lines come before the stop lines, in one stream.
        assert.match(stdout, /"message":"Stopped"}\n$/);
      });
    },
  );
}

processTest(
  "berth prints only JSON lines on stdout and stderr in JSON mode, SPA fallback and rewrites included",
  async () => {
    await withSite({
      "index.html": "<h1>app</h1>\n",
      "page.html": "<p>page</p>\n",
      "_redirects": "/old /page.html 200\n/gone /page.html 301\n",
    }, async (root) => {
      const berth = await startLogged(root, ["--spa"]);
      try {
        const html = { accept: "text/html" };
        const cases: { path: string; init?: RequestInit; status: number }[] = [
          { path: "deep/route", init: { headers: html }, status: 200 },
          { path: "another/route?x=1", init: { headers: html }, status: 200 },
          { path: "old", init: { headers: html }, status: 200 },
          { path: "gone", init: { redirect: "manual" }, status: 301 },
          { path: "missing.js", status: 404 },
          { path: "page.html", init: { method: "POST", body: "x" }, status: 405 },
          { path: "deep/route", init: { method: "POST", body: "x", headers: html }, status: 405 },
        ];
        for (const { path, init, status } of cases) {
          const response = await fetch(new URL(path, berth.url), init);
          await response.body?.cancel();
          assert.equal(response.status, status, path);
        }
        // A request head node refuses, and one whose path does not decode.
        await rawRequest(berth.url, "GET /%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        await rawRequest(berth.url, "BREW / HTTP/1.1\r\nHost: x\r\n\r\n");
      } finally {
        berth.child.kill("SIGTERM");
      }
      const { stdout, stderr, code } = await berth.output;
      assert.equal(code, 0, stderr);
      for (const [name, text] of [["stdout", stdout], ["stderr", stderr]]) {
        for (const line of linesOf(text)) {
          assert.doesNotThrow(() => JSON.parse(line), `${name} line is not JSON: ${line}`);
        }
      }
      assert.ok(accessLines(stdout).length >= 8, "the requests were logged");
      assert.ok(linesOf(stderr).length >= 2, "the audit log's startup and shutdown");
    });
  },
);

processTest(
  "createHandler() with spa inside Deno.serve prints no runtime warning when it re-routes",
  async () => {
    await withSite({ "index.html": "<h1>app</h1>\n" }, async (root) => {
      const script = join(root, "embed.ts");
      const mod = fileURLToPath(new URL("../../lib/mod.ts", import.meta.url));
      // Written into the site dir only to run it; berth serves index.html.
      await Deno.writeTextFile(
        script,
        `import { createHandler } from ${JSON.stringify(mod)};
const handler = await createHandler({ settings: { root: ${
          JSON.stringify(root)
        }, spa: "index.html" } });
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
for (const path of ["/a", "/b/c"]) {
  const response = await fetch(new URL(path, "http://127.0.0.1:" + server.addr.port), {
    headers: { accept: "text/html" },
  });
  if (response.status !== 200 || !(await response.text()).includes("app")) Deno.exit(3);
}
await server.shutdown();
`,
      );
      const output = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--quiet",
          `--config=${DENO_CONFIG_PATH}`,
          "--allow-net=127.0.0.1",
          `--allow-read`,
          script,
        ],
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).output();
      const stderr = new TextDecoder().decode(output.stderr);
      assert.equal(output.code, 0, stderr);
      assert.equal(stderr, "", "nothing on stderr");
    });
  },
);
