/**
 * @module
 * The error type for configuration mistakes (config file, `BERTH_*` variables,
 * settings validation) and the value formatting shared by every message that
 * quotes user input.
 */

/** Longest quoted value in an error message before it is cut with "…". */
const MAX_QUOTED_LENGTH = 60;

/**
 * A configuration mistake found at startup. The message is the one line shown
 * to the user, so it names the field, the value and what is allowed. The CLI
 * picks the exit code (`runCli` ends with 2), so config does not know about it.
 *
 * @example Telling a bad setting from other failures
 * ```ts
 * import { ConfigError, createHandler } from "@berth/berth";
 *
 * try {
 *   await createHandler({ settings: { root: "./public", port: 70000 } });
 * } catch (error) {
 *   // Invalid setting "port": 70000 is not an integer between 0 and 65535
 *   if (error instanceof ConfigError) console.error(error.message);
 *   else throw error;
 * }
 * ```
 */
export class ConfigError extends Error {
  /** Creates the error; `message` is shown to the user as is. */
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "ConfigError";
  }
}

/**
 * A config file named with `--config` or `BERTH_CONFIG` that Deno does not
 * let berth read. A `ConfigError`, but the CLI exits 4 (missing permission)
 * for it, like any other access berth needs and was not granted.
 */
export class ConfigAccessError extends ConfigError {
  /** Creates the error; `message` names the flag that grants the access. */
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = "ConfigAccessError";
  }
}

/**
 * Renders user input for an error message: JSON for strings, arrays and
 * objects, plain text for numbers, cut to a short single line.
 */
export function formatValue(value: unknown): string {
  let text: string;
  if (typeof value === "number" || typeof value === "bigint") {
    text = String(value);
  } else if (value === undefined) {
    text = "undefined";
  } else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = Object.prototype.toString.call(value);
    }
  }
  return text.length > MAX_QUOTED_LENGTH ? `${text.slice(0, MAX_QUOTED_LENGTH - 1)}…` : text;
}

/**
 * Returns the candidate closest to a misspelt name (edit distance at most 2,
 * case-insensitive), for "did you mean" hints, or `undefined` if none is close.
 */
export function findClosestName(input: string, candidates: Iterable<string>): string | undefined {
  const needle = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const distance = measureEditDistance(needle, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Edit distance counting a swap of neighbours as one edit ("prot" → "port"),
 * skipped for long strings to keep hostile input cheap.
 */
function measureEditDistance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return a === b ? 0 : Infinity;
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j], rows[i - 2][j - 2] + 1);
      }
    }
    rows.push(row);
  }
  return rows[a.length][b.length];
}
