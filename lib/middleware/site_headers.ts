/**
 * @module
 * The operator's header rules: `_headers` blocks (and the config file's
 * `headerRules`), then the `headers` setting as one `/*` rule over them.
 * Every block whose pattern matches the request path applies, in order.
 * Values for the same name from several blocks are joined with ", " (as
 * Cloudflare Pages does) and replace the header berth would have sent;
 * `! Name` removes a header, including one berth sets itself (e.g.
 * `X-Frame-Options`). The `headers` setting replaces whatever berth, the
 * response or a block set for its names, as it always has. Patterns match the
 * canonical path the client asked for (before any rewrite) and the file that
 * answered it (its real path relative to the root), so a block follows its
 * file through symlinks and odd spellings alike. An answer that needed
 * authentication stays private whatever a rule says (see private_caching.ts).
 *
 * {@linkcode siteHeaders} applies the rules to the answers coming up the
 * chain; the error boundary applies the same {@linkcode HeaderRules} to the
 * error pages it builds, so both get exactly the same headers. A decorator:
 * it only changes headers, never the status or body.
 */

import type { Middleware, RequestContext } from "../compose.ts";
import { HEADER } from "../http/constants.ts";
import { keepPrivate } from "../http/private_caching.ts";
import { applyHeaders } from "../http/response_headers.ts";
import { matchPattern } from "../rules/pattern.ts";
import type { HeaderRule } from "../rules/headers_file.ts";
import type { SiteRulesHolder } from "../rules/site_rules.ts";

/** Options for {@linkcode createHeaderRules}. */
export interface HeaderRulesOptions {
  /** Holder of the current `_headers` / `headerRules` blocks. */
  rules: SiteRulesHolder;
  /** The `headers` setting: set on every response, over everything else. */
  operatorHeaders?: Readonly<Record<string, string>>;
}

/** The operator's header rules, as one function over a built response. */
export interface HeaderRules {
  /** False when no rule is in force now (the caller may skip {@linkcode HeaderRules.apply}). */
  active(): boolean;
  /**
   * Returns `response` with the rules for `context` applied (copied only if
   * its headers are immutable). Read after the answer is built: the core
   * records on `context.outcome` the file it answered from.
   */
  apply(response: Response, context: RequestContext): Response;
}

/** Compiles the header rules (the `headers` setting lower-cased once). */
export function createHeaderRules(options: HeaderRulesOptions): HeaderRules {
  const operator = Object.entries(options.operatorHeaders ?? {}).map(([name, value]) =>
    [name.toLowerCase(), value] as const
  );
  const holder = options.rules;
  return {
    active: () => operator.length > 0 || holder.get().headers.length > 0,
    apply(response, context) {
      let result = response;
      const blocks = holder.get().headers;
      // Two steps, each keeping a protected answer private against the value
      // before it, exactly as the two decorators they replace did.
      if (blocks.length > 0) result = applyBlocks(result, context, blocks);
      if (operator.length > 0) result = applyRecord(result, context, operator, []);
      return result;
    },
  };
}

/** Builds the decorator that applies `rules` to every answer from below. */
export function siteHeaders(rules: HeaderRules): Middleware {
  return function applySiteHeaders(_request, context, next) {
    if (!rules.active()) return next();
    return next().then((response) => rules.apply(response, context));
  };
}

/** The `_headers` blocks matching the request path or the file that answered it. */
function applyBlocks(
  response: Response,
  context: RequestContext,
  blocks: readonly HeaderRule[],
): Response {
  const set = new Map<string, string>();
  const remove = new Set<string>();
  const path = context.path.ok ? context.path.text : null;
  const resource = context.outcome.resource;
  for (const rule of blocks) {
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
  return applyRecord(response, context, [...set], [...remove]);
}

/** Sets `entries` over the response's own and deletes `remove`; a protected answer stays private. */
function applyRecord(
  response: Response,
  context: RequestContext,
  entries: readonly (readonly [string, string])[],
  remove: readonly string[],
): Response {
  const before = response.headers.get(HEADER.CACHE_CONTROL);
  const decorated = applyHeaders(response, entries, { mode: "override", remove });
  const { outcome } = context;
  return outcome.protected && !outcome.shareable ? keepPrivate(decorated, before) : decorated;
}
