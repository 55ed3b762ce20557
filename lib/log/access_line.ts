/**
 * @module
 * The access-log line, built with plain string work from the values the
 * access log has at hand: no record object for a logging library, no message
 * template, no `Date` formatting per line (the timestamp string is cached per
 * millisecond). The JSON line has the shape logtape's records had (timestamp,
 * level, logger, rendered message, then the fields), so consumers see no
 * difference; the pretty line is the time, the level and the message.
 */

/** What one access-log line says about one request. */
export interface AccessRecord {
  /** Request method. */
  method: string;
  /** URL path without the query string. */
  path: string;
  /** Status line that was sent. */
  status: number;
  /** Body bytes actually sent. */
  bytes: number;
  /** Arrival to the last byte sent (or the abort), in ms with two decimals. */
  durationMs: number;
  /** Client address (or the proxy-supplied one with trust-proxy). */
  client: string;
  /** The request's id, shared with its other records. */
  requestId: string;
  /** Name of the authenticated user, or null. */
  user: string | null;
  /** True when the response did not complete (client gone, send timeout). */
  aborted: boolean;
}

/** Category of access lines, as the `logger` field names it. */
const ACCESS_LOGGER = "berth.access";

/**
 * The code units a JSON string cannot hold as they are: quote, backslash, C0
 * controls, and surrogates (a lone one must be escaped to stay valid UTF-8).
 */
// deno-lint-ignore no-control-regex -- finding control characters is the point
const JSON_UNSAFE_REGEXP = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * `value` as a JSON string literal. Escaping is `JSON.stringify`'s, which
 * writes lone surrogates as `\udxxx` escapes (well-formed JSON.stringify,
 * ES2019); PERF: the plain case, every ordinary path, skips it.
 */
export function jsonString(value: string): string {
  return JSON_UNSAFE_REGEXP.test(value) ? JSON.stringify(value) : `"${value}"`;
}

/** A number as JSON: finite numbers as they print, anything else as `null`. */
function jsonNumber(value: number): string {
  return Number.isFinite(value) ? `${value}` : "null";
}

/** The message both formats show: `GET /a.txt 200 1024B 0.35ms 127.0.0.1`. */
function accessMessage(record: AccessRecord): string {
  return `${record.method} ${record.path} ${record.status} ${record.bytes}B ${
    jsonNumber(record.durationMs)
  }ms ${record.client}`;
}

/**
 * One JSON line (ending in `\n`) for `record`, stamped `timestamp` (ISO 8601
 * in UTC). `aborted` appears only when true, `user` always (null without one).
 */
export function formatAccessJson(record: AccessRecord, timestamp: string): string {
  return `{"@timestamp":"${timestamp}","level":"INFO","logger":"${ACCESS_LOGGER}","message":${
    jsonString(accessMessage(record))
  },"method":${jsonString(record.method)},"path":${jsonString(record.path)},"status":${
    jsonNumber(record.status)
  },"bytes":${jsonNumber(record.bytes)},"durationMs":${jsonNumber(record.durationMs)},"client":${
    jsonString(record.client)
  },"requestId":${jsonString(record.requestId)},"user":${
    record.user === null ? "null" : jsonString(record.user)
  }${record.aborted ? ',"aborted":true' : ""}}\n`;
}

/** C0 and C1 controls (and DEL), which a terminal may read as commands. */
// deno-lint-ignore no-control-regex -- finding control characters is the point
const CONTROL_REGEXP = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * `text` with its control characters written as `\xNN`.
 * SECURITY: a pretty line goes to a terminal; escape sequences in a logged
 * value must not reach it as commands.
 */
export function printable(text: string): string {
  CONTROL_REGEXP.lastIndex = 0;
  if (!CONTROL_REGEXP.test(text)) return text;
  return text.replace(
    CONTROL_REGEXP,
    (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

/**
 * One readable line (ending in `\n`): the time of day (UTC, from the ISO
 * `timestamp`), the level and the message, then `aborted` for a response
 * that did not complete.
 */
export function formatAccessPretty(record: AccessRecord, timestamp: string): string {
  return `${timestamp.slice(11, 23)} INFO  ${printable(accessMessage(record))}${
    record.aborted ? " aborted" : ""
  }\n`;
}

/** Hands out the current time as an ISO 8601 string. */
export interface TimestampClock {
  /** The current time, e.g. `2026-01-02T03:04:05.678Z`. */
  now(): string;
}

/**
 * A clock whose ISO string is made once per millisecond, and the
 * date-and-seconds part once per second. PERF: `toISOString()` costs ~0.6 µs;
 * under load many lines share a millisecond.
 */
export function createTimestampClock(epochMs: () => number = Date.now): TimestampClock {
  let lastMs = Number.NaN;
  let lastIso = "";
  let lastSecond = Number.NaN;
  let secondPrefix = "";
  return {
    now() {
      const ms = epochMs();
      if (ms === lastMs) return lastIso;
      const second = Math.floor(ms / 1000);
      if (second !== lastSecond) {
        lastSecond = second;
        // "YYYY-MM-DDTHH:MM:SS." (whatever the year's width).
        secondPrefix = new Date(second * 1000).toISOString().slice(0, -4);
      }
      const fraction = Math.floor(ms) - second * 1000;
      lastMs = ms;
      lastIso = `${secondPrefix}${fraction < 10 ? "00" : fraction < 100 ? "0" : ""}${fraction}Z`;
      return lastIso;
    },
  };
}

/**
 * The line reporting `count` log lines dropped because the output did not
 * keep up, in `format`: a warning of the `berth` logger (not `berth.access`,
 * so every access line still stands for one request).
 */
export function formatDropNotice(
  count: number,
  options: { format: "json" | "pretty"; timestamp: string },
): string {
  const message = `Dropped ${count} log lines: the log output did not keep up`;
  return options.format === "json"
    ? `{"@timestamp":"${options.timestamp}","level":"WARNING","logger":"berth","message":"${message}","droppedLines":${count}}\n`
    : `${options.timestamp.slice(11, 23)} WARN  ${message}\n`;
}
