/**
 * @module
 * A small JSONC reader for config files: JSON plus `//` and `/* *\/` comments
 * and trailing commas, with errors that give the file and line:column.
 *
 * Written as a recursive-descent parser instead of "strip comments, then
 * JSON.parse" so positions are exact and `//` inside strings is never mistaken
 * for a comment.
 */

import { ConfigError } from "./errors.ts";

/** Deepest nesting of arrays and objects accepted; deeper input is hostile. */
export const MAX_JSONC_DEPTH = 64;

const NUMBER_REGEXP = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const HEX4_REGEXP = /^[0-9a-fA-F]{4}$/;
const LITERAL_REGEXP = /[A-Za-z_$][\w$]*/y;

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

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
  const parser = new JsoncParser(text, source);
  return parser.parseDocument();
}

class JsoncParser {
  #text: string;
  #source: string;
  #pos = 0;

  constructor(text: string, source: string) {
    this.#text = text;
    this.#source = source;
    if (text.charCodeAt(0) === 0xfeff) this.#pos = 1;
  }

  parseDocument(): unknown {
    this.#skipTrivia();
    const value = this.#parseValue(0);
    this.#skipTrivia();
    if (this.#pos < this.#text.length) {
      this.#fail(`unexpected ${this.#describeHere()} after the end of the value`);
    }
    return value;
  }

  #parseValue(depth: number): unknown {
    const char = this.#text[this.#pos];
    if (char === "{") return this.#parseObject(depth + 1);
    if (char === "[") return this.#parseArray(depth + 1);
    if (char === '"') return this.#parseString();
    if (char === "-" || (char !== undefined && char >= "0" && char <= "9")) {
      return this.#parseNumber();
    }
    LITERAL_REGEXP.lastIndex = this.#pos;
    const literal = LITERAL_REGEXP.exec(this.#text)?.[0];
    if (literal === "true" || literal === "false" || literal === "null") {
      this.#pos += literal.length;
      return literal === "true" ? true : literal === "false" ? false : null;
    }
    if (literal !== undefined) {
      this.#fail(
        `expected a value but found "${cut(literal)}" (strings need double quotes)`,
      );
    }
    return this.#fail(`expected a value but found ${this.#describeHere()}`);
  }

  #parseObject(depth: number): Record<string, unknown> {
    this.#checkDepth(depth);
    const object: Record<string, unknown> = {};
    const seen = new Set<string>();
    this.#pos++; // "{"
    this.#skipTrivia();
    if (this.#text[this.#pos] === "}") {
      this.#pos++;
      return object;
    }
    while (true) {
      if (this.#text[this.#pos] !== '"') {
        this.#fail(`expected a double-quoted key but found ${this.#describeHere()}`);
      }
      const keyStart = this.#pos;
      const key = this.#parseString();
      if (seen.has(key)) this.#fail(`duplicate key "${cut(key)}"`, keyStart);
      seen.add(key);
      this.#skipTrivia();
      if (this.#text[this.#pos] !== ":") {
        this.#fail(`expected ":" after the key but found ${this.#describeHere()}`);
      }
      this.#pos++;
      this.#skipTrivia();
      const value = this.#parseValue(depth);
      // defineProperty, not assignment: "__proto__" must stay a plain key.
      Object.defineProperty(object, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.#skipTrivia();
      const char = this.#text[this.#pos];
      if (char === "}") {
        this.#pos++;
        return object;
      }
      if (char !== ",") this.#fail(`expected "," or "}" but found ${this.#describeHere()}`);
      this.#pos++;
      this.#skipTrivia();
      if (this.#text[this.#pos] === "}") {
        this.#pos++;
        return object;
      }
    }
  }

  #parseArray(depth: number): unknown[] {
    this.#checkDepth(depth);
    const array: unknown[] = [];
    this.#pos++; // "["
    this.#skipTrivia();
    if (this.#text[this.#pos] === "]") {
      this.#pos++;
      return array;
    }
    while (true) {
      array.push(this.#parseValue(depth));
      this.#skipTrivia();
      const char = this.#text[this.#pos];
      if (char === "]") {
        this.#pos++;
        return array;
      }
      if (char !== ",") this.#fail(`expected "," or "]" but found ${this.#describeHere()}`);
      this.#pos++;
      this.#skipTrivia();
      if (this.#text[this.#pos] === "]") {
        this.#pos++;
        return array;
      }
    }
  }

  #parseString(): string {
    const start = this.#pos;
    this.#pos++; // opening quote
    let result = "";
    let chunkStart = this.#pos;
    while (true) {
      const code = this.#text.charCodeAt(this.#pos);
      if (Number.isNaN(code)) this.#fail("unterminated string", start);
      if (code === 0x22) break; // closing quote
      if (code < 0x20) {
        this.#fail(
          code === 0x0a
            ? "unterminated string (line break inside a string)"
            : `control character U+${
              code.toString(16).toUpperCase().padStart(4, "0")
            } inside a string`,
        );
      }
      if (code === 0x5c) {
        result += this.#text.slice(chunkStart, this.#pos);
        result += this.#parseEscape();
        chunkStart = this.#pos;
        continue;
      }
      this.#pos++;
    }
    result += this.#text.slice(chunkStart, this.#pos);
    this.#pos++; // closing quote
    return result;
  }

  #parseEscape(): string {
    const escapeStart = this.#pos;
    const char = this.#text[this.#pos + 1];
    if (char === undefined) this.#fail("unterminated string", escapeStart);
    if (char === "u") {
      const hex = this.#text.slice(this.#pos + 2, this.#pos + 6);
      if (!HEX4_REGEXP.test(hex)) this.#fail("invalid \\u escape (expected 4 hex digits)");
      this.#pos += 6;
      return String.fromCharCode(parseInt(hex, 16));
    }
    const replacement = ESCAPES[char];
    if (replacement === undefined) this.#fail(`invalid escape "\\${char}" in a string`);
    this.#pos += 2;
    return replacement;
  }

  #parseNumber(): number {
    NUMBER_REGEXP.lastIndex = this.#pos;
    const match = NUMBER_REGEXP.exec(this.#text);
    const next = this.#text[this.#pos + (match?.[0].length ?? 0)];
    if (match === null || (next !== undefined && /[\w.+-]/.test(next))) {
      const word = /^-?[\w.+-]*/.exec(this.#text.slice(this.#pos))?.[0] ?? "";
      this.#fail(`invalid number "${cut(word)}"`);
    }
    this.#pos += match[0].length;
    return Number(match[0]);
  }

  /** Skips whitespace and comments. */
  #skipTrivia(): void {
    const text = this.#text;
    while (this.#pos < text.length) {
      const char = text[this.#pos];
      if (char === " " || char === "\t" || char === "\n" || char === "\r") {
        this.#pos++;
      } else if (char === "/" && text[this.#pos + 1] === "/") {
        const end = text.indexOf("\n", this.#pos);
        this.#pos = end === -1 ? text.length : end + 1;
      } else if (char === "/" && text[this.#pos + 1] === "*") {
        const end = text.indexOf("*/", this.#pos + 2);
        if (end === -1) this.#fail("unterminated /* comment");
        this.#pos = end + 2;
      } else {
        return;
      }
    }
  }

  #checkDepth(depth: number): void {
    if (depth > MAX_JSONC_DEPTH) {
      this.#fail(`arrays and objects nested deeper than ${MAX_JSONC_DEPTH} levels`);
    }
  }

  #describeHere(): string {
    const char = this.#text.codePointAt(this.#pos);
    if (char === undefined) return "the end of the file";
    if (char < 0x20 || char === 0x7f) {
      return `U+${char.toString(16).toUpperCase().padStart(4, "0")}`;
    }
    return JSON.stringify(String.fromCodePoint(char));
  }

  #fail(reason: string, at: number = this.#pos): never {
    const { line, column } = locate(this.#text, at);
    throw new ConfigError(`Cannot parse ${this.#source}:${line}:${column}: ${reason}`);
  }
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
