/**
 * The CI contract as a subprocess sees it: the ready file, the permission it
 * needs, rules refused at startup, hot reload of rules, and the health
 * endpoint staying out of the access log.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createSiteRulesTree } from "../fixtures/site_rules_tree.ts";
import { minimalPermissions, processTest, runBerth, startBerth } from "./harness.ts";

/** Polls `check` every 50 ms until it returns a value, for at most `timeoutMs`. */
async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function locationOf(url: string): Promise<string | null> {
  const response = await fetch(url, { redirect: "manual" });
  await response.body?.cancel();
  return response.headers.get("location");
}

processTest(
  "berth writes the URL to --ready-file once listening and removes it on stop",
  async () => {
    const site = await createSiteRulesTree();
    const dir = await Deno.makeTempDir();
    const readyFile = join(dir, "berth.url");
    await Deno.writeTextFile(readyFile, "http://stale.example/\n");
    try {
      const berth = await startBerth({
        root: site.root,
        args: ["--ready-file", readyFile],
        permissions: [...minimalPermissions(site.root), `--allow-write=${readyFile}`],
      });
      try {
        const text = await waitFor("the ready file", async () => {
          const content = await Deno.readTextFile(readyFile).catch(() => "");
          return content.endsWith("\n") && !content.includes("stale") ? content : undefined;
        });
        assert.equal(text, `${berth.url}\n`);
        const health = await fetch(new URL("_berth/health", text.trim()));
        assert.deepEqual(await health.json(), { status: "ok" });
      } finally {
        assert.equal((await berth.stop()).code, 0);
      }
      await assert.rejects(() => Deno.stat(readyFile), Deno.errors.NotFound);
    } finally {
      await Deno.remove(dir, { recursive: true });
      await site.cleanup();
    }
  },
);

processTest("berth writes the ready file atomically when it may write the directory", async () => {
  const site = await createSiteRulesTree({ headers: null, redirects: null });
  const dir = await Deno.makeTempDir();
  const readyFile = join(dir, "ready");
  try {
    const berth = await startBerth({
      root: site.root,
      args: [`--ready-file=${readyFile}`],
      permissions: [
        "--allow-net=127.0.0.1",
        `--allow-read=${site.root},${dir}`,
        `--allow-write=${dir}`,
      ],
    });
    try {
      const text = await waitFor(
        "the ready file",
        () => Deno.readTextFile(readyFile).catch(() => undefined),
      );
      assert.equal(text, `${berth.url}\n`);
      const leftovers = [];
      for await (const entry of Deno.readDir(dir)) leftovers.push(entry.name);
      assert.deepEqual(leftovers, ["ready"], "no temporary file is left behind");
    } finally {
      assert.equal((await berth.stop()).code, 0);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
    await site.cleanup();
  }
});

processTest(
  "berth exits 4 naming --allow-write=FILE when the ready file is not writable",
  async () => {
    const site = await createSiteRulesTree({ headers: null, redirects: null });
    try {
      const readyFile = join(site.root, "..", "berth-ready.url");
      const result = await runBerth([site.root, "--port", "0", "--ready-file", readyFile], {
        permissions: minimalPermissions(site.root),
      });
      assert.equal(result.code, 4);
      assert.equal(result.stderr.trimEnd().split("\n").length, 1, result.stderr);
      assert.ok(result.stderr.includes(`--allow-write=${readyFile}`), result.stderr);
    } finally {
      await site.cleanup();
    }
  },
);

processTest("berth exits 2 with the file and line when _redirects is invalid", async () => {
  const site = await createSiteRulesTree({
    redirects: "/ok /fine\n/api/* https://api.example.com/:splat 200\n",
  });
  try {
    const result = await runBerth([site.root, "--port", "0"], {
      permissions: minimalPermissions(site.root),
    });
    assert.equal(result.code, 2);
    assert.equal(result.stderr.trimEnd().split("\n").length, 1, result.stderr);
    assert.match(result.stderr, /_redirects:2: .*proxying .* is not supported/);
  } finally {
    await site.cleanup();
  }
});

processTest(
  "berth keeps /_berth/health out of the access log and logs other requests",
  async () => {
    const site = await createSiteRulesTree({ headers: null, redirects: null });
    const berth = await startBerth({ root: site.root });
    try {
      for (const path of ["_berth/health", "about.html", "_berth/health"]) {
        const response = await fetch(new URL(path, berth.url));
        await response.body?.cancel();
        assert.equal(response.status, 200);
      }
      await waitFor("the access log line", () =>
        Promise.resolve(
          berth.lines.some((line) => line.includes('"/about.html"')) || undefined,
        ));
      const access = berth.lines.filter((line) => line.includes('"berth.access"'));
      assert.equal(access.length, 1, access.join("\n"));
      assert.ok(!berth.lines.some((line) => line.includes("/_berth/health")));
    } finally {
      assert.equal((await berth.stop()).code, 0);
      await site.cleanup();
    }
  },
);

processTest(
  "berth reloads edited _redirects and _headers and keeps the old rules when invalid",
  async () => {
    const site = await createSiteRulesTree({
      headers: "/*\n  X-Version: 1\n",
      redirects: "/old /new 301\n",
    });
    const berth = await startBerth({ root: site.root });
    try {
      const old = new URL("old", berth.url).href;
      assert.equal(await locationOf(old), "/new");
      await Deno.writeTextFile(join(site.root, "_redirects"), "/old /newer 302\n");
      await Deno.writeTextFile(join(site.root, "_headers"), "/*\n  X-Version: 2\n");
      await waitFor(
        "the new redirect",
        async () => await locationOf(old) === "/newer" || undefined,
      );
      const page = await fetch(new URL("about.html", berth.url));
      await page.body?.cancel();
      assert.equal(page.headers.get("x-version"), "2");

      await Deno.writeTextFile(join(site.root, "_redirects"), "# broken\n/old\n");
      const logged = await waitFor(
        "the reload error",
        () =>
          Promise.resolve(
            berth.lines.find((line) => line.includes("Keeping the previous site rules")),
          ),
      );
      assert.match(logged, /_redirects:2: /);
      assert.equal(await locationOf(old), "/newer", "the old rules stay in force");
    } finally {
      assert.equal((await berth.stop()).code, 0);
      await site.cleanup();
    }
  },
);

processTest("berth reloads redirectRules from an edited config file", async () => {
  const site = await createSiteRulesTree({ headers: null, redirects: null });
  const dir = await Deno.makeTempDir();
  const config = join(dir, "berth.json");
  await Deno.writeTextFile(config, JSON.stringify({ redirectRules: ["/cfg /one"] }));
  const berth = await startBerth({
    root: site.root,
    args: ["--config", config],
    permissions: ["--allow-net=127.0.0.1", `--allow-read=${site.root},${dir}`],
  });
  try {
    const url = new URL("cfg", berth.url).href;
    assert.equal(await locationOf(url), "/one");
    await Deno.writeTextFile(config, JSON.stringify({ redirectRules: ["/cfg /two 302"] }));
    await waitFor("the config rule", async () => await locationOf(url) === "/two" || undefined);
    await Deno.writeTextFile(config, JSON.stringify({ redirectRules: ["/cfg"] }));
    await waitFor(
      "the reload error",
      () => Promise.resolve(berth.lines.find((line) => line.includes("redirectRules:1"))),
    );
    assert.equal(await locationOf(url), "/two");
  } finally {
    assert.equal((await berth.stop()).code, 0);
    await Deno.remove(dir, { recursive: true });
    await site.cleanup();
  }
});

processTest(
  "scripts/ci_preview.sh serves a dist, runs the tests against BASE_URL and stops berth",
  async () => {
    const site = await createSiteRulesTree({ redirects: null });
    const script = new URL("../../scripts/ci_preview.sh", import.meta.url).pathname;
    const log = join(site.root, "..", `preview-${crypto.randomUUID()}.log`);
    try {
      const check = [
        'curl -fsS "${BASE_URL}_berth/health"',
        'curl -fsS -H "accept: text/html" "${BASE_URL}client/route" | grep -q "home page"',
        'test "$(curl -s -o /dev/null -w "%{http_code}" "${BASE_URL}missing.js")" = 404',
      ].join(" && ");
      const passing = await new Deno.Command("bash", {
        args: [script, site.root, "--", "sh", "-c", check],
        env: { BERTH_LOG: log },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const out = new TextDecoder().decode(passing.stdout);
      assert.equal(passing.code, 0, out + new TextDecoder().decode(passing.stderr));
      assert.match(out, /berth is serving .* at http:\/\/127\.0\.0\.1:\d+\//);
      assert.match(await Deno.readTextFile(log), /"Stopped"/, "berth was stopped cleanly");
      const failing = await new Deno.Command("bash", {
        args: [script, site.root, "--", "false"],
        env: { BERTH_LOG: log },
        stdout: "null",
        stderr: "null",
      }).output();
      assert.equal(failing.code, 1, "the test command's status is the script's");
    } finally {
      await Deno.remove(log).catch(() => {});
      await site.cleanup();
    }
  },
);

processTest(
  "berth with --metrics finishes or cleanly cuts a download on SIGTERM and exits 0",
  async () => {
    const site = await createSiteRulesTree({ headers: null, redirects: null });
    const size = 8 * 1024 * 1024;
    await Deno.writeFile(join(site.root, "big.bin"), new Uint8Array(size).fill(7));
    const berth = await startBerth({ root: site.root, args: ["--metrics"] });
    try {
      const response = await fetch(new URL("big.bin", berth.url));
      const reader = response.body!.getReader();
      let received = (await reader.read()).value?.length ?? 0;
      const stopping = berth.stop("SIGTERM");
      try {
        while (true) {
          const { value, done } = await reader.read();
          if (done) break;
          received += value.length;
        }
        assert.equal(received, size, "a finished download is complete");
      } catch {
        assert.ok(received <= size, "a cut download never has extra bytes");
      }
      assert.equal((await stopping).code, 0);
    } finally {
      await berth.stop();
      await site.cleanup();
    }
  },
);

processTest("berth check exits 2 naming the line of a bad _headers file", async () => {
  const site = await createSiteRulesTree({ headers: "/ok\n  X-A: b\n  broken line\n" });
  try {
    const result = await runBerth(["check", site.root], {
      permissions: [`--allow-read=${site.root}`],
    });
    assert.equal(result.code, 2, result.stdout);
    assert.match(result.stderr, /_headers:3: "broken line" is not "Name: value"/);
    const fine = await createSiteRulesTree();
    try {
      const ok = await runBerth(["check", fine.root], {
        permissions: [`--allow-read=${fine.root}`],
      });
      assert.equal(ok.code, 0, ok.stderr);
    } finally {
      await fine.cleanup();
    }
  } finally {
    await site.cleanup();
  }
});

processTest("berth exits 0 on a SIGTERM sent the moment it announces readiness", async () => {
  const site = await createSiteRulesTree({ headers: null, redirects: null });
  try {
    for (let i = 0; i < 3; i++) {
      const berth = await startBerth({ root: site.root });
      assert.equal((await berth.stop("SIGTERM")).code, 0, `run ${i}`);
    }
  } finally {
    await site.cleanup();
  }
});
