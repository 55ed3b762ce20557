/**
 * @module
 * The users file: a JSON document `{ "users": [{ "name", "passwordHash",
 * "roles", "totpSecret"? }] }`, validated with valibot when read, written
 * atomically (temp file in the same directory, then rename), and the lookup
 * used by login and HTTP Basic, which a running server swaps when the file
 * changes.
 */

import { createHash } from "node:crypto";
import { dirname } from "node:path";
import * as v from "valibot";
import { ConfigError, formatValue } from "../config/errors.ts";
import { describeIssue } from "../config/messages.ts";
import { writeFileAtomic } from "../fs/write_file_atomic.ts";
import {
  describeHashCost,
  DUMMY_HASH,
  type HashCost,
  isSupportedHash,
  verifyPassword,
} from "./passwords.ts";
import { TOTP_SECRET_REGEXP } from "./totp.ts";

/** One user as stored in the users file. */
export interface UserRecord {
  /** Login name. */
  name: string;
  /** argon2id PHC string or bcrypt `$2a$`/`$2b$`/`$2y$` hash. */
  passwordHash: string;
  /** Roles the user holds. */
  roles: string[];
  /** Base32 TOTP secret; when set, login also asks for a code. */
  totpSecret?: string;
}

/** The users file's top-level shape. */
export interface UsersFile {
  /** Every user, names unique. */
  users: UserRecord[];
}

/** The outcome of {@linkcode UserStore.authenticate}. */
export type Authentication =
  | { ok: true; user: UserRecord }
  | { ok: false; reason: "unknown-user" | "wrong-password" };

/** Looks users up and checks their passwords; `replace` swaps the users on reload. */
export interface UserStore {
  /**
   * Checks a name and password. Every answer, for any name, takes at least
   * as long as a check against the slowest hash in the file.
   */
  authenticate(name: string, password: string): Promise<Authentication>;
  /** The user with `name`, if any. */
  get(name: string): UserRecord | undefined;
  /**
   * A short fingerprint of the user's password hash and TOTP secret, or
   * undefined for an unknown name. Sessions carry it; when it changes
   * (`berth user passwd`, a removed user) they stop working.
   */
  sessionVersion(name: string): string | undefined;
  /** Swaps in a new list of validated users (the watcher calls this on reload). */
  replace(users: readonly UserRecord[]): void;
  /** Grows by one on every `replace`, so caches of earlier answers can tell they are stale. */
  readonly generation: number;
  /** How many users there are. */
  readonly size: number;
}

/** Options for {@linkcode createUserStore}. */
export interface UserStoreOptions {
  /** Password check to use (default {@linkcode verifyPassword}); for tests. */
  verify?: (password: string, hash: string) => Promise<boolean>;
  /** Clock for the timing floor, in milliseconds (default `performance.now`); for tests. */
  now?: () => number;
}

/** User names: letters, digits and `._@-`, 1–64 characters, starting with a letter or digit. No `:` (HTTP Basic). */
export const USER_NAME_REGEXP = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
/** Role names: letters, digits and `._:-`, 1–64 characters. */
export const ROLE_NAME_REGEXP = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
/** Most users one file may hold. */
const MAX_USERS = 100_000;
/** Largest users file read, in bytes. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

/** Message for a strict object: an unknown field, or not an object at all. */
function describeObjectIssue(shape: string): (issue: v.BaseIssue<unknown>) => string {
  return (issue) => {
    if (issue.expected === "never") return "is not a known field";
    if (issue.input === undefined && issue.path !== undefined) return "is missing";
    return `must be ${shape}`;
  };
}

const USER_SCHEMA = v.strictObject({
  name: v.pipe(
    v.string("must be a string"),
    v.regex(
      USER_NAME_REGEXP,
      "must be 1-64 letters, digits or ._@- characters, starting with a letter or digit",
    ),
  ),
  passwordHash: v.pipe(
    v.string("must be a string"),
    v.check(
      isSupportedHash,
      "must be an argon2id PHC string or a bcrypt $2a$/$2b$/$2y$ hash (run berth hash-password)",
    ),
  ),
  roles: v.pipe(
    v.array(
      v.pipe(
        v.string("must be a string"),
        v.regex(ROLE_NAME_REGEXP, "must be 1-64 letters, digits or ._:- characters"),
      ),
      "must be a list of role names",
    ),
    v.maxLength(64, "must have at most 64 roles"),
  ),
  totpSecret: v.optional(
    v.pipe(
      v.string("must be a string"),
      v.regex(TOTP_SECRET_REGEXP, "must be a base32 secret of at least 16 characters"),
    ),
  ),
}, describeObjectIssue("a user object with name, passwordHash, roles and optional totpSecret"));

const USERS_FILE_SCHEMA = v.strictObject({
  users: v.pipe(
    v.array(USER_SCHEMA, "must be a list of users"),
    v.maxLength(MAX_USERS, `must hold at most ${MAX_USERS} users`),
  ),
}, describeObjectIssue('an object with "users"'));

/**
 * Reads and validates a users file.
 *
 * @throws {ConfigError} naming the file and the first problem (missing file, bad JSON, a bad field, a duplicate name).
 */
export async function readUsersFile(path: string): Promise<UserRecord[]> {
  let text: string;
  try {
    const info = await Deno.stat(path);
    if (!info.isFile) throw new Deno.errors.IsADirectory();
    if (info.size > MAX_FILE_BYTES) {
      throw new ConfigError(`Cannot read the users file "${path}": it is larger than 64 MiB`);
    }
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`Cannot read the users file "${path}": ${describeFsError(error, path)}`, {
      cause: error,
    });
  }
  return parseUsersFile(text, path);
}

/**
 * Validates the text of a users file; `path` only names it in messages.
 *
 * @throws {ConfigError} naming the file and the first problem.
 */
export function parseUsersFile(text: string, path: string): UserRecord[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // V8's message may quote the file (and so a hash); keep only the position.
    const where = String((error as Error).message).match(/line \d+ column \d+/)?.[0];
    throw new ConfigError(
      `Invalid users file "${path}": it is not valid JSON${where ? ` (${where})` : ""}`,
      { cause: error },
    );
  }
  if (Array.isArray(json)) {
    throw new ConfigError(
      `Invalid users file "${path}": the top level must be an object with "users", not a list`,
    );
  }
  const result = v.safeParse(USERS_FILE_SCHEMA, json);
  if (!result.success) {
    throw new ConfigError(describeIssue(result.issues[0], { source: "users-file", path }));
  }
  const users = result.output.users;
  const seen = new Set<string>();
  for (const [index, user] of users.entries()) {
    if (seen.has(user.name)) {
      throw new ConfigError(
        `Invalid users file "${path}": "users[${index}].name" ${
          formatValue(user.name)
        } is a duplicate; names must be unique`,
      );
    }
    seen.add(user.name);
  }
  return users.map((user) => ({ ...user, roles: [...new Set(user.roles)] }));
}

/**
 * Writes the users file atomically: a temp file with mode 0600 in the same
 * directory, then a rename, so readers never see half a file.
 */
export async function writeUsersFile(path: string, users: readonly UserRecord[]): Promise<void> {
  const file: UsersFile = {
    users: users.map((user) => ({
      name: user.name,
      passwordHash: user.passwordHash,
      roles: [...user.roles],
      ...(user.totpSecret === undefined ? {} : { totpSecret: user.totpSecret }),
    })),
  };
  const text = JSON.stringify(file, null, 2) + "\n";
  // Refuse to write what the reader would refuse.
  parseUsersFile(text, path);
  try {
    await writeFileAtomic(path, text, { mode: 0o600 });
  } catch (error) {
    throw new ConfigError(
      `Cannot write the users file "${path}": ${describeFsError(error, path)}`,
      { cause: error },
    );
  }
}

/**
 * Builds the lookup over validated users.
 *
 * SECURITY: names must not be told apart by timing. An unknown name is
 * checked against the costliest hash of the slowest kind in the file (each
 * kind's heaviest hash is timed once, in the background, when the users
 * load), and every answer — known or unknown name, right or wrong password —
 * is held back until it has taken at least that long. So a file of fast
 * bcrypt users does not answer unknown names in argon2id time, and a mixed
 * file does not answer its bcrypt users faster than everyone else.
 */
export function createUserStore(
  users: readonly UserRecord[],
  options: UserStoreOptions = {},
): UserStore {
  const verify = options.verify ?? verifyPassword;
  const now = options.now ?? (() => performance.now());
  const timings = new Map<string, Promise<number>>();
  const versions = new WeakMap<UserRecord, string>();
  let byName = new Map<string, UserRecord>();
  let calibration: Promise<Calibration> = Promise.resolve({ dummy: DUMMY_HASH, floorMs: 0 });
  let generation = 0;

  /** Times one check against `hash` (twice, keeping the faster: the first also warms up). */
  function timeHash(hash: string): Promise<number> {
    let timed = timings.get(hash);
    if (timed === undefined) {
      timed = (async () => {
        let best = Infinity;
        for (let run = 0; run < 2; run++) {
          const started = now();
          await verify(randomPassword(), hash);
          best = Math.min(best, now() - started);
        }
        return best;
      })();
      timings.set(hash, timed);
    }
    return timed;
  }

  /** Picks the dummy hash and the time floor for `list`. */
  async function calibrate(list: readonly UserRecord[]): Promise<Calibration> {
    const heaviest = new Map<HashCost["kind"], { hash: string; weight: number }>();
    for (const user of list) {
      const cost = describeHashCost(user.passwordHash);
      if (cost === null) continue;
      const best = heaviest.get(cost.kind);
      if (best === undefined || cost.weight > best.weight) {
        heaviest.set(cost.kind, { hash: user.passwordHash, weight: cost.weight });
      }
    }
    if (heaviest.size === 0) return { dummy: DUMMY_HASH, floorMs: 0 };
    let slowest = { dummy: DUMMY_HASH, floorMs: -1 };
    for (const { hash } of heaviest.values()) {
      const ms = await timeHash(hash);
      if (ms > slowest.floorMs) slowest = { dummy: hash, floorMs: ms };
    }
    return slowest;
  }

  function load(list: readonly UserRecord[]): void {
    byName = new Map(list.map((user) => [user.name, user]));
    const next = calibrate(list);
    // Keep answering with the previous floor until the new one is measured.
    const previous = calibration;
    calibration = next.catch(() => previous);
    // Unused hashes need not stay timed.
    const present = new Set(list.map((user) => user.passwordHash));
    for (const hash of timings.keys()) if (!present.has(hash)) timings.delete(hash);
  }
  load(users);

  return {
    async authenticate(name, password) {
      const started = now();
      const { dummy, floorMs } = await calibration;
      const user = typeof name === "string" ? byName.get(name) : undefined;
      let result: Authentication;
      if (user === undefined) {
        // The result is ignored: the dummy may be a real user's hash.
        await verify(typeof password === "string" ? password : "", dummy);
        result = { ok: false, reason: "unknown-user" };
      } else {
        result = await verify(password, user.passwordHash)
          ? { ok: true, user }
          : { ok: false, reason: "wrong-password" };
      }
      const remaining = floorMs - (now() - started);
      if (remaining > 1) await new Promise((done) => setTimeout(done, remaining));
      return result;
    },
    get(name) {
      return byName.get(name);
    },
    sessionVersion(name) {
      const user = byName.get(name);
      if (user === undefined) return undefined;
      let version = versions.get(user);
      if (version === undefined) {
        version = fingerprintCredentials(user);
        versions.set(user, version);
      }
      return version;
    },
    replace(list) {
      load(list);
      generation++;
    },
    get generation() {
      return generation;
    },
    get size() {
      return byName.size;
    },
  };
}

/** The dummy hash unknown names are checked against, and the least time any answer takes. */
interface Calibration {
  dummy: string;
  floorMs: number;
}

/**
 * SHA-256 over the password hash and TOTP secret, first 128 bits in
 * base64url. SECURITY: it sits in the user's own token; it cannot be turned
 * back into the hash, and the hash is what an attacker would need to guess
 * the password offline.
 */
function fingerprintCredentials(user: UserRecord): string {
  return createHash("sha256")
    .update(`${user.passwordHash}\u0000${user.totpSecret ?? ""}`)
    .digest()
    .subarray(0, 16)
    .toString("base64url");
}

function randomPassword(): string {
  return crypto.randomUUID();
}

function describeFsError(error: unknown, path: string): string {
  if (error instanceof Deno.errors.NotFound) return "it does not exist";
  if (error instanceof Deno.errors.IsADirectory) return "it is a directory";
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    return `berth has no access to it (run with --allow-read=${path} --allow-write=${
      dirname(path)
    })`;
  }
  return error instanceof Error ? error.name : "unknown error";
}
