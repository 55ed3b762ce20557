/**
 * @module
 * Turns the credentials a request presents into a caller: a token is
 * verified (a recent success for the same token string is reused) and, for
 * a berth session, held against the users file and the sign-outs; HTTP Basic
 * passes the login throttle and the password check (a recent success is
 * reused). Refusals carry a reason for the audit log, never the secret.
 */

import type { AuthenticatedUser, RequestContext } from "../compose.ts";
import type { TokenVerification, TokenVerifier } from "../auth/jwt.ts";
import type { AuthRuntime } from "../auth/load_auth.ts";
import { readCredentials } from "../auth/credentials.ts";
import { resolveSession } from "../auth/sessions.ts";
import type { UserStore } from "../auth/users.ts";
import { writeAuditEvent } from "../log/audit.ts";
import { createBoundedMap } from "../util/bounded_map.ts";
import { tooManyRequests } from "./rate_limit.ts";

/** Who the caller is, and why presented credentials were refused. */
export interface ResolvedCaller {
  /** The user, or null for an anonymous caller. */
  user: AuthenticatedUser | null;
  /** Why presented credentials were refused (for the audit log), or null. */
  rejection: string | null;
  /** Where the credentials came from. */
  source: "bearer" | "cookie" | "basic" | null;
  /** For a session cookie: its issue and expiry times (epoch seconds). */
  session?: { issuedAt: number | null; expiresAt: number | null; tokenId: string | null };
}

/** Finds the caller of one request; throws a 429 HttpError when the login throttle says wait. */
export type CallerResolver = (request: Request, context: RequestContext) => Promise<ResolvedCaller>;

/** How long a successful Basic check is remembered, so argon2id runs once per client. */
const BASIC_CACHE_TTL_MS = 5 * 60 * 1000;
/** Most remembered Basic credentials. */
const BASIC_CACHE_MAX = 1000;
/** How long a verified token is remembered (bounded by its expiry). */
const TOKEN_CACHE_TTL_MS = 30_000;
/** Most remembered tokens. */
const TOKEN_CACHE_MAX = 1000;

/** Builds the function that turns a request's credentials into a caller. */
export function createCallerResolver(runtime: AuthRuntime): CallerResolver {
  const checkBasic = runtime.basic === null ? null : createBasicCheck(runtime, runtime.basic);
  const verifyCached = runtime.verifier === null ? null : createTokenCache(runtime.verifier);
  const credentialOptions = { basic: checkBasic !== null, cookieName: runtime.cookieName };

  return async function resolveCaller(request, context) {
    const credentials = readCredentials(request.headers, credentialOptions);
    switch (credentials.kind) {
      case "none":
        return { user: null, rejection: null, source: null };
      case "invalid":
        return {
          user: null,
          rejection: "malformed",
          source: credentials.source === "basic" ? "basic" : "bearer",
        };
      case "basic":
        // readCredentials reads Basic only when the check exists; the null case never happens.
        if (checkBasic === null) return { user: null, rejection: "malformed", source: "basic" };
        return await checkBasic(credentials.name, credentials.password, context);
      case "token": {
        if (verifyCached === null) {
          return { user: null, rejection: "no-key", source: credentials.source };
        }
        const result = await verifyCached(credentials.token);
        if (!result.ok) return { user: null, rejection: result.reason, source: credentials.source };
        const session = resolveSession(runtime, result);
        if (!session.ok) {
          return { user: null, rejection: `session-${session.reason}`, source: credentials.source };
        }
        return {
          user: session.user,
          rejection: null,
          source: credentials.source,
          session: {
            issuedAt: result.issuedAt,
            expiresAt: result.expiresAt,
            tokenId: result.tokenId,
          },
        };
      }
    }
  };
}

/** Checks HTTP Basic credentials against `users`, behind the throttle and a success cache. */
function createBasicCheck(
  runtime: AuthRuntime,
  users: UserStore,
): (name: string, password: string, context: RequestContext) => Promise<ResolvedCaller> {
  // Policy: at most 1000 Basic successes, 5 min each, oldest first evicted (a hit does not renew).
  const basicCache = createBoundedMap<string, { user: AuthenticatedUser; generation: number }>({
    maxEntries: BASIC_CACHE_MAX,
    touchOnGet: false,
  });
  // SECURITY: cache keys are HMACs under a key that lives only in memory, so
  // the cache holds nothing a password could be guessed back from offline.
  const cacheKey = crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);

  return async function checkBasic(name, password, context) {
    // A reloaded users file voids every remembered success (removed users, new passwords).
    const generation = users.generation;
    const key = await digest(await cacheKey, `${name}\u0000${password}`);
    // The 5 minutes count from the request, not from the end of the hash.
    const expiresAtMs = Date.now() + BASIC_CACHE_TTL_MS;
    const cached = basicCache.get(key);
    if (cached !== undefined && cached.generation !== generation) basicCache.clear();
    else if (cached !== undefined) return { user: cached.user, rejection: null, source: "basic" };
    const admitted = runtime.throttle.admit(context.clientAddress, name);
    if (!admitted.ok) {
      writeAuditEvent({
        event: "rate-limited",
        scope: "login",
        address: context.clientAddress,
        user: name,
      });
      throw tooManyRequests(admitted.retryAfterSeconds, "Too many sign-in attempts");
    }
    const result = await users.authenticate(name, password);
    // SECURITY: Basic has no place for a second factor, so a TOTP user never
    // gets in with it — and is refused exactly like a wrong password (same
    // 401, same time, counted by the throttle), so Basic cannot be used to
    // confirm a TOTP user's password either.
    const totpUser = result.ok && result.user.totpSecret !== undefined;
    if (!result.ok || totpUser) {
      runtime.throttle.fail(context.clientAddress, name);
      writeAuditEvent({
        event: "login-failure",
        user: name,
        address: context.clientAddress,
        reason: totpUser ? "basic-refused-totp-user" : "bad-credentials",
        method: "basic",
      });
      return { user: null, rejection: "bad-credentials", source: "basic" };
    }
    runtime.throttle.succeed(context.clientAddress, name);
    const user = { name: result.user.name, roles: [...result.user.roles] };
    writeAuditEvent({
      event: "login-success",
      user: user.name,
      address: context.clientAddress,
      method: "basic",
    });
    basicCache.set(key, { user, generation }, expiresAtMs);
    return { user, rejection: null, source: "basic" };
  };
}

/**
 * Verifies a token, reusing a recent success for the same token string.
 * SECURITY: a cached success is kept at most {@linkcode TOKEN_CACHE_TTL_MS}
 * and never past the token's own expiry, which delays noticing a key
 * removed from a JWKS by that long. Sign-outs, removed users and changed
 * passwords are checked after the cache, on every request.
 */
function createTokenCache(verifier: TokenVerifier): (token: string) => Promise<TokenVerification> {
  // Policy: at most 1000 verified tokens, 30 s each and never past the token's expiry, oldest
  // first evicted (a hit does not renew).
  const verified = createBoundedMap<string, TokenVerification>({
    maxEntries: TOKEN_CACHE_MAX,
    touchOnGet: false,
  });
  return async function verifyCached(token) {
    const now = Date.now();
    const hit = verified.get(token);
    if (hit !== undefined) return hit;
    const result = await verifier.verify(token);
    if (result.ok) {
      const expiresMs = result.expiresAt === null ? now : result.expiresAt * 1000;
      const untilMs = Math.min(expiresMs, now + TOKEN_CACHE_TTL_MS);
      if (untilMs > now) verified.set(token, result, untilMs);
    }
    return result;
  };
}

/** HMAC-SHA-256 of `text` as hex. */
async function digest(key: CryptoKey, text: string): Promise<string> {
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(text)),
  );
  return Array.from(mac, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
