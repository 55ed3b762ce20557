/**
 * @module
 * Reads the credentials a request presents: a Bearer token (RFC 6750 §2.1)
 * or HTTP Basic (RFC 7617) in `Authorization`, else the session cookie.
 * Pure header parsing; checking them is the caller resolver's job.
 */

import { HEADER } from "../http/constants.ts";
import { readCookie } from "./session_cookie.ts";

/** Credentials found on a request. */
export type Credentials =
  | { kind: "none" }
  | { kind: "token"; token: string; source: "bearer" | "cookie" }
  | { kind: "basic"; name: string; password: string }
  | { kind: "invalid"; source: "bearer" | "basic" | "authorization" };

/** What {@linkcode readCredentials} looks for. */
export interface CredentialOptions {
  /** Whether `Authorization: Basic` is read (otherwise it counts as invalid). */
  basic: boolean;
  /** The session cookie's name. */
  cookieName: string;
}

/** `Basic <base64>` (RFC 7617 §2). */
const BASIC_REGEXP = /^Basic[ ]+([A-Za-z0-9+/]+={0,2})[ ]*$/i;
/** `Bearer <token68>` (RFC 6750 §2.1). */
const BEARER_REGEXP = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)[ ]*$/i;
/** Longest Authorization value looked at. */
export const MAX_AUTHORIZATION_LENGTH = 8192;
const UTF8_DECODER = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads credentials: the Authorization header wins over the cookie.
 * SECURITY: tokens in the query string are never read; URLs end up in logs,
 * browser history and Referer headers.
 */
export function readCredentials(headers: Headers, options: CredentialOptions): Credentials {
  const authorization = headers.get(HEADER.AUTHORIZATION);
  if (authorization !== null) {
    if (authorization.length > MAX_AUTHORIZATION_LENGTH) {
      return { kind: "invalid", source: "authorization" };
    }
    const token = readBearerToken(authorization);
    if (token !== null) return { kind: "token", token, source: "bearer" };
    if (/^Bearer\b/i.test(authorization)) return { kind: "invalid", source: "bearer" };
    if (options.basic && /^Basic\b/i.test(authorization)) {
      return parseBasic(authorization) ?? { kind: "invalid", source: "basic" };
    }
    return { kind: "invalid", source: "authorization" };
  }
  const cookie = readCookie(headers.get(HEADER.COOKIE), options.cookieName);
  if (cookie !== null) return { kind: "token", token: cookie, source: "cookie" };
  return { kind: "none" };
}

/** The token of an `Authorization: Bearer <token>` value, or null for anything else. */
export function readBearerToken(authorization: string): string | null {
  return BEARER_REGEXP.exec(authorization)?.[1] ?? null;
}

/** Decodes `Basic base64(user:password)` as UTF-8 (RFC 7617 §2.1), or null. */
function parseBasic(authorization: string): Credentials | null {
  const match = BASIC_REGEXP.exec(authorization);
  if (match === null) return null;
  let text: string;
  try {
    text = UTF8_DECODER.decode(Uint8Array.fromBase64(match[1]));
  } catch {
    return null;
  }
  const colon = text.indexOf(":");
  if (colon <= 0) return null;
  return { kind: "basic", name: text.slice(0, colon), password: text.slice(colon + 1) };
}
