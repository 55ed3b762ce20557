/**
 * @module
 * HTTP-date formatting and parsing (RFC 9110 §5.6.7): berth always sends
 * IMF-fixdate and accepts the two obsolete forms recipients must still read.
 */

/** Longest string worth looking at; every valid HTTP-date is at most 33 characters. */
const MAX_HTTP_DATE_LENGTH = 64;

const MONTH_NAMES = [
  "Jan",
  "Feb",
  "Mar",
  "Apr",
  "May",
  "Jun",
  "Jul",
  "Aug",
  "Sep",
  "Oct",
  "Nov",
  "Dec",
] as const;

/** `Sun, 06 Nov 1994 08:49:37 GMT` (names are case-sensitive per RFC 9110 §5.6.7). */
const IMF_FIXDATE_REGEXP =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;

/** Obsolete RFC 850 form: `Sunday, 06-Nov-94 08:49:37 GMT`. */
const RFC850_DATE_REGEXP =
  /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d{2})-(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;

/** Obsolete asctime form: `Sun Nov  6 08:49:37 1994` (day is `06` or ` 6`). */
const ASCTIME_DATE_REGEXP =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{2}| \d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

/** Options for {@linkcode parseHttpDate}. */
export interface ParseHttpDateOptions {
  /**
   * The current time in epoch ms, used only to place the two-digit year of an
   * RFC 850 date in its century (RFC 9110 §5.6.7). Defaults to `Date.now()`.
   */
  now?: number;
}

/**
 * Formats a time as IMF-fixdate (RFC 9110 §5.6.7), e.g.
 * `Sun, 06 Nov 1994 08:49:37 GMT`; sub-second precision is dropped.
 * Throws a RangeError for an invalid time or a year outside 0000–9999,
 * which the format cannot express.
 */
export function formatHttpDate(time: number | Date): string {
  const ms = typeof time === "number" ? time : time.getTime();
  if (!Number.isFinite(ms)) {
    throw new RangeError(`Cannot format HTTP-date: "${String(time)}" is not a valid time`);
  }
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  if (Number.isNaN(year) || year < 0 || year > 9999) {
    throw new RangeError(
      `Cannot format HTTP-date: year "${year}" is outside the range 0000 to 9999`,
    );
  }
  // ECMA-262 defines toUTCString() as exactly IMF-fixdate for years 0000-9999.
  return date.toUTCString();
}

/**
 * Parses an HTTP-date in any of the three forms of RFC 9110 §5.6.7 and
 * returns epoch ms, or `undefined` when the value is not exactly one valid
 * date (garbage, out-of-range fields, extra text). The weekday name is
 * checked for syntax only, as Go's `http.ParseTime` does; a leap second
 * (`:60`) is read as `:59`.
 */
export function parseHttpDate(
  value: string,
  options: ParseHttpDateOptions = {},
): number | undefined {
  if (value.length > MAX_HTTP_DATE_LENGTH) return undefined;

  let match = IMF_FIXDATE_REGEXP.exec(value);
  if (match) {
    const [, day, month, year, hour, minute, second] = match;
    return buildTime({ year: Number(year), month, day, hour, minute, second });
  }

  match = RFC850_DATE_REGEXP.exec(value);
  if (match) {
    const [, day, month, shortYear, hour, minute, second] = match;
    const year = expandTwoDigitYear(Number(shortYear), options.now ?? Date.now());
    return buildTime({ year, month, day, hour, minute, second });
  }

  match = ASCTIME_DATE_REGEXP.exec(value);
  if (match) {
    const [, month, day, hour, minute, second, year] = match;
    return buildTime({ year: Number(year), month, day: day.trim(), hour, minute, second });
  }

  return undefined;
}

interface DateFields {
  year: number;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
}

/** Validates each field's range and returns epoch ms, or undefined when any is out of range. */
function buildTime(fields: DateFields): number | undefined {
  const month = MONTH_NAMES.indexOf(fields.month as typeof MONTH_NAMES[number]);
  const day = Number(fields.day);
  const hour = Number(fields.hour);
  const minute = Number(fields.minute);
  let second = Number(fields.second);
  if (month < 0 || day < 1 || day > daysInMonth(fields.year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  // A leap second can only be the last second of a UTC day.
  if (second === 60) {
    if (hour !== 23 || minute !== 59) return undefined;
    second = 59;
  }
  // Date.UTC maps years 0–99 to 1900–1999, so set the full year explicitly.
  const date = new Date(0);
  date.setUTCFullYear(fields.year, month, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

/** Number of days in a month (0-based) of a proleptic Gregorian year. */
function daysInMonth(year: number, month: number): number {
  if (month === 1) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month];
}

/**
 * RFC 9110 §5.6.7: a two-digit year that appears to be more than 50 years in
 * the future is the most recent past year with the same last two digits; so
 * the year lands in the window (now - 50, now + 50].
 */
function expandTwoDigitYear(shortYear: number, now: number): number {
  const currentYear = new Date(now).getUTCFullYear();
  let year = currentYear - (currentYear % 100) + shortYear;
  if (year > currentYear + 50) year -= 100;
  else if (year <= currentYear - 50) year += 100;
  return year;
}
