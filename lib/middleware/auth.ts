/**
 * @module
 * Authentication and access enforcement. `authenticate` finds the caller
 * (Bearer token, session cookie, or HTTP Basic when enabled; never the query
 * string), sets `context.user`, and applies the access rules to the decoded,
 * normalized path before anything touches the filesystem. `accessGuard` sits
 * just above the file core and re-applies them to the path a rewrite or
 * fallback chose, so routing rules cannot lead around a protected path.
 */

import type { AuthenticatedUser, Middleware, RequestContext } from "../compose.ts";
import { acceptsHtml } from "../http/accept.ts";
import type { BaseHeaders } from "../http/base_headers.ts";
import { HEADER, STATUS } from "../http/constants.ts";
import { respondEmpty } from "../http/respond.ts";
import { appendHeaderToken } from "../http/response_headers.ts";
import { CREDENTIAL_VARY, keepPrivate } from "../http/private_caching.ts";
import {
  type AccessDecision,
  canonicalAccessPath,
  decideAccessForPaths,
} from "../auth/access_rules.ts";
import { type CanonicalPath, requirePath } from "../http/request_path.ts";
import type { Resource, ResourceGuard, ResourceLocator } from "../serve/resource.ts";
import type { TokenVerification, TokenVerifier } from "../auth/jwt.ts";
import type { AuthRuntime } from "../auth/load_auth.ts";
import { nextForUrl } from "../auth/safe_next.ts";
import { resolveSession } from "../auth/sessions.ts";
import { readCookie, serializeSessionCookie } from "../auth/session_cookie.ts";
import { writeAuditEvent } from "../log/audit.ts";
import { createErrorResponse } from "../serve/error_response.ts";
import { tooManyRequests } from "./rate_limit.ts";
import { createBoundedMap } from "../util/bounded_map.ts";

/** Options for {@linkcode authenticate} and {@linkcode accessGuard}. */
export interface AuthOptions {
  /** The loaded access-control state. */
  runtime: AuthRuntime;
  /** Path of the login page, e.g. `/_berth/login`. */
  loginPath: string;
  /**
   * Paths under this prefix (berth's internal endpoints, e.g. `/_berth/`) get
   * the caller resolved but no rule applied: they make their own checks.
   */
  exemptPrefix?: string;
  /** The headers every answer starts from (its refusals). */
  baseHeaders?: BaseHeaders;
}

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

/** How long a successful Basic check is remembered, so argon2id runs once per client. */
const BASIC_CACHE_TTL_MS = 5 * 60 * 1000;
/** Most remembered Basic credentials. */
const BASIC_CACHE_MAX = 1000;
/** How long a verified token is remembered (bounded by its expiry). */
const TOKEN_CACHE_TTL_MS = 30_000;
/** Most remembered tokens. */
const TOKEN_CACHE_MAX = 1000;
/** `Basic <base64>` (RFC 7617 §2). */
const BASIC_REGEXP = /^Basic[ ]+([A-Za-z0-9+/]+={0,2})[ ]*$/i;
/** `Bearer <token68>` (RFC 6750 §2.1). */
const BEARER_REGEXP = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)[ ]*$/i;
/** Longest Authorization value looked at. */
const MAX_AUTHORIZATION_LENGTH = 8192;

/**
 * Builds the outer auth layer: resolves the caller, then allows the request,
 * challenges it (401, or 303 to the login page for a browser navigation) or
 * forbids it (403). Responses that needed authentication — because of the
 * request path, or of the file the core reached (see
 * {@linkcode createResourceGuard}) — become `private` and vary on
 * `Authorization` and `Cookie`; a session cookie past half its life is
 * renewed on them.
 */
export function authenticate(options: AuthOptions): Middleware {
  const { runtime } = options;
  const resolveCaller = createCallerResolver(runtime);
  return async function authenticateRequest(request, context, next) {
    const path = accessPathOf(context);
    const caller = await resolveCaller(request, context);
    context.user = caller.user;
    if (options.exemptPrefix !== undefined && path.startsWith(options.exemptPrefix)) {
      return await next();
    }
    const decision = decideAccessForPaths(runtime.rules, [path], caller.user);
    if (decision.kind !== "allow") {
      if (caller.rejection !== null) {
        writeAuditEvent({
          event: "token-rejected",
          reason: caller.rejection,
          source: caller.source ?? "none",
          address: context.clientAddress,
          path,
        });
      }
      return denyAccess(request, context, { decision, path, options, rejected: caller.rejection });
    }
    if (decision.protected) noteProtected(context, decision.shareable);
    const response = await next();
    if (!context.outcome.protected) return response;
    // SECURITY: without this, a shared cache could hand one user's protected
    // file, or an authorized listing, to the next visitor.
    const marked = keepPrivate(response);
    // Never on an answer a shared cache may keep (a "shareable" rule).
    if (caller.source === "cookie" && caller.user !== null && !context.outcome.shareable) {
      // `secure` includes a trusted TLS proxy's word (see createClientResolver).
      const cookie = await renewSession(runtime, caller, context.secure);
      if (cookie !== null) marked.headers.append(HEADER.SET_COOKIE, cookie);
    }
    return marked;
  };
}

/**
 * Builds the inner guard: the same rules, applied with the user the outer
 * layer found to the path as routing has it so far and to the resource it
 * stands for on disk (`locate`: its real path, or for a missing name the
 * real path of the deepest directory on the way). It stands before and
 * after the `_redirects` layer and again just above the file core, so no
 * routing layer (a non-forced rule's shadow check, a clean-URL redirect, the
 * SPA fallback) answers differently for a protected file that exists and
 * one that does not, whichever alias reaches it.
 */
export function accessGuard(
  options: AuthOptions & { locate?: ResourceLocator; cleanUrls?: boolean },
): Middleware {
  const { runtime, locate } = options;
  // With clean URLs `/drafts/plan` may be served from plan.html: a rule
  // naming `*.html` files must hold for the extensionless name too, whether
  // or not the page exists, or the difference would tell which pages do.
  const withPage = options.cleanUrls === true
    ? (path: string) =>
      path.endsWith("/") || path.slice(path.lastIndexOf("/")).includes(".")
        ? [path]
        : [path, path + ".html"]
    : (path: string) => [path];
  // One lookup per canonical path, however many guards a request passes.
  const located = new WeakMap<CanonicalPath, Promise<Resource | null>>();
  return async function guardAccess(request, context, next) {
    const path = accessPathOf(context);
    const paths = withPage(path);
    if (locate !== undefined && context.path.ok) {
      const canonical = context.path;
      let pending = located.get(canonical);
      if (pending === undefined) {
        pending = locate(canonical.segments, canonical.trailingSlash);
        located.set(canonical, pending);
      }
      const resource = await pending;
      if (resource !== null) paths.push(...withPage(resource.accessPath));
    }
    const decision = decideAccessForPaths(runtime.rules, paths, context.user);
    if (decision.kind !== "allow") {
      return denyAccess(request, context, { decision, path, options, rejected: null });
    }
    // The outer layer makes the answer private: the outcome says it must.
    if (decision.protected) noteProtected(context, decision.shareable);
    return await next();
  };
}

/**
 * Builds the check the file core runs on the file or directory it is about
 * to answer from: the access rules applied to its real path (relative to the
 * real root, symlinks resolved) and to the request path together, before
 * any byte of the file is read.
 * SECURITY: `pub/adm -> ../admin` makes `/pub/adm/a.txt` another URL for
 * `admin/a.txt`; deciding on the resolved file keeps `/admin/*` protecting it.
 */
export function createResourceGuard(options: AuthOptions): ResourceGuard {
  const { rules } = options.runtime;
  return {
    admit(request, context, resource) {
      const path = accessPathOf(context);
      const decision = decideAccessForPaths(rules, [path, resource.accessPath], context.user);
      if (decision.kind !== "allow") {
        return denyAccess(request, context, { decision, path, options, rejected: null });
      }
      if (decision.protected) noteProtected(context, decision.shareable);
      return null;
    },
    mayShow(context, resource) {
      const decision = decideAccessForPaths(rules, [resource.accessPath], context.user);
      if (decision.kind !== "allow") return false;
      if (decision.protected) noteProtected(context, decision.shareable);
      return true;
    },
  };
}

/** Records on the request's shared outcome that its answer needed authentication. */
function noteProtected(context: RequestContext, shareable: boolean): void {
  const { outcome } = context;
  // One protecting rule that did not opt in keeps the answer unshareable.
  outcome.shareable = outcome.protected ? outcome.shareable && shareable : shareable;
  outcome.protected = true;
}

/** The canonical decoded path the rules match, or a 400 for paths the core would refuse too. */
function accessPathOf(context: RequestContext): string {
  const path = requirePath(context);
  return canonicalAccessPath(path.segments, path.trailingSlash);
}

/** Answers a request the rules refuse, and records it in the audit log. */
function denyAccess(
  request: Request,
  context: RequestContext,
  details: {
    decision: Exclude<AccessDecision, { kind: "allow" }>;
    path: string;
    options: AuthOptions;
    rejected: string | null;
  },
): Response {
  const { decision, options } = details;
  const { runtime } = options;
  // A refusal depends on the credentials sent: no shared cache may keep it.
  context.outcome.protected = true;
  context.outcome.shareable = false;
  const status = decision.kind === "forbidden" ? STATUS.FORBIDDEN : STATUS.UNAUTHORIZED;
  writeAuditEvent({
    event: "access-denied",
    rule: decision.rule.pattern,
    path: details.path,
    user: context.user?.name ?? null,
    address: context.clientAddress,
    status,
  });
  let response: Response;
  if (decision.kind === "forbidden") {
    response = createErrorResponse(
      request,
      STATUS.FORBIDDEN,
      "Your account may not read this path",
      { preferJson: true, baseHeaders: options.baseHeaders },
    );
  } else if (
    runtime.login && request.method === "GET" && acceptsHtml(request.headers.get(HEADER.ACCEPT))
  ) {
    // A browser navigation: send the person to the login page, then back here.
    const location = `${options.loginPath}?next=${encodeURIComponent(nextForUrl(context.url))}`;
    response = respondEmpty(options.baseHeaders ?? {}, STATUS.SEE_OTHER, {
      [HEADER.LOCATION]: location,
      [HEADER.CACHE_CONTROL]: "no-store",
    });
  } else {
    const headers = new Headers();
    headers.append(
      HEADER.WWW_AUTHENTICATE,
      details.rejected === null
        ? 'Bearer realm="berth"'
        : 'Bearer realm="berth", error="invalid_token"',
    );
    if (runtime.basic) {
      headers.append(HEADER.WWW_AUTHENTICATE, 'Basic realm="berth", charset="UTF-8"');
    }
    response = createErrorResponse(
      request,
      STATUS.UNAUTHORIZED,
      details.rejected === null
        ? "Sign in to read this path"
        : "The credentials are not valid or have expired",
      { headers, preferJson: true, baseHeaders: options.baseHeaders },
    );
  }
  for (const token of CREDENTIAL_VARY) appendHeaderToken(response.headers, HEADER.VARY, token);
  return response;
}

/** A fresh session cookie when the current one is past half its life, else null. */
async function renewSession(
  runtime: AuthRuntime,
  caller: ResolvedCaller,
  secure: boolean,
): Promise<string | null> {
  const { signer, users } = runtime;
  const issuedAt = caller.session?.issuedAt ?? null;
  const expiresAt = caller.session?.expiresAt ?? null;
  if (signer === null || issuedAt === null || expiresAt === null || caller.user === null) {
    return null;
  }
  const nowSeconds = Date.now() / 1000;
  if (nowSeconds < issuedAt + (expiresAt - issuedAt) / 2) return null;
  // Roles come from the users file, so a renewal never outlives a removed account.
  const record = users?.get(caller.user.name);
  if (record === undefined) return null;
  // SECURITY: the renewed token keeps the session's jti, so a sign-out with
  // any token of the session revokes the older ones too.
  const { token } = await signer.sign(
    { name: record.name, roles: record.roles },
    {
      ttlSeconds: runtime.sessionTtlSeconds,
      sessionVersion: users!.sessionVersion(record.name),
      tokenId: caller.session?.tokenId ?? undefined,
    },
  );
  return serializeSessionCookie(token, {
    name: runtime.cookieName,
    maxAgeSeconds: runtime.sessionTtlSeconds,
    secure,
  });
}

/** Credentials found on a request. */
type Credentials =
  | { kind: "none" }
  | { kind: "token"; token: string; source: "bearer" | "cookie" }
  | { kind: "basic"; name: string; password: string }
  | { kind: "invalid"; source: "bearer" | "basic" | "authorization" };

/**
 * Reads credentials: the Authorization header wins over the cookie.
 * SECURITY: tokens in the query string are never read; URLs end up in logs,
 * browser history and Referer headers.
 */
function readCredentials(headers: Headers, runtime: AuthRuntime): Credentials {
  const authorization = headers.get(HEADER.AUTHORIZATION);
  if (authorization !== null) {
    if (authorization.length > MAX_AUTHORIZATION_LENGTH) {
      return { kind: "invalid", source: "authorization" };
    }
    const bearer = BEARER_REGEXP.exec(authorization);
    if (bearer !== null) return { kind: "token", token: bearer[1], source: "bearer" };
    if (/^Bearer\b/i.test(authorization)) return { kind: "invalid", source: "bearer" };
    if (runtime.basic && /^Basic\b/i.test(authorization)) {
      return parseBasic(authorization) ?? { kind: "invalid", source: "basic" };
    }
    return { kind: "invalid", source: "authorization" };
  }
  const cookie = readCookie(headers.get(HEADER.COOKIE), runtime.cookieName);
  if (cookie !== null) return { kind: "token", token: cookie, source: "cookie" };
  return { kind: "none" };
}

/** Decodes `Basic base64(user:password)` as UTF-8 (RFC 7617 §2.1), or null. */
function parseBasic(authorization: string): Credentials | null {
  const match = BASIC_REGEXP.exec(authorization);
  if (match === null) return null;
  let text: string;
  try {
    const binary = atob(match[1]);
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
  const colon = text.indexOf(":");
  if (colon <= 0) return null;
  return { kind: "basic", name: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** Builds the function that turns a request's credentials into a caller. */
function createCallerResolver(
  runtime: AuthRuntime,
): (request: Request, context: RequestContext) => Promise<ResolvedCaller> {
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

  async function checkBasic(
    name: string,
    password: string,
    context: RequestContext,
  ): Promise<ResolvedCaller> {
    const users = runtime.users!;
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
  }

  // Policy: at most 1000 verified tokens, 30 s each and never past the token's expiry, oldest
  // first evicted (a hit does not renew).
  const verified = createBoundedMap<string, TokenVerification>({
    maxEntries: TOKEN_CACHE_MAX,
    touchOnGet: false,
  });

  /**
   * Verifies a token, reusing a recent success for the same token string.
   * SECURITY: a cached success is kept at most {@linkcode TOKEN_CACHE_TTL_MS}
   * and never past the token's own expiry, which delays noticing a key
   * removed from a JWKS by that long. Sign-outs, removed users and changed
   * passwords are checked after the cache, on every request.
   */
  async function verifyCached(verifier: TokenVerifier, token: string): Promise<TokenVerification> {
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
  }

  return async function resolveCaller(request, context) {
    const credentials = readCredentials(request.headers, runtime);
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
        return await checkBasic(credentials.name, credentials.password, context);
      case "token": {
        if (runtime.verifier === null) {
          return { user: null, rejection: "no-key", source: credentials.source };
        }
        const result = await verifyCached(runtime.verifier, credentials.token);
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

/** HMAC-SHA-256 of `text` as hex. */
async function digest(key: CryptoKey, text: string): Promise<string> {
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(text)),
  );
  return Array.from(mac, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
