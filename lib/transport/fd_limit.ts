/**
 * @module
 * Connection and open-response budgets derived from the process's descriptor
 * limit (RLIMIT_NOFILE), so that connections plus the files their responses
 * hold can never use every descriptor: past the budget berth refuses new
 * connections (or answers 503) instead of hitting "Too many open files",
 * which Deno's node listener does not survive (it stops accepting for good).
 */

import { SERVER_OPEN_FILE_POOL } from "../fs/open_file_pool.ts";

/** Where the descriptor limit came from, for the startup log line. */
export type FdLimitSource = "rlimit" | "assumed" | "probed";

/** The limits the transport enforces; every field is a positive integer. */
export interface ConnectionBudget {
  /** Descriptor limit the budget was computed from. */
  fdLimit: number;
  /** `rlimit` when read from the system, `assumed` when berth may not read it. */
  source: FdLimitSource;
  /** Most open connections, all clients together. */
  maxConnections: number;
  /** Most open connections from one client address. */
  maxConnectionsPerClient: number;
  /** Most responses being sent at once (each may hold an open file). */
  maxOpenResponses: number;
}

/** Explicit settings; 0 means "derive from the descriptor limit". */
export interface ConnectionBudgetSettings {
  maxConnections: number;
  maxConnectionsPerClient: number;
  maxOpenResponses: number;
}

/** Used when /proc/self/limits cannot be read: the usual Linux soft limit. */
export const ASSUMED_FD_LIMIT = 1024;
/** Descriptors kept for everything but connections: logs, watchers, the file pool, modules. */
const RESERVED_FDS_MIN = 48;
/** Each isolate's pool of files kept open for range reads holds up to this many more. */
const KEPT_OPEN_FILES = SERVER_OPEN_FILE_POOL.maxFiles;
/** Budgets stay bounded on hosts with huge limits: memory, not descriptors, is then the bound. */
const MAX_DERIVED_CONNECTIONS = 16_384;
const MAX_DERIVED_PER_CLIENT = 256;
const MIN_DERIVED_PER_CLIENT = 8;
const OPEN_FILES_REGEXP = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m;

/**
 * Reads the soft descriptor limit, or null when berth may not: from
 * `/proc/self/limits` (Linux; Deno lets only `--allow-all` read /proc), else
 * from `sh -c "ulimit -n"` when `--allow-run=sh` is granted (~10 ms, once).
 * Permission checks never prompt.
 */
export function readFdLimit(): number | null {
  return readProcLimits() ?? readShellUlimit();
}

function readProcLimits(): number | null {
  try {
    const path = "/proc/self/limits";
    if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") return null;
    const match = Deno.readTextFileSync(path).match(OPEN_FILES_REGEXP);
    if (match === null) return null;
    return match[1] === "unlimited" ? Number.MAX_SAFE_INTEGER : Number(match[1]);
  } catch {
    return null;
  }
}

function readShellUlimit(): number | null {
  try {
    if (Deno.build.os === "windows") return null;
    if (Deno.permissions.querySync({ name: "run", command: "sh" }).state !== "granted") return null;
    const output = new Deno.Command("sh", {
      args: ["-c", "ulimit -n"],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).outputSync();
    const text = new TextDecoder().decode(output.stdout).trim();
    if (text === "unlimited") return Number.MAX_SAFE_INTEGER;
    const limit = Number(text);
    return output.success && Number.isInteger(limit) && limit > 0 ? limit : null;
  } catch {
    return null;
  }
}

/**
 * Counts the descriptors this process can still open, up to `ceiling`, by
 * opening throwaway TCP listeners on `hostname` port 0 until "Too many open
 * files" — for when the limit cannot be read. Run before berth listens:
 * while it runs no descriptor is left for anyone else. ~50 µs per
 * descriptor (~55 ms at the 1024 ceiling). Returns `ceiling` when all
 * opened, null when listening on port 0 is not allowed.
 */
export function probeFreeFds(hostname: string, ceiling: number): number | null {
  const opened: Deno.Listener[] = [];
  try {
    while (opened.length < ceiling) opened.push(Deno.listen({ hostname, port: 0 }));
    return ceiling;
  } catch (error) {
    return error instanceof Deno.errors.NotCapable || opened.length === 0 ? null : opened.length;
  } finally {
    for (const listener of opened) listener.close();
  }
}

/**
 * Splits the descriptors of one isolate's share of `fdLimit` between
 * connections (¾) and open responses (¼) after a reserve (⅛, at least 48,
 * plus the 64 files the range-read pool may keep open): each connection is
 * one descriptor and each response being sent may hold one open file.
 * Explicit settings win over the derived values.
 * With `ulimit -n 256`: 108 connections, 27 per client, 36 open responses.
 */
export function deriveConnectionBudget(
  settings: ConnectionBudgetSettings,
  options: { fdLimit: number | null; isolates?: number },
): ConnectionBudget {
  const fdLimit = options.fdLimit ?? ASSUMED_FD_LIMIT;
  const share = Math.floor(Math.min(fdLimit, 1 << 30) / Math.max(1, options.isolates ?? 1));
  const reserved = Math.max(RESERVED_FDS_MIN, Math.floor(share / 8)) + KEPT_OPEN_FILES;
  const usable = Math.max(8, share - reserved);
  const derivedConnections = Math.min(MAX_DERIVED_CONNECTIONS, Math.floor(usable * 3 / 4));
  const maxConnections = settings.maxConnections || Math.max(4, derivedConnections);
  const derivedPerClient = Math.min(
    MAX_DERIVED_PER_CLIENT,
    Math.max(MIN_DERIVED_PER_CLIENT, Math.floor(maxConnections / 4)),
  );
  return {
    fdLimit,
    source: options.fdLimit === null ? "assumed" : "rlimit",
    maxConnections,
    maxConnectionsPerClient: Math.min(
      maxConnections,
      settings.maxConnectionsPerClient || derivedPerClient,
    ),
    maxOpenResponses: settings.maxOpenResponses ||
      Math.max(4, Math.min(MAX_DERIVED_CONNECTIONS, usable - derivedConnections)),
  };
}
