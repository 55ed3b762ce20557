import assert from "node:assert/strict";
import { type Credentials, readBearerToken, readCredentials } from "../../lib/auth/credentials.ts";

const BASIC_ON = { basic: true, cookieName: "berth_session" };
const BASIC_OFF = { basic: false, cookieName: "berth_session" };

function basic(text: string): string {
  return "Basic " + new TextEncoder().encode(text).toBase64();
}

Deno.test("readCredentials() reads Bearer, Basic and the session cookie, the header first", () => {
  // [headers, options, expected]
  const rows: [Record<string, string>, typeof BASIC_ON, Credentials][] = [
    [{}, BASIC_ON, { kind: "none" }],
    [{ authorization: "Bearer abc.def.ghi" }, BASIC_ON, {
      kind: "token",
      token: "abc.def.ghi",
      source: "bearer",
    }],
    [{ authorization: "bearer   t0k-en_~+/==  " }, BASIC_ON, {
      kind: "token",
      token: "t0k-en_~+/==",
      source: "bearer",
    }],
    [{ cookie: "a=1; berth_session=tok" }, BASIC_ON, {
      kind: "token",
      token: "tok",
      source: "cookie",
    }],
    [{ authorization: "Bearer x", cookie: "berth_session=tok" }, BASIC_ON, {
      kind: "token",
      token: "x",
      source: "bearer",
    }],
    [{ authorization: basic("ada:pass:word") }, BASIC_ON, {
      kind: "basic",
      name: "ada",
      password: "pass:word",
    }],
    [{ authorization: basic("zoë:pässwört") }, BASIC_ON, {
      kind: "basic",
      name: "zoë",
      password: "pässwört",
    }],
    // Unpadded base64 is read as atob read it.
    [{ authorization: "Basic YWRhOnB3" }, BASIC_ON, { kind: "basic", name: "ada", password: "pw" }],
    [{ authorization: basic("ada:pw") }, BASIC_OFF, { kind: "invalid", source: "authorization" }],
    [{ authorization: basic(":pw") }, BASIC_ON, { kind: "invalid", source: "basic" }],
    [{ authorization: basic("no-colon") }, BASIC_ON, { kind: "invalid", source: "basic" }],
    [{ authorization: "Basic ####" }, BASIC_ON, { kind: "invalid", source: "basic" }],
    [{ authorization: "Basic YWRhOnB3Z" }, BASIC_ON, { kind: "invalid", source: "basic" }],
    // Not UTF-8.
    [{ authorization: "Basic /zp4" }, BASIC_ON, { kind: "invalid", source: "basic" }],
    [{ authorization: "Bearer a b" }, BASIC_ON, { kind: "invalid", source: "bearer" }],
    [{ authorization: "Bearer" }, BASIC_ON, { kind: "invalid", source: "bearer" }],
    [{ authorization: "Digest x" }, BASIC_ON, { kind: "invalid", source: "authorization" }],
    [{ authorization: "Bearer " + "a".repeat(9000) }, BASIC_ON, {
      kind: "invalid",
      source: "authorization",
    }],
  ];
  for (const [headers, options, expected] of rows) {
    assert.deepEqual(
      readCredentials(new Headers(headers), options),
      expected,
      JSON.stringify(headers).slice(0, 80),
    );
  }
});

Deno.test("readBearerToken() answers the token of a Bearer value, null for anything else", () => {
  assert.equal(readBearerToken("Bearer abc"), "abc");
  assert.equal(readBearerToken("BEARER abc  "), "abc");
  assert.equal(readBearerToken("Basic abc"), null);
  assert.equal(readBearerToken("Bearer a,b"), null);
});
