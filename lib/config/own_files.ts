/**
 * @module
 * berth's own files: every path it reads or writes for itself (config file,
 * users file and its lock, keys and secrets, TLS files, audit log, ready
 * file, session revocation list, the root's `_headers` and `_redirects`). The resolver treats each of them as absent
 * when it lies inside the served root, whatever the other settings say, so
 * the server never hands out the secrets it runs on.
 */

import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { type Settings, URL_VALUE_REGEXP } from "./schema.ts";
import { ENCODED_SIBLING_SUFFIXES, ENCODING_SUFFIX_REGEXP } from "../http/encoded_sibling.ts";
import { SITE_RULE_FILES } from "../rules/site_rules.ts";

/** Options for {@linkcode listOwnFilePaths}. */
export interface ListOwnFilePathsOptions {
  /** The config file the settings came from, if any. */
  configFile?: string | null;
  /** Directory relative paths are resolved against; the working directory by default. */
  cwd?: string;
  /** The served root: its `_headers` and `_redirects` are rules berth reads, never content. */
  root?: string;
}

/** A set of real paths the file core must never serve or list. */
export interface OwnFiles {
  /** The paths as given, absolute (for `berth check` and the startup log). */
  readonly paths: readonly string[];
  /**
   * Whether `realPath` (a real absolute path) is one of berth's own files, a
   * `.gz`/`.br`/`.zst` sibling of one, or one of the temp files berth writes
   * next to them while replacing them atomically.
   */
  has(realPath: string): boolean;
  /**
   * Whether `info` (a file with more than one hard link) is one of berth's
   * own files under another name: same device and inode as one of them now.
   */
  isSameFile(info: { dev?: number | null; ino: number | null }): Promise<boolean>;
}

/** How long the own files' device and inode numbers are trusted before they are stated again. */
const INODE_REFRESH_MS = 1000;

/** Suffix of the temp names `writeFileAtomic` uses: `.name.<12 hex digits>.tmp`. */
const ATOMIC_TEMP_REGEXP = /^\.(.+)\.[0-9a-f]{12}\.tmp$/;

/** No own files (library use without settings paths). */
export const NO_OWN_FILES: OwnFiles = Object.freeze({
  paths: [],
  has: () => false,
  isSameFile: () => Promise.resolve(false),
});

/** One of berth's own files and what makes it one (a setting name, or what berth keeps there). */
export interface OwnFileEntry {
  /** Absolute path. */
  path: string;
  /** E.g. `auth.users`, `config file`, `site rules`. */
  role: string;
}

/**
 * Every file `settings` makes berth read or write for itself, with absolute
 * paths. Files that other modules derive from these (the users file's lock,
 * the revocation list, the root's rules files) are listed here too, so this
 * is the one place to look.
 */
export function listOwnFiles(
  settings: Settings,
  options: ListOwnFilePathsOptions = {},
): OwnFileEntry[] {
  const cwd = options.cwd ?? Deno.cwd();
  const entries: OwnFileEntry[] = [];
  const add = (path: string | undefined | null, role: string) => {
    if (path === undefined || path === null || path === "") return;
    const absolute = isAbsolute(path) ? path : resolve(cwd, path);
    if (!entries.some((entry) => entry.path === absolute)) entries.push({ path: absolute, role });
  };
  add(options.configFile, "config file");
  if (options.root !== undefined) {
    for (const name of Object.values(SITE_RULE_FILES)) add(join(options.root, name), "site rules");
  }
  add(settings.cert, "cert");
  add(settings.key, "key");
  add(settings.readyFile, "readyFile");
  add(settings.auditLog, "auditLog");
  const { jwt, users } = settings.auth;
  add(jwt.secretFile, "auth.jwt.secretFile");
  add(jwt.publicKey, "auth.jwt.publicKey");
  if (jwt.jwks !== undefined && !URL_VALUE_REGEXP.test(jwt.jwks)) add(jwt.jwks, "auth.jwt.jwks");
  if (users !== undefined) {
    add(users, "auth.users");
    for (const suffix of USERS_FILE_COMPANIONS) add(users + suffix, "auth.users");
  }
  // `berth user add` writes here when no users file is configured: a users
  // file made for a later run must not be served by this one.
  const defaultUsers = resolve(cwd, DEFAULT_USERS_FILE_NAME);
  add(defaultUsers, DEFAULT_USERS_ROLE);
  for (const suffix of USERS_FILE_COMPANIONS) add(defaultUsers + suffix, DEFAULT_USERS_ROLE);
  return entries;
}

/** The absolute paths of {@linkcode listOwnFiles}. */
export function listOwnFilePaths(
  settings: Settings,
  options: ListOwnFilePathsOptions = {},
): string[] {
  return listOwnFiles(settings, options).map((entry) => entry.path);
}

/**
 * One warning per own-file setting whose file lies inside the root, for
 * `berth check` and the startup log: berth hides it, but a file kept outside
 * the root cannot be exposed by another server pointed at the same
 * directory. The config file (its usual home is the site's directory, and it
 * holds no secrets: those live in files or the environment) and the rules
 * files are hidden without a warning.
 */
export function describeOwnFilesInRoot(
  settings: Settings,
  options: ListOwnFilePathsOptions = {},
): string[] {
  const cwd = options.cwd ?? Deno.cwd();
  const root = isAbsolute(settings.root) ? settings.root : resolve(cwd, settings.root);
  const seen = new Set<string>();
  const warnings: string[] = [];
  for (const entry of listOwnFiles(settings, { cwd })) {
    const inside = relative(root, entry.path);
    if (inside === "" || inside.startsWith("..") || isAbsolute(inside)) continue;
    if (entry.role === DEFAULT_USERS_ROLE) continue;
    // One warning a setting: the users file's companions share its warning.
    if (seen.has(entry.role)) continue;
    seen.add(entry.role);
    warnings.push(
      `"${entry.role}" ${
        JSON.stringify(inside)
      } is inside the root: berth never serves it, but keep berth's own files outside the directory it serves`,
    );
  }
  return warnings;
}

/** The users file `berth user` uses when none is configured, relative to the working directory. */
export const DEFAULT_USERS_FILE_NAME = "users.json";

/** Role of the default users file: hidden, but no warning (it is there only if someone made it). */
const DEFAULT_USERS_ROLE = "berth user's default users file";

/** Files berth keeps beside the users file (its lock and the session revocation list). */
export const USERS_FILE_COMPANIONS: readonly string[] = [".lock", ".revoked.json"];

/** Case- and normalization-folded form, so `/USERS.JSON` on a case-insensitive disk still matches. */
function fold(path: string): string {
  return path.normalize("NFC").toLowerCase();
}

/**
 * Resolves each path to the real path it has (or will have, for files not
 * written yet: the real path of its directory plus its name) and returns the
 * matcher the resolver uses. Paths that cannot be resolved (no permission,
 * missing directory) are kept as given: they cannot be inside a root berth
 * may read either, but keeping them costs nothing.
 */
export async function compileOwnFiles(paths: readonly string[]): Promise<OwnFiles> {
  if (paths.length === 0) return NO_OWN_FILES;
  const folded = new Set<string>();
  // Only paths berth may read can be stated: asking for others would make
  // Deno prompt on a terminal (and they cannot lie in a root berth reads).
  const readable: string[] = [];
  for (const path of paths) {
    folded.add(fold(path));
    folded.add(fold(await realPathOrPlanned(path)));
    if (await canRead(path)) {
      // Its encoded siblings are the same bytes, so hard links to them count too.
      readable.push(path, ...ENCODED_SIBLING_SUFFIXES.map((suffix) => path + suffix));
    }
  }
  // The own files' inodes, stated at most once a second: a listing of many
  // hard-linked files must not state every own file once per entry.
  let known: { untilMs: number; inodes: Set<string> } | null = null;
  const inodes = async (): Promise<Set<string>> => {
    const now = Date.now();
    if (known !== null && known.untilMs > now) return known.inodes;
    const found = new Set<string>();
    for (const path of readable) {
      try {
        const own = await Deno.stat(path);
        if (own.ino !== null && own.dev !== null) found.add(`${own.dev}:${own.ino}`);
      } catch {
        // Missing: nothing to compare.
      }
    }
    known = { untilMs: now + INODE_REFRESH_MS, inodes: found };
    return found;
  };
  return {
    paths: [...paths],
    has(realPath: string): boolean {
      const key = fold(realPath);
      if (folded.has(key)) return true;
      // `users.json.gz.br` is still the users file.
      let base = key;
      while (ENCODING_SUFFIX_REGEXP.test(base)) {
        base = base.replace(ENCODING_SUFFIX_REGEXP, "");
        if (folded.has(base)) return true;
      }
      const temp = ATOMIC_TEMP_REGEXP.exec(basename(key));
      return temp !== null && folded.has(join(dirname(key), temp[1]));
    },
    async isSameFile(info) {
      if (info.ino === null || info.dev === undefined || info.dev === null) return false;
      // Stated recently, not at startup: the users file is replaced by a rename.
      return (await inodes()).has(`${info.dev}:${info.ino}`);
    },
  };
}

/**
 * The real path of `path`, or of its directory joined with its name when it
 * does not exist yet; `path` itself when berth may not read either (no
 * permission prompt is ever triggered).
 */
async function realPathOrPlanned(path: string): Promise<string> {
  try {
    if (await canRead(path)) return await Deno.realPath(path);
  } catch {
    // Not there yet: try its directory.
  }
  try {
    if (await canRead(dirname(path))) {
      return join(await Deno.realPath(dirname(path)), basename(path));
    }
  } catch {
    // No such directory either.
  }
  return path;
}

/** Whether Deno grants read access to `path` already (queried, never requested). */
async function canRead(path: string): Promise<boolean> {
  const status = await Deno.permissions.query({ name: "read", path });
  return status.state === "granted";
}
