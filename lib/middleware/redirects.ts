/**
 * @module
 * `_redirects` rules (and the config file's `redirectRules`): the first rule
 * whose pattern matches decides. 3xx answers with a redirect, 200 rewrites
 * the request for the layers below, 404/410/451 serve the target page with
 * that status. As on Netlify, a rule without `!` does not shadow content that
 * exists at the requested path. The query string is kept unless the target
 * has its own. Rules come from a holder that hot reload swaps.
 */

import type { Middleware, Next, RequestContext } from "../compose.ts";
import type { BaseHeaders } from "../http/base_headers.ts";
import { HEADER, STATUS } from "../http/constants.ts";
import { createRedirect, pinToSite, publicPath, rerouteRequest } from "../http/local_redirect.ts";
import type { PathProbe } from "../rules/path_probe.ts";
import { fillPlaceholders, matchPattern } from "../rules/pattern.ts";
import type { RedirectRule } from "../rules/redirects_file.ts";
import type { SiteRulesHolder } from "../rules/site_rules.ts";

/** Options for {@linkcode redirects}. */
export interface RedirectsOptions {
  /** Holder of the current rules. */
  rules: SiteRulesHolder;
  /** What exists under the root (for "no shadowing without !"). */
  probe: PathProbe;
  /** The headers every answer starts from (its redirects). */
  baseHeaders?: BaseHeaders;
}

/** Request headers dropped when serving a custom status page, so it is never a 304 or 206. */
const CONDITIONAL_HEADERS: readonly string[] = [
  HEADER.IF_MATCH,
  HEADER.IF_NONE_MATCH,
  HEADER.IF_MODIFIED_SINCE,
  HEADER.IF_UNMODIFIED_SINCE,
  HEADER.IF_RANGE,
  HEADER.RANGE,
];

/** Validators that describe the page file, not the error it now stands for. */
const FILE_VALIDATORS: readonly string[] = [
  HEADER.ETAG,
  HEADER.LAST_MODIFIED,
  HEADER.ACCEPT_RANGES,
];

/** Builds the middleware that applies redirect and rewrite rules. */
export function redirects(options: RedirectsOptions): Middleware {
  return function applyRedirects(request, context, next) {
    const rules = options.rules.get().redirects;
    if (rules.length === 0) return next();
    return applyRules(rules, { request, context, next, base: options.baseHeaders });
  };

  async function applyRules(
    rules: readonly RedirectRule[],
    call: RuleCall,
  ): Promise<Response> {
    const { context, next } = call;
    const path = context.path;
    // A path the core will refuse (400) is never re-routed.
    if (!path.ok) return await next();
    for (const rule of rules) {
      // The canonical path: `//x`, `/%78` and `/a/../x` are all `/x` here.
      const params = matchPattern(rule.from, path.text);
      if (params === null) continue;
      if (!rule.force && await options.probe.exists(path.segments)) return await next();
      return await applyRule(rule, params, call);
    }
    return await next();
  }
}

/** One request as the rules see it, with the base headers of the redirects they answer. */
interface RuleCall {
  request: Request;
  context: RequestContext;
  next: Next;
  base: BaseHeaders | undefined;
}

async function applyRule(
  rule: RedirectRule,
  params: Record<string, string>,
  call: RuleCall,
): Promise<Response> {
  const { request, context, next } = call;
  const filled = fillPlaceholders(rule.to, params);
  const target = rule.external ? filled : pinToSite(filled);
  const withQuery = target.includes("?") || context.url.search === ""
    ? target
    : target + context.url.search;
  if (rule.kind === "redirect") {
    // Rules are written for the site: a local target gets the base path back.
    const location = rule.external ? withQuery : publicPath(context, withQuery);
    return createRedirect(location, rule.status, call.base);
  }

  const url = new URL(withQuery, context.url);
  if (rule.kind === "rewrite") return await next(...rerouteRequest(request, context, url));

  const response = await next(
    ...rerouteRequest(request, context, url, { dropHeaders: CONDITIONAL_HEADERS }),
  );
  if (response.status !== STATUS.OK) return response;
  const headers = new Headers(response.headers);
  for (const name of FILE_VALIDATORS) headers.delete(name);
  headers.set(HEADER.CACHE_CONTROL, "no-cache");
  return new Response(response.body, { status: rule.status, headers });
}
