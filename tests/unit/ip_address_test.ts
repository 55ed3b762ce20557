import assert from "node:assert/strict";
import {
  formatUrlHost,
  isInRange,
  isLoopbackAddress,
  isLoopbackHost,
  normalizeIpAddress,
  normalizePeerAddress,
  parseIpAddress,
  parseIpRange,
} from "../../lib/http/ip_address.ts";

Deno.test("normalizeIpAddress() writes one canonical form and unmaps IPv4-mapped IPv6", () => {
  const table: [string, string | null][] = [
    ["192.0.2.1", "192.0.2.1"],
    ["0.0.0.0", "0.0.0.0"],
    ["255.255.255.255", "255.255.255.255"],
    ["::1", "::1"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["::", "::"],
    ["2001:DB8::1", "2001:db8::1"],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"], // first of two equal runs
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"], // a single zero group stays
    ["2001:db8::", "2001:db8::"],
    ["::ffff:192.0.2.1", "192.0.2.1"],
    ["::FFFF:c000:0201", "192.0.2.1"],
    ["0:0:0:0:0:ffff:7f00:1", "127.0.0.1"],
    ["::192.0.2.1", "::c000:201"], // IPv4-compatible (deprecated) is not mapped
    ["64:ff9b::192.0.2.1", "64:ff9b::c000:201"],
    // Not one address literal.
    ["", null],
    ["1.2.3", null],
    ["1.2.3.4.5", null],
    ["256.1.1.1", null],
    ["01.2.3.4", null],
    ["1.2.3.-4", null],
    [" 1.2.3.4", null],
    [":::", null],
    ["1::2::3", null],
    ["1:2:3:4:5:6:7:8:9", null],
    ["1:2:3:4:5:6:7", null],
    ["1:2:3:4:5:6:7::8", null],
    ["12345::", null],
    ["::g", null],
    ["fe80::1%eth0", null],
    ["[::1]", null],
    ["1.2.3.4::", null],
    ["::1.2.3.4:5", null],
    ["localhost", null],
    ["unknown", null],
  ];
  for (const [text, expected] of table) {
    assert.equal(normalizeIpAddress(text), expected, JSON.stringify(text));
  }
});

Deno.test("normalizePeerAddress() unmaps dual-stack IPv4 peers and keeps the rest", () => {
  const table: [string, string][] = [
    ["127.0.0.1", "127.0.0.1"],
    ["::ffff:203.0.113.9", "203.0.113.9"],
    ["::ffff:127.0.0.1", "127.0.0.1"],
    ["::1", "::1"],
    ["2001:db8::1", "2001:db8::1"],
    ["", ""],
  ];
  for (const [peer, expected] of table) assert.equal(normalizePeerAddress(peer), expected, peer);
});

Deno.test("parseIpRange() reads addresses and CIDR ranges and refuses the rest", () => {
  const table: [string, string, boolean][] = [
    ["10.0.0.0/8", "10.255.1.2", true],
    ["10.0.0.0/8", "11.0.0.1", false],
    ["10.1.2.3/8", "10.9.9.9", true], // host bits cleared, as nginx does
    ["192.0.2.7", "192.0.2.7", true],
    ["192.0.2.7", "192.0.2.8", false],
    ["0.0.0.0/0", "203.0.113.1", true],
    ["0.0.0.0/0", "::1", false], // IPv4 ranges never match IPv6 clients
    ["172.16.0.0/12", "172.31.255.255", true],
    ["172.16.0.0/12", "172.32.0.0", false],
    ["::1", "::1", true],
    ["::1", "::2", false],
    ["2001:db8::/32", "2001:db8:ffff::1", true],
    ["2001:db8::/32", "2001:db9::1", false],
    ["2001:db8::/33", "2001:db8:7fff::1", true],
    ["2001:db8::/33", "2001:db8:8000::1", false],
    ["::/0", "2001:db8::1", true],
    ["::/0", "192.0.2.1", false],
    ["::ffff:10.0.0.0/104", "10.2.3.4", true], // a mapped range is the IPv4 range it maps
  ];
  for (const [rangeText, address, inside] of table) {
    const range = parseIpRange(rangeText);
    const bytes = parseIpAddress(address);
    assert.ok(range !== null && bytes !== null, rangeText);
    assert.equal(isInRange(bytes, range), inside, `${address} in ${rangeText}`);
  }
  for (
    const bad of ["", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/8/8", "/8", "a/8", "1/+8"]
  ) {
    assert.equal(parseIpRange(bad), null, bad);
  }
});

Deno.test("isLoopbackAddress() accepts every spelling of loopback and nothing else", () => {
  for (
    const address of [
      "127.0.0.1",
      "127.255.0.9",
      "::1",
      "0:0:0:0:0:0:0:1",
      "::ffff:127.0.0.1",
      "::ffff:7f00:1",
    ]
  ) {
    assert.ok(isLoopbackAddress(address), address);
  }
  for (
    const address of ["128.0.0.1", "10.0.0.1", "::", "::2", "::ffff:10.0.0.1", "localhost", ""]
  ) {
    assert.ok(!isLoopbackAddress(address), address);
  }
});

Deno.test("isLoopbackHost() accepts localhost and every loopback address, bare or bracketed", () => {
  const table: [host: string, loopback: boolean][] = [
    ["localhost", true],
    ["LocalHost", true],
    ["127.0.0.1", true],
    ["127.1.2.3", true],
    ["::1", true],
    ["[::1]", true],
    ["0:0:0:0:0:0:0:1", true],
    ["[0000:0000:0000:0000:0000:0000:0000:0001]", true],
    ["::ffff:127.0.0.1", true],
    ["[::ffff:7f00:1]", true],
    ["localhost.", false],
    ["localhost.example", false],
    ["128.0.0.1", false],
    ["0.0.0.0", false],
    ["::", false],
    ["[::2]", false],
    ["example.org", false],
    ["", false],
  ];
  for (const [host, loopback] of table) assert.equal(isLoopbackHost(host), loopback, host);
});

Deno.test("formatUrlHost() brackets IPv6 literals only", () => {
  assert.equal(formatUrlHost("::1"), "[::1]");
  assert.equal(formatUrlHost("[::1]"), "[::1]");
  assert.equal(formatUrlHost("127.0.0.1"), "127.0.0.1");
  assert.equal(formatUrlHost("localhost"), "localhost");
});
