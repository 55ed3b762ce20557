import assert from "node:assert/strict";
import { isSecureClient, resolveClientAddress } from "../../lib/http/client_address.ts";

const PEER = "10.0.0.1";

Deno.test("resolveClientAddress() ignores proxy headers unless trust-proxy is on", () => {
  const headers = new Headers({ "x-forwarded-for": "1.2.3.4", forwarded: "for=5.6.7.8" });
  assert.equal(resolveClientAddress(PEER, headers, { trustProxy: false }), PEER);
});

Deno.test("resolveClientAddress() believes only the last proxy entry, and only an IP", () => {
  const table: [Record<string, string>, string][] = [
    [{ "x-forwarded-for": "1.2.3.4" }, "1.2.3.4"],
    [{ "x-forwarded-for": "6.6.6.6, 1.2.3.4" }, "1.2.3.4"],
    [{ "x-forwarded-for": "1.2.3.4:5555" }, "1.2.3.4"],
    [{ "x-forwarded-for": "2001:DB8::1" }, "2001:db8::1"],
    [{ "x-forwarded-for": "[2001:db8::1]:80" }, "2001:db8::1"],
    [{ "x-forwarded-for": "unknown" }, PEER],
    [{ "x-forwarded-for": "999.1.1.1" }, PEER],
    [{ "x-forwarded-for": ":::::" }, PEER],
    [{ "x-forwarded-for": "1.2.3.4, <script>" }, PEER],
    [{ forwarded: 'for=6.6.6.6, for="[2001:db8::7]:4711";proto=https' }, "2001:db8::7"],
    [{ forwarded: "for=192.0.2.60;proto=http;by=203.0.113.43" }, "192.0.2.60"],
    [{ forwarded: "for=_hidden" }, PEER],
    [{ forwarded: "proto=https" }, PEER],
    [{}, PEER],
  ];
  for (const [init, expected] of table) {
    assert.equal(
      resolveClientAddress(PEER, new Headers(init), { trustProxy: true }),
      expected,
      JSON.stringify(init),
    );
  }
});

Deno.test("isSecureClient() believes a proxy's https only with trust-proxy", () => {
  const table: [boolean, Record<string, string>, boolean, boolean][] = [
    [true, {}, false, true],
    [false, {}, true, false],
    [false, { "x-forwarded-proto": "https" }, false, false],
    [false, { "x-forwarded-proto": "https" }, true, true],
    [false, { "x-forwarded-proto": "http, https" }, true, true],
    [false, { "x-forwarded-proto": "https, http" }, true, false],
    [false, { forwarded: "for=1.2.3.4;proto=https" }, true, true],
    [false, { forwarded: 'proto="https";for=1.2.3.4' }, true, true],
    [false, { forwarded: "proto=https, for=1.2.3.4;proto=http" }, true, false],
  ];
  for (const [secure, init, trustProxy, expected] of table) {
    assert.equal(
      isSecureClient(secure, new Headers(init), { trustProxy }),
      expected,
      JSON.stringify([secure, init, trustProxy]),
    );
  }
});
