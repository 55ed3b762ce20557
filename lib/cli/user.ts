/**
 * @module
 * The user-management subcommands: `berth user add|remove|passwd|list` and
 * `berth hash-password`. Passwords come from password_input.ts (stdin or a
 * no-echo prompt), never from argv, where `ps` and shell history would keep
 * them. Every change reads and rewrites
 * the users file under the lock on `<users file>.lock`, so concurrent runs
 * take turns and none loses another's change.
 */

import { DEFAULT_USERS_FILE_NAME } from "../config/own_files.ts";
import { resolve } from "node:path";
import { ConfigAccessError, ConfigError, formatValue } from "../config/errors.ts";
import { loadSettings, SETTINGS_ENV_NAMES } from "../config/load.ts";
import { hashPassword } from "../auth/passwords.ts";
import { generateTotpSecret, totpUri } from "../auth/totp.ts";
import {
  readUsersFile,
  ROLE_NAME_REGEXP,
  USER_NAME_REGEXP,
  type UserRecord,
  writeUsersFile,
} from "../auth/users.ts";
import { withUsersFileLock } from "../auth/users_lock.ts";
import {
  listUsersFileNeeds,
  MissingPermissionError,
  readGrantedEnv,
  requirePermissions,
} from "./permissions.ts";
import { CliError } from "./cli_error.ts";
import { EXIT_CODE } from "./exit_codes.ts";
import { renderHelp } from "./help.ts";
import { writeStderr, writeStdout } from "./output.ts";
import { createStdinPasswordSource, type PasswordSource } from "./password_input.ts";
import { type OptionShape, parseSwitch, requireValue, tokenize } from "./tokens.ts";

/** Users file used when neither `--users` nor the config's `auth.users` names one. */
const DEFAULT_USERS_FILE = DEFAULT_USERS_FILE_NAME;
/** Issuer shown by authenticator apps for codes added with `--totp`. */
const TOTP_ISSUER = "berth";

/** Reads passwords; replaced in tests (re-exported where it was first declared). */
export type { PasswordSource } from "./password_input.ts";

/** A parsed user-management command. */
export type UserCommand =
  | { kind: "add"; name: string; roles: string[]; totp: boolean; files: UsersFileChoice }
  | { kind: "remove"; name: string; files: UsersFileChoice }
  | { kind: "passwd"; name: string; files: UsersFileChoice }
  | { kind: "list"; files: UsersFileChoice }
  | { kind: "hash-password" }
  | { kind: "help"; topic: "user" | "hash-password" };

/** Where the users file comes from: `--users`, or the config file's `auth.users`. */
export interface UsersFileChoice {
  /** `--users FILE`, relative to the working directory. */
  usersPath?: string;
  /** `--config FILE`, read only for `auth.users` when `--users` is absent. */
  configPath?: string;
}

/** Options for {@linkcode runUserCli}. */
export interface RunUserCliOptions {
  /** Password input (default: stdin line, or a no-echo terminal prompt). */
  passwords?: PasswordSource;
  /** Working directory (default `Deno.cwd()`). */
  cwd?: string;
}

/** How parseArgs splits the options of `berth user` and `berth hash-password`. */
const USER_OPTION_SHAPES: Readonly<Record<string, OptionShape>> = {
  role: { type: "string" },
  users: { type: "string" },
  config: { type: "string" },
  totp: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

/** The options each action takes (an unknown action is reported after its options). */
const ACTION_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  "hash-password": [],
  add: ["role", "users", "config", "totp"],
  remove: ["users", "config"],
  passwd: ["users", "config"],
  list: ["users", "config"],
};

/**
 * Parses the arguments after `user` or `hash-password`.
 *
 * @throws {CliError} for an unknown action or option, a missing name, or a `--password` flag.
 */
export function parseUserArgs(
  subcommand: "user" | "hash-password",
  argv: readonly string[],
): UserCommand {
  const tokens = tokenize(argv, USER_OPTION_SHAPES, `berth help ${subcommand}`);
  const positionals = tokens.flatMap((token) => token.kind === "positional" ? [token.value] : []);
  const action = subcommand === "hash-password" ? "hash-password" : positionals[0];
  const values: { role: string[]; users?: string; config?: string; totp: boolean } = {
    role: [],
    totp: false,
  };
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    if (token.name === "help") return { kind: "help", topic: subcommand };
    if (/^pass(?:word|wd)?$/i.test(token.name)) {
      throw new CliError(
        `"${token.rawName}" is not accepted: passwords on the command line end up in shell history and ps; pipe it to stdin or type it at the prompt`,
      );
    }
    const names = ACTION_OPTIONS[action ?? ""] ?? ACTION_OPTIONS.add;
    if (!names.includes(token.name)) {
      throw new CliError(
        `Unknown option ${formatValue(token.rawName)} for "berth ${
          subcommand === "user" ? `user ${action ?? ""}`.trim() : subcommand
        }": run "berth help ${subcommand}"`,
      );
    }
    const flag = `--${token.name}`;
    if (token.name === "totp") {
      values.totp = parseSwitch(flag, token.value);
      continue;
    }
    const value = requireValue(token, flag);
    if (value === "") throw new CliError(`Missing value for "${flag}"`);
    if (token.name === "role") values.role.push(value);
    else if (token.name === "users") values.users = value;
    else values.config = value;
  }
  const files: UsersFileChoice = { usersPath: values.users, configPath: values.config };

  if (subcommand === "hash-password") {
    if (positionals.length > 0) {
      throw new CliError(
        `Unexpected argument ${
          formatValue(positionals[0])
        }: "berth hash-password" reads the password from stdin or the terminal`,
      );
    }
    return { kind: "hash-password" };
  }
  if (action === undefined) {
    throw new CliError(
      `Missing action: use "berth user add", "berth user remove", "berth user passwd" or "berth user list"`,
    );
  }
  if (action === "list") {
    if (positionals.length > 1) {
      throw new CliError(
        `Unexpected argument ${formatValue(positionals[1])}: "berth user list" takes no name`,
      );
    }
    return { kind: "list", files };
  }
  if (action !== "add" && action !== "remove" && action !== "passwd") {
    throw new CliError(
      `Unknown action ${
        formatValue(action)
      }: use "berth user add", "berth user remove", "berth user passwd" or "berth user list"`,
    );
  }
  const name = positionals[1];
  if (name === undefined) throw new CliError(`Missing NAME: "berth user ${action} NAME"`);
  if (positionals.length > 2) {
    throw new CliError(
      `Unexpected argument ${formatValue(positionals[2])}: "berth user ${action}" takes one NAME`,
    );
  }
  if (!USER_NAME_REGEXP.test(name)) {
    throw new CliError(
      `Invalid user name ${
        formatValue(name)
      }: use 1-64 letters, digits or ._@- characters, starting with a letter or digit`,
    );
  }
  if (action === "remove" || action === "passwd") return { kind: action, name, files };
  const roles = [...new Set(values.role)];
  for (const role of roles) {
    if (!ROLE_NAME_REGEXP.test(role)) {
      throw new CliError(
        `Cannot parse "--role": ${
          formatValue(role)
        } is not a role name (1-64 letters, digits or ._:- characters)`,
      );
    }
  }
  return { kind: "add", name, roles, totp: values.totp, files };
}

/**
 * Runs `berth user …` or `berth hash-password` and resolves to the exit
 * code; one-line errors go to stderr, exit code 2 for usage mistakes.
 */
export async function runUserCli(
  subcommand: "user" | "hash-password",
  argv: readonly string[],
  options: RunUserCliOptions = {},
): Promise<number> {
  const passwords = options.passwords ?? createStdinPasswordSource();
  try {
    const command = parseUserArgs(subcommand, argv);
    switch (command.kind) {
      case "help":
        writeStdout(renderHelp({ topic: command.topic }));
        return EXIT_CODE.OK;
      case "hash-password": {
        const password = await passwords.read({ confirm: true });
        writeStdout(`${await hashPassword(password)}\n`);
        return EXIT_CODE.OK;
      }
      case "list": {
        const path = await chooseUsersFile(command.files, options.cwd, { change: false });
        const users = await readUsersFile(path);
        writeStdout(renderUserList(users));
        return EXIT_CODE.OK;
      }
      case "remove": {
        const path = await chooseUsersFile(command.files, options.cwd);
        await withUsersFileLock(path, async () => {
          const users = await readUsersFile(path);
          if (!users.some((user) => user.name === command.name)) {
            throw new CliError(`No user ${formatValue(command.name)} in "${path}"`);
          }
          await writeUsersFile(path, users.filter((user) => user.name !== command.name));
        });
        writeStdout(`Removed user ${formatValue(command.name)} from ${path}\n`);
        return EXIT_CODE.OK;
      }
      case "passwd": {
        const path = await chooseUsersFile(command.files, options.cwd);
        requireUser(await readUsersFile(path), command.name, path);
        // Prompt and hash before taking the lock: a person typing must not block other runs.
        const passwordHash = await hashPassword(await passwords.read({ confirm: true }));
        await withUsersFileLock(path, async () => {
          const users = await readUsersFile(path);
          requireUser(users, command.name, path).passwordHash = passwordHash;
          await writeUsersFile(path, users);
        });
        writeStdout(`Changed the password of ${formatValue(command.name)} in ${path}\n`);
        return EXIT_CODE.OK;
      }
      case "add":
        return await addUser(command, passwords, options.cwd);
    }
  } catch (error) {
    if (error instanceof MissingPermissionError || error instanceof ConfigAccessError) {
      writeStderr(`berth: ${error.message}\n`);
      return EXIT_CODE.PERMISSION;
    }
    if (error instanceof CliError || error instanceof ConfigError) {
      writeStderr(`berth: ${error.message}\n`);
      return EXIT_CODE.USAGE;
    }
    throw error;
  }
}

/** Renders `user list`: one line per user with roles and whether TOTP is on; never hashes. */
export function renderUserList(users: readonly UserRecord[]): string {
  if (users.length === 0) return "No users\n";
  const width = Math.max(4, ...users.map((user) => user.name.length));
  const lines = [`${"NAME".padEnd(width)}  TOTP  ROLES`];
  for (const user of users) {
    lines.push(
      `${user.name.padEnd(width)}  ${(user.totpSecret ? "yes" : "no").padEnd(4)}  ${
        user.roles.join(", ") || "-"
      }`,
    );
  }
  return lines.join("\n") + "\n";
}

/** The user called `name` in `users`, or a CliError naming the file. */
function requireUser(users: UserRecord[], name: string, path: string): UserRecord {
  const user = users.find((user) => user.name === name);
  if (user === undefined) throw new CliError(`No user ${formatValue(name)} in "${path}"`);
  return user;
}

function refuseExisting(users: readonly UserRecord[], name: string, path: string): void {
  if (users.some((user) => user.name === name)) {
    throw new CliError(
      `User ${
        formatValue(name)
      } already exists in "${path}": run "berth user remove ${name}" first`,
    );
  }
}

async function addUser(
  command: Extract<UserCommand, { kind: "add" }>,
  passwords: PasswordSource,
  cwd: string | undefined,
): Promise<number> {
  const path = await chooseUsersFile(command.files, cwd);
  // Checked now to fail before the prompt, and again under the lock, where it counts.
  refuseExisting(await readUsersFileOrEmpty(path), command.name, path);
  const password = await passwords.read({ confirm: true });
  const user: UserRecord = {
    name: command.name,
    passwordHash: await hashPassword(password),
    roles: command.roles,
  };
  if (command.totp) user.totpSecret = generateTotpSecret();
  await withUsersFileLock(path, async () => {
    const users = await readUsersFileOrEmpty(path);
    refuseExisting(users, command.name, path);
    await writeUsersFile(path, [...users, user]);
  });
  const roles = command.roles.length === 0 ? "no roles" : `roles ${command.roles.join(", ")}`;
  writeStdout(`Added user ${formatValue(command.name)} with ${roles} to ${path}\n`);
  if (user.totpSecret !== undefined) {
    writeStdout(
      `Scan this URI (as a QR code) with an authenticator app, or type the secret ${user.totpSecret}:\n${
        totpUri({ secret: user.totpSecret, account: command.name, issuer: TOTP_ISSUER })
      }\n`,
    );
  }
  return EXIT_CODE.OK;
}

/**
 * `--users`, else the config's `auth.users`, else `users.json` in the working
 * directory; checked first for the access the command needs, so a missing
 * permission exits 4 naming the flags, as the server does.
 */
async function chooseUsersFile(
  files: UsersFileChoice,
  cwd = Deno.cwd(),
  options: { change: boolean } = { change: true },
): Promise<string> {
  let path: string;
  if (files.usersPath !== undefined) {
    path = resolve(cwd, files.usersPath);
  } else {
    const loaded = await loadSettings({
      configPath: files.configPath,
      env: await readGrantedEnv(SETTINGS_ENV_NAMES),
      cwd,
    });
    path = loaded.settings.auth.users ?? resolve(cwd, DEFAULT_USERS_FILE);
  }
  await requirePermissions(listUsersFileNeeds(path, options));
  return path;
}

async function readUsersFileOrEmpty(path: string): Promise<UserRecord[]> {
  try {
    await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
  }
  return await readUsersFile(path);
}
