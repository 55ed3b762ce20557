/**
 * @module
 * JSON Web Token verification and signing with `npm:jose` (RFC 7519, RFC 7515,
 * RFC 7518). Keys are loaded and checked once at startup; `verify()` never
 * throws for a hostile token and answers with one of a fixed set of reasons
 * that the audit log can record without quoting the token.
 */

import { createPublicKey } from "node:crypto";
import { isAbsolute, resolve } from "node:path";
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  type FlattenedJWSInput,
  type JWK,
  type JWSHeaderParameters,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from "jose";
import type { AuthenticatedUser } from "../compose.ts";
import { ConfigError, formatValue } from "../config/errors.ts";
import {
  isLoopbackHttpUrl,
  JWT_ALGORITHMS,
  type JwtSettings as SchemaJwtConfig,
} from "../config/schema.ts";

/** Options for {@linkcode createTokenVerifier}: keys, allowed algorithms and claim checks. */
export interface JwtOptions {
  /** HS256/384/512 key material (already loaded from an env var or a file). */
  secret?: Uint8Array;
  /** An SPKI PEM public key for RS*, PS*, ES* or EdDSA. */
  publicKeyPem?: string;
  /** A single public JWK. */
  jwk?: JsonWebKey;
  /** A JWKS document, or an https:// URL (http:// only on loopback) fetched lazily and cached. */
  jwks?: { keys: JsonWebKey[] } | URL;
  /** Explicit allow-list of `alg` values; `none` is never accepted. */
  algorithms: string[];
  /** Required `iss` claim. */
  issuer?: string;
  /** Required `aud` claim (one of the token's audiences). */
  audience?: string;
  /** Leeway for `exp`, `nbf` and `iat`, in seconds (default 30). */
  clockToleranceSeconds?: number;
  /** Claim holding the roles (default `roles`); a dotted path such as `realm_access.roles` works too. */
  rolesClaim?: string;
  /** Shortest time between two fetches of a remote JWKS when a `kid` is unknown, in seconds (default 30). */
  jwksCooldownSeconds?: number;
  /** How long a fetched JWKS is used before it is fetched again, in seconds (default 600). */
  jwksMaxAgeSeconds?: number;
  /** Time limit for one JWKS fetch, in milliseconds (default 5000). */
  jwksTimeoutMs?: number;
}

/** Why a token was refused; safe to log (never contains the token). */
export type TokenRejection =
  | "malformed"
  | "algorithm-not-allowed"
  | "bad-signature"
  | "expired"
  | "not-yet-valid"
  | "wrong-issuer"
  | "wrong-audience"
  | "missing-subject"
  | "no-key";

/** The outcome of {@linkcode TokenVerifier.verify}. */
export type TokenVerification =
  | {
    ok: true;
    user: AuthenticatedUser;
    expiresAt: number | null;
    issuedAt: number | null;
    /** The `jti` claim, when it is a non-empty string (revocation is keyed on it). */
    tokenId: string | null;
    /**
     * The {@linkcode SESSION_VERSION_CLAIM} of a berth-issued session, else
     * null (an identity provider's token, or one minted with the secret by hand).
     */
    sessionVersion: string | null;
  }
  | { ok: false; reason: TokenRejection };

/**
 * Claim berth puts in the session tokens it signs: a fingerprint of the
 * user's current password hash and TOTP secret. The auth layer compares it
 * with the users file on every request, so a password change or a removed
 * user ends that user's sessions at once.
 */
export const SESSION_VERSION_CLAIM = "bsv";

/** Verifies compact JWS tokens against the configured keys. */
export interface TokenVerifier {
  /** Checks signature and claims; resolves to the user or a rejection reason, never throws. */
  verify(token: string): Promise<TokenVerification>;
}

/** Signs short-lived session tokens (the login endpoint's). */
export interface TokenSigner {
  /**
   * Mints a token for `user` that expires `ttlSeconds` from now, with a
   * random `jti` (or `tokenId`: a renewal keeps its session's, so revoking
   * the session revokes every token of it) and, when given, the
   * {@linkcode SESSION_VERSION_CLAIM}.
   */
  sign(
    user: AuthenticatedUser,
    options: { ttlSeconds: number; sessionVersion?: string; tokenId?: string },
  ): Promise<{ token: string; expiresAt: number; tokenId: string }>;
}

/** Options for {@linkcode createTokenSigner}. */
export interface TokenSignerOptions {
  /** The HMAC key; at least as long as the hash output (RFC 7518 §3.2). */
  secret: Uint8Array;
  /** HMAC algorithm (default HS256). */
  algorithm?: "HS256" | "HS384" | "HS512";
  /** `iss` claim to set. */
  issuer?: string;
  /** `aud` claim to set. */
  audience?: string;
}

/**
 * The `auth.jwt` section of the config file as {@linkcode loadJwtOptions}
 * reads it: the schema's validated shape, every field optional.
 */
export type JwtConfig = Partial<SchemaJwtConfig>;

/** HMAC algorithms with their minimum key length in bytes (RFC 7518 §3.2). */
const HMAC_KEY_BYTES: Readonly<Record<string, number>> = { HS256: 32, HS384: 48, HS512: 64 };
/** Asymmetric algorithms berth verifies: the schema's list less the HMAC ones. */
const ASYMMETRIC_ALGORITHMS: readonly string[] = JWT_ALGORITHMS.filter((name) =>
  !(name in HMAC_KEY_BYTES)
);
/** Longest token looked at; anything longer is refused unparsed. */
const MAX_TOKEN_LENGTH = 16 * 1024;
/** Longest user name taken from `sub`. */
const MAX_SUBJECT_LENGTH = 256;
/** Most roles taken from one token. */
const MAX_ROLES = 64;
const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;
/** Largest clock tolerance accepted; more would keep expired tokens alive. */
const MAX_CLOCK_TOLERANCE_SECONDS = 600;
/** Three base64url parts; the signature may be empty only to be refused with a reason. */
const COMPACT_JWS_REGEXP = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** C0 and C1 control characters, refused in user names. */
// deno-lint-ignore no-control-regex
const CONTROL_CHARACTER_REGEXP = /[\u0000-\u001f\u007f-\u009f]/;
/** JWK members that only private keys have. */
const PRIVATE_JWK_MEMBERS: readonly string[] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];
/** The ES algorithm of each EC curve (RFC 7518 §3.4). */
const EC_CURVE_ALGORITHMS: ReadonlyMap<string, string> = new Map([
  ["P-256", "ES256"],
  ["P-384", "ES384"],
  ["P-521", "ES512"],
]);

/** A key lookup refused: no key for this algorithm or `kid`. */
class NoKeyError extends Error {
  constructor(options: { cause?: unknown } = {}) {
    super("No key for this token", options);
    this.name = "NoKeyError";
  }
}

type KeyResolver = (
  header: JWSHeaderParameters,
  token: FlattenedJWSInput,
) => Promise<CryptoKey | Uint8Array> | CryptoKey | Uint8Array;

/**
 * Builds a verifier from validated options.
 *
 * SECURITY: HMAC algorithms are answered only with `secret` and asymmetric
 * ones only with public keys, so a token signed with the public key as an
 * HMAC secret (the HS/RS confusion) can never verify; `none` is refused here.
 *
 * @throws {ConfigError} for an empty or unknown algorithm list, a missing or short key, a bad PEM/JWK.
 */
export function createTokenVerifier(options: JwtOptions): TokenVerifier {
  const algorithms = [...new Set(options.algorithms)];
  if (algorithms.length === 0) {
    throw new ConfigError(`Invalid "auth.jwt.algorithms": the list of allowed algorithms is empty`);
  }
  for (const algorithm of algorithms) {
    if (algorithm.toLowerCase() === "none") {
      throw new ConfigError(
        `Invalid "auth.jwt.algorithms": "none" (unsigned tokens) is never allowed`,
      );
    }
    if (!(algorithm in HMAC_KEY_BYTES) && !ASYMMETRIC_ALGORITHMS.includes(algorithm)) {
      throw new ConfigError(
        `Invalid "auth.jwt.algorithms": ${formatValue(algorithm)} is not one of ${
          [...Object.keys(HMAC_KEY_BYTES), ...ASYMMETRIC_ALGORITHMS].join(", ")
        }`,
      );
    }
  }
  const hmac = algorithms.filter((algorithm) => algorithm in HMAC_KEY_BYTES);
  const asymmetric = algorithms.filter((algorithm) => !(algorithm in HMAC_KEY_BYTES));
  const secret = options.secret;
  if (hmac.length > 0) {
    if (secret === undefined) {
      throw new ConfigError(
        `Invalid "auth.jwt": ${hmac.join(", ")} needs a secret ("secretEnv" or "secretFile")`,
      );
    }
    // One rule for verifier and signer: each HS algorithm needs a key as long as its hash.
    for (const algorithm of hmac) checkHmacKeyLength(algorithm, secret);
  }
  const publicKeys = createPublicKeyResolver(options, asymmetric);
  if (asymmetric.length > 0 && publicKeys === null) {
    throw new ConfigError(
      `Invalid "auth.jwt": ${asymmetric.join(", ")} needs a public key ("publicKey" or "jwks")`,
    );
  }

  const resolveKey: KeyResolver = (header, token) => {
    const algorithm = header.alg ?? "";
    if (algorithm in HMAC_KEY_BYTES) {
      if (secret === undefined || !hmac.includes(algorithm)) throw new NoKeyError();
      return secret;
    }
    if (publicKeys === null || !asymmetric.includes(algorithm)) throw new NoKeyError();
    // Any failure to find a key (unknown kid, JWKS unreachable or invalid) is "no-key".
    return Promise.resolve(publicKeys(header, token)).catch((error) => {
      throw new NoKeyError({ cause: error });
    });
  };
  const tolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  if (!Number.isFinite(tolerance) || tolerance < 0 || tolerance > MAX_CLOCK_TOLERANCE_SECONDS) {
    throw new ConfigError(
      `Invalid "auth.jwt.clockToleranceSeconds": ${
        formatValue(tolerance)
      } is not a number between 0 and ${MAX_CLOCK_TOLERANCE_SECONDS}`,
    );
  }
  const rolesClaim = options.rolesClaim ?? "roles";

  return {
    async verify(token: string): Promise<TokenVerification> {
      if (
        typeof token !== "string" || token.length > MAX_TOKEN_LENGTH ||
        !COMPACT_JWS_REGEXP.test(token)
      ) {
        return { ok: false, reason: "malformed" };
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, resolveKey, {
          algorithms,
          issuer: options.issuer,
          audience: options.audience,
          clockTolerance: tolerance,
          requiredClaims: ["exp"],
        }));
      } catch (error) {
        return { ok: false, reason: classifyError(error) };
      }
      const now = Math.floor(Date.now() / 1000);
      // jose checks iat only with maxTokenAge; a token issued in the future is not valid yet.
      if (typeof payload.iat === "number" && payload.iat > now + tolerance) {
        return { ok: false, reason: "not-yet-valid" };
      }
      const name = payload.sub;
      if (typeof name !== "string" || name === "" || name.length > MAX_SUBJECT_LENGTH) {
        return { ok: false, reason: "missing-subject" };
      }
      // The name reaches logs and pages; control characters could forge log lines.
      if (CONTROL_CHARACTER_REGEXP.test(name)) return { ok: false, reason: "malformed" };
      return {
        ok: true,
        user: { name, roles: readRoles(payload, rolesClaim) },
        expiresAt: typeof payload.exp === "number" ? payload.exp : null,
        issuedAt: typeof payload.iat === "number" ? payload.iat : null,
        tokenId: typeof payload.jti === "string" && payload.jti !== "" ? payload.jti : null,
        sessionVersion: typeof payload[SESSION_VERSION_CLAIM] === "string"
          ? payload[SESSION_VERSION_CLAIM] as string
          : null,
      };
    },
  };
}

/**
 * Builds a signer for berth's own session tokens (`sub`, `roles`, `iat`,
 * `exp`, a random `jti`, and `iss`/`aud` when given).
 *
 * @throws {ConfigError} when the secret is shorter than the hash output (RFC 7518 §3.2).
 */
export function createTokenSigner(options: TokenSignerOptions): TokenSigner {
  const algorithm = options.algorithm ?? "HS256";
  const minBytes = HMAC_KEY_BYTES[algorithm];
  if (minBytes === undefined) {
    throw new ConfigError(
      `Invalid signing algorithm ${formatValue(algorithm)}: use HS256, HS384 or HS512`,
    );
  }
  checkHmacKeyLength(algorithm, options.secret);
  const secret = options.secret;
  return {
    async sign(user, { ttlSeconds, sessionVersion, tokenId = crypto.randomUUID() }) {
      const issuedAt = Math.floor(Date.now() / 1000);
      const expiresAt = issuedAt + Math.max(1, Math.floor(ttlSeconds));
      const claims: JWTPayload = { roles: [...user.roles] };
      if (sessionVersion !== undefined) claims[SESSION_VERSION_CLAIM] = sessionVersion;
      const jwt = new SignJWT(claims)
        .setProtectedHeader({ alg: algorithm, typ: "JWT" })
        .setSubject(user.name)
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresAt)
        .setJti(tokenId);
      if (options.issuer !== undefined) jwt.setIssuer(options.issuer);
      if (options.audience !== undefined) jwt.setAudience(options.audience);
      return { token: await jwt.sign(secret), expiresAt, tokenId };
    },
  };
}

/**
 * Reads the key material named by the `auth.jwt` config section. Files are
 * read now; a JWKS URL is only checked and fetched on first use, so startup
 * never touches the network.
 *
 * @throws {ConfigError} naming the field and the file or variable that failed.
 */
export async function loadJwtOptions(
  config: JwtConfig,
  baseDir: string = Deno.cwd(),
  env?: Record<string, string>,
): Promise<JwtOptions> {
  const options: JwtOptions = {
    algorithms: [],
    issuer: config.issuer,
    audience: config.audience,
    clockToleranceSeconds: config.clockToleranceSeconds,
    rolesClaim: config.rolesClaim,
  };
  if (config.secretEnv !== undefined && config.secretFile !== undefined) {
    throw new ConfigError(
      `Invalid "auth.jwt": set "secretEnv" or "secretFile", not both`,
    );
  }
  if (config.secretEnv !== undefined) {
    const value = env !== undefined ? env[config.secretEnv] : readEnv(config.secretEnv);
    if (value === undefined || value === "") {
      throw new ConfigError(
        `Invalid "auth.jwt.secretEnv": the environment variable ${
          formatValue(config.secretEnv)
        } is not set`,
      );
    }
    options.secret = new TextEncoder().encode(value);
  }
  if (config.secretFile !== undefined) {
    const bytes = await readKeyFile("secretFile", resolvePath(baseDir, config.secretFile));
    options.secret = trimTrailingNewline(bytes);
  }
  if (config.publicKey !== undefined) {
    const path = resolvePath(baseDir, config.publicKey);
    const text = new TextDecoder().decode(await readKeyFile("publicKey", path));
    if (text.trimStart().startsWith("{")) {
      const parsed = parseJsonKey("publicKey", path, text);
      if (Array.isArray((parsed as { keys?: unknown }).keys)) {
        options.jwks = parsed as { keys: JsonWebKey[] };
      } else {
        options.jwk = parsed as JsonWebKey;
      }
    } else {
      options.publicKeyPem = text;
    }
  }
  if (config.jwks !== undefined) {
    if (/^https?:\/\//i.test(config.jwks)) {
      options.jwks = parseJwksUrl(config.jwks);
    } else {
      const path = resolvePath(baseDir, config.jwks);
      const text = new TextDecoder().decode(await readKeyFile("jwks", path));
      const parsed = parseJsonKey("jwks", path, text);
      if (!Array.isArray((parsed as { keys?: unknown }).keys)) {
        throw new ConfigError(
          `Invalid "auth.jwt.jwks": ${formatValue(path)} is not a JWKS (an object with "keys")`,
        );
      }
      options.jwks = parsed as { keys: JsonWebKey[] };
    }
  }
  options.algorithms = config.algorithms !== undefined
    ? [...config.algorithms]
    : deriveAlgorithms(options);
  return options;
}

/**
 * Refuses an HMAC key shorter than the hash output of `algorithm` (RFC 7518
 * §3.2: 32 bytes for HS256, 48 for HS384, 64 for HS512).
 */
function checkHmacKeyLength(algorithm: string, secret: Uint8Array): void {
  const minBytes = HMAC_KEY_BYTES[algorithm];
  if (secret.byteLength < minBytes) {
    throw new ConfigError(
      `Invalid "auth.jwt": the secret is ${secret.byteLength} bytes; ${algorithm} needs at least ${minBytes}`,
    );
  }
}

/** Maps a jose error to a rejection reason; anything unexpected counts as malformed. */
function classifyError(error: unknown): TokenRejection {
  if (error instanceof NoKeyError) return "no-key";
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return "algorithm-not-allowed";
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "bad-signature";
  if (error instanceof joseErrors.JWTExpired) return "expired";
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case "nbf":
      case "iat":
        return "not-yet-valid";
      case "iss":
        return "wrong-issuer";
      case "aud":
        return "wrong-audience";
      case "exp":
        // A token without an expiry lives forever; refuse it like an expired one.
        return error.reason === "missing" ? "malformed" : "expired";
      default:
        return "malformed";
    }
  }
  return "malformed";
}

/**
 * Reads roles: an array keeps its strings, a string is split on spaces,
 * anything else grants nothing. Without the claim, a `scope` string is used.
 */
function readRoles(payload: JWTPayload, claim: string): string[] {
  let value = readClaim(payload, claim);
  if (value === undefined) value = typeof payload.scope === "string" ? payload.scope : undefined;
  let roles: string[] = [];
  if (Array.isArray(value)) {
    roles = value.filter((role): role is string => typeof role === "string" && role !== "");
  } else if (typeof value === "string") {
    roles = value.split(/\s+/).filter((role) => role !== "");
  }
  return [...new Set(roles)].slice(0, MAX_ROLES);
}

function readClaim(payload: JWTPayload, claim: string): unknown {
  if (Object.hasOwn(payload, claim)) return payload[claim];
  if (!claim.includes(".")) return undefined;
  let value: unknown = payload;
  for (const part of claim.split(".")) {
    if (value === null || typeof value !== "object" || !Object.hasOwn(value, part)) {
      return undefined;
    }
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Builds the lookup for asymmetric keys, or null when none is configured. */
function createPublicKeyResolver(
  options: JwtOptions,
  algorithms: readonly string[],
): KeyResolver | null {
  const keys = readSingleKeys(options, "jwk");
  let remote: KeyResolver | null = null;
  if (options.jwks instanceof URL) {
    const url = parseJwksUrl(options.jwks.href);
    remote = createRemoteJWKSet(url, {
      cooldownDuration: (options.jwksCooldownSeconds ?? 30) * 1000,
      cacheMaxAge: (options.jwksMaxAgeSeconds ?? 600) * 1000,
      timeoutDuration: options.jwksTimeoutMs ?? 5000,
    }) as KeyResolver;
  } else if (options.jwks !== undefined) {
    if (!Array.isArray(options.jwks.keys)) {
      throw new ConfigError(`Invalid "auth.jwt.jwks": a JWKS needs a "keys" array`);
    }
    for (const key of options.jwks.keys) keys.push(checkPublicJwk(key, "jwks"));
  }
  if (keys.length > 0 && algorithms.length > 0) {
    const usable = keys.some((key) =>
      algorithms.some((algorithm) => keyFitsAlgorithm(key, algorithm))
    );
    if (!usable) {
      throw new ConfigError(
        `Invalid "auth.jwt": no configured public key can verify ${algorithms.join(", ")}`,
      );
    }
  }
  const local = keys.length > 0 ? createLocalJWKSet({ keys }) as KeyResolver : null;
  if (local === null) return remote;
  if (remote === null) return local;
  return async (header, token) => {
    try {
      return await local(header, token);
    } catch {
      return await remote(header, token);
    }
  };
}

/** The PEM and single JWK keys of `options`, checked; `jwkField` names the JWK in errors. */
function readSingleKeys(options: JwtOptions, jwkField: string): JWK[] {
  const keys: JWK[] = [];
  if (options.publicKeyPem !== undefined) keys.push(pemToJwk(options.publicKeyPem));
  if (options.jwk !== undefined) keys.push(checkPublicJwk(options.jwk, jwkField));
  return keys;
}

/** Converts an SPKI (or PKCS#1) public key PEM to a JWK. */
function pemToJwk(pem: string): JWK {
  if (/PRIVATE KEY-----/.test(pem)) {
    throw new ConfigError(
      `Invalid "auth.jwt.publicKey": the PEM holds a private key; give berth only the public key`,
    );
  }
  try {
    return createPublicKey(pem).export({ format: "jwk" }) as JWK;
  } catch (error) {
    throw new ConfigError(`Invalid "auth.jwt.publicKey": it is not a PEM public key`, {
      cause: error,
    });
  }
}

/** Accepts only RSA, EC and OKP public keys; private members are refused. */
function checkPublicJwk(key: unknown, field: string): JWK {
  if (key === null || typeof key !== "object" || Array.isArray(key)) {
    throw new ConfigError(`Invalid "auth.jwt.${field}": a key is not a JSON object`);
  }
  const jwk = key as JWK;
  if (!["RSA", "EC", "OKP"].includes(jwk.kty ?? "")) {
    throw new ConfigError(
      `Invalid "auth.jwt.${field}": key type ${
        formatValue(jwk.kty)
      } is not RSA, EC or OKP (HMAC secrets go in "secretEnv" or "secretFile")`,
    );
  }
  for (const member of PRIVATE_JWK_MEMBERS) {
    if (Object.hasOwn(jwk, member)) {
      throw new ConfigError(
        `Invalid "auth.jwt.${field}": the key has the private member ${
          formatValue(member)
        }; give berth only public keys`,
      );
    }
  }
  return jwk;
}

function keyFitsAlgorithm(key: JWK, algorithm: string): boolean {
  if (key.alg !== undefined && key.alg !== algorithm) return false;
  if (key.kty === "RSA") return /^(?:RS|PS)\d{3}$/.test(algorithm);
  if (key.kty === "EC") return EC_CURVE_ALGORITHMS.get(key.crv ?? "") === algorithm;
  if (key.kty === "OKP") {
    return key.crv === "Ed25519" && (algorithm === "EdDSA" || algorithm === "Ed25519");
  }
  return false;
}

/** Algorithms for a single configured key when the config names none. */
function deriveAlgorithms(options: JwtOptions): string[] {
  const algorithms: string[] = [];
  if (options.secret !== undefined) algorithms.push("HS256");
  for (const key of readSingleKeys(options, "publicKey")) {
    if (key.kty === "RSA") algorithms.push("RS256");
    if (key.kty === "EC") {
      const algorithm = EC_CURVE_ALGORITHMS.get(key.crv ?? "");
      if (algorithm !== undefined) algorithms.push(algorithm);
    }
    if (key.kty === "OKP") algorithms.push("EdDSA");
  }
  if (options.jwks !== undefined) {
    throw new ConfigError(
      `Invalid "auth.jwt": "algorithms" is required with "jwks" (e.g. ["RS256"])`,
    );
  }
  if (algorithms.length === 0) {
    throw new ConfigError(
      `Invalid "auth.jwt": set a key ("secretEnv", "secretFile", "publicKey" or "jwks")`,
    );
  }
  return [...new Set(algorithms)];
}

/**
 * SECURITY: key sets are fetched over https only; plain http is allowed for
 * loopback addresses (tests and a local IdP), where nobody can sit in between,
 * by the same rule as the settings schema.
 */
function parseJwksUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    throw new ConfigError(`Invalid "auth.jwt.jwks": ${formatValue(text)} is not a URL`, {
      cause: error,
    });
  }
  if (url.protocol === "https:") return url;
  if (isLoopbackHttpUrl(url.href)) return url;
  throw new ConfigError(
    `Invalid "auth.jwt.jwks": ${
      formatValue(text)
    } is not an https:// URL (http:// is allowed only for loopback hosts such as 127.0.0.1 and localhost)`,
  );
}

function parseJsonKey(field: string, path: string, text: string): object {
  try {
    const parsed = JSON.parse(text);
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error();
    return parsed;
  } catch (error) {
    throw new ConfigError(
      `Invalid "auth.jwt.${field}": ${formatValue(path)} is not a JSON object`,
      { cause: error },
    );
  }
}

async function readKeyFile(field: string, path: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound
      ? "it does not exist"
      : error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied
      ? `berth has no read access (run with --allow-read=${path})`
      : "it cannot be read";
    throw new ConfigError(`Cannot read "auth.jwt.${field}" ${formatValue(path)}: ${why}`, {
      cause: error,
    });
  }
}

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch (error) {
    throw new ConfigError(
      `Cannot read the environment variable ${
        formatValue(name)
      } for "auth.jwt.secretEnv": run with --allow-env=${name}`,
      { cause: error },
    );
  }
}

function resolvePath(baseDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

function trimTrailingNewline(bytes: Uint8Array): Uint8Array {
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === 0x0a || bytes[end - 1] === 0x0d)) end--;
  return bytes.subarray(0, end);
}
