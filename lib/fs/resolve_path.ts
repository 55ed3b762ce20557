/**
 * @module
 * Fail-closed mapping from a request path to a file under the served root:
 * strict decoding (hostile encodings become a 400), the dotfile policy, and a
 * realpath check that keeps symlinks from leaving the root (anything else
 * becomes "not found", so a 404 never tells whether a path exists).
 */

import { join, sep as SEP } from "node:path";
import type { FileInfo, FileSystem } from "./types.ts";
import type { OwnFiles } from "../config/own_files.ts";

/** Result of {@linkcode decodeRequestPath}; `ok: false` always means answering 400 with `message`. */
export type DecodedPath =
  | { ok: true; segments: string[]; trailingSlash: boolean }
  | { ok: false; message: string };

/** Options for {@linkcode decodeRequestPath}. */
export interface DecodeRequestPathOptions {
  /** Apply the Windows-only segment rules; defaults to `Deno.build.os === "windows"`. */
  windows?: boolean;
}

/** Options for {@linkcode resolvePath}. */
export interface ResolvePathOptions {
  /** The served root as a real absolute path (see {@linkcode realRoot}). */
  root: string;
  /** Serve names starting with `.`; when false they are "not found" (`.well-known` excepted). */
  dotfiles: boolean;
  /**
   * berth's own files (config, users, keys, logs, ready file): "not found"
   * whatever `dotfiles` says, so they are never served or listed.
   */
  ownFiles?: OwnFiles;
}

/** Result of {@linkcode resolvePath}: a file or directory by real path, or not found. */
export type ResolvedPath =
  | { kind: "file"; path: string; info: FileInfo }
  | { kind: "directory"; path: string; info: FileInfo }
  | { kind: "not-found" };

/** The one directory name starting with a dot that is public by default (RFC 8615). */
const WELL_KNOWN_SEGMENT = ".well-known";

/** A `%` not followed by two hex digits. */
const INVALID_PERCENT_REGEXP = /%(?![0-9A-Fa-f]{2})/;
/** A percent-encoded `/` or `\`, which would smuggle a separator into one segment. */
const ENCODED_SEPARATOR_REGEXP = /%(?:2f|5c)/i;
/** Segments Win32 would reinterpret: drive/stream colons and trailing dots or spaces it strips. */
const WINDOWS_UNSAFE_SEGMENT_REGEXP = /:|[. ]$/;
/** Win32 device names, which open a device whatever the directory or extension. */
const WINDOWS_DEVICE_NAME_REGEXP =
  /^(?:con|prn|aux|nul|conin\$|conout\$|(?:com|lpt)[0-9¹²³])(?:\.|$)/i;

const IS_WINDOWS = Deno.build.os === "windows";
const NOT_FOUND: ResolvedPath = Object.freeze({ kind: "not-found" });

const MESSAGE_NOT_ABSOLUTE = 'Request path must start with "/"';
const MESSAGE_BAD_PERCENT = "Request path has invalid percent-encoding";
const MESSAGE_ENCODED_SEPARATOR = "Request path has an encoded slash or backslash";
const MESSAGE_BAD_UTF8 = "Request path is not valid UTF-8";
const MESSAGE_CONTROL_CHAR = "Request path contains a control character";
const MESSAGE_BACKSLASH = "Request path contains a backslash";
const MESSAGE_WINDOWS_NAME = "Request path contains a name this server cannot serve";

/** Reports a C0 control character (NUL included) or DEL. */
function hasControlChar(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** Decodes one raw segment exactly once, or says why it must be refused. */
function decodeSegment(
  raw: string,
  windows: boolean,
): { ok: true; segment: string } | { ok: false; message: string } {
  let segment = raw;
  if (raw.includes("%")) {
    if (INVALID_PERCENT_REGEXP.test(raw)) return { ok: false, message: MESSAGE_BAD_PERCENT };
    if (ENCODED_SEPARATOR_REGEXP.test(raw)) {
      return { ok: false, message: MESSAGE_ENCODED_SEPARATOR };
    }
    try {
      // Throws on bytes that are not UTF-8, overlong forms (`%c0%ae`) and surrogates.
      segment = decodeURIComponent(raw);
    } catch {
      return { ok: false, message: MESSAGE_BAD_UTF8 };
    }
  }
  // A raw path from outside the URL parser may hold lone UTF-16 surrogates.
  if (!segment.isWellFormed()) return { ok: false, message: MESSAGE_BAD_UTF8 };
  if (hasControlChar(segment)) return { ok: false, message: MESSAGE_CONTROL_CHAR };
  if (segment.includes("\\")) return { ok: false, message: MESSAGE_BACKSLASH };
  if (
    windows && segment !== "." && segment !== ".." &&
    (WINDOWS_UNSAFE_SEGMENT_REGEXP.test(segment) || WINDOWS_DEVICE_NAME_REGEXP.test(segment))
  ) {
    return { ok: false, message: MESSAGE_WINDOWS_NAME };
  }
  return { ok: true, segment };
}

/**
 * Turns a still percent-encoded URL path into safe, decoded segments.
 *
 * Each segment is decoded exactly once (`%252e` stays the literal name `%2e`);
 * empty and `.` segments are dropped and `..` pops one segment but never climbs
 * above the root. Invalid encodings, NUL and other control characters, encoded
 * or literal backslashes and encoded slashes are refused.
 * SECURITY: refusing is deliberate even where WHATWG URL parsing already
 * normalized the path, since the raw form may come from elsewhere (rewrites).
 */
export function decodeRequestPath(
  pathname: string,
  options: DecodeRequestPathOptions = {},
): DecodedPath {
  if (!pathname.startsWith("/")) return { ok: false, message: MESSAGE_NOT_ABSOLUTE };
  const windows = options.windows ?? IS_WINDOWS;
  const rawSegments = pathname.slice(1).split("/");
  const segments: string[] = [];
  let trailingSlash = false;
  for (const raw of rawSegments) {
    const decoded = decodeSegment(raw, windows);
    if (!decoded.ok) return decoded;
    const { segment } = decoded;
    // A final "", "." or ".." names a directory, as in WHATWG URL resolution.
    trailingSlash = segment === "" || segment === "." || segment === "..";
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      segments.pop();
      continue;
    }
    segments.push(segment);
  }
  return { ok: true, segments, trailingSlash };
}

/**
 * Reports whether any segment starts with `.`, the dotfile policy's test.
 * Only a leading `.well-known` is public; a dot name inside it stays hidden.
 */
export function isHiddenPath(segments: readonly string[]): boolean {
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment.startsWith(".") && !(i === 0 && segment === WELL_KNOWN_SEGMENT)) return true;
  }
  return false;
}

/** Reports a segment that is one plain name, as {@linkcode decodeRequestPath} produces. */
function isPlainSegment(segment: string): boolean {
  return segment !== "" && segment !== "." && segment !== ".." && !segment.includes("/") &&
    !segment.includes("\\") && !segment.includes("\0");
}

/** Splits `real` into segments relative to `root`, or `null` when it lies outside. */
export function relativeToRoot(root: string, real: string): string[] | null {
  if (real === root) return [];
  // Comparing against root + separator stops the sibling-prefix trick (`/srv/site-other`).
  const prefix = root.endsWith(SEP) ? root : root + SEP;
  if (!real.startsWith(prefix)) return null;
  return real.slice(prefix.length).split(SEP);
}

/** Reports an error the filesystem raises for a path it cannot serve. */
function isFileSystemError(error: unknown): boolean {
  if (
    error instanceof Deno.errors.NotFound ||
    error instanceof Deno.errors.NotADirectory ||
    error instanceof Deno.errors.IsADirectory ||
    error instanceof Deno.errors.PermissionDenied ||
    error instanceof Deno.errors.NotCapable ||
    error instanceof Deno.errors.FilesystemLoop ||
    error instanceof Deno.errors.InvalidData
  ) {
    return true;
  }
  // Errors Deno has no class for (ENAMETOOLONG, EACCES on some paths) carry an errno code.
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("E");
}

/**
 * Maps decoded segments to a file or directory inside `options.root`.
 *
 * Costs one `realPath` and one `stat`. The real path must be the root or lie
 * under it, and without `dotfiles` no segment of it (relative to the root) may
 * start with `.`, so a symlink to `.env` is hidden too; berth's own files are
 * never found. Every failure,
 * including hostile segments and filesystem errors, is `not-found`; only
 * errors that do not come from the filesystem are rethrown.
 * SECURITY: the check and the later open are not atomic; someone who can
 * create symlinks inside the root while the server runs can race it.
 */
export async function resolvePath(
  fs: FileSystem,
  segments: readonly string[],
  options: ResolvePathOptions,
): Promise<ResolvedPath> {
  const { root, dotfiles } = options;
  if (!segments.every(isPlainSegment)) return NOT_FOUND;
  if (!dotfiles && isHiddenPath(segments)) return NOT_FOUND;
  try {
    const real = await fs.realPath(segments.length === 0 ? root : join(root, ...segments));
    const relative = relativeToRoot(root, real);
    if (relative === null) return NOT_FOUND;
    if (!dotfiles && isHiddenPath(relative)) return NOT_FOUND;
    // SECURITY: by real path, so a symlink or another spelling reaches nothing either.
    if (options.ownFiles?.has(real)) return NOT_FOUND;
    const info = await fs.stat(real);
    // SECURITY: a hard link is another real path for the same bytes.
    if (
      info.isFile && options.ownFiles !== undefined && (info.nlink ?? 1) > 1 &&
      await options.ownFiles.isSameFile(info)
    ) {
      return NOT_FOUND;
    }
    if (info.isFile) return { kind: "file", path: real, info };
    if (info.isDirectory) return { kind: "directory", path: real, info };
    return NOT_FOUND;
  } catch (error) {
    if (isFileSystemError(error)) return NOT_FOUND;
    throw error;
  }
}

/**
 * Resolves the configured root to the real absolute path {@linkcode resolvePath} expects.
 * Throws `Deno.errors.NotFound` when it is missing and `Deno.errors.NotADirectory`
 * when it is not a directory, so the mistake surfaces at startup.
 */
export async function realRoot(fs: FileSystem, root: string): Promise<string> {
  const real = await fs.realPath(root);
  const info = await fs.stat(real);
  if (!info.isDirectory) {
    throw new Deno.errors.NotADirectory(`Cannot serve "${root}": not a directory`);
  }
  return real;
}
