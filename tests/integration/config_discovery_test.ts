/**
 * @module
 * Config discovery as a user meets it: berth started with the README's
 * permissions (`--allow-net=127.0.0.1 --allow-read=ROOT`) from a directory
 * holding a `berth.json` never prompts (stdin a pipe, and a real terminal
 * through script(1) where it exists), does not read the file, and says so
 * in one startup line naming the flag; with the flag it reads it.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { MAIN_PATH, minimalPermissions, processTest, runBerth, startBerth } from "./harness.ts";

/** What Deno prints when it asks a permission question. */
const PROMPT_REGEXP = /Deno requests|Allow\?|\[y\/n/;
/** The ready line's URL. */
const LISTENING_REGEXP = /listening on (http:\/\/127\.0\.0\.1:\d+\/)/;
const CONFIG_NOT_READ =
  "config: ./berth.json and ./berth.jsonc not looked for (no read access: add --allow-read=./berth.json,./berth.jsonc)";

/** script(1) from util-linux gives the child a real terminal (Linux only: BSD's takes other flags). */
const HAVE_SCRIPT = Deno.build.os === "linux" &&
  await new Deno.Command("script", { args: ["--version"], stdout: "null", stderr: "null" })
    .output().then((output) => output.success, () => false);

/**
 * A working directory with a `site/` root (a folder without an index, so a
 * listing is visible) and a `berth.json` that turns the listing on.
 */
async function createProject(): Promise<{ dir: string; root: string }> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth-discovery-" }));
  const root = join(dir, "site");
  await Deno.mkdir(join(root, "docs"), { recursive: true });
  await Deno.writeTextFile(join(root, "docs", "a.txt"), "a");
  await Deno.writeTextFile(join(dir, "berth.json"), JSON.stringify({ port: 9, listing: true }));
  return { dir, root };
}

/** The messages of the JSON log lines berth printed. */
function messages(lines: readonly string[]): string[] {
  return lines.flatMap((line) => {
    try {
      return [String(JSON.parse(line).message)];
    } catch {
      return [];
    }
  });
}

/** Status of GET `path`, body consumed. */
async function statusOf(url: string, path: string): Promise<number> {
  const response = await fetch(new URL(path, url));
  await response.body?.cancel();
  return response.status;
}

processTest(
  "berth does not read ./berth.json without read access to it, and says why in one line",
  async () => {
    const { dir, root } = await createProject();
    const berth = await startBerth({ root, cwd: dir });
    try {
      const said = messages(berth.lines);
      const notRead = said.filter((message) => message.startsWith("config: "));
      assert.equal(notRead.length, 1, said.join("\n"));
      assert.ok(
        notRead[0].startsWith(`${CONFIG_NOT_READ}; environment: BERTH_* variables not read`),
      );
      assert.match(notRead[0], /add --allow-env=BERTH_\*\)$/);
      assert.ok(!said.some((message) => message.startsWith("Config file:")), said.join("\n"));
      assert.equal(await statusOf(berth.url, "docs/"), 404, "the file's listing did not apply");
    } finally {
      assert.equal((await berth.stop()).code, 0);
      await Deno.remove(dir, { recursive: true });
    }
  },
);

processTest(
  "berth reads ./berth.json once the named flags are added, and then says nothing",
  async () => {
    const { dir, root } = await createProject();
    const berth = await startBerth({
      root,
      cwd: dir,
      permissions: [
        ...minimalPermissions(root),
        "--allow-read=./berth.json",
        "--allow-env=BERTH_*",
      ],
    });
    try {
      const said = messages(berth.lines);
      assert.ok(said.includes(`Config file: ${join(dir, "berth.json")}`), said.join("\n"));
      assert.ok(!said.some((message) => /not (read|looked for)/.test(message)), said.join("\n"));
      assert.equal(await statusOf(berth.url, "docs/"), 200, "the file's listing applied");
    } finally {
      assert.equal((await berth.stop()).code, 0);
      await Deno.remove(dir, { recursive: true });
    }
  },
);

processTest("berth check states the same sources not read", async () => {
  const { dir, root } = await createProject();
  try {
    const result = await runBerth(["check", root], {
      permissions: minimalPermissions(root),
      cwd: dir,
    });
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.split("\n");
    assert.equal(lines[0], "config file: none");
    assert.ok(lines[1].startsWith(`${CONFIG_NOT_READ}; environment:`), result.stdout);
    assert.match(result.stdout, /^listing += false +\(default\)$/m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

processTest(
  "berth exits 4 naming the flag when --config names a file it may not read",
  async () => {
    const { dir, root } = await createProject();
    try {
      for (
        const args of [["--config", "berth.json", root, "--port", "0"], [
          "check",
          "--config",
          "berth.json",
        ]]
      ) {
        const result = await runBerth(args, { permissions: minimalPermissions(root), cwd: dir });
        assert.equal(result.code, 4, result.stderr);
        assert.equal(
          result.stderr,
          `berth: Cannot read config file "berth.json" (from "--config"): read access not granted, run with --allow-read=${
            join(dir, "berth.json")
          }\n`,
        );
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

processTest("berth starts without a prompt when stdin is a pipe left open", async () => {
  const { dir, root } = await createProject();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...minimalPermissions(root), MAIN_PATH, root, "--port", "0"],
    cwd: dir,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const stderr = new Response(child.stderr).text();
  try {
    const output = await readUntil(child.stdout, (text) => LISTENING_REGEXP.test(text));
    assert.match(output, LISTENING_REGEXP, "started, not blocked");
    assert.ok(output.includes(CONFIG_NOT_READ), output);
  } finally {
    child.kill("SIGTERM");
    assert.equal((await child.status).code, 0);
    await child.stdin.close().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
  assert.doesNotMatch(await stderr, PROMPT_REGEXP);
});

processTest(
  "berth asks no permission question on a real terminal (script)",
  async () => {
    const { dir, root } = await createProject();
    const deno = [Deno.execPath(), "run", "--quiet", ...minimalPermissions(root), MAIN_PATH];
    try {
      // A server: it must reach its ready line instead of waiting for an answer.
      const server = spawnOnTerminal([...deno, root, "--port", "0"], dir);
      let url: string | undefined;
      try {
        const output = await readUntil(
          server.stdout,
          (text) => LISTENING_REGEXP.test(text) || PROMPT_REGEXP.test(text),
        );
        assert.doesNotMatch(output, PROMPT_REGEXP);
        assert.ok(output.includes(CONFIG_NOT_READ), output);
        url = output.match(LISTENING_REGEXP)?.[1];
        assert.ok(url !== undefined, output);
      } finally {
        server.kill("SIGTERM");
        await server.status;
        await server.stdin.close().catch(() => {});
      }
      // `script` ends its child with it: the server no longer answers.
      await assert.rejects(fetch(url));
      // check, and --config without access: both finish with no question asked.
      for (
        const [args, code] of [[["check", root], 0], [
          ["check", "--config", "berth.json"],
          4,
        ]] as const
      ) {
        const run = spawnOnTerminal([...deno, ...args], dir);
        const output = await readUntil(run.stdout, () => false);
        await run.stdin.close().catch(() => {});
        assert.equal((await run.status).code, code, output);
        assert.doesNotMatch(output, PROMPT_REGEXP);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
  { ignore: !HAVE_SCRIPT },
);

/**
 * Runs `command` on a pseudo-terminal through script(1) (`-e`: its exit code
 * is the command's). stdin stays an open pipe, so a prompt would block.
 */
function spawnOnTerminal(command: readonly string[], cwd: string): Deno.ChildProcess {
  const line = command.map((word) => `'${word.replaceAll("'", `'\\''`)}'`).join(" ");
  return new Deno.Command("script", {
    args: ["-qec", `exec ${line}`, "/dev/null"],
    cwd,
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
    env: { NO_COLOR: "1" },
  }).spawn();
}

/**
 * Reads `stream` until `done(text)` holds, it ends, or 20 s pass; returns
 * the text read. The rest of the stream is drained in the background.
 */
async function readUntil(
  stream: ReadableStream<Uint8Array>,
  done: (text: string) => boolean,
): Promise<string> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  const deadline = setTimeout(() => reader.cancel().catch(() => {}), 20_000);
  let text = "";
  try {
    while (!done(text)) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      text += value;
    }
  } finally {
    clearTimeout(deadline);
  }
  (async () => {
    try {
      while (!(await reader.read()).done) {
        // Drained so the child never blocks on a full pipe.
      }
    } catch {
      // The child went away.
    }
  })();
  return text;
}
