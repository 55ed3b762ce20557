/**
 * The compile step (lib/runtime.ts) and the composition (lib/app.ts) over a
 * fake filesystem: every configuration mistake is a typed error from
 * `compileRuntime`, and `createApp` is synchronous.
 */

import assert from "node:assert/strict";
import { createApp } from "../../lib/app.ts";
import { ConfigError } from "../../lib/config/errors.ts";
import { DEFAULT_SETTINGS, type Settings } from "../../lib/config/schema.ts";
import type { FileInfo, FileSystem } from "../../lib/fs/types.ts";
import { RulesError } from "../../lib/rules/rule_error.ts";
import { compileRuntime } from "../../lib/runtime.ts";
import { urlParts } from "../fixtures/context.ts";

const ROOT = "/site";

/** A read-only tree of text files under {@linkcode ROOT}; everything else is missing. */
function fakeFileSystem(files: Record<string, string>): FileSystem {
  const bytes = new Map(
    Object.entries(files).map((
      [name, text],
    ) => [`${ROOT}/${name}`, new TextEncoder().encode(text)]),
  );
  const info = (path: string): FileInfo => {
    const content = bytes.get(path);
    if (path === ROOT) {
      return { isFile: false, isDirectory: true, isSymlink: false, size: 0, mtimeMs: 0, ino: 1 };
    }
    if (content === undefined) throw new Deno.errors.NotFound(path);
    return {
      isFile: true,
      isDirectory: false,
      isSymlink: false,
      size: content.length,
      mtimeMs: 0,
      ino: 2,
    };
  };
  return {
    stat: (path) => Promise.resolve().then(() => info(path)),
    lstat: (path) => Promise.resolve().then(() => info(path)),
    realPath: (path) => Promise.resolve().then(() => (info(path), path)),
    open: (path) => Promise.reject(new Deno.errors.NotFound(path)),
    readDir: async function* () {},
    readFile: (path) =>
      Promise.resolve().then(() => {
        const content = bytes.get(path);
        if (content === undefined) throw new Deno.errors.NotFound(path);
        return content;
      }),
  };
}

function settingsWith(overrides: Partial<Settings>): Settings {
  return { ...DEFAULT_SETTINGS, root: ROOT, ...overrides };
}

const MISTAKES: [
  name: string,
  files: Record<string, string>,
  overrides: Partial<Settings>,
  error: typeof RulesError | typeof ConfigError,
  message: RegExp,
][] = [
  ["an invalid _redirects line", { _redirects: "/old\n" }, {}, RulesError, /_redirects:1: /],
  ["an invalid _headers block", { _headers: "  X-Orphan: 1\n" }, {}, RulesError, /_headers:1: /],
  [
    "an invalid config redirect rule",
    {},
    { redirectRules: ["/a /b 299"] },
    RulesError,
    /redirectRules:1: /,
  ],
  [
    "HTTP Basic without a users file",
    {},
    { auth: { ...DEFAULT_SETTINGS.auth, basic: true } },
    ConfigError,
    /"auth.basic"/,
  ],
  [
    "an access rule with a bad pattern",
    {},
    { access: [{ path: "no-slash", public: true }] },
    ConfigError,
    /"access"/,
  ],
  [
    "access rules that protect paths without credentials",
    {},
    { access: [{ path: "/admin/*", authenticated: true }] },
    ConfigError,
    /no credentials are configured/,
  ],
  [
    "a JWT secret variable that is not set",
    {},
    {
      auth: {
        ...DEFAULT_SETTINGS.auth,
        jwt: { ...DEFAULT_SETTINGS.auth.jwt, secretEnv: "BERTH_TEST_NO_SUCH_SECRET" },
      },
    },
    ConfigError,
    /BERTH_TEST_NO_SUCH_SECRET/,
  ],
];

for (const [name, files, overrides, error, message] of MISTAKES) {
  Deno.test(`compileRuntime() throws ${error.name} for ${name}`, async () => {
    await assert.rejects(
      compileRuntime(settingsWith(overrides), {
        fs: fakeFileSystem(files),
        root: ROOT,
        tls: false,
        env: {},
      }),
      (thrown: unknown) => {
        assert.ok(thrown instanceof error, String(thrown));
        assert.match(thrown.message, message);
        return true;
      },
    );
  });
}

Deno.test("compileRuntime() compiles the rules, no auth and the base headers for a plain site", async () => {
  const runtime = await compileRuntime(settingsWith({ metrics: true }), {
    fs: fakeFileSystem({ _redirects: "/old /new 301\n", _headers: "/*\n  X-Site: 1\n" }),
    root: ROOT,
    tls: true,
  });
  try {
    assert.equal(runtime.siteRules.get().redirects.length, 1);
    assert.equal(runtime.siteRules.get().headers.length, 1);
    assert.equal(runtime.auth, null);
    assert.notEqual(runtime.metrics, null);
    assert.ok(runtime.baseHeaders["strict-transport-security"], "HSTS under TLS");
    assert.equal(runtime.compression.enabled, true);
  } finally {
    runtime.close();
  }
});

Deno.test("compileRuntime() turns compression off when an operator header says no-transform", async () => {
  const runtime = await compileRuntime(
    settingsWith({ headers: { "Cache-Control": "public, no-transform" } }),
    { fs: fakeFileSystem({}), root: ROOT, tls: false },
  );
  assert.equal(runtime.compression.enabled, false);
  assert.equal(runtime.metrics, null);
  runtime.close();
});

Deno.test("createApp() is synchronous and answers through the runtime's rules", async () => {
  const runtime = await compileRuntime(settingsWith({}), {
    fs: fakeFileSystem({ _redirects: "/old /new 301\n" }),
    root: ROOT,
    tls: false,
  });
  const app = createApp(runtime);
  assert.equal(typeof app, "function");
  assert.ok(!((app as unknown) instanceof Promise));
  const request = new Request("http://127.0.0.1/old");
  const response = await app(request, {
    ...urlParts(new URL(request.url)),
    requestId: "test",
    clientAddress: "127.0.0.1",
    startTime: performance.now(),
    secure: false,
    user: null,
  });
  await response.body?.cancel();
  assert.equal(response.status, 301);
  assert.equal(response.headers.get("location"), "/new");
  runtime.close();
});
