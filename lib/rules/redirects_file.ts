/**
 * @module
 * Parser for `_redirects` in the syntax Netlify and Cloudflare Pages share:
 * one rule per line, `from to [status][!]`, `#` comments. A pure function of
 * the text, so malformed input is tested with tables.
 *
 * Supported: `*` / `:splat` and `:name` placeholders; statuses 200 (rewrite),
 * 301, 302, 303, 307, 308 (redirect; 301 by default), 404, 410 and 451
 * (serve the target page with that status); `!` to apply a rule even when a
 * file exists at the path. Unsupported and rejected with a message: proxying
 * to another host (200 with an absolute URL), domain-level `from` URLs,
 * query-parameter matching, and country / language / role / cookie
 * conditions.
 */

import {
  compilePattern,
  encodePathText,
  listPlaceholders,
  type PathPattern,
  SPLAT_NAME,
} from "./pattern.ts";
import type { ParseRulesResult, RuleProblem } from "./rule_error.ts";

/** What a matching rule does. */
export type RedirectKind = "redirect" | "rewrite" | "status";

/** One `_redirects` rule, validated. */
export interface RedirectRule {
  /** The compiled `from` pattern. */
  from: PathPattern;
  /** The target: a path (may carry a query) or an absolute http(s) URL. */
  to: string;
  /** Whether `to` is an absolute URL on another origin. */
  external: boolean;
  /** HTTP status: 200, 3xx, or the status of a custom page. */
  status: number;
  /** `redirect` (3xx), `rewrite` (200) or `status` (serve `to` with `status`). */
  kind: RedirectKind;
  /** `!`: apply even when a file exists at the requested path. */
  force: boolean;
  /** Where the rule was written, for logs. */
  source: string;
  /** Line (or list position) of the rule. */
  line: number;
}

/** Redirect statuses (RFC 9110 §15.4) a rule may use. */
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
/** Statuses that serve the target page with that status (not found, gone, legal reasons). */
const PAGE_STATUSES: ReadonlySet<number> = new Set([404, 410, 451]);
/** The rewrite status. */
const REWRITE_STATUS = 200;
/** Status of a rule that gives none, as on Netlify and Cloudflare. */
const DEFAULT_REDIRECT_STATUS = 301;

/** `301`, `200!`, `404`: a status with an optional force mark. */
const STATUS_TOKEN_REGEXP = /^([0-9]{3})(!?)$/;
/** An absolute URL berth can redirect to. */
const ABSOLUTE_URL_REGEXP = /^https?:\/\//i;
/** Netlify condition keys, which berth does not evaluate. */
const CONDITION_REGEXP = /^(?:country|language|role|cookie|signed)=/i;
/** Whitespace between tokens. */
const SPACE_REGEXP = /[ \t]+/;

/** Options for {@linkcode parseRedirects} and {@linkcode parseRedirectLines}. */
export interface ParseRedirectsOptions {
  /** Name used in problems, e.g. `_redirects` or `redirectRules`. */
  source: string;
}

/** Parses `_redirects` text into rules, or lists every problem with its line. */
export function parseRedirects(
  text: string,
  options: ParseRedirectsOptions,
): ParseRulesResult<RedirectRule> {
  return parseRedirectLines(text.replace(/^\uFEFF/, "").split(/\r?\n/), options);
}

/**
 * Parses rule lines numbered from 1, or lists every problem with its line.
 * Also used for the config file's `redirectRules`, whose items are lines.
 */
export function parseRedirectLines(
  lines: readonly string[],
  options: ParseRedirectsOptions,
): ParseRulesResult<RedirectRule> {
  const rules: RedirectRule[] = [];
  const problems: RuleProblem[] = [];
  lines.forEach((raw, index) => {
    const where = { source: options.source, line: index + 1 };
    const result = parseRedirectLine(raw, where);
    if (result === null) return;
    if ("message" in result) problems.push({ ...where, message: result.message });
    else rules.push(result);
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, rules };
}

/** Parses one line: `null` for a blank or comment line, a rule, or a problem. */
function parseRedirectLine(
  raw: string,
  where: { source: string; line: number },
): RedirectRule | { message: string } | null {
  const text = raw.trim();
  if (text === "" || text.startsWith("#")) return null;
  if (text.includes("\0")) return { message: "the line contains a NUL character" };
  const tokens = text.split(SPACE_REGEXP);
  const [from, to, ...rest] = tokens;
  if (ABSOLUTE_URL_REGEXP.test(from)) {
    return {
      message: `${
        JSON.stringify(from)
      }: domain-level rules are not supported; "from" must be a path`,
    };
  }
  if (to === undefined) {
    return { message: `${JSON.stringify(from)} has no target: write "from to [status]"` };
  }
  if (to.includes("=") && !to.startsWith("/") && !ABSOLUTE_URL_REGEXP.test(to)) {
    return { message: `${JSON.stringify(to)}: query-parameter matching is not supported` };
  }
  const compiled = compilePattern(from);
  if (!compiled.ok) return { message: compiled.message };

  let status = DEFAULT_REDIRECT_STATUS;
  let force = false;
  if (rest.length > 0) {
    const statusMatch = STATUS_TOKEN_REGEXP.exec(rest[0]);
    if (statusMatch === null) {
      if (CONDITION_REGEXP.test(rest[0])) return unsupportedCondition(rest[0]);
      return { message: `${JSON.stringify(rest[0])} is not a status such as 301, 200 or 404!` };
    }
    status = Number(statusMatch[1]);
    force = statusMatch[2] === "!";
    if (rest.length > 1) {
      if (CONDITION_REGEXP.test(rest[1])) return unsupportedCondition(rest[1]);
      return { message: `unexpected ${JSON.stringify(rest[1])} after the status` };
    }
  }

  let kind: RedirectKind;
  if (status === REWRITE_STATUS) kind = "rewrite";
  else if (REDIRECT_STATUSES.has(status)) kind = "redirect";
  else if (PAGE_STATUSES.has(status)) kind = "status";
  else {
    return {
      message:
        `status ${status} is not supported: use 200, 301, 302, 303, 307, 308, 404, 410 or 451`,
    };
  }

  const external = ABSOLUTE_URL_REGEXP.test(to);
  if (external) {
    if (kind !== "redirect") {
      return {
        message: `${
          JSON.stringify(to)
        }: proxying (status ${status} to another host) is not supported; use a 301, 302, 303, 307 or 308 redirect`,
      };
    }
    try {
      new URL(to);
    } catch {
      return { message: `${JSON.stringify(to)} is not a valid URL` };
    }
  } else if (!to.startsWith("/") || to.startsWith("//")) {
    return {
      message: `${JSON.stringify(to)} is not a path starting with "/" or an http(s) URL`,
    };
  }
  if (/[\\\0\s]/.test(to) || (to.includes("#") && kind !== "redirect")) {
    return { message: `${JSON.stringify(to)} contains characters a target cannot have` };
  }
  // Header values must be ASCII: "/café" becomes "/caf%C3%A9", hosts become punycode.
  const target = external ? new URL(to).href : encodePathText(to);
  const known = new Set(compiled.pattern.names);
  const url = external ? new URL(target) : null;
  for (const name of listPlaceholders(url === null ? target : url.pathname + url.search)) {
    if (!known.has(name)) {
      return {
        message: name === SPLAT_NAME
          ? `${JSON.stringify(to)} uses ":splat" but ${JSON.stringify(from)} has no "*"`
          : `${JSON.stringify(to)} uses ":${name}", which ${JSON.stringify(from)} does not define`,
      };
    }
  }
  return {
    from: compiled.pattern,
    to: target,
    external,
    status,
    kind,
    force,
    source: where.source,
    line: where.line,
  };
}

function unsupportedCondition(token: string): { message: string } {
  return {
    message: `${
      JSON.stringify(token)
    }: conditions (country, language, role, cookie, signed) are not supported`,
  };
}
