import assert from "node:assert/strict";
import { formatHttpDate, parseHttpDate } from "../../lib/http/http_date.ts";

const RFC_EXAMPLE_MS = Date.UTC(1994, 10, 6, 8, 49, 37);
const NOW_2025 = Date.UTC(2025, 5, 1);

Deno.test("formatHttpDate() formats IMF-fixdate for numbers and Dates", () => {
  const cases: [number | Date, string][] = [
    [RFC_EXAMPLE_MS, "Sun, 06 Nov 1994 08:49:37 GMT"],
    [new Date(RFC_EXAMPLE_MS), "Sun, 06 Nov 1994 08:49:37 GMT"],
    [0, "Thu, 01 Jan 1970 00:00:00 GMT"],
    [RFC_EXAMPLE_MS + 999, "Sun, 06 Nov 1994 08:49:37 GMT"],
    [Date.UTC(2024, 1, 29, 23, 59, 59), "Thu, 29 Feb 2024 23:59:59 GMT"],
    [Date.UTC(2000, 11, 31, 12, 5, 9), "Sun, 31 Dec 2000 12:05:09 GMT"],
    [Date.UTC(9999, 11, 31, 23, 59, 59), "Fri, 31 Dec 9999 23:59:59 GMT"],
    [-1000, "Wed, 31 Dec 1969 23:59:59 GMT"],
  ];
  for (const [input, expected] of cases) {
    assert.equal(formatHttpDate(input), expected, `input ${String(input)}`);
  }
});

Deno.test("formatHttpDate() pads years below 1000 to four digits", () => {
  const date = new Date(0);
  date.setUTCFullYear(5, 0, 2);
  assert.equal(formatHttpDate(date), "Sun, 02 Jan 0005 00:00:00 GMT");
});

Deno.test("formatHttpDate() throws a RangeError for times it cannot express", () => {
  const late = new Date(0);
  late.setUTCFullYear(10000, 0, 1);
  const early = new Date(0);
  early.setUTCFullYear(-1, 0, 1);
  for (const input of [NaN, Infinity, -Infinity, new Date("garbage"), late, early, 8.64e15 + 1]) {
    assert.throws(() => formatHttpDate(input), RangeError, `input ${String(input)}`);
  }
});

Deno.test("parseHttpDate() accepts the three forms of RFC 9110 §5.6.7", () => {
  const cases: [string, number][] = [
    ["Sun, 06 Nov 1994 08:49:37 GMT", RFC_EXAMPLE_MS],
    ["Sunday, 06-Nov-94 08:49:37 GMT", RFC_EXAMPLE_MS],
    ["Sun Nov  6 08:49:37 1994", RFC_EXAMPLE_MS],
    ["Sun Nov 06 08:49:37 1994", RFC_EXAMPLE_MS],
    ["Thu, 01 Jan 1970 00:00:00 GMT", 0],
    ["Thu, 29 Feb 2024 23:59:59 GMT", Date.UTC(2024, 1, 29, 23, 59, 59)],
    ["Tue, 29 Feb 2000 00:00:00 GMT", Date.UTC(2000, 1, 29)],
    ["Wed, 31 Dec 1969 23:59:59 GMT", -1000],
    ["Fri, 31 Dec 9999 23:59:59 GMT", Date.UTC(9999, 11, 31, 23, 59, 59)],
    ["Wednesday, 31-Dec-25 10:00:00 GMT", Date.UTC(2025, 11, 31, 10)],
    ["Mon Jan 31 00:00:00 2000", Date.UTC(2000, 0, 31)],
  ];
  for (const [input, expected] of cases) {
    assert.equal(parseHttpDate(input, { now: NOW_2025 }), expected, input);
  }
});

Deno.test("parseHttpDate() round-trips formatHttpDate() at second precision", () => {
  for (const ms of [0, RFC_EXAMPLE_MS, 1_700_000_000_123, Date.UTC(2100, 2, 1, 1, 2, 3)]) {
    assert.equal(parseHttpDate(formatHttpDate(ms)), Math.floor(ms / 1000) * 1000);
  }
});

Deno.test("parseHttpDate() reads years 0000-0099 literally, not as 19xx", () => {
  const expected = new Date(0);
  expected.setUTCFullYear(50, 0, 1);
  assert.equal(parseHttpDate("Sat, 01 Jan 0050 00:00:00 GMT"), expected.getTime());
});

Deno.test("parseHttpDate() places RFC 850 two-digit years within 50 years of now", () => {
  const cases: [string, number, number][] = [
    ["Sunday, 06-Nov-94 08:49:37 GMT", NOW_2025, 1994],
    ["Monday, 01-Jan-75 00:00:00 GMT", NOW_2025, 2075],
    ["Monday, 01-Jan-76 00:00:00 GMT", NOW_2025, 1976],
    ["Monday, 01-Jan-00 00:00:00 GMT", NOW_2025, 2000],
    ["Monday, 01-Jan-30 00:00:00 GMT", Date.UTC(1990, 0, 1), 2030],
    ["Monday, 01-Jan-40 00:00:00 GMT", Date.UTC(1990, 0, 1), 2040],
    ["Monday, 01-Jan-41 00:00:00 GMT", Date.UTC(1990, 0, 1), 1941],
    ["Monday, 01-Jan-99 00:00:00 GMT", Date.UTC(2001, 0, 1), 1999],
  ];
  for (const [input, now, year] of cases) {
    const parsed = parseHttpDate(input, { now });
    assert.ok(parsed !== undefined, input);
    assert.equal(new Date(parsed).getUTCFullYear(), year, input);
  }
});

Deno.test("parseHttpDate() reads a leap second as the second before it", () => {
  assert.equal(
    parseHttpDate("Sat, 31 Dec 2016 23:59:60 GMT"),
    Date.UTC(2016, 11, 31, 23, 59, 59),
  );
  assert.equal(parseHttpDate("Sat, 31 Dec 2016 12:00:60 GMT"), undefined);
});

Deno.test("parseHttpDate() ignores the weekday's consistency, like Go", () => {
  assert.equal(parseHttpDate("Mon, 06 Nov 1994 08:49:37 GMT"), RFC_EXAMPLE_MS);
});

Deno.test("parseHttpDate() returns undefined for anything but exactly one valid date", () => {
  const hostile = [
    "",
    " ",
    "garbage",
    "0",
    "784111777",
    "1994-11-06T08:49:37Z",
    "Sun, 06 Nov 1994 08:49:37 UTC",
    "Sun, 06 Nov 1994 08:49:37 +0000",
    "Sun, 06 Nov 1994 08:49:37 gmt",
    "Sun, 06 Nov 1994 08:49:37",
    "sun, 06 nov 1994 08:49:37 GMT",
    "SUN, 06 NOV 1994 08:49:37 GMT",
    "Sunday, 06 Nov 1994 08:49:37 GMT",
    "Sun, 6 Nov 1994 08:49:37 GMT",
    "Sun, 06 Nov 94 08:49:37 GMT",
    "Sun, 06 November 1994 08:49:37 GMT",
    "Sun,  06 Nov 1994 08:49:37 GMT",
    "Sun, 06 Nov 1994  08:49:37 GMT",
    "Sun 06 Nov 1994 08:49:37 GMT",
    "Sun, 06 Nov 1994 8:49:37 GMT",
    "Sun, 06 Nov 1994 08:49 GMT",
    "Sun, 06 Nov 1994 08:49:37.123 GMT",
    " Sun, 06 Nov 1994 08:49:37 GMT",
    "Sun, 06 Nov 1994 08:49:37 GMT ",
    "Sun, 06 Nov 1994 08:49:37 GMTx",
    "Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT",
    "Sun, 06 Nov 1994 08:49:37 GMT\r\n",
    "Sun, 06 Nov 1994 08:49:37 GMT\u0000",
    "Xyz, 06 Nov 1994 08:49:37 GMT",
    "Sun, 00 Nov 1994 08:49:37 GMT",
    "Sun, 31 Nov 1994 08:49:37 GMT",
    "Sun, 32 Jan 1994 08:49:37 GMT",
    "Sun, 29 Feb 2023 08:49:37 GMT",
    "Sun, 29 Feb 1900 08:49:37 GMT",
    "Sun, 06 Nov 1994 24:00:00 GMT",
    "Sun, 06 Nov 1994 08:60:00 GMT",
    "Sun, 06 Nov 1994 08:49:61 GMT",
    "Sun, 06 Nov 1994 99:99:99 GMT",
    "Sun, 06 Nov 19945 08:49:37 GMT",
    "Sun, 06 Nov -994 08:49:37 GMT",
    "Sun, ٠٦ Nov 1994 08:49:37 GMT",
    "Sunday, 06-Nov-1994 08:49:37 GMT",
    "Sunday, 06-Nov-94 08:49:37",
    "Sun, 06-Nov-94 08:49:37 GMT",
    "Sunday, 31-Feb-94 08:49:37 GMT",
    "Sun Nov 6 08:49:37 1994",
    "Sun Nov   6 08:49:37 1994",
    "Sun Nov  6 08:49:37 94",
    "Sun Nov  6 08:49:37 1994 GMT",
    "Sun Nov 31 08:49:37 1994",
    "Sun Nov  0 08:49:37 1994",
    "Sun, 06 Nov 1994 08:49:37 GMT".repeat(2),
    "Sun, 06 Nov 1994 08:49:37 GMT" + " ".repeat(100_000),
    "9".repeat(1_000_000),
  ];
  for (const input of hostile) {
    assert.equal(parseHttpDate(input), undefined, JSON.stringify(input.slice(0, 80)));
  }
});
