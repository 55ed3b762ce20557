/**
 * @module
 * Startup permission check: berth asks Deno (without prompting) for exactly
 * the access it will use and, when something is missing, names the flag to
 * add instead of failing later with a NotCapable error mid-request.
 */

import { dirname } from "node:path";
import { formatUrlHost } from "../http/ip_address.ts";

/** One access berth needs. */
export interface PermissionNeed {
  /** The descriptor queried. */
  descriptor: Deno.PermissionDescriptor;
  /** What it is for, e.g. `read access to "./site"`. */
  description: string;
  /** The flag that grants it, e.g. `--allow-read=./site`. */
  flag: string;
}

/** What the server needs: read on the root (and TLS files), net on the bind address. */
export interface ServerAccess {
  root: string;
  hostname: string;
  port: number;
  readFiles?: readonly string[];
  /** Files berth writes, e.g. the `--ready-file`. */
  writeFiles?: readonly string[];
  /** Environment variables berth reads, e.g. the JWT secret's. */
  envVars?: readonly string[];
  /** Other hosts berth connects to (`host` or `host:port`), e.g. a JWKS URL's. */
  netHosts?: readonly string[];
}

/** Lists the permissions the server needs for `access`. */
export function listPermissionNeeds(access: ServerAccess): PermissionNeed[] {
  const needs: PermissionNeed[] = [];
  for (const path of [access.root, ...(access.readFiles ?? [])]) {
    needs.push({
      descriptor: { name: "read", path },
      description: `read access to "${path}"`,
      flag: `--allow-read=${path}`,
    });
  }
  for (const path of access.writeFiles ?? []) {
    needs.push({
      descriptor: { name: "write", path },
      description: `write access to "${path}"`,
      flag: `--allow-write=${path}`,
    });
  }
  for (const variable of access.envVars ?? []) {
    needs.push({
      descriptor: { name: "env", variable },
      description: `access to the environment variable ${variable}`,
      flag: `--allow-env=${variable}`,
    });
  }
  for (const host of access.netHosts ?? []) {
    needs.push({
      descriptor: { name: "net", host },
      description: `network access to ${host}`,
      flag: `--allow-net=${host}`,
    });
  }
  // Deno's net descriptors and flags write IPv6 hosts in brackets (`[::1]:8000`);
  // a bare `::1:8000` is refused with a URIError.
  const host = formatUrlHost(access.hostname);
  needs.push({
    descriptor: { name: "net", host: `${host}:${access.port}` },
    description: `network access to ${host}`,
    flag: `--allow-net=${host}`,
  });
  return needs;
}

/**
 * What `berth user` needs on its users file: to read it, and for a change to
 * read and write its directory (the lock file, the temporary file and the
 * rename that replaces the file atomically).
 */
export function listUsersFileNeeds(path: string, options: { change: boolean }): PermissionNeed[] {
  if (!options.change) {
    return [{
      descriptor: { name: "read", path },
      description: `read access to "${path}"`,
      flag: `--allow-read=${path}`,
    }];
  }
  const dir = dirname(path);
  return [
    {
      descriptor: { name: "read", path: dir },
      description: `read access to "${dir}"`,
      flag: `--allow-read=${dir}`,
    },
    {
      descriptor: { name: "write", path: dir },
      description: `write access to "${dir}"`,
      flag: `--allow-write=${dir}`,
    },
  ];
}

/** A Deno permission berth needs is not granted; the message names the flags (exit code 4). */
export class MissingPermissionError extends Error {
  constructor(missing: readonly PermissionNeed[]) {
    super(describeMissingPermissions(missing));
    this.name = "MissingPermissionError";
  }
}

/** Throws {@linkcode MissingPermissionError} unless every need is granted (never prompts). */
export async function requirePermissions(needs: readonly PermissionNeed[]): Promise<void> {
  const missing = await findMissingPermissions(needs);
  if (missing.length > 0) throw new MissingPermissionError(missing);
}

/** Returns the needs that are not granted, without ever prompting. */
export async function findMissingPermissions(
  needs: readonly PermissionNeed[],
): Promise<PermissionNeed[]> {
  const missing: PermissionNeed[] = [];
  for (const need of needs) {
    const status = await Deno.permissions.query(need.descriptor);
    if (status.state !== "granted") missing.push(need);
  }
  return missing;
}

/** One line naming what is missing and the flags that grant it. */
export function describeMissingPermissions(missing: readonly PermissionNeed[]): string {
  const what = missing.map((need) => need.description).join(" and ");
  const flags = missing.map((need) => need.flag).join(" ");
  return `berth needs ${what}: run with ${flags}`;
}

/** True when env access is granted, so `BERTH_*` variables may be read. */
async function canReadEnv(): Promise<boolean> {
  return (await Deno.permissions.query({ name: "env" })).state === "granted";
}

/**
 * Reads the environment the settings come from. With unscoped env access that
 * is every variable (so unknown `BERTH_*` names can be warned about); under a
 * scoped grant such as a compiled berth's `--allow-env=BERTH_*`, only the
 * granted variables among `names`. `undefined` when none may be read.
 */
export async function readGrantedEnv(
  names: readonly string[],
): Promise<Record<string, string> | undefined> {
  if (await canReadEnv()) return Deno.env.toObject();
  const env: Record<string, string> = {};
  let granted = false;
  for (const name of names) {
    const status = await Deno.permissions.query({ name: "env", variable: name });
    if (status.state !== "granted") continue;
    granted = true;
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return granted ? env : undefined;
}
