/**
 * berth used as a library from another Deno project, the way docs/library.md
 * says: a project outside the checkout lists berth in its deno.json `links`,
 * imports `@berth/berth` (berth's own dependencies come with it), and serves
 * files through `createHandler` inside its own `Deno.serve` — at its root, and
 * mounted under `/static/` with `basePath` beside the app's own routes.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { processTest } from "./harness.ts";

const REPO_DIR = fileURLToPath(new URL("../..", import.meta.url));

/** The embedding app: its own route first, berth for everything else. */
const APP_SOURCE = `
import { createHandler } from "@berth/berth";

const berth = await createHandler({ settings: { root: "./public" } });
Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen({ port }) { console.log("http://127.0.0.1:" + port + "/"); },
}, (request, info) => {
  if (new URL(request.url).pathname === "/api/time") return Response.json({ now: 1 });
  return berth(request, info);
});
`;

processTest(
  "a project that links berth serves files through createHandler in its own Deno.serve",
  async () => {
    const project = await Deno.makeTempDir({ prefix: "berth_linked_app_" });
    try {
      await Deno.mkdir(join(project, "public"));
      await Deno.writeTextFile(join(project, "public", "hello.txt"), "hello from the app\n");
      await Deno.writeTextFile(join(project, "public", ".env"), "SECRET=1\n");
      await Deno.writeTextFile(join(project, "deno.json"), JSON.stringify({ links: [REPO_DIR] }));
      await Deno.writeTextFile(join(project, "server.ts"), APP_SOURCE);
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "--quiet", "--allow-net=127.0.0.1", `--allow-read=${project}`, "server.ts"],
        cwd: project,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).spawn();
      const stderr = new Response(child.stderr).text();
      try {
        const url = await readFirstLine(child);
        if (!/^http:\/\/127\.0\.0\.1:\d+\/$/.test(url)) {
          // The app printed no URL: it has exited or will not serve; show why.
          child.kill("SIGKILL");
          assert.fail(`no URL on stdout; stderr: ${await stderr}`);
        }

        const file = await fetch(new URL("hello.txt", url));
        assert.equal(file.status, 200);
        assert.equal(await file.text(), "hello from the app\n");
        assert.equal(file.headers.get("x-content-type-options"), "nosniff");
        assert.match(file.headers.get("etag") ?? "", /^"/);

        const api = await fetch(new URL("api/time", url));
        assert.deepEqual(await api.json(), { now: 1 });

        for (const path of [".env", "missing.txt"]) {
          const response = await fetch(new URL(path, url), {
            headers: { accept: "application/json" },
          });
          assert.equal(response.status, 404, path);
          await response.body?.cancel();
        }
      } finally {
        try {
          child.kill("SIGTERM");
        } catch {
          // Already gone.
        }
        await child.status;
        await stderr;
      }
    } finally {
      await Deno.remove(project, { recursive: true });
    }
  },
);

/** The embedding app of docs/library.md's recipe: berth mounted under /static/. */
const MOUNTED_APP_SOURCE = `
import { createHandler } from "@berth/berth";

const berth = await createHandler({ settings: { root: "./public", basePath: "/static/" } });
Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen({ port }) { console.log("http://127.0.0.1:" + port + "/"); },
}, (request, info) => {
  const { pathname } = new URL(request.url);
  if (pathname === "/static" || pathname.startsWith("/static/")) return berth(request, info);
  if (pathname === "/") return new Response("the app's home");
  return new Response("the app's 404", { status: 404 });
});
`;

processTest(
  "a project that links berth mounts it under /static/ with basePath beside its own routes",
  async () => {
    const project = await Deno.makeTempDir({ prefix: "berth_mounted_app_" });
    try {
      await Deno.mkdir(join(project, "public", "sub"), { recursive: true });
      await Deno.writeTextFile(join(project, "public", "hello.txt"), "hello from the mount\n");
      await Deno.writeTextFile(join(project, "public", "sub", "index.html"), "<h1>sub</h1>");
      await Deno.writeTextFile(join(project, "public", "_redirects"), "/old /hello.txt 301\n");
      await Deno.writeTextFile(join(project, "deno.json"), JSON.stringify({ links: [REPO_DIR] }));
      await Deno.writeTextFile(join(project, "server.ts"), MOUNTED_APP_SOURCE);
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "--quiet", "--allow-net=127.0.0.1", `--allow-read=${project}`, "server.ts"],
        cwd: project,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).spawn();
      const stderr = new Response(child.stderr).text();
      try {
        const url = await readFirstLine(child);
        if (!/^http:\/\/127\.0\.0\.1:\d+\/$/.test(url)) {
          child.kill("SIGKILL");
          assert.fail(`no URL on stdout; stderr: ${await stderr}`);
        }
        const file = await fetch(new URL("static/hello.txt", url));
        assert.equal(file.status, 200);
        assert.equal(await file.text(), "hello from the mount\n");
        assert.equal(await (await fetch(url)).text(), "the app's home");

        const redirects: [string, string][] = [
          ["static", "/static/"],
          ["static/sub", "/static/sub/"],
          ["static/old", "/static/hello.txt"],
        ];
        for (const [path, location] of redirects) {
          const response = await fetch(new URL(path, url), { redirect: "manual" });
          assert.equal(response.status, 301, path);
          assert.equal(response.headers.get("location"), location, path);
          await response.body?.cancel();
        }
        // Followed by the client, every Location lands inside the mount again.
        const followed = await fetch(new URL("static/sub", url));
        assert.equal(await followed.text(), "<h1>sub</h1>");
        const health = await fetch(new URL("static/_berth/health", url));
        assert.equal(health.status, 200);
        await health.body?.cancel();
      } finally {
        try {
          child.kill("SIGTERM");
        } catch {
          // Already gone.
        }
        await child.status;
        await stderr;
      }
    } finally {
      await Deno.remove(project, { recursive: true });
    }
  },
);

/** The first stdout line of `child` (its URL), bounded to a minute. */
async function readFirstLine(child: Deno.ChildProcess): Promise<string> {
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  clearTimeout(timer);
  reader.releaseLock();
  child.stdout.cancel().catch(() => {});
  return text.split("\n")[0];
}
