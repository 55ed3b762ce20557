/**
 * @module
 * Access rules: an ordered list of path patterns, each saying who may read
 * what it matches (anyone, any signed-in user, or users holding one of some
 * roles). First match wins; a path no rule matches is public. Pure: the auth
 * middleware feeds it the decoded, normalized request path.
 */

import type { AuthenticatedUser } from "../compose.ts";
import type { AccessRuleConfig } from "../config/schema.ts";
import { encodedSiblingBases } from "../http/encoded_sibling.ts";

/** Who may read the paths a rule matches. */
export type AccessRequirement =
  | { kind: "public" }
  | { kind: "authenticated" }
  | { kind: "roles"; roles: readonly string[] };

/** One compiled rule. */
export interface AccessRule {
  /** Position in the `access` list, for the audit log. */
  index: number;
  /** The pattern as configured, for logs and messages. */
  pattern: string;
  /** Who may read the matched paths. */
  requirement: AccessRequirement;
  /** Tests a canonical decoded path (see {@linkcode canonicalAccessPath}). */
  regexp: RegExp;
  /** Header rules may set the caching of answers this rule protects (`"shareable": true`). */
  shareable: boolean;
}

/** What {@linkcode decideAccess} concludes for one request. */
export type AccessDecision =
  | {
    kind: "allow";
    rule: AccessRule | null;
    protected: boolean;
    /** The protecting rules all opted in to header rules setting caching (`"shareable": true`). */
    shareable: boolean;
  }
  | { kind: "unauthenticated"; rule: AccessRule }
  | { kind: "forbidden"; rule: AccessRule };

/** Thrown by {@linkcode compileAccessRules} for a pattern berth cannot match safely. */
export class AccessRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AccessRuleError";
  }
}

/** URLPattern group and modifier syntax berth does not implement; refused rather than misread. */
const UNSUPPORTED_SYNTAX_REGEXP = /[(){}]/;
/** A `:name` parameter: matches one non-empty path segment. */
const PARAMETER_REGEXP = /^:[A-Za-z_][A-Za-z0-9_]*/;
/** Characters with a meaning in a RegExp, escaped in literal parts (`u`-mode safe). */
const REGEXP_SPECIAL_REGEXP = /[.*+?^${}()|[\]\\/]/g;

/**
 * Compiles the configured rules once, at startup.
 *
 * Patterns are URLPattern-style over the decoded path: `*` matches any run of
 * characters (slashes included), `:name` one segment, everything else itself.
 * A trailing `/*` also matches the directory itself (`/admin/*` covers
 * `/admin`), and a pattern without a wildcard matches with or without a
 * trailing slash. Matching ignores case and Unicode normalization form.
 * SECURITY: both are deliberate over-matches: case-insensitive and
 * normalizing filesystems (Windows, macOS) serve `/ADMIN/x` as `/admin/x`, so
 * a rule must not be bypassed by spelling a path differently.
 *
 * @throws {AccessRuleError} when a pattern uses unsupported URLPattern syntax.
 */
export function compileAccessRules(configs: readonly AccessRuleConfig[]): AccessRule[] {
  return configs.map((config, index) => ({
    index,
    pattern: config.path,
    requirement: config.public === true
      ? { kind: "public" }
      : config.authenticated === true
      ? { kind: "authenticated" }
      : { kind: "roles", roles: [...(config.roles ?? [])] },
    regexp: compilePattern(config.path),
    shareable: config.shareable === true,
  }));
}

/** Turns one pattern into an anchored, case-insensitive RegExp over canonical paths. */
function compilePattern(pattern: string): RegExp {
  if (!pattern.startsWith("/")) {
    throw new AccessRuleError(`Access rule path "${pattern}" must start with "/"`);
  }
  if (UNSUPPORTED_SYNTAX_REGEXP.test(pattern)) {
    throw new AccessRuleError(
      `Access rule path "${pattern}" uses URLPattern groups; berth patterns support "*" and ":name" only`,
    );
  }
  let text = decodePattern(pattern).normalize("NFC");
  let suffix = "/?";
  if (text.endsWith("/*")) {
    text = text.slice(0, -2);
    suffix = "(?:/.*)?";
  } else if (text.endsWith("/")) {
    text = text.slice(0, -1);
  }
  let source = "";
  for (let i = 0; i < text.length;) {
    const rest = text.slice(i);
    const parameter = PARAMETER_REGEXP.exec(rest);
    if (text[i] === "*") {
      source += ".*";
      i++;
    } else if (parameter !== null && (i === 0 || text[i - 1] === "/")) {
      source += "[^/]+";
      i += parameter[0].length;
    } else {
      source += text[i].replace(REGEXP_SPECIAL_REGEXP, "\\$&");
      i++;
    }
  }
  return new RegExp(`^${source}${suffix}$`, "iu");
}

/** Decodes `%XX` escapes so `/my%20docs/*` means the same as `/my docs/*`. */
function decodePattern(pattern: string): string {
  if (!pattern.includes("%")) return pattern;
  try {
    return decodeURIComponent(pattern);
  } catch {
    throw new AccessRuleError(`Access rule path "${pattern}" has invalid percent-encoding`);
  }
}

/**
 * The path rules are matched against: decoded segments (from
 * `decodeRequestPath`, so `..`, `.`, `//` and encodings are already resolved)
 * joined with `/`, with a trailing `/` for directories.
 */
export function canonicalAccessPath(segments: readonly string[], trailingSlash: boolean): string {
  if (segments.length === 0) return "/";
  return `/${segments.join("/")}${trailingSlash ? "/" : ""}`;
}

/** Returns the first rule matching the canonical `path`, or null (public). */
export function findAccessRule(rules: readonly AccessRule[], path: string): AccessRule | null {
  const normalized = path.normalize("NFC");
  for (const rule of rules) {
    if (rule.regexp.test(normalized)) return rule;
  }
  return null;
}

/**
 * Decides whether `user` may read a path governed by `rule`: public paths
 * allow anyone, protected ones need a user (else "unauthenticated", a 401)
 * and, for role rules, one of the roles (else "forbidden", a 403).
 */
export function decideAccess(
  rule: AccessRule | null,
  user: AuthenticatedUser | null,
): AccessDecision {
  if (rule === null || rule.requirement.kind === "public") {
    return { kind: "allow", rule, protected: false, shareable: false };
  }
  if (user === null) return { kind: "unauthenticated", rule };
  if (rule.requirement.kind === "roles") {
    const granted = rule.requirement.roles.some((role) => user.roles.includes(role));
    if (!granted) return { kind: "forbidden", rule };
  }
  return { kind: "allow", rule, protected: true, shareable: rule.shareable };
}

/**
 * The paths whose rules govern a canonical `path`: itself and, for a
 * precompressed sibling (`/docs/report.txt.gz`), the file it encodes.
 * SECURITY: a sibling holds the same content as its base file, so it
 * inherits the base file's protection.
 */
export function governingPaths(path: string): string[] {
  return [path, ...encodedSiblingBases(path)];
}

/**
 * Decides access for a request that reaches several paths at once (the
 * request path, the real path of the file it resolved to, and the base file
 * of a precompressed sibling): refused when any of them refuses, protected
 * when any of them is protected. Protection follows the file, not the URL.
 */
export function decideAccessForPaths(
  rules: readonly AccessRule[],
  paths: readonly string[],
  user: AuthenticatedUser | null,
): AccessDecision {
  let allowed: Extract<AccessDecision, { kind: "allow" }> | null = null;
  for (const path of paths) {
    for (const governing of governingPaths(path)) {
      const decision = decideAccess(findAccessRule(rules, governing), user);
      if (decision.kind !== "allow") return decision;
      if (allowed === null || (decision.protected && !allowed.protected)) allowed = decision;
      else if (decision.protected && !decision.shareable) allowed = decision;
    }
  }
  return allowed ?? { kind: "allow", rule: null, protected: false, shareable: false };
}

/**
 * Whether `user` may read the path made of `segments` (a directory when
 * `directory`), reached as `resource` (the canonical real path, relative to
 * the root, it resolves to); what listings use to hide entries a visitor
 * could not open, by either name.
 */
export function canReadPath(
  rules: readonly AccessRule[],
  segments: readonly string[],
  options: { directory: boolean; user: AuthenticatedUser | null; resource?: string },
): boolean {
  if (rules.length === 0) return true;
  const paths = [canonicalAccessPath(segments, options.directory)];
  if (options.resource !== undefined) paths.push(options.resource);
  return decideAccessForPaths(rules, paths, options.user).kind === "allow";
}
