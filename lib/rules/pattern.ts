/**
 * @module
 * Path patterns of Netlify / Cloudflare Pages `_headers` and `_redirects`:
 * literal segments, `:name` placeholders (one whole segment) and one `*`
 * splat (the rest of the path, possibly empty). Compiled once at startup
 * into an anchored regular expression with no nested quantifiers, so
 * matching stays linear in the path length. Patterns are matched against the
 * canonical request path, never the raw URL.
 */

import { canonicalRuleText } from "../http/request_path.ts";

/** A compiled path pattern. */
export interface PathPattern {
  /** The pattern as written, e.g. `/blog/:year/*`. */
  readonly source: string;
  /** Placeholder names in order; `splat` stands for `*`. */
  readonly names: readonly string[];
  /** Anchored matcher over the canonical request path (see request_path.ts). */
  readonly regexp: RegExp;
}

/** Result of {@linkcode compilePattern}. */
export type CompiledPattern =
  | { ok: true; pattern: PathPattern }
  | { ok: false; message: string };

/** A placeholder name: `:year`, `:slug`, `:id_2`. */
const PLACEHOLDER_NAME_REGEXP = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Characters with a meaning in a regular expression. */
const REGEXP_SPECIAL_REGEXP = /[.*+?^${}()|[\]\\]/g;
/** The name `*` captures under, as in Netlify's `:splat`. */
export const SPLAT_NAME = "splat";

/**
 * Compiles a pattern such as `/news/:year/*`. The path must start with `/`;
 * `:name` must be a whole segment; `*` may appear once, at the end of a
 * segment. A trailing `/` is optional when matching (`/about` matches
 * `/about/` too), and `/x/*` also matches `/x`.
 */
export function compilePattern(source: string): CompiledPattern {
  if (!source.startsWith("/")) {
    return { ok: false, message: `${JSON.stringify(source)} is not a path starting with "/"` };
  }
  if (source.includes("?") || source.includes("#")) {
    return {
      ok: false,
      message: `${JSON.stringify(source)} has a query or fragment; paths are matched without them`,
    };
  }
  const names: string[] = [];
  const segments = source.slice(1).split("/");
  let body = "";
  let splatSeen = false;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    const last = i === segments.length - 1;
    if (segment === "" && last) break;
    if (segment.startsWith(":")) {
      const name = segment.slice(1);
      if (!PLACEHOLDER_NAME_REGEXP.test(name) || name === SPLAT_NAME) {
        return {
          ok: false,
          message: `${JSON.stringify(segment)} is not a placeholder name (letters, digits, "_")`,
        };
      }
      if (names.includes(name)) {
        return { ok: false, message: `placeholder ":${name}" appears twice` };
      }
      names.push(name);
      body += "/([^/]+)";
      continue;
    }
    const star = segment.indexOf("*");
    if (star === -1) {
      if (segment.includes(":")) {
        return {
          ok: false,
          message: `${
            JSON.stringify(segment)
          } mixes ":" with text; placeholders are whole segments`,
        };
      }
      body += "/" + escapeLiteral(segment);
      continue;
    }
    if (splatSeen || star !== segment.length - 1 || !last) {
      return {
        ok: false,
        message: `${JSON.stringify(source)} has a "*" that is not the last character`,
      };
    }
    splatSeen = true;
    names.push(SPLAT_NAME);
    const prefix = escapeLiteral(segment.slice(0, -1));
    // "/x/*" also matches "/x"; "/x*" matches "/x", "/xy" and "/x/y".
    body += prefix === "" ? "(?:/(.*))?" : `/${prefix}(.*)`;
  }
  if (!splatSeen) body += "/?";
  if (body === "/?") body = "/";
  return { ok: true, pattern: { source, names, regexp: new RegExp(`^${body}$`) } };
}

/**
 * Matches `pathname` against `pattern`; returns the captured placeholders
 * (`splat` for `*`, `""` when it matched nothing) or `null`.
 */
export function matchPattern(
  pattern: PathPattern,
  pathname: string,
): Record<string, string> | null {
  const match = pattern.regexp.exec(pathname);
  if (match === null) return null;
  const params: Record<string, string> = {};
  pattern.names.forEach((name, index) => {
    params[name] = match[index + 1] ?? "";
  });
  return params;
}

/** Replaces `:name` and `:splat` in `target` with captured values. */
export function fillPlaceholders(target: string, params: Readonly<Record<string, string>>): string {
  return target.replace(
    /:([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, name: string) => Object.hasOwn(params, name) ? params[name] : whole,
  );
}

/** Lists the `:name` placeholders a target uses (for startup checks). */
export function listPlaceholders(target: string): string[] {
  return [...target.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]);
}

/**
 * Percent-encodes what the URL parser encodes in a path (non-ASCII, space,
 * quotes, angle brackets, braces, backtick), so literal text written in a
 * rules file compares equal to a request path and is a valid header value.
 */
export function encodePathText(text: string): string {
  return text.replace(/[^\x21-\x7e]|["<>`{}]/gu, (char) => encodeURIComponent(char));
}

/**
 * Literal pattern text in the canonical encoding request paths are matched
 * in (`%70rivate` and `private` are one name), escaped for a regular expression.
 */
function escapeLiteral(text: string): string {
  return canonicalRuleText(text).replace(REGEXP_SPECIAL_REGEXP, "\\$&");
}
