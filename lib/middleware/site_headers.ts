/**
 * @module
 * `_headers` rules (and the config file's `headerRules`): every block whose
 * pattern matches the request path applies, in order. Values for the same
 * name from several blocks are joined with ", " (as Cloudflare Pages does)
 * and replace the header berth would have sent; `! Name` removes a header,
 * including one berth sets itself (e.g. `X-Frame-Options`). Patterns match
 * the canonical path the client asked for (before any rewrite) and the file
 * that answered it (its real path relative to the root), so a block follows
 * its file through symlinks and odd spellings alike. An answer that needed
 * authentication stays private whatever a block says (see
 * private_caching.ts). A decorator: it only changes headers, never the
 * status or body.
 */

import type { Middleware, Next, RequestContext } from "../compose.ts";
import { HEADER } from "../http/constants.ts";
import { keepPrivate } from "../http/private_caching.ts";
import { applyHeaders } from "../http/response_headers.ts";
import { matchPattern } from "../rules/pattern.ts";
import type { SiteRulesHolder } from "../rules/site_rules.ts";

/** Options for {@linkcode siteHeaders}. */
export interface SiteHeadersOptions {
  /** Holder of the current rules. */
  rules: SiteRulesHolder;
}

/** Builds the decorator that applies `_headers` blocks. */
export function siteHeaders(options: SiteHeadersOptions): Middleware {
  return function applySiteHeaders(_request, context, next) {
    if (options.rules.get().headers.length === 0) return next();
    return applyRules(context, next);
  };

  async function applyRules(context: RequestContext, next: Next): Promise<Response> {
    const response = await next();
    const rules = options.rules.get().headers;
    if (rules.length === 0) return response;
    const set = new Map<string, string>();
    const remove = new Set<string>();
    // Read after next(): the core records the file it answered from.
    const path = context.path.ok ? context.path.text : null;
    const resource = context.outcome.resource;
    for (const rule of rules) {
      const matches = (path !== null && matchPattern(rule.for, path) !== null) ||
        (resource !== null && resource !== path && matchPattern(rule.for, resource) !== null);
      if (!matches) continue;
      for (const [name, value] of rule.set) {
        const previous = set.get(name);
        set.set(name, previous === undefined ? value : `${previous}, ${value}`);
        remove.delete(name);
      }
      for (const name of rule.remove) {
        set.delete(name);
        remove.add(name);
      }
    }
    const before = response.headers.get(HEADER.CACHE_CONTROL);
    const decorated = applyHeaders(response, [...set], { mode: "override", remove: [...remove] });
    const { outcome } = context;
    return outcome.protected && !outcome.shareable ? keepPrivate(decorated, before) : decorated;
  }
}
