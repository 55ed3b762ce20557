/**
 * @module
 * The pure half of `deno task compile`: which targets exist, how the script's
 * own arguments parse, which permission flags each kind of binary gets, the
 * exact `deno compile` argument lists, the checksum file, and the one-sentence
 * diagnosis when Deno's `denort` runtime cannot be had. No IO and no imports
 * from lib/, so every rule here is tested as a table.
 */

/** One platform berth is built for. */
export interface CompileTarget {
  /** Rust target triple, as `deno compile --target` takes it. */
  triple: string;
  /** Short name used in file names and `--target`, e.g. `linux-x86_64`. */
  name: string;
  /** True for Windows, whose executables end in `.exe`. */
  windows: boolean;
}

/** The five platforms `deno task compile` builds, in build order. */
export const COMPILE_TARGETS: readonly CompileTarget[] = [
  { triple: "x86_64-unknown-linux-gnu", name: "linux-x86_64", windows: false },
  { triple: "aarch64-unknown-linux-gnu", name: "linux-aarch64", windows: false },
  { triple: "x86_64-apple-darwin", name: "macos-x86_64", windows: false },
  { triple: "aarch64-apple-darwin", name: "macos-aarch64", windows: false },
  { triple: "x86_64-pc-windows-msvc", name: "windows-x86_64", windows: true },
];

/** Name of the checksum file written next to the binaries (`sha256sum -c` format). */
export const CHECKSUM_FILE_NAME = "SHA256SUMS";

/** The environment variable that points `deno compile` at a local `denort` runtime. */
export const DENORT_BIN_ENV = "DENORT_BIN";

/**
 * Environment variables a compiled berth may read: its own settings and
 * nothing else. SECURITY: `BERTH_*` only, so a compiled berth cannot read
 * secrets such as `AWS_SECRET_ACCESS_KEY` from its environment; a JWT secret
 * named with `auth.jwt.secretEnv` must therefore start with `BERTH_` too.
 */
export const COMPILED_ENV_SCOPE = "BERTH_*";

/**
 * Unstable Deno APIs a compiled berth may use: `--workers` shares the port
 * between isolates with `reusePort`, which needs `--unstable-net`. These flags
 * unlock APIs, not access; they widen no permission.
 */
export const COMPILE_UNSTABLE_FLAGS: readonly string[] = ["--unstable-net"];

/**
 * V8 settings baked into every binary: a young generation of at most 2 MB
 * per semi-space instead of V8's 16 MB. A file server's per-request garbage
 * dies young, so collections stay cheap while the heap stays small: peak
 * RSS under wrk load fell from ~105 MB to ~80 MB with no measurable change
 * in requests per second (see README, "Memory").
 */
export const COMPILE_V8_FLAGS: readonly string[] = ["--v8-flags=--max-semi-space-size=2"];

/** What the script was asked to do. */
export interface CompileRequest {
  /** Targets to build (all five unless `--target` narrowed it). */
  targets: CompileTarget[];
  /** Output directory; `dist` by default. */
  outDir: string;
  /** Built site to embed (`--site DIR`), or null for the general binary. */
  site: string | null;
  /** berth config file to embed with the site (`--config FILE`), or null. */
  config: string | null;
}

/** Thrown for a bad command line of the compile script; the message is for the user. */
export class CompileUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CompileUsageError";
  }
}

/** Usage text of `deno task compile`. */
export const COMPILE_USAGE = [
  "Usage: deno task compile [--target NAME|TRIPLE] [--out DIR] [--site DIR [--config FILE]]",
  "",
  "Builds berth into DIR (default dist/) for " +
  COMPILE_TARGETS.map((target) => target.name).join(", ") + ",",
  `and writes ${CHECKSUM_FILE_NAME}. With --site, the binary carries that built site (and`,
  "the config file) inside it and serves it with no files on disk.",
  `Without network access, set ${DENORT_BIN_ENV} to a denort binary for the target you build.`,
].join("\n");

/** Finds a target by short name or triple; undefined when unknown. */
export function findTarget(nameOrTriple: string): CompileTarget | undefined {
  return COMPILE_TARGETS.find((target) =>
    target.name === nameOrTriple || target.triple === nameOrTriple
  );
}

/**
 * Parses the compile script's arguments (`--target`, `--out`, `--site`,
 * `--config`, each as `--flag value` or `--flag=value`).
 *
 * @throws {CompileUsageError} naming the bad argument and what is allowed.
 */
export function parseCompileArgs(argv: readonly string[]): CompileRequest | "help" {
  const values = new Map<string, string>();
  const known = new Set(["target", "out", "site", "config"]);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") return "help";
    const match = /^--([a-z]+)(?:=(.*))?$/s.exec(arg);
    if (match === null || !known.has(match[1])) {
      throw new CompileUsageError(`Unknown argument "${arg}": run with --help for the options`);
    }
    const name = match[1];
    let value = match[2];
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined || value.startsWith("--")) {
        throw new CompileUsageError(`Option "--${name}" needs a value`);
      }
      i++;
    }
    if (value === "") throw new CompileUsageError(`Option "--${name}" needs a non-empty value`);
    if (values.has(name)) throw new CompileUsageError(`Option "--${name}" is given twice`);
    values.set(name, value);
  }

  let targets = [...COMPILE_TARGETS];
  const wanted = values.get("target");
  if (wanted !== undefined) {
    const target = findTarget(wanted);
    if (target === undefined) {
      throw new CompileUsageError(
        `Unknown target "${wanted}": use one of ${
          COMPILE_TARGETS.map((t) => t.name).join(", ")
        } (or its triple)`,
      );
    }
    targets = [target];
  }
  const site = values.get("site") ?? null;
  const config = values.get("config") ?? null;
  if (config !== null && site === null) {
    throw new CompileUsageError(
      `Option "--config" needs "--site": the general binary reads its config at run time`,
    );
  }
  return { targets, outDir: values.get("out") ?? "dist", site, config };
}

/** File name of the binary for `target`, e.g. `berth-linux-x86_64` or `berth-windows-x86_64.exe`. */
export function binaryName(target: CompileTarget): string {
  return `berth-${target.name}${target.windows ? ".exe" : ""}`;
}

/**
 * Permission flags baked into a compiled berth. Flags are fixed at compile
 * time and a compiled binary ignores `--allow-*` given when it runs, so:
 *
 * - general binary: the root, host and port are run-time arguments, so read
 *   and net access cannot be scoped to them: `--allow-read` and `--allow-net`
 *   are unscoped. SECURITY: what confines reads is berth's own path
 *   resolution (realpath containment, dotfile policy), not Deno's sandbox.
 * - embedded site: no `--allow-read` at all. deno's runtime grants a compiled
 *   program read access to its own embedded file tree and nothing else, so the
 *   binary cannot read a byte of the disk it runs on.
 * - both: env access only to `BERTH_*`; no write, run, ffi or sys access;
 *   `--no-prompt`, so a missing permission fails instead of asking a human.
 */
export function permissionFlags(options: { embedded: boolean }): string[] {
  const flags = options.embedded ? [] : ["--allow-read"];
  flags.push("--allow-net", `--allow-env=${COMPILED_ENV_SCOPE}`, "--no-prompt");
  return flags;
}

/** Options for {@linkcode buildCompileArgs}. */
export interface BuildCompileArgsOptions {
  /** The platform to build for. */
  target: CompileTarget;
  /** Entry module: main.ts, or the generated entry of an embedded site. */
  entry: string;
  /** Path of the binary to write. */
  output: string;
  /** deno.json of the project (import map, compiler options). */
  denoConfig: string;
  /** Files to embed with `--include`: worker modules, the staged site and config. */
  include?: readonly string[];
  /** True when building a binary that carries a site. */
  embedded: boolean;
}

/** The `deno compile` arguments (without the `deno` program) for one target. */
export function buildCompileArgs(options: BuildCompileArgsOptions): string[] {
  const args = [
    "compile",
    "--quiet",
    `--config=${options.denoConfig}`,
    "--frozen-lockfile",
    // deno.json also pins test-only packages (playwright-core); keep them out.
    "--exclude-unused-npm",
    ...COMPILE_UNSTABLE_FLAGS,
    ...COMPILE_V8_FLAGS,
    ...permissionFlags({ embedded: options.embedded }),
    `--target=${options.target.triple}`,
    `--output=${options.output}`,
  ];
  for (const path of options.include ?? []) args.push(`--include=${path}`);
  args.push(options.entry);
  return args;
}

/** One line per binary in `sha256sum` format: `<hex>  <name>`, sorted by name. */
export function formatChecksums(entries: readonly { name: string; sha256: string }[]): string {
  return [...entries]
    .sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
    .map((entry) => `${entry.sha256}  ${entry.name}\n`)
    .join("");
}

/** Why the runtime `deno compile` builds on could not be had. */
export type RuntimeProblem =
  | { kind: "denort-missing"; path: string }
  | { kind: "download-failed"; target: CompileTarget }
  | { kind: "wrong-runtime"; path: string; target: CompileTarget };

/** Reports `deno compile` output that says the denort download failed. */
export function isRuntimeDownloadFailure(stderr: string): boolean {
  return /denort-[a-z0-9_-]+\.zip/i.test(stderr) ||
    (/base binary/i.test(stderr) && /error sending request|dns error|connect/i.test(stderr));
}

/**
 * The one sentence the script stops with when the runtime is missing: what
 * is missing, for which target, and how to provide it.
 */
export function describeRuntimeProblem(problem: RuntimeProblem): string {
  switch (problem.kind) {
    case "denort-missing":
      return `${DENORT_BIN_ENV} points to "${problem.path}", which is not a file: set it to ` +
        `the path of an unzipped denort binary of this Deno version, or unset it to let ` +
        `deno compile download one`;
    case "download-failed":
      return `deno compile could not download its denort runtime for ` +
        `${problem.target.triple} (no network?): set ${DENORT_BIN_ENV} to a local denort ` +
        `binary for that target (from denort-${problem.target.triple}.zip of Deno ` +
        `${Deno.version.deno}) and build one target at a time with --target`;
    case "wrong-runtime":
      return `${DENORT_BIN_ENV} "${problem.path}" did not produce a working berth for ` +
        `${problem.target.triple}: it must be the denort runtime (not the deno CLI) of Deno ` +
        `${Deno.version.deno} built for that target`;
  }
}
