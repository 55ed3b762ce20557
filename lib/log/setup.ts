/**
 * @module
 * Logging setup: pretty lines on a terminal and JSON lines otherwise, so CI
 * and log shippers get one record per line while people at a terminal get
 * something readable. Application logs go through logtape; the access log
 * builds its lines itself (access_line.ts). Both reach stdout through one
 * batcher (line_batcher.ts), so their order is kept and one writer owns the
 * stream. The audit log stays on logtape's stream sink.
 */

import {
  configure,
  dispose,
  getStreamSink,
  type LogRecord,
  type Sink,
  type TextFormatter,
} from "@logtape/logtape";
import type { Settings } from "../config/schema.ts";
import {
  type AccessRecord,
  createTimestampClock,
  formatAccessJson,
  formatAccessPretty,
  formatDropNotice,
} from "./access_line.ts";
import { AUDIT_LOG_CATEGORY } from "./audit.ts";
import { ATOMIC_PIPE_WRITE_BYTES, createLineBatcher, type LineBatcher } from "./line_batcher.ts";

/** Output style of the log lines. */
export type LogFormat = "pretty" | "json";

/** Options for {@linkcode setupLogging}. */
export interface SetupLoggingOptions {
  /** `auto` picks pretty on a terminal and JSON otherwise. */
  format: LogFormat | "auto";
  /** When true, access-log records are dropped. */
  quiet?: boolean;
  /** True when other isolates write to the same stdout (`--workers`): lines must not interleave. */
  sharedOutput?: boolean;
  /** Where lines go; stdout by default. Tests pass their own stream. */
  stream?: WritableStream<Uint8Array>;
  /**
   * Where the audit log (always JSON lines) goes: a file appended to, a stream
   * (tests), or stderr by default.
   */
  audit?: { path?: string; stream?: WritableStream<Uint8Array> };
}

/** Root logger category; children are `access` and `audit`. */
export const LOG_CATEGORY = ["berth"] as const;
/** Category of the one-line-per-request access log. */
export const ACCESS_LOG_CATEGORY = ["berth", "access"] as const;

/** Where the access log writes its lines. */
export interface AccessLogOutput {
  /** Queues the line for `record`. */
  write(record: AccessRecord): void;
}

/** The main output of the logging berth set up, with what the stop path needs. */
interface MainOutput {
  batcher: LineBatcher;
  release(): void;
}

let mainOutput: MainOutput | null = null;
// undefined: berth did not set up logging (embedded through createHandler),
// so the access log goes through logtape as the host application configured
// it; null: access lines are off (`--quiet`).
let accessOutput: AccessLogOutput | null | undefined;
// Lines dropped by outputs already shut down, so the metric never goes back.
let droppedBefore = 0;

/**
 * The access log's output as {@linkcode setupLogging} made it: null when
 * access lines are off, undefined when berth did not set up logging.
 */
export function accessLogOutput(): AccessLogOutput | null | undefined {
  return accessOutput;
}

/** Log lines dropped since start because the output did not keep up (for metrics). */
export function droppedLogLines(): number {
  return droppedBefore + (mainOutput?.batcher.dropped ?? 0);
}

/** Picks the concrete format for `auto` by asking whether stdout is a terminal. */
function resolveLogFormat(format: LogFormat | "auto"): LogFormat {
  if (format !== "auto") return format;
  return Deno.stdout.isTerminal() ? "pretty" : "json";
}

/** Configures logtape once for the process; call {@linkcode shutdownLogging} before exit. */
export async function setupLogging(options: SetupLoggingOptions): Promise<LogFormat> {
  // A second setup (tests) first writes out what the first one queued.
  await shutdownMainOutput();
  const format = resolveLogFormat(options.format);
  const formatter = format === "json" ? JSON_FORMATTER : formatPretty;
  const clock = createTimestampClock();
  const writer = (options.stream ?? Deno.stdout.writable).getWriter();
  const batcher = createLineBatcher({
    write: (chunk) => writer.write(chunk),
    dropNotice: (count) => formatDropNotice(count, { format, timestamp: clock.now() }),
    maxWriteBytes: options.sharedOutput ? ATOMIC_PIPE_WRITE_BYTES : undefined,
  });
  mainOutput = { batcher, release: () => writer.releaseLock() };
  const formatAccess = format === "json" ? formatAccessJson : formatAccessPretty;
  accessOutput = options.quiet
    ? null
    : { write: (record) => batcher.push(formatAccess(record, clock.now())) };
  // Application lines are rare and may be awaited by a reader (the listening
  // line): written at once, behind the access lines already queued.
  const sink: Sink = (record) => batcher.pushNow(formatter(record));
  const auditFile = options.audit?.path === undefined
    ? null
    : await Deno.open(options.audit.path, { create: true, append: true, mode: 0o600 });
  const auditSink: Sink = getStreamSink(
    options.audit?.stream ?? auditFile?.writable ?? Deno.stderr.writable,
    { formatter: JSON_FORMATTER, closeStream: auditFile !== null },
  );
  await configure({
    reset: true,
    sinks: { main: sink, audit: auditSink },
    loggers: [
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "error" },
      {
        category: [...AUDIT_LOG_CATEGORY],
        sinks: ["audit"],
        parentSinks: "override",
        lowestLevel: "info",
      },
      {
        category: [...ACCESS_LOG_CATEGORY],
        sinks: options.quiet ? [] : ["main"],
        parentSinks: "override",
        lowestLevel: "info",
      },
      { category: [...LOG_CATEGORY], sinks: ["main"], lowestLevel: "info" },
    ],
  });
  return format;
}

/** {@linkcode setupLogging} as the settings ask: `logFormat`, `quiet`, `auditLog` and `workers`. */
export async function setupLoggingFromSettings(
  settings: Pick<Settings, "logFormat" | "quiet" | "auditLog" | "workers">,
): Promise<LogFormat> {
  return await setupLogging({
    format: settings.logFormat,
    quiet: settings.quiet,
    sharedOutput: settings.workers !== 1,
    audit: { path: settings.auditLog },
  });
}

/**
 * How long the stop path waits for queued lines to be written. A reader that
 * stalled for this long will not take them; exiting matters more.
 */
const FLUSH_TIMEOUT_MS = 2000;

/** Writes every pending log line (bounded by `FLUSH_TIMEOUT_MS`); call before the process exits. */
export async function shutdownLogging(): Promise<void> {
  await dispose();
  await shutdownMainOutput();
}

/** Flushes the main output and lets go of its stream; access lines go back to logtape. */
async function shutdownMainOutput(): Promise<void> {
  const output = mainOutput;
  accessOutput = undefined;
  if (output === null) return;
  mainOutput = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    output.batcher.flush(),
    new Promise<void>((resolve) => timer = setTimeout(resolve, FLUSH_TIMEOUT_MS)),
  ]);
  clearTimeout(timer);
  droppedBefore += output.batcher.dropped;
  try {
    output.release();
  } catch {
    // A write still pending on a stalled reader; the process is about to exit.
  }
}

/** JSON lines: timestamp, level, logger, the rendered message, then the properties flattened. */
const JSON_FORMATTER: TextFormatter = (record) =>
  JSON.stringify({
    "@timestamp": new Date(record.timestamp).toISOString(),
    level: record.level.toUpperCase(),
    logger: record.category.join("."),
    message: renderMessage(record),
    ...record.properties,
  }, replaceErrors) + "\n";

/** Errors serialize as their name and message; their stacks stay out of JSON lines. */
function replaceErrors(_key: string, value: unknown): unknown {
  return value instanceof Error ? renderError(value) : value;
}

/** How both formats show an Error: its name and message, never its stack. */
function renderError(error: Error): string {
  return `${error.name}: ${error.message}`;
}

/**
 * The message with its values inserted, the same in both formats: strings
 * as plain text, Errors as name and message, anything else as JSON.
 */
function renderMessage(record: LogRecord): string {
  return record.message.map((part) =>
    typeof part === "string"
      ? part
      : part instanceof Error
      ? renderError(part)
      : JSON.stringify(part)
  ).join("");
}

const LEVEL_LABELS: Record<string, string> = {
  trace: "TRACE",
  debug: "DEBUG",
  info: "INFO ",
  warning: "WARN ",
  error: "ERROR",
  fatal: "FATAL",
};

/**
 * One readable line: time, level and the rendered message. The properties
 * stay out (the message names the ones that matter); JSON lines carry them
 * all.
 */
function formatPretty(record: LogRecord): string {
  const time = new Date(record.timestamp).toISOString().slice(11, 23);
  const level = LEVEL_LABELS[record.level] ?? record.level;
  return `${time} ${level} ${renderMessage(record)}\n`;
}
