/**
 * @module
 * Logging setup: every line berth prints goes through logtape, pretty on a
 * terminal and JSON lines otherwise, so CI and log shippers get one record per
 * line while people at a terminal get something readable.
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
import { AUDIT_LOG_CATEGORY } from "./audit.ts";

/** Output style of the log lines. */
export type LogFormat = "pretty" | "json";

/** Options for {@linkcode setupLogging}. */
export interface SetupLoggingOptions {
  /** `auto` picks pretty on a terminal and JSON otherwise. */
  format: LogFormat | "auto";
  /** When true, access-log records are dropped. */
  quiet?: boolean;
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

/** Picks the concrete format for `auto` by asking whether stdout is a terminal. */
function resolveLogFormat(format: LogFormat | "auto"): LogFormat {
  if (format !== "auto") return format;
  return Deno.stdout.isTerminal() ? "pretty" : "json";
}

/** Configures logtape once for the process; call {@linkcode shutdownLogging} before exit. */
export async function setupLogging(options: SetupLoggingOptions): Promise<LogFormat> {
  const format = resolveLogFormat(options.format);
  const formatter = format === "json" ? JSON_FORMATTER : formatPretty;
  const sink: Sink = getStreamSink(options.stream ?? Deno.stdout.writable, {
    formatter,
    closeStream: false,
  });
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

/** {@linkcode setupLogging} as the settings ask: `logFormat`, `quiet` and `auditLog`. */
export async function setupLoggingFromSettings(
  settings: Pick<Settings, "logFormat" | "quiet" | "auditLog">,
): Promise<LogFormat> {
  return await setupLogging({
    format: settings.logFormat,
    quiet: settings.quiet,
    audit: { path: settings.auditLog },
  });
}

/** Flushes pending log lines; call before the process exits. */
export async function shutdownLogging(): Promise<void> {
  await dispose();
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
