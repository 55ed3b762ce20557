/**
 * @module
 * The outer auth layer. `authenticate` finds the caller (Bearer token,
 * session cookie, or HTTP Basic when enabled; never the query string), sets
 * `context.user`, and applies the access rules to the decoded, normalized
 * path before anything touches the filesystem; answers that needed
 * authentication become private, and a session cookie past half its life is
 * renewed on them. The guards further down are in `access_guard.ts`.
 */

import type { Middleware } from "../compose.ts";
import { HEADER } from "../http/constants.ts";
import { keepPrivate } from "../http/private_caching.ts";
import { decideAccessForPaths } from "../auth/access_rules.ts";
import type { LoginRuntime } from "../auth/load_auth.ts";
import { serializeSessionCookie } from "../auth/session_cookie.ts";
import { writeAuditEvent } from "../log/audit.ts";
import { accessPathOf, type AuthOptions, denyAccess, noteProtected } from "./access_guard.ts";
import { createCallerResolver, type ResolvedCaller } from "./resolve_caller.ts";

/**
 * Builds the outer auth layer: resolves the caller, then allows the request,
 * challenges it (401, or 303 to the login page for a browser navigation) or
 * forbids it (403). Responses that needed authentication — because of the
 * request path, or of the file the core reached (see `createResourceGuard`
 * in access_guard.ts) — become `private` and vary on
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
      const cookie = runtime.login === null
        ? null
        : await renewSession(runtime.login, runtime.cookieName, { caller, secure: context.secure });
      if (cookie !== null) marked.headers.append(HEADER.SET_COOKIE, cookie);
    }
    return marked;
  };
}

/** A fresh session cookie when the current one is past half its life, else null. */
async function renewSession(
  login: LoginRuntime,
  cookieName: string,
  { caller, secure }: { caller: ResolvedCaller; secure: boolean },
): Promise<string | null> {
  const { signer, users } = login;
  const issuedAt = caller.session?.issuedAt ?? null;
  const expiresAt = caller.session?.expiresAt ?? null;
  if (issuedAt === null || expiresAt === null || caller.user === null) return null;
  const nowSeconds = Date.now() / 1000;
  if (nowSeconds < issuedAt + (expiresAt - issuedAt) / 2) return null;
  // Roles come from the users file, so a renewal never outlives a removed account.
  const record = users.get(caller.user.name);
  if (record === undefined) return null;
  // SECURITY: the renewed token keeps the session's jti, so a sign-out with
  // any token of the session revokes the older ones too.
  const { token } = await signer.sign(
    { name: record.name, roles: record.roles },
    {
      ttlSeconds: login.sessionTtlSeconds,
      sessionVersion: users.sessionVersion(record.name),
      tokenId: caller.session?.tokenId ?? undefined,
    },
  );
  return serializeSessionCookie(token, {
    name: cookieName,
    maxAgeSeconds: login.sessionTtlSeconds,
    secure,
  });
}
