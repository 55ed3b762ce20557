/**
 * @module
 * berth's command-line entry: `deno run --allow-net --allow-read=./site main.ts ./site`.
 * Everything else lives in lib/; this file only runs the CLI and exits with its code.
 */

import { runCli } from "./lib/cli/run.ts";

if (import.meta.main) {
  Deno.exit(await runCli(Deno.args));
}
