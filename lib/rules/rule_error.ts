/**
 * @module
 * Errors found in site rules (`_headers`, `_redirects`, the config file's
 * `headerRules` / `redirectRules`): each names the file (or config key) and
 * line so the operator can jump to it. Rules are checked at startup and on
 * hot reload, never at request time.
 */

/** One problem in a rules source. */
export interface RuleProblem {
  /** Where the rule came from: a file name such as `_redirects`, or `redirectRules`. */
  source: string;
  /** 1-based line number (or list position for config rules). */
  line: number;
  /** What is wrong and what is allowed. */
  message: string;
}

/** Result of a rules parser: the rules, or every problem found. */
export type ParseRulesResult<T> =
  | { ok: true; rules: T[] }
  | { ok: false; problems: RuleProblem[] };

/** Formats a problem as `source:line: message`, as compilers do. */
export function formatRuleProblem(problem: RuleProblem): string {
  return `${problem.source}:${problem.line}: ${problem.message}`;
}

/**
 * Thrown at startup when site rules are invalid; the CLI exits with code 2.
 * The message names the first problem; {@linkcode RulesError.problems} has
 * them all, to show an operator every line to fix at once.
 *
 * @example Listing every problem
 * ```ts
 * import { createHandler, RulesError } from "@berth/berth";
 * try {
 *   await createHandler({ settings: { root: "./public", redirectRules: ["/old"] } });
 * } catch (error) {
 *   if (!(error instanceof RulesError)) throw error;
 *   for (const problem of error.problems) {
 *     console.error(`${problem.source}:${problem.line}: ${problem.message}`);
 *   }
 * }
 * ```
 */
export class RulesError extends Error {
  /** Every problem found, in source order. */
  readonly problems: readonly RuleProblem[];

  /** Creates the error from at least one problem; the first one becomes the message. */
  constructor(problems: readonly RuleProblem[]) {
    const [first] = problems;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
    super(`Invalid site rules: ${first ? formatRuleProblem(first) : "unknown problem"}${more}`);
    this.name = "RulesError";
    this.problems = problems;
  }
}
