/**
 * The compile script and the embedded-site code path. Everything but the real
 * compile runs always: the site is staged and its generated entry is run
 * under `deno run` with read access to the staging directory only, which is
 * the code a compiled binary runs on its embedded tree. The tests that need
 * `deno compile`'s denort runtime probe for it and, when neither the network
 * nor DENORT_BIN provides it, are ignored with that reason in their name.
 */

import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { formatHttpDate } from "../../lib/http/http_date.ts";
import { createEtagFromDigest, type EmbeddedManifest } from "../../lib/fs/embedded.ts";
import { binaryName, findTarget } from "../../scripts/compile_plan.ts";
import { stageSite } from "../../scripts/stage_site.ts";
import { createFixtureTree, FIXTURE_CONTENT, FIXTURE_NAMES } from "../fixtures/tree.ts";
import { processTest, runBerth, startBerth } from "./harness.ts";

const REPO_DIR = fileURLToPath(new URL("../../", import.meta.url));
const BIG_HTML = "big.html";
const BIG_HTML_TEXT = `<!doctype html>\n${"<p>embedded and compressed</p>\n".repeat(200)}`;
const EMBEDDED_HEADER = "x-embedded-config";

async function sha256Etag(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return createEtagFromDigest(new Uint8Array(digest));
}

/** The fixture site plus a big compressible page and a config, staged into a temp dir. */
async function withStagedSite(
  body: (
    staged: {
      stageDir: string;
      entry: string;
      manifest: EmbeddedManifest;
      site: string;
      skipped: string[];
    },
  ) => Promise<void>,
): Promise<void> {
  const tree = await createFixtureTree();
  const work = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth_stage_" }));
  try {
    await Deno.writeTextFile(join(tree.root, BIG_HTML), BIG_HTML_TEXT);
    const configDir = join(work, "cfg");
    await Deno.mkdir(configDir);
    const config = join(configDir, "berth.json");
    await Deno.writeTextFile(
      config,
      JSON.stringify({ headers: { [EMBEDDED_HEADER]: "yes" }, notFoundPage: "404.html" }),
    );
    const stageDir = join(work, "stage");
    const staged = await stageSite({ site: tree.root, config, stageDir });
    await body({
      stageDir,
      entry: staged.entry,
      manifest: staged.manifest,
      site: tree.root,
      skipped: staged.skipped,
    });
  } finally {
    await Deno.remove(work, { recursive: true });
    await tree.cleanup();
  }
}

processTest(
  "`stageSite()` embeds the site without dotfiles or escaping links, with hashed validators",
  async () => {
    await withStagedSite(async ({ stageDir, manifest, site, skipped }) => {
      const names = Object.keys(manifest.files);
      const n = FIXTURE_NAMES;
      for (
        const present of [
          n.INDEX,
          n.HELLO,
          n.SECURITY_TXT,
          n.APP_JS_BR,
          n.NOT_FOUND_PAGE,
          n.JAPANESE,
        ]
      ) {
        assert.ok(names.includes(present), `${present} is embedded`);
      }
      for (
        const absent of [
          n.ENV,
          n.GIT_CONFIG,
          n.WELL_KNOWN_HIDDEN,
          n.LINK_OUTSIDE,
          n.LINK_ABS_OUTSIDE,
          n.LINK_SIBLING,
          n.LINK_TO_ENV,
          n.LINK_LOOP,
          n.LINK_DANGLING,
        ]
      ) {
        assert.ok(!names.includes(absent), `${absent} is not embedded`);
        assert.ok(!names.some((name) => name.startsWith(`${absent}/`)), `nothing under ${absent}`);
      }
      assert.ok(skipped.some((line) => line.startsWith(n.ENV)));
      // The staged bytes never contain what lives outside the site.
      const stagedFiles = names.map((name) => join(stageDir, "site", ...name.split("/")));
      for (const path of stagedFiles) {
        const text = new TextDecoder().decode(await Deno.readFile(path));
        assert.ok(!text.includes(FIXTURE_CONTENT.SECRET) && !text.includes(FIXTURE_CONTENT.ENV));
      }

      // Validators: content hash and the source file's mtime.
      const index = await Deno.readFile(join(site, n.INDEX));
      const facts = manifest.files[n.INDEX];
      assert.equal(facts.etag, await sha256Etag(index));
      assert.equal(facts.size, index.byteLength);
      assert.equal(facts.mtimeMs, (await Deno.stat(join(site, n.INDEX))).mtime?.getTime());

      // A sibling the site ships is kept as is; a big compressible page gets new ones.
      assert.equal(
        manifest.files[n.APP_JS_BR].etag,
        await sha256Etag(await Deno.readFile(join(site, n.APP_JS_BR))),
      );
      const br = await Deno.readFile(join(stageDir, "site", `${BIG_HTML}.br`));
      const gz = await Deno.readFile(join(stageDir, "site", `${BIG_HTML}.gz`));
      assert.equal(new TextDecoder().decode(brotliDecompressSync(br)), BIG_HTML_TEXT);
      assert.equal(new TextDecoder().decode(gunzipSync(gz)), BIG_HTML_TEXT);
      assert.ok(br.byteLength < BIG_HTML_TEXT.length / 4);
      assert.equal(manifest.files[`${BIG_HTML}.gz`].etag, await sha256Etag(gz));
      // Small or incompressible files get no siblings.
      assert.ok(!names.includes(`${n.INDEX}.gz`));
      assert.ok(!names.includes(`${n.LARGE}.gz`));
      assert.equal(manifest.config, "config/berth.json");
    });
  },
);

processTest(
  "the staged entry serves the embedded site with build-time validators and its config",
  async () => {
    await withStagedSite(async ({ stageDir, entry, manifest }) => {
      const berth = await startBerth({ root: stageDir, entry });
      try {
        const response = await fetch(berth.url);
        assert.equal(response.status, 200);
        assert.equal(await response.text(), FIXTURE_CONTENT.INDEX);
        const facts = manifest.files[FIXTURE_NAMES.INDEX];
        assert.equal(response.headers.get("etag"), facts.etag);
        assert.equal(response.headers.get("last-modified"), formatHttpDate(facts.mtimeMs));
        assert.equal(response.headers.get(EMBEDDED_HEADER), "yes");

        const revalidated = await fetch(berth.url, { headers: { "if-none-match": facts.etag } });
        assert.equal(revalidated.status, 304);
        await revalidated.body?.cancel();

        const range = await fetch(new URL(FIXTURE_NAMES.LARGE, berth.url), {
          headers: { range: "bytes=251-255" },
        });
        assert.equal(range.status, 206);
        assert.deepEqual(
          new Uint8Array(await range.arrayBuffer()),
          new Uint8Array([0, 1, 2, 3, 4]),
        );

        // The brotli sibling made at build time is what a br-capable client gets.
        const compressed = await fetch(new URL(BIG_HTML, berth.url), {
          headers: { "accept-encoding": "br" },
        });
        assert.equal(compressed.headers.get("content-encoding"), "br");
        assert.equal(
          Number(compressed.headers.get("content-length")),
          manifest.files[`${BIG_HTML}.br`].size,
        );
        await compressed.body?.cancel();

        for (
          const hidden of [FIXTURE_NAMES.ENV, FIXTURE_NAMES.LINK_TO_ENV, FIXTURE_NAMES.LINK_OUTSIDE]
        ) {
          const denied = await fetch(new URL(hidden, berth.url));
          assert.equal(denied.status, 404, hidden);
          const body = await denied.text();
          assert.equal(body, FIXTURE_CONTENT.NOT_FOUND_PAGE, "the embedded config's 404 page");
        }
      } finally {
        await berth.stop();
      }
    });
  },
);

processTest(
  "the staged entry refuses a ROOT argument and --config, and reports its build mode",
  async () => {
    await withStagedSite(async ({ stageDir, entry }) => {
      const permissions = ["--allow-net=127.0.0.1", `--allow-read=${stageDir}`];
      for (const args of [["./elsewhere"], ["--config", "other.json"]]) {
        const result = await runBerth(args, { permissions, entry });
        assert.equal(result.code, 2, args.join(" "));
        assert.match(
          result.stderr,
          /^berth: This berth binary serves the site built into it: remove the/,
        );
        assert.equal(result.stderr.trimEnd().split("\n").length, 1);
      }
      const version = await runBerth(["--version"], { permissions, entry });
      assert.equal(version.code, 0);
      assert.match(
        version.stdout,
        /^berth \d+\.\d+\.\d+ \(deno \d+\.\d+\.\d+, deno run with embedded site\)/,
      );
    });
    const plain = await runBerth(["--version"], { permissions: [] });
    assert.match(plain.stdout, /\(deno \d+\.\d+\.\d+, deno run\)/);
  },
);

processTest(
  "the staged entry reads BERTH_* variables under a compiled binary's scoped env grant",
  async () => {
    await withStagedSite(async ({ stageDir, entry }) => {
      const berth = await startBerth({
        root: stageDir,
        entry,
        permissions: ["--allow-net=127.0.0.1", `--allow-read=${stageDir}`, "--allow-env=BERTH_*"],
        env: { BERTH_CORS: "true" },
      });
      try {
        const response = await fetch(berth.url);
        await response.body?.cancel();
        assert.equal(response.headers.get("access-control-allow-origin"), "*");
      } finally {
        await berth.stop();
      }
    });
  },
);

/** Runs `deno task compile ARGS` in the repository; resolves to its exit code and stderr. */
async function runCompileTask(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "compile", ...args],
    cwd: REPO_DIR,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
}

/** The lines the script itself printed (deno's own output has no `compile:` prefix). */
function scriptLines(stderr: string): string[] {
  return stderr.split("\n").filter((line) => line.startsWith("compile: "));
}

processTest(
  "`deno task compile` stops with one sentence when DENORT_BIN names a missing file",
  async () => {
    const missing = join(await Deno.makeTempDir({ prefix: "berth_denort_" }), "denort");
    try {
      const result = await runCompileTask(["--target", "linux-x86_64"], { DENORT_BIN: missing });
      assert.equal(result.code, 1);
      const lines = scriptLines(result.stderr);
      assert.equal(lines.length, 1, result.stderr);
      assert.equal(
        lines[0],
        `compile: DENORT_BIN points to "${missing}", which is not a file: set it to the path of an unzipped denort binary of this Deno version, or unset it to let deno compile download one`,
      );
    } finally {
      await Deno.remove(join(missing, ".."), { recursive: true });
    }
  },
);

processTest(
  "`deno task compile` rejects bad targets, sites and configs before compiling anything",
  async () => {
    const target = await runCompileTask(["--target", "plan9-mips"]);
    assert.equal(target.code, 2);
    assert.match(scriptLines(target.stderr)[0], /^compile: Unknown target "plan9-mips"/);
    const config = await runCompileTask(["--config", "berth.json"]);
    assert.equal(config.code, 2);
    assert.match(scriptLines(config.stderr)[0], /"--config" needs "--site"/);

    const work = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth_bad_site_" }));
    try {
      const file = join(work, "file.txt");
      await Deno.writeTextFile(file, "not a directory");
      const notDir = await runCompileTask(["--site", file, "--out", join(work, "out")]);
      assert.equal(notDir.code, 2);
      assert.deepEqual(scriptLines(notDir.stderr), [
        `compile: Cannot embed "${file}": it is not a readable directory`,
      ]);

      const badConfig = join(work, "berth.json");
      await Deno.writeTextFile(badConfig, '{ "port": "eighty" }');
      const invalid = await runCompileTask(["--site", work, "--config", badConfig]);
      assert.equal(invalid.code, 2);
      assert.match(scriptLines(invalid.stderr)[0], /^compile: Invalid config "port" in .*"eighty"/);

      const outside = join(work, "cfg", "berth.json");
      await Deno.mkdir(join(work, "cfg"));
      await Deno.writeTextFile(outside, '{ "auditLog": "audit.log" }');
      const refused = await runCompileTask(["--site", work, "--config", outside]);
      assert.equal(refused.code, 2);
      assert.match(
        scriptLines(refused.stderr)[0],
        /^compile: Cannot embed a config that sets "auditLog"/,
      );
      assert.ok(!(await exists(join(work, "out"))), "nothing was built");
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
);

processTest(
  "`deno task compile` without network or DENORT_BIN says the runtime is missing and how to provide it",
  async () => {
    // No network, forced: a fresh DENO_DIR (no cached denort) that shares the npm
    // cache, and a proxy that refuses every connection except the npm registry.
    const info = JSON.parse(
      new TextDecoder().decode(
        (await new Deno.Command(Deno.execPath(), {
          args: ["info", "--json"],
          stdout: "piped",
          stderr: "null",
        }).output()).stdout,
      ),
    ) as { npmCache: string };
    const work = await Deno.makeTempDir({ prefix: "berth_offline_" });
    try {
      const denoDir = join(work, "deno_dir");
      await Deno.mkdir(denoDir);
      await Deno.symlink(info.npmCache, join(denoDir, "npm"));
      const host = findTarget(Deno.build.target) ?? findTarget("linux-x86_64")!;
      const result = await runCompileTask(["--target", host.name, "--out", join(work, "out")], {
        DENO_DIR: denoDir,
        HTTPS_PROXY: "http://127.0.0.1:9",
        HTTP_PROXY: "http://127.0.0.1:9",
        NO_PROXY: "registry.npmjs.org",
      });
      assert.equal(result.code, 1, result.stderr);
      const lines = scriptLines(result.stderr);
      assert.equal(
        lines.at(-1),
        `compile: deno compile could not download its denort runtime for ${host.triple} (no network?): set DENORT_BIN to a local denort binary for that target (from denort-${host.triple}.zip of Deno ${Deno.version.deno}) and build one target at a time with --target`,
      );
      assert.ok(!(await exists(join(work, "out", binaryName(host)))), "no binary is left behind");
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
);

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether `deno compile` can get its runtime here (DENORT_BIN, a cached or
 * downloadable denort), found by compiling a one-line program; null when it
 * can, else why not.
 */
async function probeCompile(): Promise<string | null> {
  const dir = await Deno.makeTempDir({ prefix: "berth_probe_" });
  try {
    await Deno.writeTextFile(join(dir, "probe.ts"), 'console.log("ok");\n');
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "compile",
        "--quiet",
        "--no-check",
        "--no-config",
        "--output",
        join(dir, "probe"),
        join(dir, "probe.ts"),
      ],
      cwd: dir,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
      signal: AbortSignal.timeout(180_000),
    }).output();
    if (!output.success) {
      return Deno.env.get("DENORT_BIN")
        ? "DENORT_BIN is set but deno compile fails with it"
        : "deno compile cannot get its denort runtime (no network, no DENORT_BIN)";
    }
    const run = await new Deno.Command(join(dir, "probe"), { stdout: "piped", stderr: "null" })
      .output();
    return new TextDecoder().decode(run.stdout).trim() === "ok"
      ? null
      : "DENORT_BIN is not a working denort runtime";
  } catch (error) {
    return `deno compile could not be tried: ${error instanceof Error ? error.message : error}`;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const COMPILE_BLOCKER = await probeCompile();
const HOST_TARGET = findTarget(Deno.build.target);
const SKIP_REASON = COMPILE_BLOCKER ??
  (HOST_TARGET === undefined ? `no build target for ${Deno.build.target}` : null);
const skipNote = SKIP_REASON === null ? "" : ` [skipped: ${SKIP_REASON}]`;

processTest(
  `a compiled general berth serves a directory given at run time and reports "compiled"${skipNote}`,
  async () => {
    const tree = await createFixtureTree();
    const out = await Deno.makeTempDir({ prefix: "berth_dist_" });
    try {
      const build = await runCompileTask(["--target", HOST_TARGET!.name, "--out", out]);
      assert.equal(build.code, 0, build.stderr);
      const binary = join(out, binaryName(HOST_TARGET!));
      const sums = await Deno.readTextFile(join(out, "SHA256SUMS"));
      assert.match(sums, new RegExp(`^[0-9a-f]{64}  ${binaryName(HOST_TARGET!)}\\n$`));

      const version = await new Deno.Command(binary, { args: ["--version"], stdout: "piped" })
        .output();
      assert.match(new TextDecoder().decode(version.stdout), /, compiled\)/);

      const berth = await startBerth({ root: tree.root, executable: binary });
      try {
        const response = await fetch(berth.url);
        assert.equal(await response.text(), FIXTURE_CONTENT.INDEX);
        const escaped = await fetch(new URL(FIXTURE_NAMES.LINK_OUTSIDE, berth.url));
        assert.equal(escaped.status, 404);
        await escaped.body?.cancel();
      } finally {
        await berth.stop();
      }
    } finally {
      await Deno.remove(out, { recursive: true });
      await tree.cleanup();
    }
  },
  { ignore: SKIP_REASON !== null },
);

processTest(
  `a compiled embedded-site berth serves its site with no files on disk and reads nothing else${skipNote}`,
  async () => {
    const tree = await createFixtureTree();
    const out = await Deno.makeTempDir({ prefix: "berth_dist_" });
    try {
      const build = await runCompileTask([
        "--site",
        tree.root,
        "--target",
        HOST_TARGET!.name,
        "--out",
        out,
      ]);
      assert.equal(build.code, 0, build.stderr);
      const binary = join(out, binaryName(HOST_TARGET!));
      // Copy the binary to a fresh directory and delete the site: nothing on disk remains.
      const alone = join(out, "alone");
      await Deno.mkdir(alone);
      await Deno.copyFile(binary, join(alone, "berth"));
      await Deno.chmod(join(alone, "berth"), 0o755);
      await tree.cleanup();

      const version = await new Deno.Command(join(alone, "berth"), {
        args: ["--version"],
        stdout: "piped",
      })
        .output();
      assert.match(new TextDecoder().decode(version.stdout), /, compiled with embedded site\)/);

      const berth = await startBerth({
        root: alone,
        executable: join(alone, "berth"),
        passRoot: false,
      });
      try {
        const response = await fetch(berth.url);
        assert.equal(await response.text(), FIXTURE_CONTENT.INDEX);
        assert.match(response.headers.get("etag") ?? "", /^"sha256-[0-9a-f]{32}"$/);
        const hidden = await fetch(new URL(FIXTURE_NAMES.ENV, berth.url));
        assert.equal(hidden.status, 404);
        await hidden.body?.cancel();
      } finally {
        await berth.stop();
      }

      // Reading any file outside the embedded tree is refused by Deno itself.
      const pem = join(alone, "cert.pem");
      await Deno.writeTextFile(pem, "not read");
      const denied = await new Deno.Command(join(alone, "berth"), {
        args: ["--port", "0", "--cert", pem, "--key", pem],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(denied.code, 4);
      assert.match(new TextDecoder().decode(denied.stderr), /berth needs read access to/);
    } finally {
      await Deno.remove(out, { recursive: true });
      await tree.cleanup().catch(() => {});
    }
  },
  { ignore: SKIP_REASON !== null },
);

processTest(
  "the README's `deno install` command installs a berth that serves a directory",
  async () => {
    const tree = await createFixtureTree();
    const installRoot = await Deno.makeTempDir({ prefix: "berth_install_" });
    try {
      const install = await new Deno.Command(Deno.execPath(), {
        args: [
          "install",
          "--quiet",
          "--global",
          "--root",
          installRoot,
          "--config",
          "deno.json",
          "--allow-net",
          "--allow-read",
          "-n",
          "berth",
          "main.ts",
        ],
        cwd: REPO_DIR,
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.ok(install.success, new TextDecoder().decode(install.stderr));
      const executable = join(
        installRoot,
        "bin",
        Deno.build.os === "windows" ? "berth.cmd" : "berth",
      );
      // The installed script runs `deno` from PATH: make it this test's deno.
      const delimiter = Deno.build.os === "windows" ? ";" : ":";
      const path = `${dirname(Deno.execPath())}${delimiter}${Deno.env.get("PATH") ?? ""}`;
      const berth = await startBerth({ root: tree.root, executable, env: { PATH: path } });
      try {
        const response = await fetch(berth.url);
        assert.equal(await response.text(), FIXTURE_CONTENT.INDEX);
        const escaped = await fetch(new URL(FIXTURE_NAMES.LINK_OUTSIDE, berth.url));
        assert.equal(escaped.status, 404, "unscoped --allow-read, but berth keeps to the root");
        await escaped.body?.cancel();
      } finally {
        await berth.stop();
      }
    } finally {
      await Deno.remove(installRoot, { recursive: true });
      await tree.cleanup();
    }
  },
);
