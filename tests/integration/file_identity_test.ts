/**
 * Black-box checks of "protection follows the file" through main.ts with the
 * README's scoped permissions: berth started in a directory that is both the
 * root and the home of its own files (the default root is the working
 * directory), a Host header that tries to move the path, and a symlink
 * alias of a protected folder, over raw TCP where fetch would normalize.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { hashPassword } from "../../lib/auth/passwords.ts";
import { processTest, rawRequest, rawStatus, startBerth } from "./harness.ts";

/** A directory laid out as people run berth: site files beside berth.json, users and secret. */
async function createProject(): Promise<string> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth-own-" }));
  const files: Record<string, string> = {
    "index.html": "<h1>home</h1>",
    "old.html": "<p>the old page</p>",
    "admin/a.txt": "admin secret a",
    "secret.txt": "jwt-secret-0123456789abcdef0123456789abcdef",
    "berth.json": JSON.stringify({
      access: [{ path: "/admin/*", roles: ["admin"] }],
      auth: { users: "users.json", basic: true, jwt: { secretFile: "secret.txt" } },
      auditLog: "audit.log",
    }),
  };
  for (const [name, text] of Object.entries(files)) {
    await Deno.mkdir(join(dir, name, ".."), { recursive: true });
    await Deno.writeTextFile(join(dir, name), text);
  }
  const users = [{
    name: "ada",
    passwordHash: await hashPassword("ada-password-1"),
    roles: ["admin"],
  }];
  await Deno.writeTextFile(join(dir, "users.json"), JSON.stringify({ users }));
  await Deno.mkdir(join(dir, "pub"));
  await Deno.symlink("../admin", join(dir, "pub/adm"));
  return dir;
}

function bodyOf(response: string): string {
  return response.slice(response.indexOf("\r\n\r\n") + 4);
}

processTest(
  "berth run in its own project directory never serves berth.json, users.json, the secret or the audit log",
  async () => {
    const dir = await createProject();
    const berth = await startBerth({
      root: ".",
      cwd: dir,
      permissions: [
        "--allow-net=127.0.0.1",
        "--allow-read=.",
        `--allow-write=${join(dir, "audit.log")}`,
      ],
    });
    try {
      const missing = await rawRequest(
        berth.url,
        "GET /no-such-file HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
      );
      assert.equal(rawStatus(missing), 404);
      for (
        const path of [
          "/users.json",
          "/berth.json",
          "/secret.txt",
          "/audit.log",
          "//users.json",
          "/%75sers.json",
          "/pub/../secret.txt",
          "/users.json.gz",
        ]
      ) {
        const answer = await rawRequest(
          berth.url,
          `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
        );
        assert.equal(rawStatus(answer), 404, path);
        assert.equal(bodyOf(answer), bodyOf(missing), path);
        assert.ok(!answer.includes("passwordHash") && !answer.includes("jwt-secret"), path);
      }
      const home = await fetch(berth.url);
      assert.equal(await home.text(), "<h1>home</h1>");
    } finally {
      assert.equal((await berth.stop()).code, 0);
      await Deno.remove(dir, { recursive: true });
    }
  },
);

processTest(
  "a Host header that is not host[:port] answers 400 and never changes the path served",
  async () => {
    const dir = await createProject();
    const berth = await startBerth({ root: dir });
    try {
      for (
        const host of ["a/old.html?", "a/old.html#", "a@b", "a b", "a\\b", "a:99999", "a:x", "[::1"]
      ) {
        const answer = await rawRequest(
          berth.url,
          `GET /anything HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
        );
        assert.equal(rawStatus(answer), 400, host);
        assert.match(answer, /Host header/, host);
        assert.ok(!answer.includes("the old page"), host);
      }
      for (
        const host of [
          "127.0.0.1",
          "example.test:8080",
          "example.test:",
          "[::1]:80",
          "xn--bcher-kva.example",
        ]
      ) {
        const answer = await rawRequest(
          berth.url,
          `GET /old.html HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
        );
        assert.equal(rawStatus(answer), 200, host);
      }
      // The refused requests are in the access log like any other answer.
      const logged = berth.lines.filter((line) => line.includes('"status":400')).length;
      assert.ok(logged >= 8, `access log lines for the 400s: ${logged}`);
    } finally {
      assert.equal((await berth.stop()).code, 0);
      await Deno.remove(dir, { recursive: true });
    }
  },
);

processTest(
  "a symlink alias of a protected folder is refused over HTTP, on GET, HEAD and ranges",
  async () => {
    const dir = await createProject();
    const berth = await startBerth({
      root: dir,
      args: ["--config", join(dir, "berth.json")],
      permissions: [
        "--allow-net=127.0.0.1",
        `--allow-read=${dir}`,
        `--allow-write=${join(dir, "audit.log")}`,
      ],
    });
    try {
      for (
        const request of [
          "GET /pub/adm/a.txt",
          "HEAD /pub/adm/a.txt",
          "GET /pub//adm/a.txt",
          "GET /pub/%61dm/a.txt",
        ]
      ) {
        const answer = await rawRequest(
          berth.url,
          `${request} HTTP/1.1\r\nHost: 127.0.0.1\r\nRange: bytes=0-3\r\nConnection: close\r\n\r\n`,
        );
        assert.equal(rawStatus(answer), 401, request);
        assert.ok(!answer.includes("admin secret"), request);
      }
      const allowed = await fetch(new URL("pub/adm/a.txt", berth.url), {
        headers: { authorization: "Basic " + btoa("ada:ada-password-1") },
      });
      assert.equal(allowed.status, 200);
      assert.equal(await allowed.text(), "admin secret a");
      assert.match(allowed.headers.get("cache-control") ?? "", /^private/);
    } finally {
      assert.equal((await berth.stop()).code, 0);
      await Deno.remove(dir, { recursive: true });
    }
  },
);
