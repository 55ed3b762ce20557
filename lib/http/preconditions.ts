/**
 * @module
 * Conditional request evaluation in the order of RFC 9110 §13.2.2, with Go's
 * `net/http` `checkPreconditions` as the reference for the small print. Pure:
 * takes header values and the current validators, returns what to answer.
 */

import { matchesStrong, matchesWeak, parseEntityTag, parseEntityTagList } from "./etag.ts";
import { HEADER, READ_METHODS } from "./constants.ts";
import { parseHttpDate } from "./http_date.ts";

/** The request header values that make a request conditional (null when absent). */
export interface ConditionalHeaders {
  /** `If-Match` (RFC 9110 §13.1.1). */
  ifMatch: string | null;
  /** `If-Unmodified-Since` (RFC 9110 §13.1.4). */
  ifUnmodifiedSince: string | null;
  /** `If-None-Match` (RFC 9110 §13.1.2). */
  ifNoneMatch: string | null;
  /** `If-Modified-Since` (RFC 9110 §13.1.3). */
  ifModifiedSince: string | null;
  /** `If-Range` (RFC 9110 §13.1.5). */
  ifRange: string | null;
  /** Whether the request carries a non-empty `Range` header. */
  hasRange: boolean;
}

/** The selected representation's current validators. */
export interface Validators {
  /** Current entity tag as sent in `ETag`, e.g. `"abc"`; null when there is none. */
  etag: string | null;
  /** Last modification time in epoch ms; compared at 1-second precision like `Last-Modified`. */
  lastModifiedMs: number | null;
}

/**
 * What to do with the request: serve it (honouring `Range` or not), answer
 * 304 Not Modified, or answer 412 Precondition Failed.
 */
export type PreconditionResult =
  | { kind: "proceed"; honourRange: boolean }
  | { kind: "not-modified" }
  | { kind: "precondition-failed" };

/** Outcome of one condition, as in Go: absent (or ignored), true, or false. */
type Condition = "none" | "true" | "false";

/**
 * What a request with no conditional header and no Range reads as. One
 * shared object, so the common case can skip evaluation by identity.
 */
export const NO_CONDITIONS: ConditionalHeaders = Object.freeze({
  ifMatch: null,
  ifUnmodifiedSince: null,
  ifNoneMatch: null,
  ifModifiedSince: null,
  ifRange: null,
  hasRange: false,
});

/**
 * Reads the conditional headers off a request's headers; {@linkcode NO_CONDITIONS}
 * when there are none (If-Range alone counts for nothing without Range).
 */
export function readConditionalHeaders(headers: Headers): ConditionalHeaders {
  const range = headers.get(HEADER.RANGE);
  if (
    range === null && !headers.has(HEADER.IF_NONE_MATCH) &&
    !headers.has(HEADER.IF_MODIFIED_SINCE) && !headers.has(HEADER.IF_MATCH) &&
    !headers.has(HEADER.IF_UNMODIFIED_SINCE)
  ) {
    return NO_CONDITIONS;
  }
  return {
    ifMatch: headers.get(HEADER.IF_MATCH),
    ifUnmodifiedSince: headers.get(HEADER.IF_UNMODIFIED_SINCE),
    ifNoneMatch: headers.get(HEADER.IF_NONE_MATCH),
    ifModifiedSince: headers.get(HEADER.IF_MODIFIED_SINCE),
    ifRange: headers.get(HEADER.IF_RANGE),
    hasRange: range !== null && range.trim() !== "",
  };
}

/**
 * Evaluates the preconditions of a request for an existing representation in
 * RFC 9110 §13.2.2 order: If-Match → If-Unmodified-Since → If-None-Match →
 * If-Modified-Since → If-Range. Empty header values count as absent.
 * `Range` (and so `If-Range`) is considered for GET and HEAD only, like Go,
 * so that HEAD answers with the headers GET would send.
 */
export function evaluatePreconditions(
  method: string,
  conditions: ConditionalHeaders,
  validators: Validators,
): PreconditionResult {
  const isRead = READ_METHODS.has(method);

  let condition = checkIfMatch(conditions.ifMatch, validators);
  if (condition === "none") {
    condition = checkIfUnmodifiedSince(conditions.ifUnmodifiedSince, validators);
  }
  if (condition === "false") return { kind: "precondition-failed" };

  const noneMatch = checkIfNoneMatch(conditions.ifNoneMatch, validators);
  if (noneMatch === "false") {
    return isRead ? { kind: "not-modified" } : { kind: "precondition-failed" };
  }
  if (
    noneMatch === "none" && isRead &&
    checkIfModifiedSince(conditions.ifModifiedSince, validators) === "false"
  ) {
    return { kind: "not-modified" };
  }

  if (!isRead || !conditions.hasRange) return { kind: "proceed", honourRange: false };
  return {
    kind: "proceed",
    honourRange: checkIfRange(conditions.ifRange, validators) !== "false",
  };
}

/**
 * RFC 9110 §13.1.1: true when `*` or a strong match of the current tag;
 * an unparseable list fails.
 */
function checkIfMatch(value: string | null, validators: Validators): Condition {
  const present = readPresent(value);
  if (present === undefined) return "none";
  const list = parseEntityTagList(present);
  if (list.kind === "any") return "true";
  if (validators.etag === null) return "false";
  return matchesStrong(list, validators.etag) ? "true" : "false";
}

/**
 * RFC 9110 §13.1.4: false when the representation was modified after the
 * given date; ignored when the date is invalid or there is no Last-Modified.
 */
function checkIfUnmodifiedSince(value: string | null, validators: Validators): Condition {
  const since = readDate(value, validators);
  if (since === undefined) return "none";
  return toSeconds(validators.lastModifiedMs!) <= since ? "true" : "false";
}

/**
 * RFC 9110 §13.1.2: false (the caller answers 304 or 412) when `*` or a weak
 * match of the current tag. An unparseable list matches nothing but is still
 * present, so If-Modified-Since stays ignored (§13.1.3, §13.2.2; Go's
 * `checkIfNoneMatch` does the same): `If-None-Match: not an etag` is a 200.
 */
function checkIfNoneMatch(value: string | null, validators: Validators): Condition {
  const present = readPresent(value);
  if (present === undefined) return "none";
  const list = parseEntityTagList(present);
  if (list.kind === "invalid") return "true";
  if (list.kind === "any") return "false";
  if (validators.etag === null) return "true";
  return matchesWeak(list, validators.etag) ? "false" : "true";
}

/**
 * RFC 9110 §13.1.3: false (answer 304) when not modified since the given
 * date, including a date later than Last-Modified; invalid dates are ignored.
 */
function checkIfModifiedSince(value: string | null, validators: Validators): Condition {
  const since = readDate(value, validators);
  if (since === undefined) return "none";
  return toSeconds(validators.lastModifiedMs!) <= since ? "false" : "true";
}

/**
 * RFC 9110 §13.1.5: an entity tag must match strongly (a weak tag never
 * does); an HTTP-date must equal Last-Modified exactly; anything else is false.
 */
function checkIfRange(value: string | null, validators: Validators): Condition {
  const present = readPresent(value);
  if (present === undefined) return "none";
  const tag = parseEntityTag(present);
  if (tag !== undefined) {
    if (validators.etag === null) return "false";
    return matchesStrong({ kind: "list", tags: [tag] }, validators.etag) ? "true" : "false";
  }
  if (validators.lastModifiedMs === null) return "false";
  const date = parseHttpDate(present);
  if (date === undefined) return "false";
  return toSeconds(date) === toSeconds(validators.lastModifiedMs) ? "true" : "false";
}

/** Parses a date condition in whole seconds; undefined when absent, invalid, or there is no Last-Modified. */
function readDate(value: string | null, validators: Validators): number | undefined {
  const present = readPresent(value);
  if (present === undefined || validators.lastModifiedMs === null) return undefined;
  const date = parseHttpDate(present);
  return date === undefined ? undefined : toSeconds(date);
}

/** Truncates epoch ms to whole seconds, the precision of an HTTP-date. */
function toSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** Trims a header value; undefined when it is missing or blank, which counts as not sent (as in Go). */
function readPresent(value: string | null): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
}
