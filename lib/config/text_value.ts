/**
 * @module
 * Reads a setting's value from text — a `BERTH_*` variable or a command-line
 * flag — by the setting's documented kind, so both sources accept exactly what
 * the same setting accepts in berth.json (for example `0.5` requests per
 * second). Range and integer checks stay with the schema.
 */

import type { SettingDoc } from "./settings_docs.ts";
import { parseBooleanWord } from "./values.ts";

/**
 * A number as berth.json writes one, without the exponent: optional minus,
 * digits, optional fraction. `Number()` alone would also take "", " 80",
 * "1e3", "0x50" and "+80".
 */
const DECIMAL_REGEXP = /^-?[0-9]+(?:\.[0-9]+)?$/;
/** An integer setting takes no fraction, so "80.5" is refused as text. */
const INTEGER_REGEXP = /^-?[0-9]+$/;

/**
 * Turns `text` into a value of `doc`'s kind: a number, a boolean word
 * (true/false/1/0/yes/no/on/off), a comma-separated list, or the text itself.
 * Returns `undefined` when the text does not read as that kind; the caller
 * phrases the error for its source. The text is used as given: callers that
 * forgive surrounding spaces trim first.
 */
export function parseSettingText(doc: SettingDoc, text: string): unknown {
  switch (doc.kind) {
    case "number": {
      const grammar = doc.type.startsWith("integer") ? INTEGER_REGEXP : DECIMAL_REGEXP;
      return grammar.test(text) ? Number(text) : undefined;
    }
    case "boolean":
      return parseBooleanWord(text);
    case "list":
      return text.split(",").map((item) => item.trim()).filter((item) => item !== "");
    default:
      return text;
  }
}
