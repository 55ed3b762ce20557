/**
 * @module
 * JSON Web Token verification and signing with `npm:jose` (RFC 7519, RFC 7515,
 * RFC 7518), given keys that are already loaded (see `jwt_keys.ts`).
 * `verify()` never throws for a hostile token and answers with one of a fixed
 * set of reasons that the audit log can record without quoting the token.
 */

import {
  errors as joseErrors,
  type FlattenedJWSInput,
  type JWSHeaderParameters,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from "jose";
import type { AuthenticatedUser } from "../compose.ts";
import { ConfigError } from "../config/errors.ts";
import type { JWT_ALGORITHMS } from "../config/schema.ts";

/** An algorithm berth verifies (the settings' list; `none` is never one). */
export type JwtAlgorithm = typeof JWT_ALGORITHMS[number];

/**
 * The HMAC algorithms and the shortest key each takes: its hash's output
 * size (RFC 7518 §3.2). The one rule for the verifier, the signer and the
 * key loader.
 */
export const HMAC_MIN_KEY_BYTES = { HS256: 32, HS384: 48, HS512: 64 } as const;

/** An HMAC algorithm: the ones berth can also sign with. */
export type HmacAlgorithm = keyof typeof HMAC_MIN_KEY_BYTES;

/** Finds the key for an asymmetric algorithm (and `kid`); rejects when there is none. */
export type PublicKeyResolver = (
  header: JWSHeaderParameters,
  token: FlattenedJWSInput,
) => Promise<CryptoKey>;

/** The keys a verifier checks signatures with. */
export interface VerificationKeys {
  /** Allowed `alg` values. */
  algorithms: readonly JwtAlgorithm[];
  /** The HMAC key for the HS algorithms. */
  secret?: Uint8Array;
  /** The public keys for the RS, PS, ES and EdDSA algorithms. */
  publicKeys?: PublicKeyResolver;
}

/** The claim checks and readings of {@linkcode createTokenVerifier}. */
export interface TokenClaims {
  /** Required `iss` claim. */
  issuer?: string;
  /** Required `aud` claim (one of the token's audiences). */
  audience?: string;
  /** Leeway for `exp`, `nbf` and `iat`, in seconds (default 30; the settings bound it). */
  clockToleranceSeconds?: number;
  /** Claim holding the roles (default `roles`); a dotted path such as `realm_access.roles` works too. */
  rolesClaim?: string;
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

/** Longest token looked at; anything longer is refused unparsed. */
const MAX_TOKEN_LENGTH = 16 * 1024;
/** Longest user name taken from `sub`. */
const MAX_SUBJECT_LENGTH = 256;
/** Most roles taken from one token. */
const MAX_ROLES = 64;
const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;
/** Three base64url parts; the signature may be empty only to be refused with a reason. */
const COMPACT_JWS_REGEXP = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** C0 and C1 control characters, refused in user names. */
// deno-lint-ignore no-control-regex
const CONTROL_CHARACTER_REGEXP = /[\u0000-\u001f\u007f-\u009f]/;

/** A key lookup refused: no key for this algorithm or `kid`. */
class NoKeyError extends Error {
  constructor(options: { cause?: unknown } = {}) {
    super("No key for this token", options);
    this.name = "NoKeyError";
  }
}

/** Whether `algorithm` is one of the HMAC algorithms. */
export function isHmacAlgorithm(algorithm: string): algorithm is HmacAlgorithm {
  return Object.hasOwn(HMAC_MIN_KEY_BYTES, algorithm);
}

/**
 * Says what is wrong with an HMAC key for `algorithm` (RFC 7518 §3.2: at
 * least as long as the hash output), or null when it is long enough. A
 * missing key counts as 0 bytes.
 */
export function checkHmacKeyLength(
  algorithm: HmacAlgorithm,
  secret: Uint8Array | undefined,
): string | null {
  const bytes = secret?.byteLength ?? 0;
  const minimum = HMAC_MIN_KEY_BYTES[algorithm];
  return bytes >= minimum
    ? null
    : `the secret is ${bytes} bytes; ${algorithm} needs at least ${minimum}`;
}

/**
 * Builds a verifier from loaded keys and the claims to require.
 *
 * SECURITY: HMAC algorithms are answered only with `secret` and asymmetric
 * ones only with public keys, so a token signed with the public key as an
 * HMAC secret (the HS/RS confusion) can never verify; `none` is never allowed.
 *
 * @throws {ConfigError} when an allowed HS algorithm has no secret or a short one.
 */
export function createTokenVerifier(
  keys: VerificationKeys,
  claims: TokenClaims = {},
): TokenVerifier {
  const algorithms = [...new Set(keys.algorithms)];
  const { secret, publicKeys } = keys;
  for (const algorithm of algorithms) {
    const problem = isHmacAlgorithm(algorithm) ? checkHmacKeyLength(algorithm, secret) : null;
    if (problem !== null) throw new ConfigError(`Invalid HMAC key: ${problem}`);
  }
  const resolveKey = (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
    const algorithm = header.alg ?? "";
    if (isHmacAlgorithm(algorithm)) {
      if (secret === undefined) throw new NoKeyError();
      return secret;
    }
    if (publicKeys === undefined) throw new NoKeyError();
    // Any failure to find a key (unknown kid, JWKS unreachable or invalid) is "no-key".
    return publicKeys(header, token).catch((error) => {
      throw new NoKeyError({ cause: error });
    });
  };
  const tolerance = claims.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  const rolesClaim = claims.rolesClaim ?? "roles";

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
          issuer: claims.issuer,
          audience: claims.audience,
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
export function createTokenSigner(
  secret: Uint8Array,
  algorithm: HmacAlgorithm,
  claims: { issuer?: string; audience?: string } = {},
): TokenSigner {
  const problem = checkHmacKeyLength(algorithm, secret);
  if (problem !== null) throw new ConfigError(`Invalid HMAC key: ${problem}`);
  return {
    async sign(user, { ttlSeconds, sessionVersion, tokenId = crypto.randomUUID() }) {
      const issuedAt = Math.floor(Date.now() / 1000);
      const expiresAt = issuedAt + Math.max(1, Math.floor(ttlSeconds));
      const payload: JWTPayload = { roles: [...user.roles] };
      if (sessionVersion !== undefined) payload[SESSION_VERSION_CLAIM] = sessionVersion;
      const jwt = new SignJWT(payload)
        .setProtectedHeader({ alg: algorithm, typ: "JWT" })
        .setSubject(user.name)
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresAt)
        .setJti(tokenId);
      if (claims.issuer !== undefined) jwt.setIssuer(claims.issuer);
      if (claims.audience !== undefined) jwt.setAudience(claims.audience);
      return { token: await jwt.sign(secret), expiresAt, tokenId };
    },
  };
}

/** Maps a jose error to a rejection reason; anything unexpected counts as malformed. */
export function classifyError(error: unknown): TokenRejection {
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
 * Reads roles from `claim` (a dotted path reaches into objects): an array
 * keeps its strings, a string is split on spaces, anything else grants
 * nothing. Without the claim, a `scope` string is used.
 */
export function readRoles(payload: JWTPayload, claim: string): string[] {
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
