/**
 * @module
 * Parser for `_headers` in the syntax Netlify and Cloudflare Pages share: a
 * path pattern on its own line, then indented `Name: value` lines; `! Name`
 * removes a header; `#` starts a comment. Every block whose pattern matches
 * applies. A pure function of the text, so malformed input is tested with
 * tables. Absolute-URL patterns (`https://host/*`) are not supported.
 */

import { RESERVED_KEYS } from "../config/paths.ts";
import { HEADER_NAME_REGEXP } from "../config/schema.ts";
import { compilePattern, type PathPattern } from "./pattern.ts";
import type { ParseRulesResult, RuleProblem } from "./rule_error.ts";

/** One block of `_headers`: a pattern with the headers it sets and removes. */
export interface HeaderRule {
  /** The compiled path pattern. */
  for: PathPattern;
  /** Headers to set, names lower-cased; repeated names are joined with ", ". */
  set: readonly (readonly [string, string])[];
  /** Lower-cased names to remove from the response. */
  remove: readonly string[];
  /** Where the block was written, for logs. */
  source: string;
  /** Line of the pattern. */
  line: number;
}

/** Options for {@linkcode parseHeaders}. */
export interface ParseHeadersOptions {
  /** Name used in problems, e.g. `_headers`. */
  source: string;
}

/** A line that starts with a space or tab belongs to the block above it. */
const INDENTED_REGEXP = /^[ \t]/;

/** Block being collected while parsing. */
interface OpenBlock {
  pattern: PathPattern;
  line: number;
  set: Map<string, string>;
  remove: Set<string>;
}

/** Parses `_headers` text into rules, or lists every problem with its line. */
export function parseHeaders(
  text: string,
  options: ParseHeadersOptions,
): ParseRulesResult<HeaderRule> {
  const rules: HeaderRule[] = [];
  const problems: RuleProblem[] = [];
  const problem = (line: number, message: string) =>
    problems.push({ source: options.source, line, message });
  let block: OpenBlock | null = null;
  let blockBroken = false;
  const close = () => {
    if (block !== null) rules.push(closeBlock(block, options.source));
    block = null;
  };

  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    if (raw.includes("\0")) {
      problem(line, "the line contains a NUL character");
      return;
    }
    if (!INDENTED_REGEXP.test(raw)) {
      close();
      blockBroken = false;
      if (/^https?:\/\//i.test(trimmed)) {
        problem(
          line,
          `${JSON.stringify(trimmed)}: absolute URL patterns are not supported; use a path`,
        );
        blockBroken = true;
        return;
      }
      if (trimmed.includes(":") && !trimmed.startsWith("/")) {
        problem(
          line,
          `${JSON.stringify(trimmed)} looks like a header but is not indented under a path`,
        );
        blockBroken = true;
        return;
      }
      const compiled = compilePattern(trimmed);
      if (!compiled.ok) {
        problem(line, compiled.message);
        blockBroken = true;
        return;
      }
      block = { pattern: compiled.pattern, line, set: new Map(), remove: new Set() };
      return;
    }
    const current = block as OpenBlock | null;
    if (current === null) {
      if (!blockBroken) problem(line, "a header line must follow a path line");
      return;
    }
    if (trimmed.startsWith("!")) {
      const name = trimmed.slice(1).trim();
      if (!isHeaderName(name)) {
        problem(line, `${JSON.stringify(name)} is not a header name to remove ("! Name")`);
        return;
      }
      current.remove.add(name.toLowerCase());
      return;
    }
    const colon = trimmed.indexOf(":");
    if (colon <= 0) {
      problem(line, `${JSON.stringify(trimmed)} is not "Name: value" or "! Name"`);
      return;
    }
    const name = trimmed.slice(0, colon).trim();
    const value = trimmed.slice(colon + 1).trim();
    if (!isHeaderName(name)) {
      problem(
        line,
        `${JSON.stringify(name)} is not a header name (letters, digits and !#$%&'*+-.^_\`|~)`,
      );
      return;
    }
    const bad = checkHeaderValue(value);
    if (bad !== null) {
      problem(line, `the value of "${name}" ${bad}`);
      return;
    }
    const key = name.toLowerCase();
    const previous = current.set.get(key);
    current.set.set(key, previous === undefined ? value : `${previous}, ${value}`);
  });
  close();
  return problems.length > 0 ? { ok: false, problems } : { ok: true, rules };
}

/** Builds header rules from the config file's `headerRules` object (null removes). */
export function compileHeaderRecord(
  record: Readonly<Record<string, Readonly<Record<string, string | null>>>>,
  options: ParseHeadersOptions,
): ParseRulesResult<HeaderRule> {
  const rules: HeaderRule[] = [];
  const problems: RuleProblem[] = [];
  Object.entries(record).forEach(([path, headers], index) => {
    const line = index + 1;
    const compiled = compilePattern(path);
    if (!compiled.ok) {
      problems.push({ source: options.source, line, message: compiled.message });
      return;
    }
    const set: [string, string][] = [];
    const remove: string[] = [];
    for (const [name, value] of Object.entries(headers)) {
      if (!isHeaderName(name)) {
        problems.push({
          source: options.source,
          line,
          message: `${JSON.stringify(name)} is not a header name`,
        });
      } else if (value === null) {
        remove.push(name.toLowerCase());
      } else {
        const bad = checkHeaderValue(value);
        if (bad === null) set.push([name.toLowerCase(), value]);
        else {
          problems.push({ source: options.source, line, message: `the value of "${name}" ${bad}` });
        }
      }
    }
    rules.push({ for: compiled.pattern, set, remove, source: options.source, line });
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, rules };
}

/**
 * Why a field value cannot be sent, or `null`: control characters other than
 * HTAB (RFC 9110 §5.5), and characters above U+00FF, which `Headers` refuses
 * (they would fail every request instead of startup).
 */
function checkHeaderValue(value: string): string | null {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return "contains a control character";
    if (code > 0xff) return "contains a character outside Latin-1; percent-encode it";
  }
  return null;
}

function isHeaderName(name: string): boolean {
  return HEADER_NAME_REGEXP.test(name) && !RESERVED_KEYS.has(name);
}

function closeBlock(block: OpenBlock, source: string): HeaderRule {
  return {
    for: block.pattern,
    set: [...block.set],
    remove: [...block.remove],
    source,
    line: block.line,
  };
}
