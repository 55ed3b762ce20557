/**
 * Guards the layer direction (issue 12, item 7): config, auth and the file
 * core sit below the CLI and the middleware chain, so nothing under
 * lib/config, lib/auth or lib/serve may import from lib/cli or lib/middleware.
 * The check reads each module's import specifiers (static, re-export and
 * dynamic) and resolves the relative ones against the module's folder.
 */

import assert from "node:assert/strict";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const LIB = fileURLToPath(new URL("../../lib/", import.meta.url));
const LOWER_LAYERS = ["config", "auth", "serve"];
const UPPER_LAYERS = ["cli", "middleware"];

/** `from "x"`, `import "x"` and `import("x")`, across line breaks. */
const SPECIFIER_REGEXP = /(?:\bfrom|\bimport)\s*\(?\s*["']([^"']+)["']/g;

/** The module specifiers a source text imports or re-exports. */
function importSpecifiers(source: string): string[] {
  return [...source.matchAll(SPECIFIER_REGEXP)].map((match) => match[1]);
}

/**
 * The imports of `file` (absolute path under lib/) that reach into an upper
 * layer, as lib-relative paths.
 */
function upwardImports(file: string, source: string): string[] {
  const found: string[] = [];
  for (const specifier of importSpecifiers(source)) {
    if (!specifier.startsWith(".")) continue;
    const target = relative(LIB, resolve(dirname(file), specifier));
    const top = target.split(sep)[0];
    if (UPPER_LAYERS.includes(top)) found.push(target);
  }
  return found;
}

/** Every .ts file under `folder`, recursively. */
async function* typeScriptFiles(folder: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(folder)) {
    const path = join(folder, entry.name);
    if (entry.isDirectory) yield* typeScriptFiles(path);
    else if (entry.isFile && entry.name.endsWith(".ts")) yield path;
  }
}

Deno.test("upwardImports() finds static, type, re-export and dynamic imports of cli/ and middleware/", () => {
  const file = join(LIB, "auth", "example.ts");
  const table: [string, string[]][] = [
    [`import { EXIT_CODE } from "../cli/exit_codes.ts";`, [join("cli", "exit_codes.ts")]],
    [
      `import type {\n  ResourceGuard,\n} from "../middleware/auth.ts";`,
      [join("middleware", "auth.ts")],
    ],
    [`export { rateLimit } from "../middleware/rate_limit.ts";`, [
      join("middleware", "rate_limit.ts"),
    ]],
    [`const m = await import("../cli/run.ts");`, [join("cli", "run.ts")]],
    [`import { x } from "./../../lib/middleware/login.ts";`, [join("middleware", "login.ts")]],
    [`import { parseRange } from "../http/range.ts";`, []],
    [`import { ConfigError } from "../config/errors.ts";`, []],
    [`import { getLogger } from "@logtape/logtape";`, []],
    [`import { createLoginThrottle } from "./login_throttle.ts";`, []],
  ];
  for (const [source, expected] of table) {
    assert.deepEqual(upwardImports(file, source), expected, source);
  }
});

Deno.test("lib/config, lib/auth and lib/serve import nothing from lib/cli or lib/middleware", async () => {
  const violations: string[] = [];
  let checked = 0;
  for (const layer of LOWER_LAYERS) {
    for await (const file of typeScriptFiles(join(LIB, layer))) {
      checked++;
      const source = await Deno.readTextFile(file);
      for (const target of upwardImports(file, source)) {
        violations.push(`${relative(LIB, file)} imports ${target}`);
      }
    }
  }
  assert.ok(checked >= 20, `expected the lower layers to hold modules, read ${checked}`);
  assert.deepEqual(violations, [], "a lower layer depends on an upper one");
});
