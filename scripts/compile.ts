/**
 * @module
 * `deno task compile`: builds the `berth` executable for five platforms into
 * dist/ with the narrowest permission flags (see `permissionFlags` in
 * compile_plan.ts) and writes dist/SHA256SUMS. `--site DIR [--config FILE]`
 * builds a binary that carries a site inside it. Without network access
 * `deno compile` cannot download its `denort` runtime: the script honours
 * `DENORT_BIN` and otherwise stops with one sentence saying what is missing.
 *
 * Exit codes: 0 built, 1 the build failed, 2 bad arguments or site/config.
 */

import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../lib/config/errors.ts";
import {
  binaryName,
  buildCompileArgs,
  CHECKSUM_FILE_NAME,
  COMPILE_USAGE,
  type CompileRequest,
  type CompileTarget,
  CompileUsageError,
  DENORT_BIN_ENV,
  describeRuntimeProblem,
  findTarget,
  formatChecksums,
  isRuntimeDownloadFailure,
  parseCompileArgs,
  type RuntimeProblem,
} from "./compile_plan.ts";
import { StageError, stageSite } from "./stage_site.ts";

/** The repository root (scripts/..). */
const REPO_DIR = fileURLToPath(new URL("..", import.meta.url));
/**
 * Modules started with `new Worker(url)`, which `deno compile` cannot find by
 * itself (`--workers`); embedded when they exist.
 */
const WORKER_MODULES = [join(REPO_DIR, "lib", "cli", "worker_entry.ts")];
/** Where an embedded site is staged; inside the repo so the binary's embedded tree stays small. */
const STAGE_DIR = join(REPO_DIR, "dist", ".embedded");

/**
 * Where relative `--site`, `--config` and `--out` start: the directory
 * `deno task` was run from (it runs scripts in the repository root).
 */
const USER_CWD = (await Deno.permissions.query({ name: "env", variable: "INIT_CWD" })).state ===
    "granted"
  ? Deno.env.get("INIT_CWD") ?? Deno.cwd()
  : Deno.cwd();

const ENCODER = new TextEncoder();

/** Thrown when the runtime cannot be had; the message is the one sentence to print. */
class RuntimeError extends Error {}

function say(line: string): void {
  Deno.stderr.writeSync(ENCODER.encode(line + "\n"));
}

/** Runs the compile script with `argv`; resolves to the exit code. */
export async function runCompile(argv: readonly string[]): Promise<number> {
  let request: CompileRequest;
  try {
    const parsed = parseCompileArgs(argv);
    if (parsed === "help") {
      Deno.stdout.writeSync(ENCODER.encode(COMPILE_USAGE + "\n"));
      return 0;
    }
    request = parsed;
  } catch (error) {
    if (error instanceof CompileUsageError) {
      say(`compile: ${error.message}`);
      return 2;
    }
    throw error;
  }

  const denortBin = Deno.env.get(DENORT_BIN_ENV) || undefined;
  if (denortBin !== undefined) {
    if (!(await isFile(denortBin))) {
      say(`compile: ${describeRuntimeProblem({ kind: "denort-missing", path: denortBin })}`);
      return 1;
    }
    // One runtime binary serves one platform: without --target, build the host's.
    if (request.targets.length > 1) {
      const host = findTarget(Deno.build.target);
      if (host === undefined) {
        say(`compile: ${DENORT_BIN_ENV} is set: choose the runtime's platform with --target`);
        return 2;
      }
      say(`compile: ${DENORT_BIN_ENV} is set, so only ${host.name} is built`);
      request = { ...request, targets: [host] };
    }
  }

  let entry = join(REPO_DIR, "main.ts");
  let include: string[] = [];
  for (const module of WORKER_MODULES) if (await isFile(module)) include.push(module);
  const embedded = request.site !== null;
  if (request.site !== null) {
    try {
      const staged = await stageSite({
        site: resolve(USER_CWD, request.site),
        config: request.config === null ? null : resolve(USER_CWD, request.config),
        stageDir: STAGE_DIR,
      });
      entry = staged.entry;
      include = [...include, ...staged.include];
      for (const skipped of staged.skipped) say(`compile: not embedded: ${skipped}`);
      say(
        `compile: staged ${
          Object.keys(staged.manifest.files).length
        } files (with precompressed siblings) from ${request.site}`,
      );
    } catch (error) {
      if (error instanceof StageError || error instanceof ConfigError) {
        say(`compile: ${error.message}`);
        return 2;
      }
      throw error;
    }
  }

  const outDir = resolve(USER_CWD, request.outDir);
  await Deno.mkdir(outDir, { recursive: true });
  const built: { name: string; sha256: string }[] = [];
  try {
    for (const target of request.targets) {
      const output = join(outDir, binaryName(target));
      say(`compile: building ${binaryName(target)} (${target.triple})`);
      await compileOne({ target, entry, output, include, embedded, denortBin });
      built.push({ name: binaryName(target), sha256: await sha256File(output) });
    }
  } catch (error) {
    if (error instanceof RuntimeError) {
      say(`compile: ${error.message}`);
      return 1;
    }
    throw error;
  }
  await Deno.writeTextFile(join(outDir, CHECKSUM_FILE_NAME), formatChecksums(built));
  say(`compile: wrote ${built.length} binaries and ${CHECKSUM_FILE_NAME} to ${outDir}`);
  return 0;
}

async function compileOne(options: {
  target: CompileTarget;
  entry: string;
  output: string;
  include: string[];
  embedded: boolean;
  denortBin: string | undefined;
}): Promise<void> {
  const args = buildCompileArgs({
    target: options.target,
    entry: options.entry,
    output: options.output,
    denoConfig: join(REPO_DIR, "deno.json"),
    include: options.include,
    embedded: options.embedded,
  });
  const result = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: REPO_DIR,
    stdout: "inherit",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(result.stderr);
  if (!result.success) {
    if (options.denortBin === undefined && isRuntimeDownloadFailure(stderr)) {
      throw new RuntimeError(
        describeRuntimeProblem({ kind: "download-failed", target: options.target }),
      );
    }
    Deno.stderr.writeSync(result.stderr);
    throw new RuntimeError(`deno compile failed for ${options.target.triple} (output above)`);
  }
  if (stderr.trim() !== "") Deno.stderr.writeSync(result.stderr);
  // A DENORT_BIN that is the deno CLI (or another version) yields a binary that
  // does not run berth; catch that here for the platform we can execute.
  if (options.denortBin !== undefined && options.target.triple === Deno.build.target) {
    const problem: RuntimeProblem = {
      kind: "wrong-runtime",
      path: options.denortBin,
      target: options.target,
    };
    const check = await new Deno.Command(options.output, {
      args: ["--version"],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
      signal: AbortSignal.timeout(20_000),
    }).output().catch(() => null);
    const text = check === null ? "" : new TextDecoder().decode(check.stdout);
    if (check === null || !check.success || !/^berth \S+ \(deno /.test(text)) {
      throw new RuntimeError(describeRuntimeProblem(problem));
    }
    say(`compile: ${binaryName(options.target)} runs: ${text.trim()}`);
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

async function sha256File(path: string): Promise<string> {
  const bytes = await Deno.readFile(path);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

if (import.meta.main) {
  Deno.exit(await runCompile(Deno.args));
}
