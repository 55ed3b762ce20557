import assert from "node:assert/strict";
import {
  type ConditionalHeaders,
  evaluatePreconditions,
  NO_CONDITIONS,
  type PreconditionResult,
  readConditionalHeaders,
  type Validators,
} from "../../lib/http/preconditions.ts";
import { formatHttpDate } from "../../lib/http/http_date.ts";

const ETAG = `"5f3a-100"`;
/** Last-Modified with a sub-second part, which must be ignored. */
const MODIFIED_MS = Date.UTC(2024, 0, 15, 12, 0, 0) + 750;
const MODIFIED = formatHttpDate(MODIFIED_MS);
const BEFORE = formatHttpDate(MODIFIED_MS - 1000);
const AFTER = formatHttpDate(MODIFIED_MS + 1000);
const FAR_FUTURE = "Fri, 31 Dec 9999 23:59:59 GMT";
const VALIDATORS: Validators = { etag: ETAG, lastModifiedMs: MODIFIED_MS };

const PROCEED: PreconditionResult = { kind: "proceed", honourRange: false };
const PROCEED_RANGE: PreconditionResult = { kind: "proceed", honourRange: true };
const NOT_MODIFIED: PreconditionResult = { kind: "not-modified" };
const FAILED: PreconditionResult = { kind: "precondition-failed" };

function conditions(overrides: Partial<ConditionalHeaders>): ConditionalHeaders {
  return { ...NO_CONDITIONS, ...overrides };
}

interface Case {
  name: string;
  method?: string;
  headers: Partial<ConditionalHeaders>;
  validators?: Validators;
  expected: PreconditionResult;
}

function runCases(cases: Case[]): void {
  for (const { name, method = "GET", headers, validators = VALIDATORS, expected } of cases) {
    assert.deepEqual(
      evaluatePreconditions(method, conditions(headers), validators),
      expected,
      `${method}: ${name}`,
    );
  }
}

Deno.test("readConditionalHeaders() reads each header and whether Range is present", () => {
  const headers = new Headers({
    "If-Match": `"a"`,
    "If-Unmodified-Since": BEFORE,
    "If-None-Match": `W/"b"`,
    "If-Modified-Since": AFTER,
    "If-Range": ETAG,
    "Range": "bytes=0-1",
  });
  assert.deepEqual(readConditionalHeaders(headers), {
    ifMatch: `"a"`,
    ifUnmodifiedSince: BEFORE,
    ifNoneMatch: `W/"b"`,
    ifModifiedSince: AFTER,
    ifRange: ETAG,
    hasRange: true,
  });
  assert.deepEqual(readConditionalHeaders(new Headers()), conditions({}));
  assert.equal(readConditionalHeaders(new Headers({ Range: "" })).hasRange, false);
});

Deno.test("readConditionalHeaders() joins repeated If-None-Match headers into one list", () => {
  const headers = new Headers([["If-None-Match", `"a"`], ["If-None-Match", ETAG]]);
  const read = readConditionalHeaders(headers);
  assert.deepEqual(evaluatePreconditions("GET", read, VALIDATORS), NOT_MODIFIED);
});

Deno.test("evaluatePreconditions() proceeds when the request is unconditional", () => {
  runCases([
    { name: "no headers", headers: {}, expected: PROCEED },
    { name: "HEAD, no headers", method: "HEAD", headers: {}, expected: PROCEED },
    { name: "POST, no headers", method: "POST", headers: {}, expected: PROCEED },
    { name: "blank headers count as absent", headers: blankHeaders(), expected: PROCEED },
    {
      name: "no validators at all",
      headers: {},
      validators: { etag: null, lastModifiedMs: null },
      expected: PROCEED,
    },
  ]);
});

Deno.test("evaluatePreconditions() applies If-Match with strong comparison (step 1)", () => {
  runCases([
    { name: "exact match", headers: { ifMatch: ETAG }, expected: PROCEED },
    { name: "match in a list", headers: { ifMatch: `"x", ${ETAG}` }, expected: PROCEED },
    { name: "* matches", headers: { ifMatch: "*" }, expected: PROCEED },
    {
      name: "* matches without an etag",
      headers: { ifMatch: "*" },
      validators: { etag: null, lastModifiedMs: MODIFIED_MS },
      expected: PROCEED,
    },
    { name: "mismatch", headers: { ifMatch: `"other"` }, expected: FAILED },
    { name: "weak client tag never matches", headers: { ifMatch: `W/${ETAG}` }, expected: FAILED },
    {
      name: "weak server tag never matches",
      headers: { ifMatch: `"abc"` },
      validators: { etag: `W/"abc"`, lastModifiedMs: null },
      expected: FAILED,
    },
    {
      name: "no server etag",
      headers: { ifMatch: ETAG },
      validators: { etag: null, lastModifiedMs: MODIFIED_MS },
      expected: FAILED,
    },
    { name: "unparseable list fails", headers: { ifMatch: "garbage" }, expected: FAILED },
    { name: "unquoted etag fails", headers: { ifMatch: "5f3a-100" }, expected: FAILED },
    { name: "* inside a list fails", headers: { ifMatch: `*, ${ETAG}` }, expected: FAILED },
    { name: "mismatch on HEAD", method: "HEAD", headers: { ifMatch: `"x"` }, expected: FAILED },
    { name: "mismatch on PUT", method: "PUT", headers: { ifMatch: `"x"` }, expected: FAILED },
    {
      name: "mismatch beats a passing If-None-Match",
      headers: { ifMatch: `"x"`, ifNoneMatch: `"y"` },
      expected: FAILED,
    },
    {
      name: "mismatch beats a matching If-None-Match (412, not 304)",
      headers: { ifMatch: `"x"`, ifNoneMatch: ETAG },
      expected: FAILED,
    },
  ]);
});

Deno.test("evaluatePreconditions() applies If-Unmodified-Since only without If-Match (step 2)", () => {
  runCases([
    {
      name: "unmodified since a later date",
      headers: { ifUnmodifiedSince: AFTER },
      expected: PROCEED,
    },
    {
      name: "equal at second precision",
      headers: { ifUnmodifiedSince: MODIFIED },
      expected: PROCEED,
    },
    { name: "modified after", headers: { ifUnmodifiedSince: BEFORE }, expected: FAILED },
    { name: "far past", headers: { ifUnmodifiedSince: formatHttpDate(0) }, expected: FAILED },
    {
      name: "obsolete date form",
      headers: { ifUnmodifiedSince: "Sunday, 06-Nov-94 08:49:37 GMT" },
      expected: FAILED,
    },
    {
      name: "invalid date ignored",
      headers: { ifUnmodifiedSince: "yesterday" },
      expected: PROCEED,
    },
    {
      name: "two dates ignored",
      headers: { ifUnmodifiedSince: `${BEFORE}, ${BEFORE}` },
      expected: PROCEED,
    },
    {
      name: "ignored without Last-Modified",
      headers: { ifUnmodifiedSince: BEFORE },
      validators: { etag: ETAG, lastModifiedMs: null },
      expected: PROCEED,
    },
    {
      name: "ignored when If-Match passes",
      headers: { ifMatch: ETAG, ifUnmodifiedSince: BEFORE },
      expected: PROCEED,
    },
    {
      name: "ignored when If-Match is *",
      headers: { ifMatch: "*", ifUnmodifiedSince: BEFORE },
      expected: PROCEED,
    },
    {
      name: "applies when If-Match is blank",
      headers: { ifMatch: " ", ifUnmodifiedSince: BEFORE },
      expected: FAILED,
    },
    {
      name: "fails before If-None-Match is looked at",
      headers: { ifUnmodifiedSince: BEFORE, ifNoneMatch: ETAG },
      expected: FAILED,
    },
  ]);
});

Deno.test("evaluatePreconditions() applies If-None-Match with weak comparison (step 3)", () => {
  runCases([
    { name: "match → 304", headers: { ifNoneMatch: ETAG }, expected: NOT_MODIFIED },
    {
      name: "HEAD match → 304",
      method: "HEAD",
      headers: { ifNoneMatch: ETAG },
      expected: NOT_MODIFIED,
    },
    {
      name: "weak client tag matches",
      headers: { ifNoneMatch: `W/${ETAG}` },
      expected: NOT_MODIFIED,
    },
    {
      name: "weak server tag matches",
      headers: { ifNoneMatch: `"abc"` },
      validators: { etag: `W/"abc"`, lastModifiedMs: null },
      expected: NOT_MODIFIED,
    },
    {
      name: "match in a list",
      headers: { ifNoneMatch: `"a", "b", ${ETAG}` },
      expected: NOT_MODIFIED,
    },
    { name: "* → 304", headers: { ifNoneMatch: "*" }, expected: NOT_MODIFIED },
    { name: "POST match → 412", method: "POST", headers: { ifNoneMatch: ETAG }, expected: FAILED },
    { name: "PUT * → 412", method: "PUT", headers: { ifNoneMatch: "*" }, expected: FAILED },
    {
      name: "DELETE weak match → 412",
      method: "DELETE",
      headers: { ifNoneMatch: `W/${ETAG}` },
      expected: FAILED,
    },
    { name: "mismatch proceeds", headers: { ifNoneMatch: `"other"` }, expected: PROCEED },
    { name: "case differs", headers: { ifNoneMatch: ETAG.toUpperCase() }, expected: PROCEED },
    {
      name: "no server etag proceeds",
      headers: { ifNoneMatch: ETAG },
      validators: { etag: null, lastModifiedMs: MODIFIED_MS },
      expected: PROCEED,
    },
    {
      name: "match wins over a failing If-Modified-Since",
      headers: { ifNoneMatch: ETAG, ifModifiedSince: BEFORE },
      expected: NOT_MODIFIED,
    },
    {
      name: "mismatch makes If-Modified-Since ignored",
      headers: { ifNoneMatch: `"other"`, ifModifiedSince: AFTER },
      expected: PROCEED,
    },
    {
      name: "passing If-Match then matching If-None-Match → 304",
      headers: { ifMatch: ETAG, ifNoneMatch: ETAG },
      expected: NOT_MODIFIED,
    },
  ]);
});

Deno.test("evaluatePreconditions() treats an unparseable If-None-Match as matching nothing", () => {
  runCases([
    { name: "garbage", headers: { ifNoneMatch: "garbage" }, expected: PROCEED },
    { name: "unterminated", headers: { ifNoneMatch: `"${ETAG}` }, expected: PROCEED },
    { name: "blank", headers: { ifNoneMatch: " \t " }, expected: PROCEED },
    {
      // RFC 9110 §13.1.3: a present If-None-Match makes If-Modified-Since ignored.
      name: "garbage keeps If-Modified-Since ignored",
      headers: { ifNoneMatch: "not match etag", ifModifiedSince: AFTER },
      expected: PROCEED,
    },
    {
      name: "blank counts as absent, so If-Modified-Since applies",
      headers: { ifNoneMatch: " ", ifModifiedSince: AFTER },
      expected: NOT_MODIFIED,
    },
    {
      name: "list with a malformed member is ignored even if it contains a match",
      headers: { ifNoneMatch: `${ETAG}, bad` },
      expected: PROCEED,
    },
  ]);
});

Deno.test("evaluatePreconditions() applies If-Modified-Since to GET and HEAD only (step 4)", () => {
  runCases([
    {
      name: "not modified since a later date",
      headers: { ifModifiedSince: AFTER },
      expected: NOT_MODIFIED,
    },
    {
      name: "equal at second precision",
      headers: { ifModifiedSince: MODIFIED },
      expected: NOT_MODIFIED,
    },
    {
      name: "a date far in the future still means not modified",
      headers: { ifModifiedSince: FAR_FUTURE },
      expected: NOT_MODIFIED,
    },
    { name: "modified since", headers: { ifModifiedSince: BEFORE }, expected: PROCEED },
    {
      name: "HEAD not modified",
      method: "HEAD",
      headers: { ifModifiedSince: AFTER },
      expected: NOT_MODIFIED,
    },
    {
      name: "POST ignores it",
      method: "POST",
      headers: { ifModifiedSince: AFTER },
      expected: PROCEED,
    },
    {
      name: "lower-case get is not GET",
      method: "get",
      headers: { ifModifiedSince: AFTER },
      expected: PROCEED,
    },
    { name: "invalid date ignored", headers: { ifModifiedSince: "0" }, expected: PROCEED },
    {
      name: "date with trailing text ignored",
      headers: { ifModifiedSince: `${AFTER}; length=12` },
      expected: PROCEED,
    },
    {
      name: "asctime form accepted",
      headers: { ifModifiedSince: "Sun Nov  6 08:49:37 1994" },
      validators: { etag: null, lastModifiedMs: Date.UTC(1994, 10, 6, 8, 49, 37, 999) },
      expected: NOT_MODIFIED,
    },
    {
      name: "ignored without Last-Modified",
      headers: { ifModifiedSince: AFTER },
      validators: { etag: ETAG, lastModifiedMs: null },
      expected: PROCEED,
    },
    {
      name: "sub-second Last-Modified is truncated, not rounded",
      headers: { ifModifiedSince: formatHttpDate(1_000) },
      validators: { etag: null, lastModifiedMs: 1_999 },
      expected: NOT_MODIFIED,
    },
    {
      name: "pre-1970 Last-Modified floors toward the past",
      headers: { ifModifiedSince: formatHttpDate(-1_000) },
      validators: { etag: null, lastModifiedMs: -500 },
      expected: NOT_MODIFIED,
    },
  ]);
});

Deno.test("evaluatePreconditions() honours Range only when If-Range passes (step 5)", () => {
  runCases([
    { name: "Range without If-Range", headers: { hasRange: true }, expected: PROCEED_RANGE },
    {
      name: "HEAD Range without If-Range",
      method: "HEAD",
      headers: { hasRange: true },
      expected: PROCEED_RANGE,
    },
    { name: "POST ignores Range", method: "POST", headers: { hasRange: true }, expected: PROCEED },
    { name: "If-Range without Range", headers: { ifRange: ETAG }, expected: PROCEED },
    {
      name: "strong etag match",
      headers: { hasRange: true, ifRange: ETAG },
      expected: PROCEED_RANGE,
    },
    { name: "etag mismatch", headers: { hasRange: true, ifRange: `"other"` }, expected: PROCEED },
    {
      name: "weak client tag never matches",
      headers: { hasRange: true, ifRange: `W/${ETAG}` },
      expected: PROCEED,
    },
    {
      name: "weak server tag never matches",
      headers: { hasRange: true, ifRange: `"abc"` },
      validators: { etag: `W/"abc"`, lastModifiedMs: MODIFIED_MS },
      expected: PROCEED,
    },
    {
      name: "etag without a server etag",
      headers: { hasRange: true, ifRange: ETAG },
      validators: { etag: null, lastModifiedMs: MODIFIED_MS },
      expected: PROCEED,
    },
    { name: "* is not a validator", headers: { hasRange: true, ifRange: "*" }, expected: PROCEED },
    {
      name: "list is not a validator",
      headers: { hasRange: true, ifRange: `${ETAG}, "x"` },
      expected: PROCEED,
    },
    {
      name: "exact date match",
      headers: { hasRange: true, ifRange: MODIFIED },
      expected: PROCEED_RANGE,
    },
    { name: "later date", headers: { hasRange: true, ifRange: AFTER }, expected: PROCEED },
    { name: "earlier date", headers: { hasRange: true, ifRange: BEFORE }, expected: PROCEED },
    { name: "garbage", headers: { hasRange: true, ifRange: "garbage" }, expected: PROCEED },
    {
      name: "blank counts as absent",
      headers: { hasRange: true, ifRange: " " },
      expected: PROCEED_RANGE,
    },
    {
      name: "date without Last-Modified",
      headers: { hasRange: true, ifRange: MODIFIED },
      validators: { etag: ETAG, lastModifiedMs: null },
      expected: PROCEED,
    },
    {
      name: "Range on a 304 is moot",
      headers: { hasRange: true, ifRange: ETAG, ifNoneMatch: ETAG },
      expected: NOT_MODIFIED,
    },
    {
      name: "all conditions pass",
      headers: {
        ifMatch: ETAG,
        ifUnmodifiedSince: AFTER,
        ifNoneMatch: `"old"`,
        ifModifiedSince: BEFORE,
        ifRange: ETAG,
        hasRange: true,
      },
      expected: PROCEED_RANGE,
    },
  ]);
});

Deno.test("evaluatePreconditions() never throws on hostile header values", () => {
  const hostile = [
    "",
    "*",
    "**",
    `"`,
    `W/`,
    `W/"`,
    ",,,,",
    "\u0000",
    "\u00ff\u0100",
    `"a"`.repeat(10_000),
    `"a",`.repeat(10_000),
    "9".repeat(100_000),
    FAR_FUTURE,
    "Thu, 01 Jan 1970 00:00:00 GMT",
  ];
  const allowed = new Set(["proceed", "not-modified", "precondition-failed"]);
  for (const value of hostile) {
    for (
      const key of ["ifMatch", "ifUnmodifiedSince", "ifNoneMatch", "ifModifiedSince", "ifRange"]
    ) {
      for (const method of ["GET", "HEAD", "POST"]) {
        const result = evaluatePreconditions(
          method,
          conditions({ [key]: value, hasRange: true }),
          VALIDATORS,
        );
        assert.ok(allowed.has(result.kind), `${method} ${key}=${value.slice(0, 20)}`);
      }
    }
  }
});

function blankHeaders(): Partial<ConditionalHeaders> {
  return {
    ifMatch: "",
    ifUnmodifiedSince: "",
    ifNoneMatch: " ",
    ifModifiedSince: "\t",
    ifRange: "",
  };
}
