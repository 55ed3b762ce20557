import assert from "node:assert/strict";
import {
  createClientResolver,
  type ProxyHeader,
  proxyOptionsOf,
} from "../../lib/http/client_address.ts";
import { createRequestContextFactory } from "../../lib/request_context.ts";

/** A peer on this machine: trusted by default when trust-proxy is on. */
const LOCAL_PROXY = "127.0.0.1";
/** A peer on the network: never trusted by default. */
const REMOTE = "198.51.100.20";

function addressOf(
  peer: string,
  init: Record<string, string>,
  options: { trustedProxies?: string[]; proxyHeader?: ProxyHeader; trustProxy?: boolean } = {},
): string {
  const resolver = createClientResolver({ trustProxy: true, ...options });
  return resolver.address(peer, new Headers(init));
}

Deno.test("createClientResolver() ignores every proxy header unless trust-proxy is on", () => {
  const resolver = createClientResolver({ trustProxy: false });
  const headers = new Headers({
    "x-forwarded-for": "1.2.3.4",
    "x-real-ip": "1.2.3.5",
    forwarded: "for=5.6.7.8;proto=https",
    "x-forwarded-proto": "https",
  });
  assert.equal(resolver.address(LOCAL_PROXY, headers), LOCAL_PROXY);
  assert.equal(resolver.address("::ffff:203.0.113.9", headers), "203.0.113.9");
  assert.equal(resolver.viaHttps(LOCAL_PROXY, headers), false);
});

Deno.test("createClientResolver() reads headers only from a trusted peer", () => {
  const table: [string, string[] | undefined, string][] = [
    [LOCAL_PROXY, undefined, "203.0.113.5"],
    ["127.8.9.10", undefined, "203.0.113.5"],
    ["::1", undefined, "203.0.113.5"],
    ["::ffff:127.0.0.1", undefined, "203.0.113.5"], // loopback on a dual-stack socket
    // SECURITY: a client talking to berth directly cannot name itself.
    [REMOTE, undefined, REMOTE],
    ["10.0.0.2", undefined, "10.0.0.2"],
    ["10.0.0.2", ["10.0.0.0/8"], "203.0.113.5"],
    ["10.0.0.2", ["10.0.0.1"], "10.0.0.2"],
    [LOCAL_PROXY, ["10.0.0.0/8"], LOCAL_PROXY], // the list replaces the loopback default
    ["2001:db8::7", ["2001:db8::/64"], "203.0.113.5"],
    ["", undefined, ""], // no peer (an embedding app passed no info): nothing is trusted
  ];
  for (const [peer, trustedProxies, expected] of table) {
    assert.equal(
      addressOf(peer, { "x-forwarded-for": "203.0.113.5" }, { trustedProxies }),
      expected,
      JSON.stringify([peer, trustedProxies]),
    );
  }
});

Deno.test("createClientResolver() takes the rightmost untrusted X-Forwarded-For entry", () => {
  const trustedProxies = ["127.0.0.0/8", "::1", "10.0.0.0/8"];
  const table: [string, string][] = [
    ["203.0.113.5", "203.0.113.5"],
    // The client wrote the left part; the proxy appended the real address.
    ["127.0.0.1, 203.0.113.5", "203.0.113.5"],
    ["6.6.6.6, 203.0.113.5", "203.0.113.5"],
    // Trusted hops are skipped from the right (real_ip_recursive on).
    ["203.0.113.5, 10.0.0.3", "203.0.113.5"],
    ["6.6.6.6, 203.0.113.5, 10.0.0.3, 10.0.0.4", "203.0.113.5"],
    // Every entry trusted: the leftmost is the client.
    ["10.0.0.9, 10.0.0.3", "10.0.0.9"],
    // Forms proxies write.
    ["203.0.113.5:5555", "203.0.113.5"],
    ["2001:DB8::1", "2001:db8::1"],
    ["[2001:db8::1]:80", "2001:db8::1"],
    ["[2001:db8::1]", "2001:db8::1"],
    ["::ffff:203.0.113.5", "203.0.113.5"],
    ["  203.0.113.5  ", "203.0.113.5"],
    // Malformed: stop and keep the last good address (here the peer or a trusted hop).
    ["unknown", LOCAL_PROXY],
    ["999.1.1.1", LOCAL_PROXY],
    [":::::", LOCAL_PROXY],
    ["", LOCAL_PROXY],
    ["203.0.113.5,", LOCAL_PROXY],
    ["203.0.113.5, <script>", LOCAL_PROXY],
    ["203.0.113.5, unknown, 10.0.0.3", "10.0.0.3"],
    ["[1.2.3.4]", LOCAL_PROXY],
    ["1.2.3.4:99999999", LOCAL_PROXY],
  ];
  for (const [xff, expected] of table) {
    assert.equal(
      addressOf(LOCAL_PROXY, { "x-forwarded-for": xff }, { trustedProxies }),
      expected,
      JSON.stringify(xff),
    );
  }
});

Deno.test("createClientResolver() believes only the configured header (finding: Forwarded beat X-Forwarded-For)", () => {
  const forged = {
    forwarded: "for=127.0.0.1",
    "x-real-ip": "127.0.0.1",
    "x-forwarded-for": "203.0.113.5",
  };
  assert.equal(addressOf(LOCAL_PROXY, forged), "203.0.113.5");
  assert.equal(addressOf(LOCAL_PROXY, { forwarded: "for=127.0.0.2" }), LOCAL_PROXY);
  assert.equal(
    addressOf(LOCAL_PROXY, { ...forged, "x-real-ip": "203.0.113.7" }, { proxyHeader: "X-Real-IP" }),
    "203.0.113.7",
  );
  assert.equal(
    addressOf(LOCAL_PROXY, { "x-forwarded-for": "203.0.113.5" }, { proxyHeader: "Forwarded" }),
    LOCAL_PROXY,
  );
});

Deno.test("createClientResolver() reads X-Real-IP as one address", () => {
  const table: [string, string][] = [
    ["203.0.113.7", "203.0.113.7"],
    ["[2001:db8::5]:443", "2001:db8::5"],
    ["203.0.113.7, 203.0.113.8", LOCAL_PROXY],
    ["garbage", LOCAL_PROXY],
  ];
  for (const [value, expected] of table) {
    assert.equal(
      addressOf(LOCAL_PROXY, { "x-real-ip": value }, { proxyHeader: "X-Real-IP" }),
      expected,
      value,
    );
  }
});

Deno.test("createClientResolver() walks Forwarded elements like X-Forwarded-For (RFC 7239)", () => {
  const table: [string, string][] = [
    ["for=203.0.113.5", "203.0.113.5"],
    ['for="[2001:db8::7]:4711";proto=https', "2001:db8::7"],
    ["for=192.0.2.60;proto=http;by=203.0.113.43", "192.0.2.60"],
    ["For=192.0.2.60", "192.0.2.60"],
    ["for=127.0.0.1, for=203.0.113.5", "203.0.113.5"],
    ["for=203.0.113.5, for=127.0.0.1", "203.0.113.5"],
    ["for=127.0.0.2, for=127.0.0.1", "127.0.0.2"],
    ["for=_hidden", LOCAL_PROXY],
    ["for=unknown, for=127.0.0.3", "127.0.0.3"],
    ["proto=https", LOCAL_PROXY],
    ['for="203.0.113.5', LOCAL_PROXY],
    ["", LOCAL_PROXY],
  ];
  for (const [value, expected] of table) {
    assert.equal(
      addressOf(LOCAL_PROXY, { forwarded: value }, { proxyHeader: "Forwarded" }),
      expected,
      value,
    );
  }
});

Deno.test("createClientResolver() survives huge and hostile chains without throwing", () => {
  const long = `${Array(20_000).fill("127.0.0.1").join(",")},203.0.113.5`;
  assert.equal(addressOf(LOCAL_PROXY, { "x-forwarded-for": long }), "203.0.113.5");
  const allTrusted = Array(20_000).fill("127.0.0.1").join(",");
  assert.equal(addressOf(LOCAL_PROXY, { "x-forwarded-for": allTrusted }), "127.0.0.1");
  for (const junk of [",,,,", "[", "]", "[]:1", "::ffff:", "1.2.3.4%00", "\u00ff"]) {
    assert.equal(addressOf(LOCAL_PROXY, { "x-forwarded-for": junk }), LOCAL_PROXY, junk);
    assert.equal(
      addressOf(LOCAL_PROXY, { forwarded: `for=${junk}` }, { proxyHeader: "Forwarded" }),
      LOCAL_PROXY,
      junk,
    );
  }
});

Deno.test("createClientResolver().viaHttps() believes https only from a trusted peer", () => {
  const table: [string, Record<string, string>, ProxyHeader, boolean][] = [
    [LOCAL_PROXY, {}, "X-Forwarded-For", false],
    [LOCAL_PROXY, { "x-forwarded-proto": "https" }, "X-Forwarded-For", true],
    [LOCAL_PROXY, { "x-forwarded-proto": "HTTPS" }, "X-Real-IP", true],
    [LOCAL_PROXY, { "x-forwarded-proto": "http, https" }, "X-Forwarded-For", true],
    [LOCAL_PROXY, { "x-forwarded-proto": "https, http" }, "X-Forwarded-For", false],
    // SECURITY: a client talking to berth directly cannot claim https.
    [REMOTE, { "x-forwarded-proto": "https" }, "X-Forwarded-For", false],
    [REMOTE, { forwarded: "for=1.2.3.4;proto=https" }, "Forwarded", false],
    // Only the configured header family counts.
    [LOCAL_PROXY, { forwarded: "for=1.2.3.4;proto=https" }, "X-Forwarded-For", false],
    [LOCAL_PROXY, { "x-forwarded-proto": "https" }, "Forwarded", false],
    [LOCAL_PROXY, { forwarded: "for=1.2.3.4;proto=https" }, "Forwarded", true],
    [LOCAL_PROXY, { forwarded: 'proto="https";for=1.2.3.4' }, "Forwarded", true],
    [LOCAL_PROXY, { forwarded: "proto=https, for=1.2.3.4;proto=http" }, "Forwarded", false],
  ];
  for (const [peer, init, proxyHeader, expected] of table) {
    const resolver = createClientResolver({ trustProxy: true, proxyHeader });
    assert.equal(
      resolver.viaHttps(peer, new Headers(init)),
      expected,
      JSON.stringify([peer, init, proxyHeader]),
    );
  }
});

Deno.test("createClientResolver() refuses an invalid trusted proxy entry at startup", () => {
  assert.throws(
    () => createClientResolver({ trustProxy: true, trustedProxies: ["10.0.0.0/40"] }),
    TypeError,
  );
});

Deno.test("createRequestContextFactory() sets the client and secure from a trusted proxy only", () => {
  const factory = createRequestContextFactory({
    secure: false,
    proxy: proxyOptionsOf({
      trustProxy: true,
      trustedProxies: ["127.0.0.0/8", "::1"],
      proxyHeader: "X-Forwarded-For",
    }),
  });
  const headers = { "x-forwarded-for": "203.0.113.5", "x-forwarded-proto": "https" };
  const info = (hostname: string): Deno.ServeHandlerInfo => ({
    remoteAddr: { transport: "tcp", hostname, port: 40000 },
    completed: Promise.resolve(),
  });
  const viaProxy = factory(new Request("http://berth.test/", { headers }), info("127.0.0.1"));
  assert.equal(viaProxy.clientAddress, "203.0.113.5");
  assert.equal(viaProxy.secure, true);
  const direct = factory(new Request("http://berth.test/", { headers }), info("198.51.100.20"));
  assert.equal(direct.clientAddress, "198.51.100.20");
  assert.equal(direct.secure, false);
  const mapped = factory(new Request("http://berth.test/"), info("::ffff:198.51.100.21"));
  assert.equal(mapped.clientAddress, "198.51.100.21", "audit and logs show the IPv4 form");
});
