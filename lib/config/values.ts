/**
 * @module
 * Value rules shared by the command line and the settings loader: the words
 * read as true or false, and how header-like records combine.
 */

const TRUE_WORDS: ReadonlySet<string> = new Set(["true", "1", "yes", "on"]);
const FALSE_WORDS: ReadonlySet<string> = new Set(["false", "0", "no", "off"]);

/** Reads true/1/yes/on or false/0/no/off in any case; `undefined` for anything else. */
export function parseBooleanWord(text: string): boolean | undefined {
  const word = text.toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return undefined;
}

/** Merges header-like records; a later name replaces an earlier one in any case. */
export function mergeRecord(base: unknown, next: unknown): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const add = (record: unknown) => {
    if (record === null || typeof record !== "object") return;
    for (const [key, value] of Object.entries(record)) {
      for (const existing of Object.keys(result)) {
        if (existing.toLowerCase() === key.toLowerCase()) delete result[existing];
      }
      result[key] = value;
    }
  };
  add(base);
  add(next);
  return result;
}
