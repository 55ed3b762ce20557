/**
 * @module
 * Shared setup for the access-control tests: a small site with protected
 * folders, a users file, freshly generated keys written to disk, tokens
 * minted independently with jose, and an in-memory capture of the audit log.
 */

import { join } from "node:path";
import { exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT } from "jose";
import type { Handler, RequestContext } from "../../lib/compose.ts";
import { DEFAULT_SETTINGS, type Settings } from "../../lib/config/schema.ts";
import { hashPassword } from "../../lib/auth/passwords.ts";
import { setupLogging, shutdownLogging } from "../../lib/log/setup.ts";
import { buildApp } from "./app_harness.ts";
import { urlParts } from "../fixtures/context.ts";

/** Users in the fixture's users file, with their passwords. */
export const USERS = {
  alice: { password: "alice-password-1", roles: ["admin"] },
  bob: { password: "bob-password-22", roles: ["dev"] },
  tina: { password: "tina-password-333", roles: ["admin"] },
} as const;

/** TOTP secret of `tina` (base32). */
export const TINA_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
/** Issuer and audience the JWT settings require. */
export const ISSUER = "https://idp.test";
export const AUDIENCE = "berth";
/** The HS256 secret (in `secret.txt`). */
export const HS_SECRET = "test-secret-0123456789abcdef0123456789";

/** A built fixture; `await cleanup()` in `finally`. */
export interface AuthFixture {
  /** Temp directory holding `site/`, `users.json`, keys. */
  dir: string;
  /** The served root. */
  root: string;
  /** Path of the users file. */
  usersFile: string;
  /** Path of the HS secret file. */
  secretFile: string;
  /** Path of the RSA public key (PEM). */
  publicKeyFile: string;
  /** PEM text of the RSA public key (for the HS/RS confusion attack). */
  publicKeyPem: string;
  /** RSA private key of the "identity provider". */
  rsaPrivateKey: CryptoKey;
  cleanup(): Promise<void>;
}

/** Files of the fixture site. */
export const SITE_FILES: Record<string, string> = {
  "home.html": "<h1>home</h1>",
  "admin/secret.txt": "top secret",
  "admin/page.html": "<h1>admin page</h1>",
  "team/doc.html": "<h1>team doc</h1>",
  "pub/a.txt": "public a",
  "files/open.txt": "open",
  "files/private.secret": "hidden",
  "files/admin-notes/n.txt": "notes",
};

/** Creates the fixture on disk. */
export async function createAuthFixture(): Promise<AuthFixture> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "berth-auth-" }));
  const root = join(dir, "site");
  for (const [name, text] of Object.entries(SITE_FILES)) {
    const path = join(root, name);
    await Deno.mkdir(join(path, ".."), { recursive: true });
    await Deno.writeTextFile(path, text);
  }
  const usersFile = join(dir, "users.json");
  const users = [];
  for (const [name, user] of Object.entries(USERS)) {
    users.push({
      name,
      passwordHash: await hashPassword(user.password),
      roles: [...user.roles],
      ...(name === "tina" ? { totpSecret: TINA_TOTP_SECRET } : {}),
    });
  }
  await Deno.writeTextFile(usersFile, JSON.stringify({ users }, null, 2));
  const secretFile = join(dir, "secret.txt");
  await Deno.writeTextFile(secretFile, HS_SECRET + "\n");
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  const publicKeyPem = await exportSPKI(publicKey);
  const publicKeyFile = join(dir, "idp.pem");
  await Deno.writeTextFile(publicKeyFile, publicKeyPem);
  return {
    dir,
    root,
    usersFile,
    secretFile,
    publicKeyFile,
    publicKeyPem,
    rsaPrivateKey: privateKey,
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
}

/** The access rules every auth test uses. */
export const ACCESS_RULES: Settings["access"] = [
  { path: "/admin/*", roles: ["admin"] },
  { path: "/team/*", authenticated: true },
  { path: "/pub/*", public: true },
  { path: "/*.secret", roles: ["admin"] },
  { path: "/files/admin-*", roles: ["admin"] },
];

/** Settings with access rules, the users file and both HS and RS keys. */
export function authSettings(
  fixture: AuthFixture,
  overrides: { auth?: Partial<Settings["auth"]>; jwt?: Partial<Settings["auth"]["jwt"]> } = {},
): Partial<Settings> {
  return {
    listing: true,
    access: ACCESS_RULES,
    auth: {
      ...DEFAULT_SETTINGS.auth,
      users: fixture.usersFile,
      jwt: {
        ...DEFAULT_SETTINGS.auth.jwt,
        secretFile: fixture.secretFile,
        publicKey: fixture.publicKeyFile,
        algorithms: ["HS256", "RS256"],
        issuer: ISSUER,
        audience: AUDIENCE,
        ...overrides.jwt,
      },
      ...overrides.auth,
    },
  };
}

/** Builds the app over the fixture. */
export async function buildAuthApp(
  fixture: AuthFixture,
  settings: Partial<Settings>,
  tls = false,
): Promise<Handler> {
  return await buildApp(fixture.root, settings, tls);
}

/** Options for {@linkcode request}. */
export interface RequestOptions extends RequestInit {
  /** Client address seen by the app. */
  address?: string;
  /** Whether the connection is TLS. */
  secure?: boolean;
}

/** Sends a request through `app` with a chosen client address; returns status, headers, body. */
export async function request(
  app: Handler,
  path: string,
  init: RequestOptions = {},
): Promise<{ status: number; headers: Headers; body: string }> {
  const secure = init.secure ?? false;
  const req = new Request(`${secure ? "https" : "http"}://127.0.0.1:8000${path}`, init);
  const context: RequestContext = {
    ...urlParts(new URL(req.url)),
    requestId: "test",
    clientAddress: init.address ?? "127.0.0.1",
    startTime: performance.now(),
    secure,
    user: null,
  };
  const response = await app(req, context);
  return { status: response.status, headers: response.headers, body: await response.text() };
}

/** Claims for {@linkcode mintToken}. */
export interface MintOptions {
  sub?: string | null;
  roles?: unknown;
  iss?: string;
  aud?: string;
  /** Seconds from now; negative for the past. */
  expiresIn?: number | null;
  notBeforeIn?: number;
  issuedAgo?: number;
  extra?: Record<string, unknown>;
}

/** Builds a claims set the way an independent issuer would. */
function claims(options: MintOptions): SignJWT {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({
    ...(options.roles === undefined ? { roles: ["admin"] } : { roles: options.roles }),
    ...options.extra,
  });
  if (options.sub !== null) jwt.setSubject(options.sub ?? "alice");
  jwt.setIssuer(options.iss ?? ISSUER).setAudience(options.aud ?? AUDIENCE);
  jwt.setIssuedAt(now - (options.issuedAgo ?? 0));
  if (options.expiresIn !== null) jwt.setExpirationTime(now + (options.expiresIn ?? 600));
  if (options.notBeforeIn !== undefined) jwt.setNotBefore(now + options.notBeforeIn);
  return jwt;
}

/** An HS256 token signed with `secret` (default: the configured one). */
export async function mintHs256(
  options: MintOptions = {},
  secret: Uint8Array = new TextEncoder().encode(HS_SECRET),
): Promise<string> {
  return await claims(options).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(secret);
}

/** An RS256 token signed with `key`. */
export async function mintRs256(key: CryptoKey, options: MintOptions = {}): Promise<string> {
  return await claims(options).setProtectedHeader({ alg: "RS256", typ: "JWT" }).sign(key);
}

/** An unsecured `alg: none` token with the given payload. */
export function mintNone(payload: Record<string, unknown>): string {
  const encode = (value: unknown) =>
    btoa(JSON.stringify(value)).replaceAll("=", "").replaceAll("+", "-").replaceAll("/", "_");
  return `${encode({ alg: "none", typ: "JWT" })}.${encode(payload)}.`;
}

/** Generates an ES256 key pair and its public JWKS (with a kid). */
export async function createEsKeys(): Promise<{ privateKey: CryptoKey; jwks: { keys: JWK[] } }> {
  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwks: { keys: [{ ...jwk, kid: "k1", alg: "ES256", use: "sig" }] } };
}

/** Captures every log line (access and audit) in memory. */
export interface LogCapture {
  /** Audit records, parsed. */
  audit: Record<string, unknown>[];
  /** Every raw line of both streams. */
  raw: string[];
  stop(): Promise<void>;
}

/** Routes logging to memory for the duration of a test. */
export async function captureLogs(): Promise<LogCapture> {
  const raw: string[] = [];
  const audit: Record<string, unknown>[] = [];
  const decoder = new TextDecoder();
  const sink = (target?: Record<string, unknown>[]) =>
    new WritableStream<Uint8Array>({
      write(chunk) {
        for (const line of decoder.decode(chunk).split("\n")) {
          if (line === "") continue;
          raw.push(line);
          target?.push(JSON.parse(line));
        }
      },
    });
  await setupLogging({ format: "json", stream: sink(), audit: { stream: sink(audit) } });
  return { audit, raw, stop: () => shutdownLogging() };
}
