/**
 * Password hashing: argon2id round trips, bcrypt hashes as htpasswd writes
 * them (made here with hash-wasm's own bcrypt), and hostile hash strings.
 */
import assert from "node:assert/strict";
import { bcrypt } from "hash-wasm";
import {
  ARGON2_PARAMETERS,
  describeHashCost,
  DUMMY_HASH,
  hashPassword,
  isSupportedHash,
  timingSafeEqual,
  verifyPassword,
} from "../../lib/auth/passwords.ts";

async function bcryptHash(password: string, prefix: "$2a$" | "$2b$" | "$2y$", cost = 5) {
  const encoded = await bcrypt({
    password,
    salt: crypto.getRandomValues(new Uint8Array(16)),
    costFactor: cost,
    outputType: "encoded",
  });
  return prefix + encoded.slice(4);
}

Deno.test("hashPassword() makes an argon2id PHC string with OWASP parameters and a fresh salt", async () => {
  const first = await hashPassword("correct horse battery staple");
  const second = await hashPassword("correct horse battery staple");
  const { memorySize, iterations, parallelism } = ARGON2_PARAMETERS;
  assert.match(
    first,
    new RegExp(
      `^\\$argon2id\\$v=19\\$m=${memorySize},t=${iterations},p=${parallelism}\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}$`,
    ),
  );
  assert.notEqual(first, second, "salts differ");
  assert.equal(await verifyPassword("correct horse battery staple", first), true);
  assert.equal(await verifyPassword("correct horse battery stapl", first), false);
  assert.equal(await verifyPassword("Correct horse battery staple", first), false);
});

Deno.test("hashPassword() handles non-ASCII passwords and refuses empty or huge ones", async () => {
  const hash = await hashPassword("pässwörd-🔑");
  assert.equal(await verifyPassword("pässwörd-🔑", hash), true);
  assert.equal(await verifyPassword("passwörd-🔑", hash), false);
  await assert.rejects(() => hashPassword(""), RangeError);
  await assert.rejects(() => hashPassword("x".repeat(2000)), RangeError);
});

Deno.test("verifyPassword() accepts bcrypt $2a$, $2b$ and $2y$ hashes (htpasswd -B)", async () => {
  for (const prefix of ["$2a$", "$2b$", "$2y$"] as const) {
    const hash = await bcryptHash("hunter2", prefix);
    assert.ok(hash.startsWith(prefix));
    assert.equal(isSupportedHash(hash), true, prefix);
    assert.equal(await verifyPassword("hunter2", hash), true, prefix);
    assert.equal(await verifyPassword("hunter3", hash), false, prefix);
  }
});

Deno.test("verifyPassword() matches a known htpasswd bcrypt vector", async () => {
  // OpenBSD bcrypt test vector: "U*U" with cost 5.
  assert.equal(
    await verifyPassword("U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"),
    true,
  );
  assert.equal(
    await verifyPassword("U*U*", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"),
    false,
  );
});

Deno.test("verifyPassword() reads only the first 72 bytes for bcrypt, as htpasswd does", async () => {
  const long = "a".repeat(72);
  const hash = await bcryptHash(long, "$2y$");
  assert.equal(await verifyPassword(long + "extra", hash), true);
  assert.equal(await verifyPassword("a".repeat(71), hash), false);
});

Deno.test("verifyPassword() answers false for malformed and unsupported hashes without throwing", async () => {
  const good = await hashPassword("pw");
  const hostile = [
    "",
    "pw",
    "$argon2id$",
    "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
    "$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
    "$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
    "$argon2id$v=19$m=19456,t=999,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
    "$argon2id$v=19$m=19456,t=0,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
    "$argon2id$v=19$m=1,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
    "$argon2id$v=19$m=19456,t=2,p=1$!!!!$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
    "$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
    "$2y$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
    "$2y$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
    "$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe",
    "$apr1$abcdefgh$0123456789abcdefghijkl",
    "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=",
    "$6$salt$hash",
  ];
  for (const hash of hostile) {
    assert.equal(isSupportedHash(hash), false, hash);
    assert.equal(await verifyPassword("pw", hash), false, hash);
  }
  // Well-formed but altered: the hash length changes, so nothing matches.
  for (const hash of [good.slice(0, -5), good + "AAAA"]) {
    assert.equal(await verifyPassword("pw", hash), false, hash);
  }
  assert.equal(await verifyPassword("", good), false, "empty password");
  assert.equal(await verifyPassword("x".repeat(5000), good), false, "huge password");
  assert.equal(await verifyPassword(undefined as unknown as string, good), false);
  assert.equal(await verifyPassword("pw", null as unknown as string), false);
});

Deno.test("DUMMY_HASH is a supported argon2id hash with the same cost as new hashes", async () => {
  assert.equal(isSupportedHash(DUMMY_HASH), true);
  const fresh = await hashPassword("x");
  assert.equal(DUMMY_HASH.split("$")[3], fresh.split("$")[3], "same m,t,p");
  assert.equal(await verifyPassword("", DUMMY_HASH), false);
  assert.equal(await verifyPassword("password", DUMMY_HASH), false);
});

Deno.test("timingSafeEqual() compares contents and lengths", () => {
  const bytes = (text: string) => new TextEncoder().encode(text);
  assert.equal(timingSafeEqual(bytes("abc"), bytes("abc")), true);
  assert.equal(timingSafeEqual(bytes("abc"), bytes("abd")), false);
  assert.equal(timingSafeEqual(bytes("abc"), bytes("abcd")), false);
  assert.equal(timingSafeEqual(bytes(""), bytes("")), true);
  assert.equal(timingSafeEqual(bytes("a"), bytes("")), false);
});

Deno.test("describeHashCost() orders hashes of one kind by their work", async () => {
  const rows: [string, { kind: string; weight: number } | null][] = [
    [DUMMY_HASH, { kind: "argon2id", weight: 19_456 * 2 }],
    [
      "$argon2id$v=19$m=65536,t=3,p=4$4Jy7Z9vPOHkdju6ZE+hv5g$K+OlZsxnSXHNx0dTOy9cnS0VquMs6Qse3pgxhq//HlQ",
      { kind: "argon2id", weight: 65_536 * 3 },
    ],
    [await bcryptHash("x", "$2y$", 5), { kind: "bcrypt", weight: 32 }],
    [await bcryptHash("x", "$2b$", 6), { kind: "bcrypt", weight: 64 }],
    ["$apr1$abc$def", null],
    ["", null],
  ];
  for (const [hash, expected] of rows) assert.deepEqual(describeHashCost(hash), expected, hash);
});
