/**
 * An attacker's view of `createTokenVerifier()`: tokens are minted
 * independently with jose's SignJWT and freshly generated keys, and a JWKS is
 * served by a real HTTP server on 127.0.0.1.
 */
import assert from "node:assert/strict";
import { createPublicKey } from "node:crypto";
import { join } from "node:path";
import {
  base64url,
  type CryptoKey,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  generateSecret,
  type JWK,
  type JWTPayload,
  SignJWT,
} from "jose";
import {
  createTokenSigner,
  createTokenVerifier,
  SESSION_VERSION_CLAIM,
  type TokenVerification,
  type VerificationKeys,
} from "../../lib/auth/jwt.ts";
import { loadJwtKeys, type LoadJwtKeysOptions } from "../../lib/auth/jwt_keys.ts";
import * as v from "valibot";
import { ConfigError } from "../../lib/config/errors.ts";
import { findSettingSchema, type JwtSettings as JwtConfig } from "../../lib/config/schema.ts";

const SECRET = crypto.getRandomValues(new Uint8Array(32));
const NOW = () => Math.floor(Date.now() / 1000);

interface MintOptions {
  alg: string;
  key: CryptoKey | Uint8Array;
  payload?: JWTPayload;
  sub?: string | null;
  exp?: number | null;
  header?: Record<string, unknown>;
}

/** Signs a token the way an outside issuer would. */
async function mint(options: MintOptions): Promise<string> {
  const jwt = new SignJWT(options.payload ?? { roles: ["admin"] })
    .setProtectedHeader({ alg: options.alg, typ: "JWT", ...options.header })
    .setIssuedAt();
  if (options.sub !== null) jwt.setSubject(options.sub ?? "alice");
  if (options.exp !== null) jwt.setExpirationTime(options.exp ?? NOW() + 600);
  return await jwt.sign(options.key);
}

/** A fake key directory: `/keys/<name>` → text; anything else does not exist. */
function fakeKeyFiles(files: Record<string, string>): (path: string) => Promise<Uint8Array> {
  return (path) => {
    const name = path.startsWith("/keys/") ? path.slice("/keys/".length) : null;
    if (name === null || !Object.hasOwn(files, name)) {
      return Promise.reject(new Deno.errors.NotFound(path));
    }
    return Promise.resolve(new TextEncoder().encode(files[name]));
  };
}

/** Loads keys as the settings name them, from a fake `/keys` directory. */
async function loadKeys(
  config: Partial<JwtConfig>,
  files: Record<string, string> = {},
  options: LoadJwtKeysOptions = {},
) {
  return await loadJwtKeys(config, { baseDir: "/keys", readFile: fakeKeyFiles(files), ...options });
}

/** The keys of one SPKI PEM public key file, for `algorithms`. */
async function pemKeys(publicKey: CryptoKey, algorithms: JwtConfig["algorithms"]) {
  return await loadKeys({ publicKey: "key.pem", algorithms }, {
    "key.pem": await exportSPKI(publicKey),
  });
}

function assertRejected(result: TokenVerification, reason: string): void {
  assert.equal(result.ok, false, `expected a rejection (${reason})`);
  if (!result.ok) assert.equal(result.reason, reason);
}

function assertAccepted(result: TokenVerification): asserts result is Extract<
  TokenVerification,
  { ok: true }
> {
  assert.equal(result.ok, true, `expected acceptance, got ${JSON.stringify(result)}`);
}

/** Re-encodes a token's payload without re-signing. */
function replacePayload(token: string, payload: JWTPayload): string {
  const [header, , signature] = token.split(".");
  return `${header}.${base64url.encode(JSON.stringify(payload))}.${signature}`;
}

function unsignedToken(payload: JWTPayload): string {
  const header = base64url.encode(JSON.stringify({ alg: "none", typ: "JWT" }));
  return `${header}.${base64url.encode(JSON.stringify(payload))}.`;
}

Deno.test("verify() accepts valid tokens for HS256, RS256, PS256, ES256, ES384 and EdDSA", async () => {
  const hsVerifier = createTokenVerifier({ secret: SECRET, algorithms: ["HS256"] });
  const hs = await hsVerifier.verify(await mint({ alg: "HS256", key: SECRET }));
  assertAccepted(hs);
  assert.deepEqual(hs.user, { name: "alice", roles: ["admin"] });
  assert.ok(hs.expiresAt !== null && hs.expiresAt > NOW());
  assert.ok(hs.issuedAt !== null && Math.abs(hs.issuedAt - NOW()) < 5);

  for (const alg of ["RS256", "PS256", "ES256", "ES384", "EdDSA"]) {
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
    const verifier = createTokenVerifier(await pemKeys(publicKey, [alg as "RS256"]));
    const result = await verifier.verify(await mint({ alg, key: privateKey }));
    assertAccepted(result);
    assert.equal(result.user.name, "alice", alg);
  }
});

Deno.test("verify() accepts HS384 and HS512 with a long enough secret", async () => {
  for (const alg of ["HS384", "HS512"] as const) {
    const secret = crypto.getRandomValues(new Uint8Array(64));
    const verifier = createTokenVerifier({ secret, algorithms: [alg] });
    assertAccepted(await verifier.verify(await mint({ alg, key: secret })));
  }
});

Deno.test("createTokenVerifier(), createTokenSigner() and loadJwtKeys() need the same key length per HS algorithm", async () => {
  // [algorithm, key bytes, accepted]: RFC 7518 §3.2, a key at least as long as the hash.
  const rows: [string, number, boolean][] = [
    ["HS256", 31, false],
    ["HS256", 32, true],
    ["HS384", 32, false],
    ["HS384", 48, true],
    ["HS512", 32, false],
    ["HS512", 63, false],
    ["HS512", 64, true],
  ];
  for (const [algorithm, bytes, accepted] of rows) {
    const secret = new Uint8Array(bytes).fill(7);
    const hs = algorithm as "HS256" | "HS384" | "HS512";
    const verify = () => createTokenVerifier({ secret, algorithms: [hs] });
    const sign = () => createTokenSigner(secret, hs);
    const load = () =>
      loadKeys({ secretFile: "secret", algorithms: [hs] }, {
        secret: new TextDecoder().decode(secret),
      });
    if (accepted) {
      verify();
      sign();
      assert.equal((await load()).secret?.byteLength, bytes);
    } else {
      const message = new RegExp(`${algorithm} needs at least`);
      assert.throws(verify, message, `verifier ${algorithm} ${bytes}`);
      assert.throws(sign, message, `signer ${algorithm} ${bytes}`);
      await assert.rejects(load, message, `loader ${algorithm} ${bytes}`);
    }
  }
  // With several HS algorithms allowed, the longest need decides.
  assert.throws(
    () => createTokenVerifier({ secret: SECRET, algorithms: ["HS256", "HS512"] }),
    /HS512 needs at least 64/,
  );
});

Deno.test("sign() puts a jti and the session version in the token; verify() reads them back", async () => {
  const signer = createTokenSigner(SECRET, "HS256");
  const verifier = createTokenVerifier({ secret: SECRET, algorithms: ["HS256"] });
  const signed = await signer.sign({ name: "bob", roles: [] }, {
    ttlSeconds: 60,
    sessionVersion: "v1",
  });
  const result = await verifier.verify(signed.token);
  assertAccepted(result);
  assert.equal(result.tokenId, signed.tokenId);
  assert.match(signed.tokenId, /^[0-9a-f-]{36}$/);
  assert.equal(result.sessionVersion, "v1");
  const external = await mint({
    alg: "HS256",
    key: SECRET,
    payload: { jti: 5 } as unknown as JWTPayload,
  });
  const plain = await verifier.verify(external);
  assertAccepted(plain);
  assert.equal(plain.tokenId, null, "a non-string jti is ignored");
  assert.equal(plain.sessionVersion, null, "not a berth session");
  const odd = await mint({ alg: "HS256", key: SECRET, payload: { [SESSION_VERSION_CLAIM]: 1 } });
  const oddResult = await verifier.verify(odd);
  assertAccepted(oddResult);
  assert.equal(oddResult.sessionVersion, null);
});

Deno.test("verify() accepts a single public JWK", async () => {
  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  const keys = await loadKeys({ publicKey: "key.jwk", algorithms: ["ES256"] }, {
    "key.jwk": JSON.stringify(await exportJWK(publicKey)),
  });
  assert.deepEqual(keys.sources, ["jwt-public-key"]);
  const verifier = createTokenVerifier(keys);
  assertAccepted(await verifier.verify(await mint({ alg: "ES256", key: privateKey })));
});

Deno.test("verify() refuses alg none in every spelling", async () => {
  const verifier = createTokenVerifier({ secret: SECRET, algorithms: ["HS256"] });
  for (const alg of ["none", "None", "NONE", "nOnE"]) {
    const header = base64url.encode(JSON.stringify({ alg, typ: "JWT" }));
    const body = base64url.encode(
      JSON.stringify({ sub: "alice", roles: ["admin"], exp: NOW() + 60 }),
    );
    assertRejected(await verifier.verify(`${header}.${body}.`), "algorithm-not-allowed");
  }
  assertRejected(
    await verifier.verify(unsignedToken({ sub: "root", roles: ["admin"], exp: NOW() + 60 })),
    "algorithm-not-allowed",
  );
});

Deno.test("the settings refuse none, unknown algorithms and a clock tolerance out of range", () => {
  // The verifier relies on these guarantees instead of checking them again.
  const tolerance = findSettingSchema("auth.jwt.clockToleranceSeconds");
  const algorithmList = findSettingSchema("auth.jwt.algorithms");
  assert.ok(tolerance !== undefined && algorithmList !== undefined);
  for (const value of [-1, 601, 1.5, Number.NaN]) {
    assert.equal(v.is(tolerance, value), false, String(value));
  }
  assert.equal(v.is(tolerance, 600), true);
  for (const algorithms of [["none"], ["HS256", "none"], ["HS1"], ["Ed25519"], []]) {
    assert.equal(v.is(algorithmList, algorithms), false, JSON.stringify(algorithms));
  }
  assert.equal(v.is(algorithmList, ["HS256", "EdDSA"]), true);
});

Deno.test("verify() refuses HS256 signed with the RSA public key PEM (algorithm confusion)", async () => {
  const { publicKey } = await generateKeyPair("RS256", { extractable: true });
  const pem = await exportSPKI(publicKey);
  const forged = await mint({ alg: "HS256", key: new TextEncoder().encode(pem) });
  // Only the RSA key configured: HS256 is not in the list.
  const rsaOnly = createTokenVerifier(await pemKeys(publicKey, ["RS256"]));
  assertRejected(await rsaOnly.verify(forged), "algorithm-not-allowed");
  // Even a careless list naming both cannot make the public key an HMAC secret.
  const both = createTokenVerifier(
    await loadKeys({ publicKey: "key.pem", secretFile: "secret", algorithms: ["RS256", "HS256"] }, {
      "key.pem": pem,
      secret: "s".repeat(32),
    }),
  );
  assertRejected(await both.verify(forged), "bad-signature");
});

Deno.test("loadJwtKeys() refuses HS algorithms without a secret, asymmetric ones without a fitting key", async () => {
  const { publicKey } = await generateKeyPair("RS256", { extractable: true });
  const files = { "key.pem": await exportSPKI(publicKey), secret: "s".repeat(32) };
  // [settings, what the message says]
  const rows: [Partial<JwtConfig>, RegExp][] = [
    [{ publicKey: "key.pem", algorithms: ["HS256"] }, /HS256 needs a secret/],
    [{ secretFile: "secret", algorithms: ["RS256"] }, /RS256 needs a public key/],
    // The wrong algorithm for the key.
    [{ publicKey: "key.pem", algorithms: ["ES256"] }, /no configured public key can verify ES256/],
    [{ publicKey: "key.pem", algorithms: ["EdDSA"] }, /no configured public key can verify EdDSA/],
    [{ secretEnv: "SHORT" }, /the secret is 16 bytes; HS256 needs at least 32/],
    [{ publicKey: "garbage.pem", algorithms: ["RS256"] }, /not a PEM public key/],
    [{ secretEnv: "SHORT", secretFile: "secret" }, /not both/],
    [{}, /set a key/],
  ];
  for (const [config, message] of rows) {
    await assert.rejects(
      () =>
        loadKeys(config, { ...files, "garbage.pem": "not a pem" }, {
          env: { SHORT: "x".repeat(16) },
        }),
      (error: unknown) => error instanceof ConfigError && message.test(error.message),
      JSON.stringify(config),
    );
  }
  // A key of another family is refused by jose's import, as is a curve that does not fit.
  const ec = await generateKeyPair("ES256", { extractable: true });
  await assert.rejects(() => pemKeys(ec.publicKey, ["ES384"]), /can verify ES384/);
  const jwk = JSON.stringify(await exportJWK(ec.publicKey));
  await assert.rejects(
    () => loadKeys({ publicKey: "key.jwk", algorithms: ["ES512"] }, { "key.jwk": jwk }),
    /can verify ES512/,
  );
  await assert.rejects(
    () => loadKeys({ publicKey: "key.jwk", algorithms: ["RS256"] }, { "key.jwk": jwk }),
    /can verify RS256/,
  );
});

Deno.test("loadJwtKeys() derives the algorithm of a single key when the settings name none", async () => {
  for (const alg of ["RS256", "ES256", "ES384", "ES512", "EdDSA"]) {
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
    const fromPem = await loadKeys({ publicKey: "key.pem" }, {
      "key.pem": await exportSPKI(publicKey),
    });
    assert.deepEqual(fromPem.algorithms, [alg], `PEM ${alg}`);
    assertAccepted(await createTokenVerifier(fromPem).verify(await mint({ alg, key: privateKey })));
    const fromJwk = await loadKeys({ publicKey: "key.jwk", secretEnv: "S" }, {
      "key.jwk": JSON.stringify(await exportJWK(publicKey)),
    }, { env: { S: "s".repeat(32) } });
    assert.deepEqual(fromJwk.algorithms, ["HS256", alg], `JWK ${alg}`);
    assert.deepEqual(fromJwk.sources, ["jwt-secret", "jwt-public-key"]);
  }
});

Deno.test("loadJwtKeys() refuses private and symmetric keys where public keys belong", async () => {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const privateJwk = JSON.stringify(await exportJWK(privateKey));
  const octJwk = await exportJWK(SECRET);
  const files = {
    "private.jwk": privateJwk,
    "private-in-set.json": JSON.stringify({ keys: [JSON.parse(privateJwk)] }),
    "oct.json": JSON.stringify({ keys: [octJwk] }),
    "private.pem": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
    "not-a-key.json": JSON.stringify({ keys: ["x"] }),
  };
  const rows: [Partial<JwtConfig>, RegExp][] = [
    [
      { publicKey: "private.jwk", algorithms: ["ES256"] },
      /"auth.jwt.publicKey".*private member "d"/,
    ],
    [{ jwks: "private-in-set.json", algorithms: ["ES256"] }, /"auth.jwt.jwks".*private member/],
    [{ jwks: "oct.json", algorithms: ["ES256"] }, /not RSA, EC or OKP/],
    [{ publicKey: "private.pem", algorithms: ["RS256"] }, /private key/],
    [{ jwks: "not-a-key.json", algorithms: ["ES256"] }, /not a JSON object/],
  ];
  for (const [config, message] of rows) {
    await assert.rejects(() => loadKeys(config, files), message, JSON.stringify(config));
  }
});

Deno.test("verify() refuses a tampered payload and a swapped signature", async () => {
  const verifier = createTokenVerifier({ secret: SECRET, algorithms: ["HS256"] });
  const token = await mint({ alg: "HS256", key: SECRET, payload: { roles: ["reader"] } });
  const tampered = replacePayload(token, { sub: "alice", roles: ["admin"], exp: NOW() + 600 });
  assertRejected(await verifier.verify(tampered), "bad-signature");
  const other = await mint({ alg: "HS256", key: crypto.getRandomValues(new Uint8Array(32)) });
  const [header, payload] = token.split(".");
  assertRejected(
    await verifier.verify(`${header}.${payload}.${other.split(".")[2]}`),
    "bad-signature",
  );
});

Deno.test("verify() refuses expired tokens and tokens without exp", async () => {
  const verifier = createTokenVerifier({ secret: SECRET, algorithms: ["HS256"] });
  assertRejected(
    await verifier.verify(await mint({ alg: "HS256", key: SECRET, exp: NOW() - 120 })),
    "expired",
  );
  assertRejected(
    await verifier.verify(await mint({ alg: "HS256", key: SECRET, exp: null })),
    "malformed",
  );
});

Deno.test("verify() refuses nbf and iat in the future", async () => {
  const verifier = createTokenVerifier({ secret: SECRET, algorithms: ["HS256"] });
  const notBefore = await mint({ alg: "HS256", key: SECRET, payload: { nbf: NOW() + 300 } });
  assertRejected(await verifier.verify(notBefore), "not-yet-valid");
  const issuedLater = await new SignJWT({ sub: "alice", iat: NOW() + 3600, exp: NOW() + 7200 })
    .setProtectedHeader({ alg: "HS256" })
    .sign(SECRET);
  assertRejected(await verifier.verify(issuedLater), "not-yet-valid");
});

Deno.test("verify() applies the clock tolerance on both sides of the edge", async () => {
  const verifier = createTokenVerifier({ secret: SECRET, algorithms: ["HS256"] }, {
    clockToleranceSeconds: 60,
  });
  assertAccepted(await verifier.verify(await mint({ alg: "HS256", key: SECRET, exp: NOW() - 50 })));
  assertRejected(
    await verifier.verify(await mint({ alg: "HS256", key: SECRET, exp: NOW() - 70 })),
    "expired",
  );
  const nbfSoon = await mint({ alg: "HS256", key: SECRET, payload: { nbf: NOW() + 50 } });
  assertAccepted(await verifier.verify(nbfSoon));
  const strict = createTokenVerifier({ secret: SECRET, algorithms: ["HS256"] }, {
    clockToleranceSeconds: 0,
  });
  assertRejected(
    await strict.verify(await mint({ alg: "HS256", key: SECRET, exp: NOW() - 2 })),
    "expired",
  );
  // Default tolerance is 30 s.
  const defaults = createTokenVerifier({ secret: SECRET, algorithms: ["HS256"] });
  assertAccepted(await defaults.verify(await mint({ alg: "HS256", key: SECRET, exp: NOW() - 20 })));
  assertRejected(
    await defaults.verify(await mint({ alg: "HS256", key: SECRET, exp: NOW() - 40 })),
    "expired",
  );
});

Deno.test("verify() checks iss and aud when configured", async () => {
  const verifier = createTokenVerifier({ secret: SECRET, algorithms: ["HS256"] }, {
    issuer: "https://idp.example",
    audience: "berth",
  });
  const good = await mint({
    alg: "HS256",
    key: SECRET,
    payload: { iss: "https://idp.example", aud: ["other", "berth"] },
  });
  assertAccepted(await verifier.verify(good));
  const wrongIssuer = await mint({
    alg: "HS256",
    key: SECRET,
    payload: { iss: "https://evil.example", aud: "berth" },
  });
  assertRejected(await verifier.verify(wrongIssuer), "wrong-issuer");
  const noIssuer = await mint({ alg: "HS256", key: SECRET, payload: { aud: "berth" } });
  assertRejected(await verifier.verify(noIssuer), "wrong-issuer");
  const wrongAudience = await mint({
    alg: "HS256",
    key: SECRET,
    payload: { iss: "https://idp.example", aud: "other" },
  });
  assertRejected(await verifier.verify(wrongAudience), "wrong-audience");
});

Deno.test("verify() refuses a token without a usable subject", async () => {
  const verifier = createTokenVerifier({ secret: SECRET, algorithms: ["HS256"] });
  assertRejected(
    await verifier.verify(await mint({ alg: "HS256", key: SECRET, sub: null })),
    "missing-subject",
  );
  assertRejected(
    await verifier.verify(await mint({ alg: "HS256", key: SECRET, sub: "" })),
    "missing-subject",
  );
  const numericSub = await new SignJWT({ sub: 42 as unknown as string, exp: NOW() + 60 })
    .setProtectedHeader({ alg: "HS256" })
    .sign(SECRET);
  assertRejected(await verifier.verify(numericSub), "missing-subject");
  for (const sub of ["alice\nFAKE LOG LINE", "bob\u0000", "eve\u001b[31m", "x\u0085y"]) {
    assertRejected(
      await verifier.verify(await mint({ alg: "HS256", key: SECRET, sub })),
      "malformed",
    );
  }
  const longSub = await mint({ alg: "HS256", key: SECRET, sub: "a".repeat(300) });
  assertRejected(await verifier.verify(longSub), "missing-subject");
});

Deno.test("verify() reads roles: array, space-separated string, scope fallback, wrong types grant nothing", async () => {
  const verifier = createTokenVerifier({ secret: SECRET, algorithms: ["HS256"] });
  const cases: [JWTPayload, string[]][] = [
    [{ roles: ["admin", "ops"] }, ["admin", "ops"]],
    [{ roles: "admin ops" }, ["admin", "ops"]],
    [{ scope: "read write" }, ["read", "write"]],
    [{}, []],
    [{ roles: { admin: true } }, []],
    [{ roles: 1 }, []],
    [{ roles: true }, []],
    [{ roles: [1, "admin", null, { r: "x" }, ["ops"]] }, ["admin"]],
    // The roles claim wins over scope, even when it grants nothing.
    [{ roles: {}, scope: "admin" }, []],
    [{ scope: ["admin"] }, []],
  ];
  for (const [payload, roles] of cases) {
    const result = await verifier.verify(await mint({ alg: "HS256", key: SECRET, payload }));
    assertAccepted(result);
    assert.deepEqual(result.user.roles, roles, JSON.stringify(payload));
  }
});

Deno.test("verify() reads roles from a configured claim, including a dotted path", async () => {
  const verifier = createTokenVerifier({ secret: SECRET, algorithms: ["HS256"] }, {
    rolesClaim: "realm_access.roles",
  });
  const result = await verifier.verify(
    await mint({
      alg: "HS256",
      key: SECRET,
      payload: { realm_access: { roles: ["admin"] }, roles: ["x"] },
    }),
  );
  assertAccepted(result);
  assert.deepEqual(result.user.roles, ["admin"]);
  const groups = createTokenVerifier({ secret: SECRET, algorithms: ["HS256"] }, {
    rolesClaim: "groups",
  });
  const other = await groups.verify(
    await mint({ alg: "HS256", key: SECRET, payload: { roles: ["admin"] } }),
  );
  assertAccepted(other);
  assert.deepEqual(other.user.roles, []);
});

Deno.test("verify() answers malformed for garbage and huge tokens without throwing", async () => {
  const verifier = createTokenVerifier({ secret: SECRET, algorithms: ["HS256"] });
  const garbage = [
    "",
    "abc",
    "a.b",
    "a.b.c.d",
    "....",
    "eyJ.eyJ.",
    "###.###.###",
    `${base64url.encode("{")}.${base64url.encode("{}")}.abc`,
    `${base64url.encode("[]")}.${base64url.encode("{}")}.abc`,
    `${base64url.encode('{"alg":"HS256"}')}.${base64url.encode("not json")}.abc`,
    `${base64url.encode('{"alg":"HS256"}')}.${base64url.encode("[1,2]")}.abc`,
    `${base64url.encode('{"alg":"HS256","crit":["x"]}')}.${base64url.encode("{}")}.abc`,
    "x".repeat(100_000),
    `${"a".repeat(20_000)}.${"b".repeat(20_000)}.${"c".repeat(100)}`,
    "\u0000.\u0000.\u0000",
    "é.é.é",
  ];
  for (const token of garbage) {
    const result = await verifier.verify(token);
    assert.equal(result.ok, false, token.slice(0, 40));
    if (!result.ok) {
      assert.ok(
        ["malformed", "bad-signature"].includes(result.reason),
        `${token.slice(0, 40)}: ${result.reason}`,
      );
    }
  }
  assertRejected(await verifier.verify(undefined as unknown as string), "malformed");
});

Deno.test("verify() refuses an algorithm that is allowed but has no key for it", async () => {
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  const other = await generateKeyPair("RS256", { extractable: true });
  const verifier = createTokenVerifier(await pemKeys(publicKey, ["RS256"]));
  assertAccepted(await verifier.verify(await mint({ alg: "RS256", key: privateKey })));
  assertRejected(
    await verifier.verify(await mint({ alg: "RS256", key: other.privateKey })),
    "bad-signature",
  );
});

/** A JWKS server on 127.0.0.1:0 whose key set can be swapped; counts fetches. */
function serveJwks(initial: JWK[]) {
  let keys = initial;
  let fetches = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
    fetches++;
    return Response.json({ keys });
  });
  return {
    url: new URL(`http://127.0.0.1:${server.addr.port}/jwks.json`),
    setKeys(next: JWK[]) {
      keys = next;
    },
    get fetches() {
      return fetches;
    },
    close: () => server.shutdown(),
  };
}

async function keyWithKid(alg: string, kid: string) {
  const pair = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...await exportJWK(pair.publicKey), kid, alg, use: "sig" };
  return { ...pair, jwk };
}

Deno.test("verify() fetches a remote JWKS lazily, caches it, and refetches (bounded) for a new kid", async () => {
  const first = await keyWithKid("RS256", "k1");
  const second = await keyWithKid("ES256", "k2");
  const jwks = serveJwks([first.jwk]);
  try {
    const keys = await loadKeys({ jwks: jwks.url.href, algorithms: ["RS256", "ES256"] }, {}, {
      remoteJwks: { cooldownMs: 200 },
    });
    assert.deepEqual(keys.sources, ["jwks"]);
    const verifier = createTokenVerifier(keys);
    assert.equal(jwks.fetches, 0, "no fetch at construction");
    assertAccepted(
      await verifier.verify(
        await mint({ alg: "RS256", key: first.privateKey, header: { kid: "k1" } }),
      ),
    );
    assertAccepted(
      await verifier.verify(
        await mint({ alg: "RS256", key: first.privateKey, header: { kid: "k1" } }),
      ),
    );
    assert.equal(jwks.fetches, 1, "cached");

    // Rotation: the IdP publishes k2; a token with the new kid triggers one refetch.
    await new Promise((done) => setTimeout(done, 250));
    jwks.setKeys([first.jwk, second.jwk]);
    assertAccepted(
      await verifier.verify(
        await mint({ alg: "ES256", key: second.privateKey, header: { kid: "k2" } }),
      ),
    );
    assert.equal(jwks.fetches, 2);

    // Unknown kids in a burst do not hammer the IdP: the cooldown bounds refetches.
    const before = jwks.fetches;
    for (let i = 0; i < 10; i++) {
      assertRejected(
        await verifier.verify(
          await mint({ alg: "ES256", key: second.privateKey, header: { kid: `nope${i}` } }),
        ),
        "no-key",
      );
    }
    assert.ok(jwks.fetches - before <= 1, `refetches bounded, got ${jwks.fetches - before}`);
  } finally {
    await jwks.close();
  }
});

Deno.test("verify() answers no-key when the JWKS server fails", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response("nope", { status: 500 }),
  );
  const url = new URL(`http://127.0.0.1:${server.addr.port}/jwks.json`);
  const { privateKey } = await generateKeyPair("RS256");
  try {
    const verifier = createTokenVerifier(await loadKeys({ jwks: url.href, algorithms: ["RS256"] }));
    const result = await verifier.verify(
      await mint({ alg: "RS256", key: privateKey, header: { kid: "a" } }),
    );
    assertRejected(result, "no-key");
  } finally {
    await server.shutdown();
  }
});

Deno.test("loadJwtKeys() refuses a JWKS URL that is not https, unless on loopback", async () => {
  for (const url of ["http://idp.example/jwks", "http://10.0.0.1/jwks", "ftp://idp.example/jwks"]) {
    await assert.rejects(
      () => loadKeys({ jwks: url, algorithms: ["RS256"] }),
      /is not an https:\/\/ URL/,
      url,
    );
  }
  const remote = await loadKeys({ jwks: "https://idp.example/jwks", algorithms: ["RS256"] });
  assert.ok(remote.publicKeys !== undefined);
  assert.deepEqual(remote.sources, ["jwks"]);
});

Deno.test("a plain-http loopback JWKS URL the settings accept is accepted when loaded too", async () => {
  const schema = findSettingSchema("auth.jwt.jwks");
  assert.ok(schema !== undefined);
  for (
    const url of [
      "http://127.0.0.2:8080/jwks.json",
      "http://localhost/jwks.json",
      "http://[::1]:9000/jwks",
    ]
  ) {
    assert.ok(v.is(schema, url), url);
    const keys = await loadJwtKeys({ jwks: url, algorithms: ["RS256"] });
    assert.ok(keys.publicKeys !== undefined, url);
    createTokenVerifier(keys);
  }
});

Deno.test("createTokenSigner() mints tokens the verifier accepts, with roles, iss, aud and exp", async () => {
  const signer = createTokenSigner(SECRET, "HS256", { issuer: "berth", audience: "site" });
  const { token, expiresAt } = await signer.sign({ name: "bob", roles: ["ops"] }, {
    ttlSeconds: 3600,
  });
  assert.ok(Math.abs(expiresAt - (NOW() + 3600)) <= 2);
  const verifier = createTokenVerifier({ secret: SECRET, algorithms: ["HS256"] }, {
    issuer: "berth",
    audience: "site",
  });
  const result = await verifier.verify(token);
  assertAccepted(result);
  assert.deepEqual(result.user, { name: "bob", roles: ["ops"] });
  assert.equal(result.expiresAt, expiresAt);
  assert.throws(() => createTokenSigner(SECRET, "HS512"), /at least 64/);
});

Deno.test("loadJwtKeys() reads the secret from env or a file on disk, and keys from PEM, JWK and JWKS files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const fromEnv = await loadJwtKeys({ secretEnv: "MY_SECRET" }, {
      baseDir: dir,
      env: { MY_SECRET: "x".repeat(40) },
    });
    assert.deepEqual(fromEnv.algorithms, ["HS256"]);
    assert.deepEqual(fromEnv.sources, ["jwt-secret"]);
    assert.equal(new TextDecoder().decode(fromEnv.secret), "x".repeat(40));
    await assert.rejects(
      () => loadJwtKeys({ secretEnv: "MISSING" }, { baseDir: dir, env: {} }),
      /MISSING.*not set/,
    );

    // The real disk (Deno.readFile) and paths relative to baseDir.
    await Deno.writeTextFile(join(dir, "secret.txt"), "y".repeat(32) + "\n");
    const fromFile = await loadJwtKeys({ secretFile: "secret.txt", algorithms: ["HS256"] }, {
      baseDir: dir,
    });
    assert.equal(fromFile.secret?.byteLength, 32, "the trailing newline is not part of it");
    await assert.rejects(
      () => loadJwtKeys({ secretFile: "nope.txt" }, { baseDir: dir }),
      /"auth.jwt.secretFile" ".*nope.txt": it does not exist/,
    );

    const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
    const jwk = await exportJWK(publicKey);
    const files = {
      "key.pem": await exportSPKI(publicKey),
      "key.jwk": JSON.stringify(jwk),
      "jwks.json": JSON.stringify({ keys: [jwk] }),
      "bad.json": "{not json",
      "object.json": JSON.stringify({ kty: "EC" }),
    };
    const token = await mint({ alg: "ES256", key: privateKey });
    const pem = await loadKeys({ publicKey: "key.pem" }, files);
    assert.deepEqual(pem.algorithms, ["ES256"]);
    assertAccepted(await createTokenVerifier(pem).verify(token));
    assertAccepted(
      await createTokenVerifier(await loadKeys({ publicKey: "key.jwk" }, files)).verify(token),
    );
    await assert.rejects(() => loadKeys({ jwks: "jwks.json" }, files), /"algorithms" is required/);
    const fromJwks = await loadKeys({ jwks: "/keys/jwks.json", algorithms: ["ES256"] }, files, {
      baseDir: "/nonexistent",
    });
    assert.deepEqual(fromJwks.sources, ["jwks"]);
    assertAccepted(await createTokenVerifier(fromJwks).verify(token));
    await assert.rejects(
      () => loadKeys({ jwks: "bad.json", algorithms: ["ES256"] }, files),
      /"auth.jwt.jwks": ".*bad.json" is not a JSON object/,
    );
    await assert.rejects(
      () => loadKeys({ jwks: "object.json", algorithms: ["ES256"] }, files),
      /is not a JWKS/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadJwtKeys() accepts a PKCS#1 RSA PEM as well as SPKI", async () => {
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  const pkcs1 = createPublicKey(await exportSPKI(publicKey)).export({
    type: "pkcs1",
    format: "pem",
  });
  const keys = await loadKeys({ publicKey: "rsa.pem" }, { "rsa.pem": pkcs1.toString() });
  assert.deepEqual(keys.algorithms, ["RS256"]);
  assertAccepted(
    await createTokenVerifier(keys).verify(await mint({ alg: "RS256", key: privateKey })),
  );
});

Deno.test("createTokenVerifier() with generateSecret keys round-trips HS512", async () => {
  const key = await generateSecret("HS512", { extractable: true });
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", key as globalThis.CryptoKey));
  const options: VerificationKeys = { secret: raw, algorithms: ["HS512"] };
  assertAccepted(await createTokenVerifier(options).verify(await mint({ alg: "HS512", key })));
});

Deno.test("verify() answers no-key when nothing listens at the JWKS URL", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response(),
  );
  const url = new URL(`http://127.0.0.1:${server.addr.port}/jwks.json`);
  await server.shutdown();
  const { privateKey } = await generateKeyPair("ES256");
  const verifier = createTokenVerifier(
    await loadKeys({ jwks: url.href, algorithms: ["ES256"] }, {}, {
      remoteJwks: { timeoutMs: 2000 },
    }),
  );
  assertRejected(await verifier.verify(await mint({ alg: "ES256", key: privateKey })), "no-key");
});

/** A small deterministic generator so failures can be replayed. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("verify() never accepts or throws for generated mutations of a valid token", async () => {
  const verifier = createTokenVerifier({ secret: SECRET, algorithms: ["HS256"] });
  const token = await mint({ alg: "HS256", key: SECRET });
  assertAccepted(await verifier.verify(token));
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ %\n";
  const random = createRandom(0xbe27);
  for (let i = 0; i < 400; i++) {
    const chars = [...token];
    const edits = 1 + Math.floor(random() * 3);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(random() * chars.length);
      const kind = random();
      const char = alphabet[Math.floor(random() * alphabet.length)];
      if (kind < 0.5) chars[at] = char;
      else if (kind < 0.75) chars.splice(at, 1);
      else chars.splice(at, 0, char);
    }
    const mutated = chars.join("");
    if (mutated === token) continue;
    const result = await verifier.verify(mutated);
    // Changing only the last character's spare low bits can decode to the same signature.
    const sameBytes = mutated.split(".").length === 3 && (() => {
      try {
        return mutated.split(".").every((part, index) =>
          base64url.decode(part).join() === base64url.decode(token.split(".")[index]).join()
        );
      } catch {
        return false;
      }
    })();
    if (!sameBytes) assert.equal(result.ok, false, `accepted ${JSON.stringify(mutated)}`);
  }
});

Deno.test("verify() never throws for generated tokens of random JSON headers and payloads", async () => {
  const verifier = createTokenVerifier({ secret: SECRET, algorithms: ["HS256"] });
  const random = createRandom(42);
  const values: unknown[] = [
    null,
    true,
    0,
    -1,
    1e308,
    "",
    "HS256",
    "none",
    "RS256",
    [],
    {},
    ["a"],
    { alg: "HS256" },
    "x".repeat(300),
  ];
  const keys = [
    "alg",
    "typ",
    "kid",
    "crit",
    "b64",
    "jku",
    "x5u",
    "sub",
    "exp",
    "nbf",
    "iat",
    "roles",
    "scope",
  ];
  const pick = () => values[Math.floor(random() * values.length)];
  const object = () =>
    Object.fromEntries(keys.filter(() => random() < 0.4).map((key) => [key, pick()]));
  for (let i = 0; i < 300; i++) {
    const header = random() < 0.8 ? { alg: "HS256", ...object() } : pick();
    const token = `${base64url.encode(JSON.stringify(header) ?? "null")}.${
      base64url.encode(JSON.stringify(object()))
    }.${base64url.encode(crypto.getRandomValues(new Uint8Array(32)))}`;
    const result = await verifier.verify(token);
    assert.equal(result.ok, false, token);
  }
});
