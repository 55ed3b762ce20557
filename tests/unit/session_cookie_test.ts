import assert from "node:assert/strict";
import {
  readCookie,
  serializeClearedCookie,
  serializeSessionCookie,
} from "../../lib/auth/session_cookie.ts";

Deno.test("serializeSessionCookie() is always HttpOnly, SameSite=Strict, Path=/", () => {
  for (const secure of [false, true]) {
    const cookie = serializeSessionCookie("a.b.c", { name: "s", maxAgeSeconds: 60, secure });
    assert.match(cookie, /^s=a\.b\.c; /);
    assert.match(cookie, /; HttpOnly(;|$)/);
    assert.match(cookie, /; SameSite=Strict(;|$)/);
    assert.match(cookie, /; Path=\/(;|$)/);
    assert.match(cookie, /; Max-Age=60(;|$)/);
    assert.equal(/; Secure$/.test(cookie), secure);
  }
  const cleared = serializeClearedCookie("s", { secure: false });
  assert.match(cleared, /^s=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict$/);
  assert.throws(() =>
    serializeSessionCookie("a;b", { name: "s", maxAgeSeconds: 1, secure: false })
  );
});

Deno.test("readCookie() finds the named cookie and ignores malformed values", () => {
  const table: [string | null, string | null][] = [
    ["s=abc", "abc"],
    ["x=1; s=abc; y=2", "abc"],
    ['s="abc"', "abc"],
    ["ss=abc", null],
    ["s=", null],
    ["s=a b", null],
    ["s=a\\b", null],
    [`s=${"a".repeat(9000)}`, null],
    [null, null],
    ["s=first; s=second", "first"],
  ];
  for (const [header, value] of table) assert.equal(readCookie(header, "s"), value, String(header));
});
