import assert from "node:assert/strict";
import type { RequestContext } from "../../lib/compose.ts";
import { HttpError } from "../../lib/errors.ts";
import { reservedPaths } from "../../lib/middleware/reserved_paths.ts";
import { urlParts } from "../fixtures/context.ts";

function context(pathname: string): RequestContext {
  return {
    ...urlParts(new URL(`http://127.0.0.1${pathname}`)),
    requestId: "t",
    clientAddress: "127.0.0.1",
    startTime: performance.now(),
    secure: false,
    user: null,
  };
}

/** `true` when the middleware refuses the path with 404, `false` when it passes it on. */
async function isHidden(pathname: string, internalPrefix = "/_berth/"): Promise<boolean> {
  const hide = reservedPaths({ internalPrefix });
  const request = new Request(`http://127.0.0.1${pathname}`);
  try {
    const response = await hide(
      request,
      context(pathname),
      () => Promise.resolve(new Response("ok")),
    );
    await response.body?.cancel();
    return false;
  } catch (error) {
    assert.ok(error instanceof HttpError);
    assert.equal(error.status, 404);
    return true;
  }
}

// Every spelling of a reserved path is the same canonical path.
const CASES: [string, boolean][] = [
  ["/", false],
  ["/small.txt", false],
  ["/dir/index.html", false],
  ["/_berth", true],
  ["/_berth/", true],
  ["/_berth/anything", true],
  ["/_berthx/file", false],
  ["/x/_berth/file", false],
  ["//_berth/file", true],
  ["/%5Fberth/file", true],
  ["/%5fberth/", true],
  ["/a/../_berth/file", true],
  ["/./_berth/file", true],
];

for (const [pathname, hidden] of CASES) {
  Deno.test(`reservedPaths() ${hidden ? "hides" : "passes on"} ${pathname}`, async () => {
    assert.equal(await isHidden(pathname), hidden);
  });
}

Deno.test("reservedPaths() refuses an undecodable path with 400 rather than pass it on", async () => {
  const hide = reservedPaths({ internalPrefix: "/_berth/" });
  await assert.rejects(
    () => hide(new Request("http://127.0.0.1/%ZZ"), context("/%ZZ"), () => Promise.reject()),
    (error) => error instanceof HttpError && error.status === 400,
  );
});

Deno.test("reservedPaths() hides a custom internal prefix and passes the default one", async () => {
  assert.equal(await isHidden("/admin-x/health", "/admin-x/"), true);
  assert.equal(await isHidden("/_berth/health", "/admin-x/"), false);
});
