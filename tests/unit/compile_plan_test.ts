import assert from "node:assert/strict";
import {
  binaryName,
  buildCompileArgs,
  COMPILE_TARGETS,
  CompileUsageError,
  describeRuntimeProblem,
  findTarget,
  formatChecksums,
  isRuntimeDownloadFailure,
  parseCompileArgs,
  permissionFlags,
} from "../../scripts/compile_plan.ts";

const LINUX = findTarget("linux-x86_64")!;
const WINDOWS = findTarget("windows-x86_64")!;

Deno.test("`COMPILE_TARGETS` lists the five platforms of the issue, each once", () => {
  assert.deepEqual(
    COMPILE_TARGETS.map((target) => target.triple),
    [
      "x86_64-unknown-linux-gnu",
      "aarch64-unknown-linux-gnu",
      "x86_64-apple-darwin",
      "aarch64-apple-darwin",
      "x86_64-pc-windows-msvc",
    ],
  );
  assert.equal(new Set(COMPILE_TARGETS.map((target) => target.name)).size, 5);
});

Deno.test("`parseCompileArgs()` reads targets, output, site and config", () => {
  const cases: [
    string[],
    { targets: string[]; outDir: string; site: string | null; config: string | null },
  ][] = [
    [[], { targets: COMPILE_TARGETS.map((t) => t.name), outDir: "dist", site: null, config: null }],
    [["--target", "macos-aarch64"], {
      targets: ["macos-aarch64"],
      outDir: "dist",
      site: null,
      config: null,
    }],
    [["--target=x86_64-pc-windows-msvc", "--out=build"], {
      targets: ["windows-x86_64"],
      outDir: "build",
      site: null,
      config: null,
    }],
    [["--site", "public", "--config", "berth.jsonc"], {
      targets: COMPILE_TARGETS.map((t) => t.name),
      outDir: "dist",
      site: "public",
      config: "berth.jsonc",
    }],
    [["--site=a b", "--target", "linux-aarch64"], {
      targets: ["linux-aarch64"],
      outDir: "dist",
      site: "a b",
      config: null,
    }],
  ];
  for (const [argv, expected] of cases) {
    const parsed = parseCompileArgs(argv);
    assert.notEqual(parsed, "help");
    if (parsed === "help") continue;
    assert.deepEqual(
      {
        targets: parsed.targets.map((t) => t.name),
        outDir: parsed.outDir,
        site: parsed.site,
        config: parsed.config,
      },
      expected,
      argv.join(" "),
    );
  }
  assert.equal(parseCompileArgs(["--site", "x", "--help"]), "help");
});

Deno.test("`parseCompileArgs()` rejects bad command lines with a message naming the problem", () => {
  const cases: [string[], RegExp][] = [
    [["--target", "linux-riscv"], /Unknown target "linux-riscv": use one of linux-x86_64/],
    [["--target"], /"--target" needs a value/],
    [["--target", "--site"], /"--target" needs a value/],
    [["--site="], /"--site" needs a non-empty value/],
    [["--config", "berth.json"], /"--config" needs "--site"/],
    [["--out", "a", "--out", "b"], /"--out" is given twice/],
    [["--allow-read"], /Unknown argument "--allow-read"/],
    [["public"], /Unknown argument "public"/],
  ];
  for (const [argv, message] of cases) {
    assert.throws(() => parseCompileArgs(argv), (error: unknown) => {
      assert.ok(error instanceof CompileUsageError, argv.join(" "));
      assert.match(error.message, message);
      return true;
    });
  }
});

Deno.test("`binaryName()` names binaries per target and adds .exe only on Windows", () => {
  assert.deepEqual(COMPILE_TARGETS.map(binaryName), [
    "berth-linux-x86_64",
    "berth-linux-aarch64",
    "berth-macos-x86_64",
    "berth-macos-aarch64",
    "berth-windows-x86_64.exe",
  ]);
});

Deno.test("`permissionFlags()` gives an embedded binary no read flag and never write, run or all", () => {
  assert.deepEqual(permissionFlags({ embedded: false }), [
    "--allow-read",
    "--allow-net",
    "--allow-env=BERTH_*",
    "--no-prompt",
  ]);
  assert.deepEqual(permissionFlags({ embedded: true }), [
    "--allow-net",
    "--allow-env=BERTH_*",
    "--no-prompt",
  ]);
  for (const embedded of [false, true]) {
    for (const flag of permissionFlags({ embedded })) {
      assert.doesNotMatch(
        flag,
        /^(?:-A|--allow-all|--allow-write|--allow-run|--allow-ffi|--allow-sys)/,
      );
    }
  }
});

Deno.test("`buildCompileArgs()` builds the exact deno compile command for a target", () => {
  assert.deepEqual(
    buildCompileArgs({
      target: LINUX,
      entry: "/repo/main.ts",
      output: "/repo/dist/berth-linux-x86_64",
      denoConfig: "/repo/deno.json",
      embedded: false,
    }),
    [
      "compile",
      "--quiet",
      "--config=/repo/deno.json",
      "--frozen-lockfile",
      "--exclude-unused-npm",
      "--unstable-net",
      "--v8-flags=--max-semi-space-size=2",
      "--allow-read",
      "--allow-net",
      "--allow-env=BERTH_*",
      "--no-prompt",
      "--target=x86_64-unknown-linux-gnu",
      "--output=/repo/dist/berth-linux-x86_64",
      "/repo/main.ts",
    ],
  );
  const embedded = buildCompileArgs({
    target: WINDOWS,
    entry: "/repo/dist/.embedded/berth_embedded.ts",
    output: "/out/berth-windows-x86_64.exe",
    denoConfig: "/repo/deno.json",
    include: ["/repo/dist/.embedded/site", "/repo/dist/.embedded/config"],
    embedded: true,
  });
  assert.ok(!embedded.includes("--allow-read"));
  assert.deepEqual(embedded.slice(-4), [
    "--output=/out/berth-windows-x86_64.exe",
    "--include=/repo/dist/.embedded/site",
    "--include=/repo/dist/.embedded/config",
    "/repo/dist/.embedded/berth_embedded.ts",
  ]);
  assert.ok(embedded.includes("--target=x86_64-pc-windows-msvc"));
});

Deno.test("`formatChecksums()` writes sha256sum lines sorted by name", () => {
  assert.equal(
    formatChecksums([
      { name: "berth-windows-x86_64.exe", sha256: "bb" },
      { name: "berth-linux-x86_64", sha256: "aa" },
    ]),
    "aa  berth-linux-x86_64\nbb  berth-windows-x86_64.exe\n",
  );
  assert.equal(formatChecksums([]), "");
});

Deno.test("`isRuntimeDownloadFailure()` recognizes deno compile's failed denort download", () => {
  const offline = [
    "Compile main.ts to berth",
    "Download https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip",
    "error: Writing deno compile executable to temporary file 'berth.tmp-f0cc'",
    "",
    "Caused by:",
    "    0: Setting up base binary.",
    "    1: error sending request for url: client error (Connect): dns error",
  ].join("\n");
  const cases: [string, boolean][] = [
    [offline, true],
    ["    0: Setting up base binary.\n    1: error sending request for url", true],
    ['error: Import "valibot" not a dependency', false],
    ["error: TS2322 [ERROR]: Type 'string' is not assignable to type 'number'.", false],
    ["", false],
  ];
  for (const [stderr, expected] of cases) {
    assert.equal(isRuntimeDownloadFailure(stderr), expected, stderr);
  }
});

Deno.test("`describeRuntimeProblem()` says in one sentence what is missing and how to provide it", () => {
  const messages = [
    describeRuntimeProblem({ kind: "denort-missing", path: "/opt/denort" }),
    describeRuntimeProblem({ kind: "download-failed", target: LINUX }),
    describeRuntimeProblem({ kind: "wrong-runtime", path: "/usr/bin/deno", target: LINUX }),
  ];
  for (const message of messages) {
    assert.match(message, /DENORT_BIN/);
    assert.doesNotMatch(message, /\n/);
    assert.doesNotMatch(message, /\.\s+[A-Z]/, "one sentence");
    assert.doesNotMatch(message, /\.$/);
  }
  assert.match(messages[0], /"\/opt\/denort", which is not a file/);
  assert.match(messages[1], /denort-x86_64-unknown-linux-gnu\.zip/);
  assert.match(messages[1], new RegExp(`Deno ${Deno.version.deno.replaceAll(".", "\\.")}`));
  assert.match(messages[2], /not the deno CLI/);
});
