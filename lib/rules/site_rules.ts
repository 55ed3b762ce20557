/**
 * @module
 * Site rules as one value: header blocks and redirect rules read from the
 * root's `_headers` / `_redirects` files plus the config file's
 * `headerRules` / `redirectRules`. The middlewares read the current value from
 * a {@linkcode SiteRulesHolder}, which hot reload swaps in one assignment, so
 * a request always sees either the old or the new rules, never a mix.
 */

import { join } from "node:path";
import type { FileSystem } from "../fs/types.ts";
import { compileHeaderRecord, type HeaderRule, parseHeaders } from "./headers_file.ts";
import { parseRedirectLines, parseRedirects, type RedirectRule } from "./redirects_file.ts";
import { type ParseRulesResult, type RuleProblem, RulesError } from "./rule_error.ts";

/** File names read from the root (and never served). */
export const SITE_RULE_FILES = {
  HEADERS: "_headers",
  REDIRECTS: "_redirects",
} as const;

/** Config file keys holding rules, also used as the `source` of their problems. */
export const CONFIG_RULE_KEYS = {
  HEADERS: "headerRules",
  REDIRECTS: "redirectRules",
} as const;

/** The rules in force. */
export interface SiteRules {
  /** Header blocks, file blocks first, then config ones. */
  readonly headers: readonly HeaderRule[];
  /** Redirect rules in evaluation order: `_redirects` first, then config ones. */
  readonly redirects: readonly RedirectRule[];
}

/** Rules from the config file, as validated by the settings schema. */
export interface ConfigRules {
  /** Path pattern → header name → value (`null` removes the header). */
  headerRules: Readonly<Record<string, Readonly<Record<string, string | null>>>>;
  /** `_redirects` lines. */
  redirectRules: readonly string[];
}

/** Options for {@linkcode loadSiteRules}. */
export interface LoadSiteRulesOptions {
  /** Filesystem the root lives on. */
  fs: FileSystem;
  /** Real path of the root. */
  root: string;
  /** Rules from the config file. */
  config: ConfigRules;
}

/** Result of {@linkcode loadSiteRules}. */
export type LoadSiteRulesResult =
  | { ok: true; rules: SiteRules }
  | { ok: false; problems: RuleProblem[] };

/** The empty rule set. */
const NO_SITE_RULES: SiteRules = Object.freeze({ headers: [], redirects: [] });

/** Holds the current rules; {@linkcode SiteRulesHolder.set} replaces them atomically. */
export interface SiteRulesHolder {
  /** The rules in force now. */
  get(): SiteRules;
  /** Replaces the rules for every request that starts after the call. */
  set(rules: SiteRules): void;
}

/** Creates a holder starting with `rules`. */
export function createSiteRulesHolder(rules: SiteRules = NO_SITE_RULES): SiteRulesHolder {
  let current = rules;
  return {
    get: () => current,
    set: (next) => {
      current = next;
    },
  };
}

/**
 * Reads `_headers` and `_redirects` from the root (absent files are fine) and
 * compiles them with the config rules. Returns every problem instead of
 * throwing, so startup can refuse and hot reload can keep the old rules.
 */
export async function loadSiteRules(options: LoadSiteRulesOptions): Promise<LoadSiteRulesResult> {
  const problems: RuleProblem[] = [];
  const headers: HeaderRule[] = [];
  const redirects: RedirectRule[] = [];
  const { fs, root, config } = options;

  const headersFile = await parseRootFile(fs, root, SITE_RULE_FILES.HEADERS, parseHeaders);
  collect(headersFile, headers, problems);
  const headerSource = { source: CONFIG_RULE_KEYS.HEADERS };
  collect(compileHeaderRecord(config.headerRules, headerSource), headers, problems);

  const redirectsFile = await parseRootFile(fs, root, SITE_RULE_FILES.REDIRECTS, parseRedirects);
  collect(redirectsFile, redirects, problems);
  const redirectSource = { source: CONFIG_RULE_KEYS.REDIRECTS };
  collect(parseRedirectLines(config.redirectRules, redirectSource), redirects, problems);

  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, rules: Object.freeze({ headers, redirects }) };
}

/**
 * Loads the site rules into a new holder, for startup.
 * @throws {RulesError} listing every problem with its file and line.
 */
export async function loadSiteRulesHolder(options: LoadSiteRulesOptions): Promise<SiteRulesHolder> {
  const loaded = await loadSiteRules(options);
  if (!loaded.ok) throw new RulesError(loaded.problems);
  return createSiteRulesHolder(loaded.rules);
}

/** Parses the root file `name` with `parse`; an absent file has no rules. */
async function parseRootFile<T>(
  fs: FileSystem,
  root: string,
  name: string,
  parse: (text: string, options: { source: string }) => ParseRulesResult<T>,
): Promise<ParseRulesResult<T>> {
  const text = await readOptionalText(fs, join(root, name));
  return text === null ? { ok: true, rules: [] } : parse(text, { source: name });
}

/** Appends a parse result's rules to `rules`, or its problems to `problems`. */
function collect<T>(result: ParseRulesResult<T>, rules: T[], problems: RuleProblem[]): void {
  if (result.ok) rules.push(...result.rules);
  else problems.push(...result.problems);
}

/** The file's text, or `null` when it does not exist (or is not a regular file). */
async function readOptionalText(fs: FileSystem, path: string): Promise<string | null> {
  try {
    const info = await fs.stat(path);
    if (!info.isFile) return null;
    return new TextDecoder("utf-8", { fatal: false }).decode(await fs.readFile(path));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}
