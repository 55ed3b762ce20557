/**
 * With `--workers`, hot-reloaded site rules reach every isolate: the main
 * isolate watches the files and hands the rules it loaded to the workers.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createSiteRulesTree } from "../fixtures/site_rules_tree.ts";
import { within } from "../fixtures/wait.ts";
import { processTest, startBerth } from "./harness.ts";

const REPO_DIR = fileURLToPath(new URL("../../", import.meta.url));

/** The Location of `url` over a new connection, so the kernel picks an isolate each time. */
async function locationOnNewConnection(url: string): Promise<string | null> {
  const client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 });
  try {
    const response = await fetch(url, { redirect: "manual", client });
    await response.body?.cancel();
    return response.headers.get("location");
  } finally {
    client.close();
  }
}

processTest(
  "berth --workers 2 answers with reloaded _redirects from every isolate",
  async () => {
    const site = await createSiteRulesTree({ headers: null, redirects: "/old /new 301\n" });
    const berth = await startBerth({
      root: site.root,
      args: ["--workers", "2"],
      permissions: [
        "--unstable-net",
        "--allow-net=127.0.0.1",
        `--allow-read=${site.root},${REPO_DIR}`,
      ],
    });
    try {
      const old = new URL("old", berth.url).href;
      assert.equal(await locationOnNewConnection(old), "/new");
      await Deno.writeTextFile(join(site.root, "_redirects"), "/old /newer 302\n");
      await within(
        5000,
        () => Promise.resolve(berth.lines.some((line) => line.includes("Reloaded site rules"))),
      );
      // The workers get the rules by message right after the reload: allow that turn.
      await within(2000, async () => await locationOnNewConnection(old) === "/newer");
      const answers = new Set<string | null>();
      for (let i = 0; i < 24; i++) answers.add(await locationOnNewConnection(old));
      assert.deepEqual([...answers], ["/newer"]);
      const prefixes = new Set(
        berth.lines.flatMap((line) => {
          const id = /"requestId":"([a-z0-9]+)-/.exec(line)?.[1];
          return id === undefined ? [] : [id];
        }),
      );
      assert.equal(prefixes.size, 2, "both isolates answered requests");
    } finally {
      const status = await berth.stop();
      await site.cleanup();
      assert.equal(status.code, 0);
    }
  },
);
