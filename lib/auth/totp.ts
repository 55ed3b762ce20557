/**
 * @module
 * Time-based one-time passwords for two-factor login: RFC 6238 TOTP
 * (HMAC-SHA1, 30-second steps, 6 digits, RFC 4226 truncation), secrets in
 * RFC 4648 base32, computed with WebCrypto. A replay guard makes each code
 * usable once.
 */

import { timingSafeEqual } from "./passwords.ts";
import { createBoundedMap } from "../util/bounded_map.ts";

/** Length of one time step in seconds (RFC 6238 §4, the default X). */
const TOTP_PERIOD_SECONDS = 30;
/** Digits in a code. */
const TOTP_DIGITS = 6;
/** Random bytes in a new secret (160 bits, RFC 4226 §4's recommendation). */
const SECRET_BYTES = 20;
/** A base32 secret: upper-case letters A–Z and digits 2–7, optional padding. */
export const TOTP_SECRET_REGEXP = /^[A-Z2-7]{16,128}=*$/;
/** Most users the replay guard remembers at once. */
const REPLAY_GUARD_MAX_USERS = 10_000;
const BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const CODE_REGEXP = /^\d{6}$/;
const TEXT_ENCODER = new TextEncoder();

/** Options for {@linkcode verifyTotp}. */
export interface VerifyTotpOptions {
  /** The current time in epoch milliseconds (default `Date.now()`). */
  now?: number;
  /** Steps accepted on each side of the current one, for clock drift (default 1). */
  window?: number;
}

/** Makes a new random secret, base32 without padding (32 characters). */
export function generateTotpSecret(): string {
  return encodeBase32(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
}

/** Builds the `otpauth://totp/` URI that authenticator apps read from a QR code. */
export function totpUri(options: { secret: string; account: string; issuer: string }): string {
  const label = `${encodeURIComponent(options.issuer)}:${encodeURIComponent(options.account)}`;
  const query = new URLSearchParams({
    secret: options.secret.replace(/=+$/, ""),
    issuer: options.issuer,
    algorithm: "SHA1",
    digits: String(TOTP_DIGITS),
    period: String(TOTP_PERIOD_SECONDS),
  });
  return `otpauth://totp/${label}?${query.toString().replaceAll("+", "%20")}`;
}

/**
 * Checks a 6-digit `code` against `secret` for the current step and
 * `window` steps either side; resolves to the matching step number (for the
 * replay guard) or null. Every candidate step is computed and compared in
 * constant time, so timing says nothing about which step matched.
 */
export async function verifyTotp(
  secret: string,
  code: string,
  options: VerifyTotpOptions = {},
): Promise<number | null> {
  if (typeof code !== "string" || !CODE_REGEXP.test(code)) return null;
  const key = decodeBase32(secret);
  if (key === null || key.length === 0) return null;
  const window = Math.max(0, Math.min(10, Math.floor(options.window ?? 1)));
  const current = Math.floor((options.now ?? Date.now()) / 1000 / TOTP_PERIOD_SECONDS);
  const hmacKey = await importTotpKey(key);
  const given = TEXT_ENCODER.encode(code);
  let matched: number | null = null;
  for (let step = current - window; step <= current + window; step++) {
    if (step < 0) continue;
    const expected = TEXT_ENCODER.encode(await computeCode(hmacKey, step, TOTP_DIGITS));
    if (timingSafeEqual(expected, given) && matched === null) matched = step;
  }
  return matched;
}

/** Imports a decoded TOTP secret as an HMAC-SHA-1 signing key (RFC 6238 §1.2 default). */
async function importTotpKey(key: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  return await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-1" }, false, [
    "sign",
  ]);
}

/** Computes the code for one time step (RFC 4226 §5.3 dynamic truncation). */
export async function generateTotp(
  secret: string,
  options: { now?: number; digits?: number } = {},
): Promise<string> {
  const key = decodeBase32(secret);
  if (key === null) throw new RangeError("The TOTP secret is not base32");
  const hmacKey = await importTotpKey(key);
  const step = Math.floor((options.now ?? Date.now()) / 1000 / TOTP_PERIOD_SECONDS);
  return await computeCode(hmacKey, step, options.digits ?? TOTP_DIGITS);
}

/** One use per TOTP code, see {@linkcode createTotpReplayGuard}. */
export interface TotpReplayGuard {
  /** Records `step` as used by `user`; false when it or a later step already was. */
  claim(user: string, step: number): boolean;
}

/**
 * Remembers the last step each user logged in with; `claim()` is false when
 * that step or an earlier one was already used (RFC 6238 §5.2: one use per code).
 *
 * SECURITY: memory is bounded by evicting the least recently seen users; an
 * evicted user's code could be replayed only within its 90-second window and
 * only after 10,000 other users logged in with codes meanwhile.
 */
export function createTotpReplayGuard(
  options: { maxUsers?: number } = {},
): TotpReplayGuard {
  // Policy: at most 10,000 users (maxUsers), no time limit, least recently claimed evicted
  // (a refused replay does not count as a claim).
  const lastSteps = createBoundedMap<string, number>({
    maxEntries: options.maxUsers ?? REPLAY_GUARD_MAX_USERS,
    touchOnGet: false,
  });
  return {
    claim(user: string, step: number): boolean {
      const last = lastSteps.get(user);
      if (last !== undefined && step <= last) return false;
      lastSteps.set(user, step);
      return true;
    },
  };
}

/** Encodes bytes as RFC 4648 §6 base32 without padding. */
export function encodeBase32(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** Decodes RFC 4648 base32, ignoring case, spaces and padding; null when invalid. */
export function decodeBase32(text: string): Uint8Array<ArrayBuffer> | null {
  if (typeof text !== "string") return null;
  const clean = text.replace(/[\s-]/g, "").replace(/=+$/, "").toUpperCase();
  const out = new Uint8Array(Math.floor(clean.length * 5 / 8));
  let buffer = 0;
  let bits = 0;
  let offset = 0;
  for (const char of clean) {
    const value = BASE32_ALPHABET.indexOf(char);
    if (value < 0) return null;
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[offset++] = (buffer >> bits) & 0xff;
    }
    buffer &= (1 << bits) - 1;
  }
  return out;
}

async function computeCode(key: CryptoKey, step: number, digits: number): Promise<string> {
  const counter = new Uint8Array(8);
  new DataView(counter.buffer).setBigUint64(0, BigInt(step));
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, counter));
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) |
    (mac[offset + 2] << 8) | mac[offset + 3];
  return String(binary % 10 ** digits).padStart(digits, "0");
}
