/**
 * @module
 * The JSONC reader for config files: JSON plus `//` and `/* *\/` comments and
 * trailing commas, with errors that give the file and line:column.
 *
 * Tokenising and grammar are `jsonc-parser` (VS Code's parser). This module
 * adds what a config file needs on top: the value is built here so
 * `"__proto__"` stays a plain key, duplicate keys and deep nesting are
 * refused, parsing stops at the first problem, and each problem is phrased
 * from what the parser expected at that point.
 */

import { printParseErrorCode, visit } from "jsonc-parser";
import { ConfigError } from "./errors.ts";

/** Deepest nesting of arrays and objects accepted; deeper input is hostile. */
export const MAX_JSONC_DEPTH = 64;

const NUMBER_START_REGEXP = /^-?[0-9]/;
const NUMBER_WORD_REGEXP = /^-?[\w.+-]*/;
const IDENTIFIER_REGEXP = /^[A-Za-z_$][\w$]*/;
const HEX4_REGEXP = /^[0-9a-fA-F]{4}$/;
const SIMPLE_ESCAPES = new Set(['"', "\\", "/", "b", "f", "n", "r", "t"]);

// Parser errors about one token's text rather than about what was expected
// where, by the names `printParseErrorCode()` gives them.
const STRING_ERRORS = new Set([
  "UnexpectedEndOfString",
  "InvalidUnicode",
  "InvalidEscapeCharacter",
  "InvalidCharacter",
]);
const NUMBER_ERRORS = new Set(["UnexpectedEndOfNumber", "InvalidNumberFormat"]);
const CLOSE_ERRORS = new Set(["CloseBraceExpected", "CloseBracketExpected"]);

/** What the grammar wants next inside one open object or array. */
interface Frame {
  value: Record<string, unknown> | unknown[];
  expect: "key" | "colon" | "value" | "comma";
  key: string;
  seen: Set<string>;
}

/** Thrown inside `visit()` callbacks to stop at the first problem. */
class Stop {
  constructor(readonly at: number, readonly reason: string) {}
}

/**
 * Parses JSON with comments and trailing commas. `source` names the text in
 * error messages (usually the file path as the user gave it).
 *
 * Like `JSON.parse`, a `"__proto__"` key becomes an ordinary own property and
 * never changes an object's prototype. Duplicate keys are an error because in
 * a config file the second one silently winning is almost always a mistake.
 *
 * @throws {ConfigError} on a syntax error, with the line and column.
 */
export function parseJsonc(text: string, source: string): unknown {
  // The parser does not skip a byte-order mark; positions keep counting it.
  const shift = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const body = shift === 0 ? text : text.slice(1);
  const stack: Frame[] = [];
  let result: unknown = undefined;
  let done = false;
  let numberStart = -1;
  let numberEnd = -1;

  const put = (value: unknown) => {
    const frame = stack.at(-1);
    if (frame === undefined) {
      result = value;
      done = true;
    } else if (Array.isArray(frame.value)) {
      frame.value.push(value);
      frame.expect = "comma";
    } else {
      // defineProperty, not assignment: "__proto__" must stay a plain key.
      Object.defineProperty(frame.value, frame.key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      frame.expect = "comma";
    }
  };
  const open = (value: Frame["value"], offset: number) => {
    if (stack.length >= MAX_JSONC_DEPTH) {
      throw new Stop(offset, `arrays and objects nested deeper than ${MAX_JSONC_DEPTH} levels`);
    }
    stack.push({ value, expect: Array.isArray(value) ? "value" : "key", key: "", seen: new Set() });
  };
  // The parser reports a missing "}" or "]" after it has closed the container.
  let closed: Frame | undefined;
  const close = () => {
    closed = stack.pop()!;
    put(closed.value);
  };

  try {
    visit(body, {
      onObjectBegin: (offset) => open({}, offset),
      onObjectEnd: close,
      onArrayBegin: (offset) => open([], offset),
      onArrayEnd: close,
      onObjectProperty: (key, offset) => {
        const frame = stack.at(-1)!;
        if (frame.seen.has(key)) throw new Stop(offset, `duplicate key "${cut(key)}"`);
        frame.seen.add(key);
        frame.key = key;
        frame.expect = "colon";
      },
      onSeparator: (separator) => {
        const frame = stack.at(-1)!;
        frame.expect = separator === ":" || Array.isArray(frame.value) ? "value" : "key";
      },
      onLiteralValue: (value, offset, length) => {
        if (typeof value === "number") [numberStart, numberEnd] = [offset, offset + length];
        put(value);
      },
      onError: (code, offset, length) => {
        if (offset === numberEnd && /[\w.+-]/.test(body[offset] ?? "")) {
          throw new Stop(numberStart, invalidNumber(body, numberStart));
        }
        const name = printParseErrorCode(code);
        const where = CLOSE_ERRORS.has(name) ? closed : done ? "end" : stack.at(-1);
        throw describeError(body, name, offset, length, where);
      },
    }, { allowTrailingComma: true, disallowComments: false });
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    const { line, column } = locate(text, error.at + shift);
    throw new ConfigError(`Cannot parse ${source}:${line}:${column}: ${error.reason}`);
  }
  return result;
}

/** Phrases one parser error from the token's text and what was expected there. */
function describeError(
  text: string,
  name: string,
  offset: number,
  length: number,
  where: Frame | "end" | undefined,
): Stop {
  // Comments are skipped before any token is read, so theirs comes first; then,
  // as a reader going left to right would, what the grammar expects here.
  if (name === "UnexpectedEndOfComment") return new Stop(offset, "unterminated /* comment");
  const found = describeAt(text, offset);
  if (where === "end") return new Stop(offset, `unexpected ${found} after the end of the value`);
  if (where?.expect === "colon") {
    return new Stop(offset, `expected ":" after the key but found ${found}`);
  }
  if (where?.expect === "comma") {
    const close = Array.isArray(where.value) ? "]" : "}";
    return new Stop(offset, `expected "," or "${close}" but found ${found}`);
  }
  if (STRING_ERRORS.has(name)) return describeStringError(text, offset);
  if (where?.expect === "key") {
    return new Stop(offset, `expected a double-quoted key but found ${found}`);
  }
  if (NUMBER_ERRORS.has(name)) return new Stop(offset, invalidNumber(text, offset));
  const token = text.slice(offset, offset + Math.max(length, 1));
  if (NUMBER_START_REGEXP.test(token) || token === "-") {
    return new Stop(offset, invalidNumber(text, offset));
  }
  const word = IDENTIFIER_REGEXP.exec(token)?.[0];
  if (word !== undefined) {
    return new Stop(
      offset,
      `expected a value but found "${cut(word)}" (strings need double quotes)`,
    );
  }
  return new Stop(offset, `expected a value but found ${found}`);
}

/** Finds the first problem in the string token starting at `start` (its quote). */
function describeStringError(text: string, start: number): Stop {
  for (let at = start + 1; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code === 0x22) break;
    if (code === 0x0a) return new Stop(at, "unterminated string (line break inside a string)");
    if (code < 0x20) {
      return new Stop(at, `control character ${codePoint(code)} inside a string`);
    }
    if (code !== 0x5c) continue;
    const next = text[at + 1];
    if (next === undefined) return new Stop(at, "unterminated string");
    if (next === "u") {
      if (!HEX4_REGEXP.test(text.slice(at + 2, at + 6))) {
        return new Stop(at, "invalid \\u escape (expected 4 hex digits)");
      }
    } else if (!SIMPLE_ESCAPES.has(next)) {
      return new Stop(at, `invalid escape "\\${next}" in a string`);
    }
    at++;
  }
  return new Stop(start, "unterminated string");
}

function invalidNumber(text: string, offset: number): string {
  return `invalid number "${cut(NUMBER_WORD_REGEXP.exec(text.slice(offset))?.[0] ?? "")}"`;
}

function describeAt(text: string, offset: number): string {
  const char = text.codePointAt(offset);
  if (char === undefined) return "the end of the file";
  if (char < 0x20 || char === 0x7f) return codePoint(char);
  return JSON.stringify(String.fromCodePoint(char));
}

function codePoint(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** Turns an offset into a 1-based line and column (in code points). */
function locate(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  let column = 1;
  for (const _ of text.slice(lineStart, offset)) column++;
  return { line, column };
}

function cut(text: string): string {
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}
