/**
 * @module
 * Password hashing with `npm:hash-wasm`: new hashes are argon2id PHC strings
 * (RFC 9106) with OWASP's parameters; bcrypt `$2a$`/`$2b$`/`$2y$` hashes are
 * verified too, so Apache htpasswd users can move over. A stored hash's cost
 * parameters are bounded before hash-wasm's own `argon2Verify` or
 * `bcryptVerify` runs, so a mistyped hash cannot stall the server.
 */

import { timingSafeEqual as nodeTimingSafeEqual } from "node:crypto";
import { argon2id, argon2Verify, bcryptVerify } from "hash-wasm";

/** argon2id cost: 19 MiB, 2 passes, 1 lane (OWASP Password Storage Cheat Sheet). */
export const ARGON2_PARAMETERS = { memorySize: 19_456, iterations: 2, parallelism: 1 } as const;
/** Bytes of random salt in a new hash. */
const SALT_BYTES = 16;
/** Bytes of hash output in a new hash. */
const HASH_BYTES = 32;
/** Longest password accepted, in bytes (longer input is refused, not truncated). */
export const MAX_PASSWORD_BYTES = 1024;
/** bcrypt reads at most this many password bytes. */
const BCRYPT_MAX_BYTES = 72;
/** Upper bounds on stored parameters, so a mistyped hash cannot stall the server. */
const MAX_ARGON2_MEMORY_KIB = 1_048_576;
const MAX_ARGON2_ITERATIONS = 64;
const MAX_ARGON2_PARALLELISM = 16;
const MAX_BCRYPT_COST = 20;

/** `$argon2id$v=19$m=…,t=…,p=…$salt$hash` with unpadded standard base64 (PHC string format). */
const ARGON2ID_HASH_REGEXP =
  /^\$argon2id\$v=19\$m=(\d{1,8}),t=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]{11,88})\$([A-Za-z0-9+/]{22,88})$/;
/** `$2a$`, `$2b$` or `$2y$`, a two-digit cost, 22 salt and 31 hash characters in bcrypt's base64. */
const BCRYPT_HASH_REGEXP = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
const TEXT_ENCODER = new TextEncoder();

/**
 * A valid argon2id hash of a random, forgotten password, verified for unknown
 * user names so they cost the same time as a wrong password.
 */
export const DUMMY_HASH =
  "$argon2id$v=19$m=19456,t=2,p=1$4Jy7Z9vPOHkdju6ZE+hv5g$K+OlZsxnSXHNx0dTOy9cnS0VquMs6Qse3pgxhq//HlQ";

/** Hashes `password` as an argon2id PHC string with a random 16-byte salt. */
export async function hashPassword(password: string): Promise<string> {
  const bytes = TEXT_ENCODER.encode(password);
  if (bytes.length === 0) throw new RangeError("The password is empty");
  if (bytes.length > MAX_PASSWORD_BYTES) {
    throw new RangeError(`The password is longer than ${MAX_PASSWORD_BYTES} bytes`);
  }
  return await argon2id({
    password: bytes,
    salt: crypto.getRandomValues(new Uint8Array(SALT_BYTES)),
    ...ARGON2_PARAMETERS,
    hashLength: HASH_BYTES,
    outputType: "encoded",
  });
}

/** The kind of a stored hash and a number that orders hashes of that kind by cost. */
export interface HashCost {
  /** The hash family. */
  kind: "argon2id" | "bcrypt";
  /** Grows with the work one verification takes (argon2id: memory × passes; bcrypt: 2^cost). */
  weight: number;
}

/**
 * Tells which kind `hash` is and how costly it is to verify, or null when it
 * is not supported. Used to pick the dummy hash unknown user names are checked
 * against, so they cost what the slowest real user costs.
 */
export function describeHashCost(hash: string): HashCost | null {
  const argon = parseArgon2id(hash);
  if (argon !== null) {
    return { kind: "argon2id", weight: argon.memorySize * argon.iterations };
  }
  const crypt = parseBcrypt(hash);
  return crypt === null ? null : { kind: "bcrypt", weight: 2 ** crypt.cost };
}

/** Tells whether `hash` is a password hash berth can verify (argon2id or bcrypt, sane parameters). */
export function isSupportedHash(hash: string): boolean {
  return parseArgon2id(hash) !== null || parseBcrypt(hash) !== null;
}

/**
 * Checks `password` against an argon2id or bcrypt hash. Unknown or malformed
 * hashes, empty and over-long passwords give `false`; it never throws.
 *
 * SECURITY: bcrypt reads only the first 72 bytes of a password (as htpasswd
 * does); argon2id has no such limit. hash-wasm compares the argon2id result
 * with the stored one as strings, not in constant time: what that could leak
 * is how much of the hash of a guess matches, which is worthless without the
 * salt, and the salt never leaves the users file.
 */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  if (typeof password !== "string" || typeof hash !== "string") return false;
  const bytes = TEXT_ENCODER.encode(password);
  if (bytes.length === 0 || bytes.length > MAX_PASSWORD_BYTES) return false;
  try {
    if (parseArgon2id(hash) !== null) return await argon2Verify({ password: bytes, hash });
    if (parseBcrypt(hash) !== null) {
      return await bcryptVerify({ password: bytes.subarray(0, BCRYPT_MAX_BYTES), hash });
    }
  } catch {
    // A hash that parses but that the library refuses counts as a mismatch.
  }
  return false;
}

/**
 * Compares two byte strings in time that depends only on their lengths
 * (`node:crypto`'s comparison, which throws on a length mismatch instead).
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && nodeTimingSafeEqual(a, b);
}

/** The cost parameters of an argon2id PHC string within bounds, or null. */
function parseArgon2id(
  hash: string,
): { memorySize: number; iterations: number; parallelism: number } | null {
  const match = ARGON2ID_HASH_REGEXP.exec(hash);
  if (match === null) return null;
  const [memorySize, iterations, parallelism] = [match[1], match[2], match[3]].map(Number);
  if (
    parallelism < 1 || parallelism > MAX_ARGON2_PARALLELISM ||
    iterations < 1 || iterations > MAX_ARGON2_ITERATIONS ||
    memorySize < 8 * parallelism || memorySize > MAX_ARGON2_MEMORY_KIB
  ) {
    return null;
  }
  // Unpadded base64 never leaves one character over (PHC string format).
  if (match[4].length % 4 === 1 || match[5].length % 4 === 1) return null;
  return { memorySize, iterations, parallelism };
}

/** The cost of a bcrypt hash within bounds, or null. */
function parseBcrypt(hash: string): { cost: number } | null {
  const match = BCRYPT_HASH_REGEXP.exec(hash);
  if (match === null) return null;
  const cost = Number(match[1]);
  return cost < 4 || cost > MAX_BCRYPT_COST ? null : { cost };
}
