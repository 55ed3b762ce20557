/**
 * @module
 * `Range: bytes=…` parsing (RFC 9110 §14.1.2, §14.2) and `Content-Range`
 * formatting (RFC 9110 §14.4), with guards against abusive range sets.
 */

import { trimWhitespace } from "./whitespace.ts";

/** An inclusive byte range within a representation. */
export interface ByteRange {
  /** Offset of the first byte. */
  start: number;
  /** Offset of the last byte (inclusive). */
  end: number;
}

/**
 * How to answer a `Range` request: the whole representation (200), the
 * listed ranges (206), or 416 Range Not Satisfiable.
 */
export type RangeResult =
  | { kind: "full" }
  | { kind: "partial"; ranges: ByteRange[] }
  | { kind: "unsatisfiable" };

/** Options for {@linkcode parseRange}. */
export interface ParseRangeOptions {
  /** Most range members accepted before the header is ignored as abusive. Defaults to 16. */
  maxRanges?: number;
}

/** Default for {@linkcode ParseRangeOptions.maxRanges}. */
const DEFAULT_MAX_RANGES = 16;

/** One range-spec: `first-last`, `first-`, or `-suffix` (digits only). */
const RANGE_SPEC_REGEXP = /^(\d*)-(\d*)$/;

/** A parsed range-spec before it is resolved against the size. */
type RangeSpec =
  | { kind: "int"; first: number; last: number | null }
  | { kind: "suffix"; length: number };

/**
 * Parses a `Range` header against a representation of `size` bytes.
 *
 * - Absent header, a unit other than `bytes` (case-insensitive), any syntax
 *   error (including numbers above `Number.MAX_SAFE_INTEGER` and `first > last`)
 *   → full: RFC 9110 §14.2 lets a server ignore the header.
 * - `last` is clamped to `size - 1`; members starting at or past the end, and
 *   `-0`, are unsatisfiable; when none is satisfiable → unsatisfiable, except
 *   for an empty representation → full.
 * - SECURITY: more than `maxRanges` members → full; overlapping or adjacent
 *   ranges are coalesced (then sorted ascending), and if that leaves one range
 *   covering the whole representation → full (RFC 9110 §14.2 allows both).
 *   A single member covering everything stays partial: media players send
 *   `bytes=0-` and expect 206.
 */
export function parseRange(
  value: string | null,
  size: number,
  options: ParseRangeOptions = {},
): RangeResult {
  if (value === null) return { kind: "full" };
  const maxRanges = options.maxRanges ?? DEFAULT_MAX_RANGES;

  const equals = value.indexOf("=");
  if (equals < 0) return { kind: "full" };
  const unit = value.slice(0, equals).replace(/^[ \t]+/, "");
  if (unit.toLowerCase() !== "bytes") return { kind: "full" };

  const specs: RangeSpec[] = [];
  for (const element of value.slice(equals + 1).split(",")) {
    const trimmed = trimWhitespace(element);
    // RFC 9110 §5.6.1: recipients ignore empty list elements.
    if (trimmed === "") continue;
    if (specs.length === maxRanges) return { kind: "full" };
    const spec = parseRangeSpec(trimmed);
    if (spec === undefined) return { kind: "full" };
    specs.push(spec);
  }
  if (specs.length === 0 || size === 0) return { kind: "full" };

  const ranges: ByteRange[] = [];
  for (const spec of specs) {
    const range = resolveRangeSpec(spec, size);
    if (range !== undefined) ranges.push(range);
  }
  if (ranges.length === 0) return { kind: "unsatisfiable" };
  if (ranges.length === 1) return { kind: "partial", ranges };

  const coalesced = coalesceRanges(ranges);
  if (coalesced === undefined) return { kind: "partial", ranges };
  if (coalesced.length === 1 && coalesced[0].start === 0 && coalesced[0].end === size - 1) {
    return { kind: "full" };
  }
  return { kind: "partial", ranges: coalesced };
}

/** Formats a `Content-Range` value for a 206 part (RFC 9110 §14.4), e.g. `bytes 0-99/1000`. */
export function formatContentRange(range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`;
}

/**
 * Formats the `Content-Range` value of a 416 answer (RFC 9110 §14.4
 * unsatisfied-range): the unit, an asterisk, a slash and the complete length.
 */
export function formatUnsatisfiedRange(size: number): string {
  return `bytes */${size}`;
}

/** Parses one trimmed range-spec; undefined on any syntax error. */
function parseRangeSpec(element: string): RangeSpec | undefined {
  const match = RANGE_SPEC_REGEXP.exec(element);
  if (match === null) return undefined;
  const [, firstDigits, lastDigits] = match;
  if (firstDigits === "" && lastDigits === "") return undefined;
  if (firstDigits === "") {
    const length = parseSafeInteger(lastDigits);
    return length === undefined ? undefined : { kind: "suffix", length };
  }
  const first = parseSafeInteger(firstDigits);
  if (first === undefined) return undefined;
  if (lastDigits === "") return { kind: "int", first, last: null };
  const last = parseSafeInteger(lastDigits);
  // RFC 9110 §14.1.1: an int-range with last < first is invalid.
  if (last === undefined || last < first) return undefined;
  return { kind: "int", first, last };
}

/** Resolves a range-spec against the size; undefined when it is unsatisfiable. */
function resolveRangeSpec(spec: RangeSpec, size: number): ByteRange | undefined {
  if (spec.kind === "suffix") {
    if (spec.length === 0) return undefined;
    return { start: Math.max(0, size - spec.length), end: size - 1 };
  }
  if (spec.first >= size) return undefined;
  const end = spec.last === null ? size - 1 : Math.min(spec.last, size - 1);
  return { start: spec.first, end };
}

/**
 * Sorts and merges ranges when any two overlap or touch; returns undefined
 * when they are already disjoint, so the client's order can be kept.
 */
function coalesceRanges(ranges: readonly ByteRange[]): ByteRange[] | undefined {
  const sorted = [...ranges].sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: ByteRange[] = [{ ...sorted[0] }];
  for (const range of sorted.slice(1)) {
    const last = merged[merged.length - 1];
    if (range.start <= last.end + 1) {
      last.end = Math.max(last.end, range.end);
    } else {
      merged.push({ ...range });
    }
  }
  return merged.length === ranges.length ? undefined : merged;
}

/** Parses a run of ASCII digits; undefined above `Number.MAX_SAFE_INTEGER`. */
function parseSafeInteger(digits: string): number | undefined {
  const value = Number(digits);
  return Number.isSafeInteger(value) ? value : undefined;
}
