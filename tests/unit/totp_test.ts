/**
 * TOTP against the RFC 6238 Appendix B vectors (SHA-1), the ±1 step window,
 * hostile codes and secrets, and the one-use replay guard.
 */
import assert from "node:assert/strict";
import {
  createTotpReplayGuard,
  decodeBase32,
  encodeBase32,
  generateTotp,
  generateTotpSecret,
  totpUri,
  verifyTotp,
} from "../../lib/auth/totp.ts";

/** RFC 6238 Appendix B: the SHA-1 seed "12345678901234567890" in base32. */
const RFC_SECRET = encodeBase32(new TextEncoder().encode("12345678901234567890"));

Deno.test("encodeBase32() and decodeBase32() follow RFC 4648 §10 vectors", () => {
  const vectors: [string, string][] = [
    ["", ""],
    ["f", "MY"],
    ["fo", "MZXQ"],
    ["foo", "MZXW6"],
    ["foob", "MZXW6YQ"],
    ["fooba", "MZXW6YTB"],
    ["foobar", "MZXW6YTBOI"],
  ];
  for (const [text, encoded] of vectors) {
    assert.equal(encodeBase32(new TextEncoder().encode(text)), encoded);
    assert.equal(new TextDecoder().decode(decodeBase32(encoded)!), text);
  }
  assert.equal(RFC_SECRET, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  assert.equal(new TextDecoder().decode(decodeBase32("mzxw 6ytb-oi======")!), "foobar");
  assert.equal(decodeBase32("MZXW1"), null, "1 is not base32");
  assert.equal(decodeBase32("MZ!W"), null);
});

Deno.test("generateTotp() matches the RFC 6238 SHA-1 test vectors (8 digits)", async () => {
  const vectors: [number, string][] = [
    [59, "94287082"],
    [1111111109, "07081804"],
    [1111111111, "14050471"],
    [1234567890, "89005924"],
    [2000000000, "69279037"],
    [20000000000, "65353130"],
  ];
  for (const [seconds, code] of vectors) {
    assert.equal(
      await generateTotp(RFC_SECRET, { now: seconds * 1000, digits: 8 }),
      code,
      String(seconds),
    );
  }
});

Deno.test("verifyTotp() accepts the 6-digit RFC code at T=59 and returns its step", async () => {
  assert.equal(await verifyTotp(RFC_SECRET, "287082", { now: 59_000 }), 1);
  assert.equal(await verifyTotp(RFC_SECRET, "081804", { now: 1111111109_000 }), 37037036);
});

Deno.test("verifyTotp() accepts one step of drift either side and no more", async () => {
  const now = 1_700_000_000_000;
  const step = Math.floor(now / 30_000);
  const at = (offset: number) => generateTotp(RFC_SECRET, { now: now + offset * 30_000 });
  assert.equal(await verifyTotp(RFC_SECRET, await at(0), { now }), step);
  assert.equal(await verifyTotp(RFC_SECRET, await at(-1), { now }), step - 1);
  assert.equal(await verifyTotp(RFC_SECRET, await at(1), { now }), step + 1);
  assert.equal(await verifyTotp(RFC_SECRET, await at(-2), { now }), null);
  assert.equal(await verifyTotp(RFC_SECRET, await at(2), { now }), null);
  assert.equal(await verifyTotp(RFC_SECRET, await at(-1), { now, window: 0 }), null);
  assert.equal(await verifyTotp(RFC_SECRET, await at(-2), { now, window: 2 }), step - 2);
});

Deno.test("verifyTotp() refuses hostile codes and secrets", async () => {
  const now = 59_000;
  for (
    const code of [
      "",
      "28708",
      "2870820",
      "28708a",
      " 287082",
      "287082 ",
      "２８７０８２",
      "-87082",
      "+87082",
    ]
  ) {
    assert.equal(await verifyTotp(RFC_SECRET, code, { now }), null, JSON.stringify(code));
  }
  assert.equal(await verifyTotp(RFC_SECRET, 287082 as unknown as string, { now }), null);
  assert.equal(await verifyTotp("not base32!", "287082", { now }), null);
  assert.equal(await verifyTotp("", "287082", { now }), null);
  const other = generateTotpSecret();
  assert.equal(await verifyTotp(other, "287082", { now }), null);
});

Deno.test("generateTotpSecret() makes 160-bit base32 secrets that differ", () => {
  const a = generateTotpSecret();
  const b = generateTotpSecret();
  assert.match(a, /^[A-Z2-7]{32}$/);
  assert.equal(decodeBase32(a)!.length, 20);
  assert.notEqual(a, b);
});

Deno.test("totpUri() builds an otpauth URI with the secret, issuer and parameters", () => {
  const uri = new URL(
    totpUri({ secret: "JBSWY3DPEHPK3PXP", account: "alice@example.com", issuer: "my berth" }),
  );
  assert.equal(uri.protocol, "otpauth:");
  assert.ok(uri.href.startsWith("otpauth://totp/my%20berth:alice%40example.com?"), uri.href);
  assert.equal(uri.searchParams.get("secret"), "JBSWY3DPEHPK3PXP");
  assert.equal(uri.searchParams.get("issuer"), "my berth");
  assert.equal(uri.searchParams.get("digits"), "6");
  assert.equal(uri.searchParams.get("period"), "30");
  assert.equal(uri.searchParams.get("algorithm"), "SHA1");
  assert.ok(!uri.href.includes("+"), "spaces as %20");
});

Deno.test("createTotpReplayGuard() lets each step be used once and refuses earlier steps", () => {
  const guard = createTotpReplayGuard();
  assert.equal(guard.claim("alice", 100), true);
  assert.equal(guard.claim("alice", 100), false, "same code again");
  assert.equal(guard.claim("alice", 99), false, "an earlier code from the window");
  assert.equal(guard.claim("bob", 100), true, "users are separate");
  assert.equal(guard.claim("alice", 101), true);
  assert.equal(guard.claim("alice", 100), false);
});

Deno.test("createTotpReplayGuard() keeps memory bounded by evicting the least recent users", () => {
  const guard = createTotpReplayGuard({ maxUsers: 3 });
  for (const user of ["a", "b", "c"]) assert.equal(guard.claim(user, 10), true);
  assert.equal(guard.claim("a", 11), true, "a becomes most recent");
  assert.equal(guard.claim("d", 10), true, "b is evicted");
  assert.equal(guard.claim("a", 11), false, "a is still remembered");
  assert.equal(guard.claim("c", 10), false, "c is still remembered");
  assert.equal(guard.claim("b", 10), true, "b was forgotten");
});
