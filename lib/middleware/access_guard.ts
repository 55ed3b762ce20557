/**
 * @module
 * Access enforcement after the caller is known. `accessGuard` stands between
 * the routing layers and re-applies the access rules to the path routing
 * chose and to the resource it stands for on disk, so no rewrite or fallback
 * leads around a protected path; `createResourceGuard` is the file core's
 * check of the file it is about to answer from. `denyAccess` answers a
 * refusal (403, 401 with challenges, or 303 to the login page) for them and
 * for the outer `authenticate` layer.
 */

import type { Middleware, RequestContext } from "../compose.ts";
import { acceptsHtml } from "../http/accept.ts";
import type { BaseHeaders } from "../http/base_headers.ts";
import { HEADER, STATUS } from "../http/constants.ts";
import { publicPath } from "../http/local_redirect.ts";
import { respondEmpty } from "../http/respond.ts";
import { appendHeaderToken } from "../http/response_headers.ts";
import { CREDENTIAL_VARY } from "../http/private_caching.ts";
import {
  type AccessDecision,
  canonicalAccessPath,
  decideAccessForPaths,
} from "../auth/access_rules.ts";
import { type CanonicalPath, requirePath } from "../http/request_path.ts";
import type { Resource, ResourceGuard, ResourceLocator } from "../serve/resource.ts";
import type { AuthRuntime } from "../auth/load_auth.ts";
import { nextForUrl } from "../auth/safe_next.ts";
import { writeAuditEvent } from "../log/audit.ts";
import { createErrorResponse } from "../serve/error_response.ts";

/** Options for `authenticate`, {@linkcode accessGuard} and {@linkcode createResourceGuard}. */
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
export function noteProtected(context: RequestContext, shareable: boolean): void {
  const { outcome } = context;
  // One protecting rule that did not opt in keeps the answer unshareable.
  outcome.shareable = outcome.protected ? outcome.shareable && shareable : shareable;
  outcome.protected = true;
}

/** The canonical decoded path the rules match, or a 400 for paths the core would refuse too. */
export function accessPathOf(context: RequestContext): string {
  const path = requirePath(context);
  return canonicalAccessPath(path.segments, path.trailingSlash);
}

/** Answers a request the rules refuse, and records it in the audit log. */
export function denyAccess(
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
    runtime.login !== null && request.method === "GET" &&
    acceptsHtml(request.headers.get(HEADER.ACCEPT))
  ) {
    // A browser navigation: send the person to the login page, then back here.
    const back = nextForUrl(context.url, context.basePath);
    const location = `${publicPath(context, options.loginPath)}?next=${encodeURIComponent(back)}`;
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
    if (runtime.basic !== null) {
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
