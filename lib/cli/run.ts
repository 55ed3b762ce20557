/**
 * @module
 * The CLI driver: parse arguments, then help, version, `check`, `user` or
 * serving (prepared by startup.ts, run by serve.ts). Every startup failure
 * arrives here as a typed error and is printed once, as one line, with its
 * exit code. Returns the exit code instead of exiting, so it can be tested
 * in-process.
 */

import { type LoadedSettings, loadSettings } from "../config/load.ts";
import { denoFileSystem } from "../fs/deno_fs.ts";
import type { EmbeddedSite } from "../fs/embedded.ts";
import { realRoot } from "../fs/resolve_path.ts";
import { RulesError } from "../rules/rule_error.ts";
import { loadSiteRules, type LoadSiteRulesResult } from "../rules/site_rules.ts";
import { BERTH_VERSION, detectBuildMode, isStandalone } from "../version.ts";
import { parseCli } from "./args.ts";
import { renderCheckReport } from "./check.ts";
import { EXIT_CODE } from "./exit_codes.ts";
import { renderHelp, renderVersion } from "./help.ts";
import { writeStderr, writeStdout } from "./output.ts";
import { removeReadyFileOnFailure } from "./ready_file.ts";
import { serve } from "./serve.ts";
import { prepareServe, settingsSourcesOf, StartupError, toStartupError } from "./startup.ts";

/** Options for {@linkcode runCli}. */
export interface RunCliOptions {
  /** Set by the entry module of a binary built with `deno task compile --site`. */
  embedded?: EmbeddedSite;
}

/** Runs berth with `args` (without the program name) and resolves to the exit code. */
export async function runCli(
  args: readonly string[],
  options: RunCliOptions = {},
): Promise<number> {
  try {
    return await runCommand(args, options.embedded);
  } catch (error) {
    const failure = toStartupError(error);
    if (failure === null) throw error;
    writeStderr(`berth: ${failure.message}\n`);
    return failure.exitCode;
  }
}

/** Runs one command; failures are thrown for {@linkcode runCli} to report. */
async function runCommand(args: readonly string[], embedded?: EmbeddedSite): Promise<number> {
  const command = parseCli([...args]);
  switch (command.kind) {
    case "help":
      writeStdout(renderHelp({ topic: command.topic }));
      return EXIT_CODE.OK;
    case "version":
      writeStdout(
        renderVersion({
          berth: BERTH_VERSION,
          deno: Deno.version.deno,
          mode: detectBuildMode({ standalone: isStandalone(), embedded: embedded !== undefined }),
        }) + "\n",
      );
      return EXIT_CODE.OK;
    case "check": {
      const loaded = await loadSettings(await settingsSourcesOf(command.values, embedded));
      await checkSiteRules(loaded);
      writeStdout(renderCheckReport(loaded));
      return EXIT_CODE.OK;
    }
    case "serve": {
      // Known from the flag before anything can fail, from the settings once loaded.
      let readyFile = command.values.settings.readyFile;
      try {
        const sources = await settingsSourcesOf(command.values, embedded);
        const loaded = await loadSettings(sources);
        readyFile = loaded.settings.readyFile;
        return await serve(await prepareServe(loaded, embedded), sources);
      } catch (error) {
        // serve() removes it on a stop; this is every failure before or while starting.
        if (readyFile !== undefined) await removeReadyFileOnFailure(readyFile);
        throw error;
      }
    }
    case "user":
      // Loaded on demand: it pulls in the password hashing code (hash-wasm).
      return await (await import("./user.ts")).runUserCli(command.subcommand, command.args);
  }
}

/**
 * For `berth check`: refuses invalid site rules (`_headers`, `_redirects`,
 * config rules). A root berth may not read is skipped: check validates what
 * it can without asking for more access.
 *
 * @throws {StartupError} with the first problem.
 */
async function checkSiteRules(loaded: LoadedSettings): Promise<void> {
  let root: string;
  try {
    root = await realRoot(denoFileSystem, loaded.settings.root);
  } catch {
    return;
  }
  let result: LoadSiteRulesResult;
  try {
    result = await loadSiteRules({ fs: denoFileSystem, root, config: loaded.settings });
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) return;
    throw error;
  }
  if (!result.ok) {
    throw new StartupError(EXIT_CODE.USAGE, new RulesError(result.problems).message);
  }
}
