/**
 * @module
 * The users file: a JSON document `{ "users": [{ "name", "passwordHash",
 * "roles", "totpSecret"? }] }`, validated with valibot when read, written
 * atomically (temp file in the same directory, then rename), and the lookup
 * used by login and HTTP Basic.
 */

import { dirname } from "node:path";
import * as v from "valibot";
import { ConfigError, formatValue } from "../config/errors.ts";
import { writeFileAtomic } from "../fs/write_file_atomic.ts";
import { DUMMY_HASH, isSupportedHash, verifyPassword } from "./passwords.ts";
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

/** Looks users up and checks their passwords. */
export interface UserStore {
  /** Checks a name and password; unknown names cost the same as wrong passwords. */
  authenticate(name: string, password: string): Promise<Authentication>;
  /** The user with `name`, if any. */
  get(name: string): UserRecord | undefined;
}

/** Options for {@linkcode createUserStore}. */
export interface UserStoreOptions {
  /** Password check to use (default {@linkcode verifyPassword}); for tests. */
  verify?: (password: string, hash: string) => Promise<boolean>;
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
    const issue = result.issues[0];
    const where = issue.path?.map((item) => item.key).reduce<string>(
      (text, key) =>
        typeof key === "number"
          ? `${text}[${key}]`
          : text === ""
          ? String(key)
          : `${text}.${String(key)}`,
      "",
    );
    const subject = where ? `"${where}"` : "the top level";
    throw new ConfigError(`Invalid users file "${path}": ${subject} ${issue.message}`);
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
 * SECURITY: an unknown name is checked against {@linkcode DUMMY_HASH}, so
 * the answer takes as long as a wrong password and does not reveal which
 * names exist.
 */
export function createUserStore(
  users: readonly UserRecord[],
  options: UserStoreOptions = {},
): UserStore {
  const verify = options.verify ?? verifyPassword;
  const byName = new Map(users.map((user) => [user.name, user]));
  return {
    async authenticate(name, password) {
      const user = typeof name === "string" ? byName.get(name) : undefined;
      if (user === undefined) {
        await verify(typeof password === "string" ? password : "", DUMMY_HASH);
        return { ok: false, reason: "unknown-user" };
      }
      return await verify(password, user.passwordHash)
        ? { ok: true, user }
        : { ok: false, reason: "wrong-password" };
    },
    get(name) {
      return byName.get(name);
    },
  };
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
