/**
 * Client identity through main.ts: IPv6 hosts with scoped `--allow-net`
 * (issue 10, finding 16) and trusted proxy headers (finding 8), each with the
 * narrowest permissions that work.
 */

import assert from "node:assert/strict";
import { processTest, runBerth, startBerth } from "./harness.ts";

const EXIT_PERMISSION = 4;

/** Whether this machine can listen on the IPv6 loopback (containers without IPv6 cannot). */
function hasIpv6Loopback(): boolean {
  try {
    Deno.listen({ hostname: "::1", port: 0 }).close();
    return true;
  } catch {
    return false;
  }
}

const IPV6 = hasIpv6Loopback();
const NO_IPV6 = IPV6 ? "" : " (skipped: this machine has no IPv6 loopback ::1)";

async function makeRoot(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "berth_identity_" });
  await Deno.writeTextFile(`${root}/index.html`, "<h1>hello</h1>\n");
  return root;
}

/** A port free on `hostname` right now (the OS picks it; closed before berth binds it). */
function freePort(hostname: string): number {
  const listener = Deno.listen({ hostname, port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Waits (bounded) for the access log line of `path` and returns its client field. */
async function loggedClient(lines: readonly string[], path: string, seen = 0): Promise<string> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const matches = lines.flatMap((line) => {
      try {
        const record = JSON.parse(line);
        return record.logger === "berth.access" && record.path === path ? [record.client] : [];
      } catch {
        return [];
      }
    });
    if (matches.length > seen) return matches[seen];
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no access log line for ${path}`);
}

async function statusOf(url: URL | string, headers: Record<string, string> = {}): Promise<number> {
  const response = await fetch(url, { headers });
  await response.body?.cancel();
  return response.status;
}

processTest(
  `berth --host ::1 starts with --allow-net=[::1] on port 0 and prints http://[::1]:PORT/${NO_IPV6}`,
  async () => {
    const root = await makeRoot();
    const berth = await startBerth({
      root,
      args: ["--host", "::1", "--metrics"],
      permissions: ["--allow-net=[::1]", `--allow-read=${root}`],
    });
    try {
      assert.match(berth.url, /^http:\/\/\[::1\]:[1-9][0-9]*\/$/);
      const response = await fetch(berth.url);
      assert.equal(response.status, 200);
      assert.equal(await response.text(), "<h1>hello</h1>\n");
      assert.equal(await loggedClient(berth.lines, "/"), "::1");
      // ::1 is this machine: the loopback-only metrics answer it.
      assert.equal(await statusOf(new URL("_berth/metrics", berth.url)), 200);
    } finally {
      await berth.stop();
      await Deno.remove(root, { recursive: true });
    }
  },
  { ignore: !IPV6 },
);

processTest(
  `berth --host ::1 --port PORT starts with --allow-net=[::1]:PORT${NO_IPV6}`,
  async () => {
    const root = await makeRoot();
    const port = IPV6 ? freePort("::1") : 0;
    const berth = await startBerth({
      root,
      // The harness passes --port 0 first; the later flag wins.
      args: ["--host", "::1", "--port", String(port)],
      permissions: [`--allow-net=[::1]:${port}`, `--allow-read=${root}`],
    });
    try {
      assert.equal(berth.url, `http://[::1]:${port}/`);
      assert.equal(await statusOf(berth.url), 200);
    } finally {
      await berth.stop();
      await Deno.remove(root, { recursive: true });
    }
  },
  { ignore: !IPV6 },
);

processTest(
  "berth --host ::1 without net access names --allow-net=[::1], never a URIError",
  async () => {
    const root = await makeRoot();
    try {
      const result = await runBerth([root, "--host", "::1", "--port", "0"], {
        permissions: ["--allow-net=127.0.0.1", `--allow-read=${root}`],
      });
      assert.equal(result.code, EXIT_PERMISSION, result.stderr);
      assert.match(result.stderr, /network access to \[::1\]: run with --allow-net=\[::1\]/);
      assert.doesNotMatch(result.stderr, /URIError|Uncaught/);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);

processTest(
  "berth --trust-proxy believes only X-Forwarded-For from a trusted peer, so Forwarded cannot fake loopback",
  async () => {
    const root = await makeRoot();
    const berth = await startBerth({ root, args: ["--trust-proxy", "--metrics"] });
    try {
      const metrics = new URL("_berth/metrics", berth.url);
      // The proxy (on this machine) appended the real client; the client forged Forwarded.
      const forged = { forwarded: "for=127.0.0.1", "x-forwarded-for": "203.0.113.5" };
      assert.equal(await statusOf(metrics, forged), 403);
      assert.equal(await loggedClient(berth.lines, "/_berth/metrics"), "203.0.113.5");
      // A forged loopback entry left of the proxy's own entry is not believed either.
      assert.equal(await statusOf(metrics, { "x-forwarded-for": "127.0.0.1, 203.0.113.6" }), 403);
      assert.equal(await loggedClient(berth.lines, "/_berth/metrics", 1), "203.0.113.6");
      // A request from this machine with no proxy header is the loopback client it is.
      assert.equal(await statusOf(metrics), 200);
    } finally {
      await berth.stop();
      await Deno.remove(root, { recursive: true });
    }
  },
);

processTest(
  "berth --trust-proxy --trusted-proxies ignores proxy headers from a peer outside the list",
  async () => {
    const root = await makeRoot();
    const berth = await startBerth({
      root,
      args: ["--trust-proxy", "--trusted-proxies", "10.0.0.0/8", "--metrics"],
    });
    try {
      const metrics = new URL("_berth/metrics", berth.url);
      assert.equal(await statusOf(metrics, { "x-forwarded-for": "203.0.113.5" }), 200);
      assert.equal(await loggedClient(berth.lines, "/_berth/metrics"), "127.0.0.1");
    } finally {
      await berth.stop();
      await Deno.remove(root, { recursive: true });
    }
  },
);

processTest(
  `berth --proxy-header Forwarded on ::1 takes the client from Forwarded only${NO_IPV6}`,
  async () => {
    const root = await makeRoot();
    const berth = await startBerth({
      root,
      args: ["--host", "::1", "--trust-proxy", "--proxy-header", "Forwarded", "--metrics"],
      permissions: ["--allow-net=[::1]", `--allow-read=${root}`],
    });
    try {
      const metrics = new URL("_berth/metrics", berth.url);
      const headers = { forwarded: 'for="[2001:db8::5]:4711"', "x-forwarded-for": "127.0.0.1" };
      assert.equal(await statusOf(metrics, headers), 403);
      assert.equal(await loggedClient(berth.lines, "/_berth/metrics"), "2001:db8::5");
    } finally {
      await berth.stop();
      await Deno.remove(root, { recursive: true });
    }
  },
  { ignore: !IPV6 },
);
