import assert from "node:assert/strict";
import {
  type AccessRecord,
  createTimestampClock,
  formatAccessJson,
  formatAccessPretty,
  formatDropNotice,
  jsonString,
  printable,
} from "../../lib/log/access_line.ts";

const TIMESTAMP = "2026-01-02T03:04:05.678Z";

const BASE: AccessRecord = {
  method: "GET",
  path: "/a.txt",
  status: 200,
  bytes: 1024,
  durationMs: 0.35,
  client: "127.0.0.1",
  requestId: "abc-1",
  user: null,
  aborted: false,
};

/** Strings no JSON writer may pass through unescaped, and some it may. */
const HOSTILE: { name: string; value: string }[] = [
  { name: "plain", value: "/index.html" },
  { name: "empty", value: "" },
  { name: "quote", value: '/a"b' },
  { name: "backslash", value: "/a\\b\\" },
  { name: "quote after backslash", value: '\\"' },
  { name: "newline and CR", value: "/a\nb\r\n" },
  { name: "NUL and C0 controls", value: "\u0000\u0001\u001f\t\b\f" },
  { name: "DEL and C1 controls", value: "\u007f\u0080\u009b[31m" },
  { name: "terminal escape", value: "\u001b[2J\u001b]0;title\u0007" },
  { name: "non-ASCII", value: "/café/日本/😀" },
  { name: "lone high surrogate", value: "/a\ud800b" },
  { name: "lone low surrogate", value: "/a\udc00" },
  { name: "surrogates reversed", value: "\udc00\ud800" },
  { name: "high surrogate at the end", value: "x\udbff" },
  { name: "line and paragraph separators", value: "\u2028\u2029" },
  { name: "JSON-looking", value: '","status":500,"x":"' },
  { name: "percent-encoded", value: "/%22%5C%00" },
];

/** What the JSON text says about a string: lone surrogates come back as U+FFFD. */
function wellFormed(value: string): string {
  return value.toWellFormed();
}

Deno.test("jsonString() writes valid JSON that parses back to the value for hostile strings", () => {
  for (const { name, value } of HOSTILE) {
    const literal = jsonString(value);
    assert.equal(JSON.parse(literal), value, name);
    // Valid UTF-8 once encoded: no lone surrogate is left in the text.
    assert.equal(literal, literal.toWellFormed(), `${name}: escaped lone surrogates`);
    assert.equal(
      new TextDecoder("utf-8", { fatal: true }).decode(new TextEncoder().encode(literal)),
      wellFormed(literal),
      name,
    );
  }
});

Deno.test("formatAccessJson() builds one parseable line per record whatever the field values", () => {
  for (const { name, value } of HOSTILE) {
    for (const field of ["method", "path", "client", "requestId", "user"] as const) {
      const record = { ...BASE, [field]: value };
      const line = formatAccessJson(record, TIMESTAMP);
      assert.ok(line.endsWith("}\n"), `${name} in ${field}: one line`);
      assert.equal(line.indexOf("\n"), line.length - 1, `${name} in ${field}: no inner newline`);
      const parsed = JSON.parse(line);
      assert.equal(parsed[field], value, `${name} in ${field}`);
      assert.equal(parsed.status, 200);
    }
  }
});

Deno.test("formatAccessJson() keeps the shape logtape's JSON records had", () => {
  const cases: { name: string; record: AccessRecord; expected: Record<string, unknown> }[] = [
    {
      name: "completed, no user",
      record: BASE,
      expected: {
        "@timestamp": TIMESTAMP,
        level: "INFO",
        logger: "berth.access",
        message: "GET /a.txt 200 1024B 0.35ms 127.0.0.1",
        method: "GET",
        path: "/a.txt",
        status: 200,
        bytes: 1024,
        durationMs: 0.35,
        client: "127.0.0.1",
        requestId: "abc-1",
        user: null,
      },
    },
    {
      name: "aborted, with a user",
      record: { ...BASE, user: "ada", aborted: true, bytes: 10, status: 206, durationMs: 12 },
      expected: {
        "@timestamp": TIMESTAMP,
        level: "INFO",
        logger: "berth.access",
        message: "GET /a.txt 206 10B 12ms 127.0.0.1",
        method: "GET",
        path: "/a.txt",
        status: 206,
        bytes: 10,
        durationMs: 12,
        client: "127.0.0.1",
        requestId: "abc-1",
        user: "ada",
        aborted: true,
      },
    },
    {
      name: "a duration that is not a number",
      record: { ...BASE, durationMs: Number.NaN },
      expected: {
        "@timestamp": TIMESTAMP,
        level: "INFO",
        logger: "berth.access",
        message: "GET /a.txt 200 1024B nullms 127.0.0.1",
        method: "GET",
        path: "/a.txt",
        status: 200,
        bytes: 1024,
        durationMs: null,
        client: "127.0.0.1",
        requestId: "abc-1",
        user: null,
      },
    },
  ];
  for (const { name, record, expected } of cases) {
    const parsed = JSON.parse(formatAccessJson(record, TIMESTAMP));
    // Key order too: consumers reading lines by eye see what they saw before.
    assert.deepEqual(Object.keys(parsed), Object.keys(expected), name);
    assert.deepEqual(parsed, expected, name);
  }
});

Deno.test("formatAccessPretty() shows the time of day, level and message, escaping controls", () => {
  const cases: { record: AccessRecord; expected: string }[] = [
    { record: BASE, expected: "03:04:05.678 INFO  GET /a.txt 200 1024B 0.35ms 127.0.0.1\n" },
    {
      record: { ...BASE, aborted: true, bytes: 5 },
      expected: "03:04:05.678 INFO  GET /a.txt 200 5B 0.35ms 127.0.0.1 aborted\n",
    },
    {
      record: { ...BASE, path: "/a\u001b[2J\nb" },
      expected: "03:04:05.678 INFO  GET /a\\x1b[2J\\x0ab 200 1024B 0.35ms 127.0.0.1\n",
    },
  ];
  for (const { record, expected } of cases) {
    assert.equal(formatAccessPretty(record, TIMESTAMP), expected);
  }
});

Deno.test("printable() escapes C0, DEL and C1 controls and leaves other text alone", () => {
  const cases: [string, string][] = [
    ["plain /path", "plain /path"],
    ["\u0000\u001f", "\\x00\\x1f"],
    ["\u007f\u0085\u009f", "\\x7f\\x85\\x9f"],
    ["café 😀", "café 😀"],
    ["a\tb", "a\\x09b"],
  ];
  for (const [input, expected] of cases) {
    assert.equal(printable(input), expected, JSON.stringify(input));
    assert.equal(printable(input), expected, "same answer on a second call (regex state)");
  }
});

Deno.test("formatDropNotice() reports the count as a berth warning in both formats", () => {
  const json = JSON.parse(formatDropNotice(7, { format: "json", timestamp: TIMESTAMP }));
  assert.deepEqual(json, {
    "@timestamp": TIMESTAMP,
    level: "WARNING",
    logger: "berth",
    message: "Dropped 7 log lines: the log output did not keep up",
    droppedLines: 7,
  });
  assert.equal(
    formatDropNotice(7, { format: "pretty", timestamp: TIMESTAMP }),
    "03:04:05.678 WARN  Dropped 7 log lines: the log output did not keep up\n",
  );
});

Deno.test("createTimestampClock() equals toISOString() at every millisecond, cached within one", () => {
  let now = 0;
  const clock = createTimestampClock(() => now);
  const instants = [
    0,
    1,
    9,
    10,
    99,
    100,
    999,
    1000,
    1001,
    Date.UTC(2026, 11, 31, 23, 59, 59, 999),
    Date.UTC(2027, 0, 1, 0, 0, 0, 0),
    Date.UTC(2026, 5, 15, 12, 30, 45, 5),
    Date.UTC(2026, 5, 15, 12, 30, 45, 5) + 0.4,
    -1,
    -1000,
    Date.UTC(12000, 0, 1, 0, 0, 0, 7),
  ];
  for (const instant of instants) {
    now = instant;
    assert.equal(clock.now(), new Date(instant).toISOString(), `at ${instant}`);
  }
  // Walk across a few seconds in small steps, as a busy server would.
  for (let ms = Date.UTC(2026, 0, 1) - 2500; ms < Date.UTC(2026, 0, 1) + 2500; ms += 7) {
    now = ms;
    assert.equal(clock.now(), new Date(ms).toISOString(), `at ${ms}`);
    assert.equal(clock.now(), new Date(ms).toISOString(), `again at ${ms}`);
  }
});
