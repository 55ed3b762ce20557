/**
 * @module
 * Startup for access control: compiles the access rules, loads keys and the
 * users file and the session revocation list, decides which credential
 * sources and endpoints are on, and (for a server) starts the users-file
 * watch. Every configuration mistake surfaces here as a ConfigError, never on
 * the first request.
 */

import { dirname } from "node:path";
import { getLogger } from "@logtape/logtape";
import { type Settings, URL_VALUE_REGEXP } from "../config/schema.ts";
import { ConfigError } from "../config/errors.ts";
import { type AccessRule, AccessRuleError, compileAccessRules } from "./access_rules.ts";
// jose, node:crypto and hash-wasm cost ~50 ms to load: jwt.ts, totp.ts and
// users.ts are imported by loadAuth only when access control is configured.
import type { TokenSigner, TokenVerifier } from "./jwt.ts";
import type { TotpReplayGuard } from "./totp.ts";
import type { UserStore } from "./users.ts";
import type { RevocationList } from "./revocations.ts";
import type { UsersWatch } from "./users_watch.ts";
import { canWriteFileAtomic } from "../fs/write_file_atomic.ts";
import { LOG_CATEGORY } from "../log/setup.ts";
import { createLoginThrottle, type LoginThrottle } from "./login_throttle.ts";

/**
 * What the login endpoints and session renewal need; present exactly when
 * berth can sign sessions (an HS secret, or a key made at startup) and has
 * users to sign them for.
 */
export interface LoginRuntime {
  /** Signs session tokens. */
  signer: TokenSigner;
  /** Verifies the session cookie or token a sign-out or the login page is sent with. */
  verifier: TokenVerifier;
  /** The users who may sign in (swapped in place when the file changes). */
  users: UserStore;
  /** Lifetime of session tokens, in seconds. */
  sessionTtlSeconds: number;
}

/** Everything the auth and login layers need, loaded once. */
export interface AuthRuntime {
  /** Compiled access rules, in order. */
  rules: AccessRule[];
  /** Verifies Bearer and cookie tokens; null when no token source is configured. */
  verifier: TokenVerifier | null;
  /** Users from the users file (swapped in place when the file changes); null without one. */
  users: UserStore | null;
  /** The users HTTP Basic credentials are checked against; null when Basic is off. */
  basic: UserStore | null;
  /** The login endpoints' state; null when `/_berth/login` and `/_berth/logout` do not answer. */
  login: LoginRuntime | null;
  /** Signed-out berth sessions; persisted beside the users file when `path` is set. */
  revocations: RevocationList;
  /**
   * Whether sign-outs are kept in the file beside the users file, which
   * every isolate reads: with `--workers`, sign-outs kept in one isolate's
   * memory would leave the session open in the others.
   */
  revocationsShared: boolean;
  /** True when the signing key was generated at startup (sessions end on restart). */
  ephemeralSecret: boolean;
  /** Session cookie name. */
  cookieName: string;
  /** Always-on limits in front of password checks. */
  throttle: LoginThrottle;
  /** One use per TOTP code. */
  totpReplayGuard: TotpReplayGuard;
  /** Credential sources in use, for the startup log and audit summary. */
  methods: string[];
  /** Warnings for the startup log (e.g. sign-outs kept in memory for lack of a permission). */
  notices: string[];
  /** Stops the users-file watch; call it when the server stops. */
  close(): void;
}

/** Options for {@linkcode loadAuth}. */
export interface LoadAuthOptions {
  /** Environment the JWT secret is read from; defaults to the process's. */
  env?: Record<string, string>;
  /**
   * Watch the users file and reload it on change (a running server); the
   * caller must then call `close()`. Off by default, for one-shot use and tests.
   */
  watch?: boolean;
}

/** Bytes of the signing key generated when the login has no configured secret. */
const EPHEMERAL_SECRET_BYTES = 32;

/**
 * Loads access control for `settings`, or returns null when nothing about it
 * is configured (then no auth layer runs at all).
 *
 * @throws {ConfigError} for bad patterns, unreadable key or users files, a
 * missing secret variable, Basic without users, or rules that protect paths
 * when no credential source exists.
 */
export async function loadAuth(
  settings: Settings,
  options: LoadAuthOptions = {},
): Promise<AuthRuntime | null> {
  const { auth } = settings;
  const jwt = auth.jwt;
  const jwtConfigured = jwt.secretEnv !== undefined || jwt.secretFile !== undefined ||
    jwt.publicKey !== undefined || jwt.jwks !== undefined;
  if (auth.basic && auth.users === undefined) {
    throw new ConfigError(
      'Invalid config "auth.basic": HTTP Basic needs a users file, set "auth.users"',
    );
  }
  if (settings.access.length === 0 && auth.users === undefined && !jwtConfigured) return null;
  const [
    { createTokenSigner, createTokenVerifier, isHmacAlgorithm },
    { loadJwtKeys },
    totp,
    usersModule,
    { loadRevocationList, REVOCATIONS_SUFFIX },
    { fileSignature, watchUsersFile },
  ] = await Promise.all([
    import("./jwt.ts"),
    import("./jwt_keys.ts"),
    import("./totp.ts"),
    import("./users.ts"),
    import("./revocations.ts"),
    import("./users_watch.ts"),
  ]);

  let rules: AccessRule[];
  try {
    rules = compileAccessRules(settings.access);
  } catch (error) {
    if (error instanceof AccessRuleError) {
      throw new ConfigError(`Invalid config "access": ${error.message}`, { cause: error });
    }
    throw error;
  }

  // The signature is taken before the read, so a change in between is seen by the watch.
  const usersSignature = auth.users === undefined ? undefined : await fileSignature(auth.users);
  const users = auth.users === undefined
    ? null
    : usersModule.createUserStore(await usersModule.readUsersFile(auth.users));

  const methods: string[] = [];
  let verifier: TokenVerifier | null = null;
  let signer: TokenSigner | null = null;
  let ephemeralSecret = false;
  if (jwtConfigured) {
    const keys = await loadJwtKeys(jwt, { env: options.env });
    verifier = createTokenVerifier(keys, jwt);
    methods.push(...keys.sources);
    const hmac = keys.algorithms.find(isHmacAlgorithm);
    if (keys.secret !== undefined && hmac !== undefined && users !== null) {
      signer = createTokenSigner(keys.secret, hmac, jwt);
    }
  } else if (users !== null) {
    // SECURITY: a key that lives only in memory; tokens die with the process,
    // which suits a shared folder and needs no secret management at all.
    const secret = crypto.getRandomValues(new Uint8Array(EPHEMERAL_SECRET_BYTES));
    verifier = createTokenVerifier({ secret, algorithms: ["HS256"] });
    signer = createTokenSigner(secret, "HS256");
    ephemeralSecret = true;
    methods.push("session-key-in-memory");
  }
  const login: LoginRuntime | null = signer !== null && verifier !== null && users !== null
    ? { signer, verifier, users, sessionTtlSeconds: auth.sessionTtlSeconds }
    : null;
  if (login !== null) methods.push("login");
  if (auth.basic) methods.push("basic");

  const protects = rules.some((rule) => rule.requirement.kind !== "public");
  if (protects && verifier === null && !auth.basic) {
    throw new ConfigError(
      'Invalid config "access": rules protect paths but no credentials are configured (set "auth.users" or "auth.jwt")',
    );
  }

  // Sign-outs outlive a restart only when the sessions do (a configured secret).
  const notices: string[] = [];
  let persistRevocations = false;
  if (login !== null && !ephemeralSecret && auth.users !== undefined) {
    const file = auth.users + REVOCATIONS_SUFFIX;
    persistRevocations = await canWriteFileAtomic(file);
    if (!persistRevocations) {
      const dir = dirname(auth.users);
      notices.push(
        `sign-outs are kept in memory only and forgotten on restart: run with --allow-read=${dir} --allow-write=${dir} to keep them in "${file}"`,
      );
    }
  }
  const logger = getLogger(LOG_CATEGORY);
  const revocations = await loadRevocationList({
    usersPath: persistRevocations ? auth.users : undefined,
    onError: (message) => logger.error("{message}", { message }),
  });
  let watch: UsersWatch | null = null;
  if (options.watch === true && auth.users !== undefined && users !== null) {
    watch = watchUsersFile({
      path: auth.users,
      store: users,
      revocations,
      initial: usersSignature,
      onReload: (count) => logger.info("users file reloaded: {count} user(s)", { count }),
      onError: (message) => logger.error("{message}", { message }),
    });
  }

  return {
    rules,
    verifier,
    users,
    basic: auth.basic ? users : null,
    login,
    ephemeralSecret,
    cookieName: auth.cookieName,
    throttle: createLoginThrottle(),
    totpReplayGuard: totp.createTotpReplayGuard(),
    methods,
    revocations,
    revocationsShared: persistRevocations,
    notices,
    close: () => watch?.close(),
  };
}

/** What access control reads at startup and at run time, for the permission check. */
export interface AuthAccess {
  /** Users, key and JWKS files. */
  readFiles: string[];
  /** The JWT secret's variable. */
  envVars: string[];
  /** The JWKS URL's host (`host:port`), fetched on first use. */
  netHosts: string[];
  /** The audit log file. */
  writeFiles: string[];
}

/** Lists the files, variables and hosts the auth settings name. */
export function listAuthAccess(settings: Settings): AuthAccess {
  const { auth, auditLog } = settings;
  const { jwt } = auth;
  const readFiles = [auth.users, jwt.secretFile, jwt.publicKey].filter(
    (path): path is string => path !== undefined,
  );
  const netHosts: string[] = [];
  if (jwt.jwks !== undefined) {
    if (URL_VALUE_REGEXP.test(jwt.jwks)) {
      const url = new URL(jwt.jwks);
      netHosts.push(`${url.hostname}:${url.port || (url.protocol === "https:" ? "443" : "80")}`);
    } else {
      readFiles.push(jwt.jwks);
    }
  }
  return {
    readFiles,
    envVars: jwt.secretEnv === undefined ? [] : [jwt.secretEnv],
    netHosts,
    writeFiles: auditLog === undefined ? [] : [auditLog],
  };
}
