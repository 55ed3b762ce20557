/**
 * @module
 * The login endpoints: `GET <prefix>login` (the built-in page),
 * `POST <prefix>login` (JSON or form: username, password, optional totp →
 * a signed token in the JSON body and an HttpOnly session cookie) and
 * `POST <prefix>logout` (revokes the session and clears the cookie). POSTs
 * must be same-origin (CSRF), their bodies are capped, and attempts pass the
 * login throttle.
 */

import type { Middleware, RequestContext } from "../compose.ts";
import { HttpError } from "../errors.ts";
import { acceptsHtml } from "../http/accept.ts";
import { type BaseHeaders, NO_BASE_HEADERS } from "../http/base_headers.ts";
import { HEADER, STATUS } from "../http/constants.ts";
import { redirect, respondBytes, respondEmpty, respondJson } from "../http/respond.ts";
import { readBodyText } from "../http/read_body.ts";
import { MAX_AUTHORIZATION_LENGTH, readBearerToken } from "../auth/credentials.ts";
import type { AuthRuntime, LoginRuntime } from "../auth/load_auth.ts";
import { sanitizeNext } from "../auth/safe_next.ts";
import {
  readCookie,
  serializeClearedCookie,
  serializeSessionCookie,
} from "../auth/session_cookie.ts";
import { resolveSession } from "../auth/sessions.ts";
import { verifyTotp } from "../auth/totp.ts";
import type { UserRecord } from "../auth/users.ts";
import { type LoginFailureReason, writeAuditEvent } from "../log/audit.ts";
import { createErrorResponse } from "../serve/error_response.ts";
import { LOGIN_PAGE_CSP, renderLoginPage } from "../auth/login_page.ts";
import { tooManyRequests } from "./rate_limit.ts";

/** Options for {@linkcode login}. */
export interface LoginOptions {
  /** The loaded access-control state; the endpoints answer 404 when `runtime.login` is null. */
  runtime: AuthRuntime;
  /** berth's internal prefix, e.g. `/_berth/`. */
  prefix: string;
  /** The headers every answer starts from. */
  baseHeaders?: BaseHeaders;
}

/** Largest login or logout body accepted, in bytes. */
const MAX_LOGIN_BODY_BYTES = 8 * 1024;
/** Methods the login path answers. */
const LOGIN_ALLOW = "GET, HEAD, POST";
const JSON_TYPE = "application/json";
const FORM_TYPE = "application/x-www-form-urlencoded";
/**
 * The one message (with one status, 401) for every failed sign-in: unknown
 * name, wrong password, missing, wrong or reused code. So neither names nor
 * passwords can be probed, and a password is never confirmed before the
 * second factor.
 */
const BAD_CREDENTIALS_MESSAGE = "Wrong user name, password or one-time code";

/** The outcome of checking a password and, when the user has one, a TOTP code. */
type CredentialCheck =
  | { ok: true; user: UserRecord }
  | {
    ok: false;
    /** For the audit log only; the client always sees the same answer. */
    reason: LoginFailureReason;
  };

/** What a login form or JSON body holds. */
interface LoginFields {
  username: string;
  password: string;
  totp: string | null;
  next: string | null;
}

/** Builds the login/logout middleware; other paths pass through. */
export function login(options: LoginOptions): Middleware {
  const { runtime } = options;
  const baseHeaders = options.baseHeaders ?? NO_BASE_HEADERS;
  const loginPath = `${options.prefix}login`;
  const logoutPath = `${options.prefix}logout`;
  /** A 303 to `location` that sets `cookie`, never stored. */
  const seeOther = (location: string, cookie: string) =>
    redirect(baseHeaders, location, {
      status: STATUS.SEE_OTHER,
      headers: { [HEADER.SET_COOKIE]: cookie, [HEADER.CACHE_CONTROL]: "no-store" },
    });

  async function answerLogin(
    login: LoginRuntime,
    request: Request,
    context: RequestContext,
  ): Promise<Response> {
    if (request.method === "GET" || request.method === "HEAD") {
      return await showPage(login, request, context, { status: STATUS.OK });
    }
    if (request.method !== "POST") throw methodNotAllowed();
    checkSameOrigin(request, context);
    const form = isForm(request);
    const fields = await readLoginFields(request, form);
    const address = context.clientAddress;
    const admitted = runtime.throttle.admit(address, fields.username);
    if (!admitted.ok) {
      writeAuditEvent({ event: "rate-limited", scope: "login", address, user: fields.username });
      throw tooManyRequests(admitted.retryAfterSeconds, "Too many sign-in attempts");
    }
    const checked = await checkCredentials(login, fields);
    if (!checked.ok) {
      // Every failure counts: a missing code that did not would tell a right password apart.
      runtime.throttle.fail(address, fields.username);
      writeAuditEvent({
        event: "login-failure",
        user: fields.username,
        address,
        reason: checked.reason,
        method: "login",
      });
      if (form) {
        return await showPage(login, request, context, {
          status: STATUS.UNAUTHORIZED,
          error: BAD_CREDENTIALS_MESSAGE,
          next: fields.next,
        });
      }
      return createErrorResponse(request, STATUS.UNAUTHORIZED, BAD_CREDENTIALS_MESSAGE, {
        preferJson: true,
        baseHeaders,
      });
    }
    runtime.throttle.succeed(address, fields.username);
    const record = checked.user;
    const { token, expiresAt } = await login.signer.sign(
      { name: record.name, roles: record.roles },
      {
        ttlSeconds: login.sessionTtlSeconds,
        sessionVersion: login.users.sessionVersion(record.name),
      },
    );
    writeAuditEvent({ event: "login-success", user: record.name, address, method: "login" });
    const cookie = serializeSessionCookie(token, {
      name: runtime.cookieName,
      maxAgeSeconds: login.sessionTtlSeconds,
      secure: context.secure,
    });
    if (form) return seeOther(sanitizeNext(fields.next), cookie);
    return respondJson(baseHeaders, request, {
      status: STATUS.OK,
      value: { token, expiresAt },
      headers: { [HEADER.SET_COOKIE]: cookie, [HEADER.CACHE_CONTROL]: "no-store" },
    });
  }

  /** Checks password, then TOTP: the user, or why not (for the audit log). */
  async function checkCredentials(
    login: LoginRuntime,
    fields: LoginFields,
  ): Promise<CredentialCheck> {
    const result = await login.users.authenticate(fields.username, fields.password);
    if (!result.ok) return { ok: false, reason: "bad-credentials" };
    const secret = result.user.totpSecret;
    if (secret === undefined) return { ok: true, user: result.user };
    if (fields.totp === null || fields.totp === "") return { ok: false, reason: "totp-required" };
    const step = await verifyTotp(secret, fields.totp, { window: 1 });
    if (step === null) return { ok: false, reason: "totp-invalid" };
    if (!runtime.totpReplayGuard.claim(result.user.name, step)) {
      return { ok: false, reason: "totp-replayed" };
    }
    return { ok: true, user: result.user };
  }

  async function answerLogout(
    login: LoginRuntime,
    request: Request,
    context: RequestContext,
  ): Promise<Response> {
    if (request.method !== "POST") {
      throw new HttpError(
        STATUS.METHOD_NOT_ALLOWED,
        `Method ${request.method} is not allowed here`,
        {
          headers: { [HEADER.ALLOW]: "POST" },
        },
      );
    }
    checkSameOrigin(request, context);
    const form = isForm(request);
    const text = await readBodyText(request, MAX_LOGIN_BODY_BYTES);
    const next = form ? new URLSearchParams(text).get("next") : null;
    const user = await revokeSessions(login, request);
    writeAuditEvent({ event: "logout", user, address: context.clientAddress });
    const cookie = serializeClearedCookie(runtime.cookieName, {
      secure: context.secure,
    });
    if (form || acceptsHtml(request.headers.get(HEADER.ACCEPT))) {
      return seeOther(next === null ? loginPath : sanitizeNext(next), cookie);
    }
    return respondEmpty(baseHeaders, STATUS.NO_CONTENT, {
      [HEADER.SET_COOKIE]: cookie,
      [HEADER.CACHE_CONTROL]: "no-store",
    });
  }

  async function showPage(
    login: LoginRuntime,
    request: Request,
    context: RequestContext,
    page: { status: number; error?: string; next?: string | null },
  ): Promise<Response> {
    const next = sanitizeNext(page.next ?? context.url.searchParams.get("next"));
    const signedInAs = await readSessionUser(login, request) ?? undefined;
    const html = renderLoginPage({ loginPath, logoutPath, next, error: page.error, signedInAs });
    return respondBytes(baseHeaders, request, {
      status: page.status,
      body: new TextEncoder().encode(html),
      headers: {
        [HEADER.CONTENT_TYPE]: "text/html; charset=utf-8",
        [HEADER.CACHE_CONTROL]: "no-store",
        "content-security-policy": LOGIN_PAGE_CSP,
        [HEADER.VARY]: "Cookie",
      },
    });
  }

  /** The name in a valid, not signed-out session cookie, or null. */
  async function readSessionUser(login: LoginRuntime, request: Request): Promise<string | null> {
    const token = readCookie(request.headers.get(HEADER.COOKIE), runtime.cookieName);
    if (token === null) return null;
    const result = await login.verifier.verify(token);
    if (!result.ok) return null;
    const session = resolveSession(runtime, result);
    return session.ok ? session.user.name : null;
  }

  /**
   * Revokes the berth sessions the request carries (the cookie and a Bearer
   * token) until they expire; resolves to the signed-out user's name, or null.
   */
  async function revokeSessions(login: LoginRuntime, request: Request): Promise<string | null> {
    const tokens = new Set<string>();
    const cookie = readCookie(request.headers.get(HEADER.COOKIE), runtime.cookieName);
    if (cookie !== null) tokens.add(cookie);
    const authorization = request.headers.get(HEADER.AUTHORIZATION);
    const bearer = authorization === null || authorization.length > MAX_AUTHORIZATION_LENGTH
      ? null
      : readBearerToken(authorization);
    if (bearer !== null) tokens.add(bearer);
    let user: string | null = null;
    for (const token of tokens) {
      const result = await login.verifier.verify(token);
      if (!result.ok) continue;
      const session = resolveSession(runtime, result);
      // Only berth's own sessions: an identity provider's tokens are its business.
      if (!session.ok || !session.berthSession) continue;
      user ??= session.user.name;
      if (result.tokenId !== null && result.expiresAt !== null) {
        // Renewals share the jti and expire at most one lifetime from now:
        // the entry must outlive the newest token of the session.
        const latest = Math.floor(Date.now() / 1000) + login.sessionTtlSeconds;
        await runtime.revocations.revoke({
          tokenId: result.tokenId,
          expiresAt: Math.max(result.expiresAt, latest),
          issuedAt: result.issuedAt,
        });
      }
    }
    return user;
  }

  /** Answers the login or logout path; HttpErrors become JSON unless a browser asks for HTML. */
  async function answerEndpoint(request: Request, context: RequestContext): Promise<Response> {
    const login = runtime.login;
    if (login === null) throw new HttpError(STATUS.NOT_FOUND, "Nothing is served at this path");
    try {
      return context.url.pathname === loginPath
        ? await answerLogin(login, request, context)
        : await answerLogout(login, request, context);
    } catch (error) {
      // An API: its errors are JSON unless a browser asks for HTML (the
      // error boundary builds the page).
      if (!(error instanceof HttpError) || error.preferJson) throw error;
      throw new HttpError(error.status, error.publicMessage, {
        headers: error.headers,
        preferJson: true,
        cause: error.cause,
      });
    }
  }

  return function answerLoginEndpoints(request, context, next) {
    const path = context.url.pathname;
    // Most requests: two string comparisons and straight on, no extra async frame.
    if (path !== loginPath && path !== logoutPath) return next();
    return answerEndpoint(request, context);
  };
}

/**
 * Refuses cross-site POSTs (CSRF): an `Origin` header must name this site, a
 * `Sec-Fetch-Site` header must say `same-origin` or `none`. Requests with
 * neither (curl, scripts) carry no ambient browser credentials and pass.
 */
function checkSameOrigin(request: Request, context: RequestContext): void {
  const origin = request.headers.get(HEADER.ORIGIN);
  const site = request.headers.get("sec-fetch-site");
  if (origin !== null) {
    if (!isSameOrigin(origin, context.url, context.secure)) throw crossSite();
  } else if (site !== null && site !== "same-origin" && site !== "none") {
    throw crossSite();
  }
}

function isSameOrigin(origin: string, url: URL, secure: boolean): boolean {
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false; // `null` (sandboxed frames, some redirects) and garbage.
  }
  // Browsers send the serialized origin exactly; anything else is not one.
  if (parsed.origin !== origin) return false;
  if (parsed.host !== url.host) return false;
  if (parsed.protocol === url.protocol) return true;
  // Behind a trusted TLS-terminating proxy berth sees http while the browser says https.
  return parsed.protocol === "https:" && secure;
}

function crossSite(): HttpError {
  return new HttpError(STATUS.FORBIDDEN, "Cross-site sign-in requests are refused");
}

function methodNotAllowed(): HttpError {
  return new HttpError(STATUS.METHOD_NOT_ALLOWED, "Use GET for the page and POST to sign in", {
    headers: { [HEADER.ALLOW]: LOGIN_ALLOW },
  });
}

function isForm(request: Request): boolean {
  return mediaTypeOf(request) === FORM_TYPE;
}

function mediaTypeOf(request: Request): string {
  return (request.headers.get(HEADER.CONTENT_TYPE) ?? "").split(";")[0].trim().toLowerCase();
}

/** Reads and validates the login body; every mistake is a 4xx with a message. */
async function readLoginFields(request: Request, form: boolean): Promise<LoginFields> {
  const type = mediaTypeOf(request);
  if (!form && type !== JSON_TYPE) {
    await request.body?.cancel().catch(() => {});
    throw new HttpError(
      STATUS.UNSUPPORTED_MEDIA_TYPE,
      `Send the sign-in as ${JSON_TYPE} or ${FORM_TYPE}`,
    );
  }
  const text = await readBodyText(request, MAX_LOGIN_BODY_BYTES);
  let raw: Record<string, unknown>;
  if (form) {
    raw = Object.fromEntries(new URLSearchParams(text));
  } else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new HttpError(STATUS.BAD_REQUEST, "The request body is not valid JSON", {
        cause: error,
      });
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new HttpError(STATUS.BAD_REQUEST, 'Send a JSON object: {"username", "password"}');
    }
    raw = parsed as Record<string, unknown>;
  }
  const { username, password, totp, next } = raw;
  if (typeof username !== "string" || username === "" || typeof password !== "string") {
    throw new HttpError(STATUS.BAD_REQUEST, '"username" and "password" must be strings');
  }
  if (totp !== undefined && totp !== null && typeof totp !== "string") {
    throw new HttpError(STATUS.BAD_REQUEST, '"totp" must be a string of 6 digits');
  }
  return {
    username,
    password,
    totp: typeof totp === "string" ? totp.trim() : null,
    next: typeof next === "string" ? next : null,
  };
}
