/**
 * @module
 * The session revocation list: the `jti` of every berth session signed out
 * before it expired, kept until that expiry, checked on every request that
 * carries a berth session. With a configured signing secret it is persisted
 * to `<users file>.revoked.json` (read-merge-write under the users file's
 * lock, so several isolates or servers add to it without losing entries);
 * with the in-memory key it lives as long as the process, like the tokens.
 */

import { ConfigError } from "../config/errors.ts";
import { writeFileAtomic } from "../fs/write_file_atomic.ts";
import { withUsersFileLock } from "./users_lock.ts";

/** Suffix of the revocation list next to the users file (listed in config/own_files.ts). */
export const REVOCATIONS_SUFFIX = ".revoked.json";
/** Most revoked sessions remembered; see {@linkcode RevocationList} for what happens past it. */
export const MAX_REVOKED_SESSIONS = 100_000;
/** Largest revocation file read, in bytes (100 000 entries are about 8 MB). */
const MAX_FILE_BYTES = 32 * 1024 * 1024;
/** A `jti`: what berth writes is a UUID; allow any short printable id. */
const TOKEN_ID_REGEXP = /^[\x21-\x7e]{1,128}$/;

/**
 * Revoked sessions.
 *
 * SECURITY: memory is bounded by `maxEntries`. Expired entries are dropped
 * first; when the list is still full, the entry issued earliest is dropped
 * and every berth session issued at or before that moment is refused from
 * then on (`revokedBefore`). So a flood of sign-outs can sign everyone out
 * early, but can never bring a revoked token back to life.
 */
export interface RevocationList {
  /** Whether the berth session `tokenId`, issued at `issuedAt` (epoch seconds), is revoked. */
  isRevoked(tokenId: string | null, issuedAt: number | null): boolean;
  /**
   * Revokes a session until `expiresAt` (epoch seconds). Resolves once the
   * list is on disk (true), or false when writing failed (it still holds in
   * memory) — never rejects.
   */
  revoke(entry: { tokenId: string; expiresAt: number; issuedAt: number | null }): Promise<boolean>;
  /** Merges in what the file holds now (another isolate or server may have added to it). */
  reload(): Promise<void>;
  /** The file, or null when the list lives in memory only. */
  readonly path: string | null;
  /** Entries held now. */
  readonly size: number;
}

/** Options for {@linkcode loadRevocationList}. */
export interface RevocationListOptions {
  /** The users file; the list is persisted next to it when given. */
  usersPath?: string;
  /** Capacity (default {@linkcode MAX_REVOKED_SESSIONS}). */
  maxEntries?: number;
  /** Current time in epoch milliseconds (default `Date.now`); for tests. */
  now?: () => number;
  /** Called with a one-line message when writing or re-reading the file fails. */
  onError?: (message: string) => void;
}

interface Entry {
  expiresAt: number;
  issuedAt: number;
}

interface Snapshot {
  revokedBefore: number;
  tokens: Map<string, Entry>;
}

/**
 * Loads the list: reads `<usersPath>.revoked.json` when `usersPath` is given
 * (a missing file is an empty list), else starts empty in memory.
 *
 * @throws {ConfigError} when the file exists but cannot be read or is not a revocation list.
 */
export async function loadRevocationList(
  options: RevocationListOptions = {},
): Promise<RevocationList> {
  const path = options.usersPath === undefined ? null : options.usersPath + REVOCATIONS_SUFFIX;
  const usersPath = options.usersPath;
  const maxEntries = options.maxEntries ?? MAX_REVOKED_SESSIONS;
  const now = options.now ?? Date.now;
  const report = options.onError ?? (() => {});
  const state: Snapshot = path === null
    ? { revokedBefore: 0, tokens: new Map() }
    : await readRevocationFile(path);
  prune(state, now() / 1000, maxEntries);

  let pending: Promise<boolean> | null = null;
  let chain: Promise<unknown> = Promise.resolve();

  /** Writes the union of memory and file, under the users file's lock. */
  async function writeNow(): Promise<void> {
    await withUsersFileLock(usersPath!, async () => {
      merge(state, await readRevocationFile(path!));
      prune(state, now() / 1000, maxEntries);
      await writeFileAtomic(path!, serialize(state), { mode: 0o600 });
    });
  }

  /** One write at a time; revocations made while one runs share the next write. */
  function persist(): Promise<boolean> {
    if (pending !== null) return pending;
    const write = chain.then(async () => {
      pending = null;
      try {
        await writeNow();
        return true;
      } catch (error) {
        report(`Cannot write the session revocation list "${path}": ${describe(error)}`);
        return false;
      }
    });
    pending = write;
    chain = write;
    return write;
  }

  return {
    isRevoked(tokenId, issuedAt) {
      if (issuedAt !== null && issuedAt <= state.revokedBefore) return true;
      if (tokenId === null) return false;
      const entry = state.tokens.get(tokenId);
      return entry !== undefined && entry.expiresAt * 1000 > now();
    },
    async revoke({ tokenId, expiresAt, issuedAt }) {
      const nowSeconds = now() / 1000;
      if (expiresAt <= nowSeconds) return true;
      state.tokens.set(tokenId, { expiresAt, issuedAt: issuedAt ?? Math.floor(nowSeconds) });
      prune(state, nowSeconds, maxEntries);
      return path === null ? true : await persist();
    },
    async reload() {
      if (path === null) return;
      try {
        merge(state, await readRevocationFile(path));
        prune(state, now() / 1000, maxEntries);
      } catch (error) {
        report(error instanceof ConfigError ? error.message : describe(error));
      }
    },
    path,
    get size() {
      return state.tokens.size;
    },
  };
}

/** Adds what `other` holds to `state`: revocations only ever accumulate. */
function merge(state: Snapshot, other: Snapshot): void {
  state.revokedBefore = Math.max(state.revokedBefore, other.revokedBefore);
  for (const [id, entry] of other.tokens) {
    if (!state.tokens.has(id)) state.tokens.set(id, entry);
  }
}

/** Drops expired entries, then enforces the capacity by raising `revokedBefore`. */
function prune(state: Snapshot, nowSeconds: number, maxEntries: number): void {
  for (const [id, entry] of state.tokens) {
    if (entry.expiresAt <= nowSeconds || entry.issuedAt <= state.revokedBefore) {
      state.tokens.delete(id);
    }
  }
  if (state.tokens.size <= maxEntries) return;
  const byIssue = [...state.tokens.entries()].sort((a, b) => a[1].issuedAt - b[1].issuedAt);
  const cut = byIssue[state.tokens.size - maxEntries - 1][1].issuedAt;
  state.revokedBefore = Math.max(state.revokedBefore, cut);
  for (const [id, entry] of byIssue) {
    if (entry.issuedAt > cut) break;
    state.tokens.delete(id);
  }
}

function serialize(state: Snapshot): string {
  const tokens = [...state.tokens].map(([jti, entry]) => ({
    jti,
    exp: entry.expiresAt,
    iat: entry.issuedAt,
  }));
  return JSON.stringify({ revokedBefore: state.revokedBefore, tokens }) + "\n";
}

/**
 * Reads a revocation file; a missing one is empty.
 *
 * @throws {ConfigError} naming the file and what is wrong with it.
 */
async function readRevocationFile(path: string): Promise<Snapshot> {
  let text: string;
  try {
    const info = await Deno.stat(path);
    if (info.size > MAX_FILE_BYTES) {
      throw new ConfigError(`Cannot read the session revocation list "${path}": it is too large`);
    }
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { revokedBefore: 0, tokens: new Map() };
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(
      `Cannot read the session revocation list "${path}": ${describe(error)}`,
      { cause: error },
    );
  }
  return parseRevocations(text, path);
}

/**
 * Validates the text of a revocation file; `path` only names it in messages.
 *
 * @throws {ConfigError} for anything but `{ "revokedBefore": n, "tokens": [{ "jti", "exp", "iat" }] }`.
 */
function parseRevocations(text: string, path: string): Snapshot {
  const invalid = (what: string) =>
    new ConfigError(`Invalid session revocation list "${path}": ${what}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid("it is not valid JSON");
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw invalid('the top level must be an object with "revokedBefore" and "tokens"');
  }
  const { revokedBefore, tokens } = json as { revokedBefore?: unknown; tokens?: unknown };
  if (typeof revokedBefore !== "number" || !Number.isFinite(revokedBefore)) {
    throw invalid('"revokedBefore" must be a number');
  }
  if (!Array.isArray(tokens)) throw invalid('"tokens" must be a list');
  const map = new Map<string, Entry>();
  for (const [index, item] of tokens.entries()) {
    const { jti, exp, iat } = (item ?? {}) as { jti?: unknown; exp?: unknown; iat?: unknown };
    if (
      typeof jti !== "string" || !TOKEN_ID_REGEXP.test(jti) ||
      typeof exp !== "number" || !Number.isFinite(exp) ||
      typeof iat !== "number" || !Number.isFinite(iat)
    ) {
      throw invalid(`"tokens[${index}]" must be {"jti": string, "exp": number, "iat": number}`);
    }
    map.set(jti, { expiresAt: exp, issuedAt: iat });
  }
  return { revokedBefore, tokens: map };
}

function describe(error: unknown): string {
  if (error instanceof ConfigError) return error.message;
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    return "berth has no access to it";
  }
  return error instanceof Error ? error.name : "unknown error";
}
