/**
 * @module
 * Loads the keys the `auth.jwt` settings name, once at startup: the HMAC
 * secret from an environment variable or a file, a public key from a PEM
 * (SPKI) or JWK file, a JWKS from a file or an https URL. jose imports and
 * matches the keys (`importSPKI`, `createLocalJWKSet`, `createRemoteJWKSet`);
 * this module reads them, refuses what must never be a verification key and
 * phrases every mistake as a ConfigError naming the setting.
 */

import { createPublicKey } from "node:crypto";
import { isAbsolute, resolve } from "node:path";
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  exportJWK,
  importSPKI,
  type JWK,
} from "jose";
import { ConfigError, formatValue } from "../config/errors.ts";
import { isLoopbackHttpUrl, type JwtSettings, URL_VALUE_REGEXP } from "../config/schema.ts";
import {
  checkHmacKeyLength,
  isHmacAlgorithm,
  type JwtAlgorithm,
  type PublicKeyResolver,
  type VerificationKeys,
} from "./jwt.ts";

/** Where the keys came from, for the startup log and audit summary. */
export type JwtKeySource = "jwt-secret" | "jwt-public-key" | "jwks";

/** The loaded keys, ready for `createTokenVerifier`. */
export interface JwtKeys extends VerificationKeys {
  /** Which kinds of key were configured. */
  sources: JwtKeySource[];
}

/** Options for {@linkcode loadJwtKeys}. */
export interface LoadJwtKeysOptions {
  /** Environment the secret is read from; defaults to the process's. */
  env?: Record<string, string>;
  /** Directory relative key paths are resolved against (default: the working directory). */
  baseDir?: string;
  /** Reads a key file (default `Deno.readFile`); tests pass a fake. */
  readFile?: (path: string) => Promise<Uint8Array>;
  /** Fetch policy of a remote JWKS (defaults: 30 s cooldown, 600 s max age, 5 s timeout). */
  remoteJwks?: { cooldownMs?: number; maxAgeMs?: number; timeoutMs?: number };
}

/**
 * Algorithms tried, in order, for a single public key when the settings name
 * none: the first one jose imports the key for is the key's algorithm.
 */
const DEFAULT_PUBLIC_KEY_ALGORITHMS: readonly JwtAlgorithm[] = [
  "RS256",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
];
/** Key types that hold public keys (HMAC secrets, `oct`, go in secretEnv or secretFile). */
const PUBLIC_KEY_TYPES: readonly string[] = ["RSA", "EC", "OKP"];
/** JWK members that only private (or symmetric) keys have. */
const PRIVATE_JWK_MEMBERS: readonly string[] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/**
 * Reads the key material `config` names. Files are read now; a JWKS URL is
 * fetched on first use, so startup never touches the network.
 *
 * @throws {ConfigError} naming the setting and the file or variable that failed.
 */
export async function loadJwtKeys(
  config: Partial<JwtSettings>,
  options: LoadJwtKeysOptions = {},
): Promise<JwtKeys> {
  const baseDir = options.baseDir ?? Deno.cwd();
  const readFile = options.readFile ?? Deno.readFile;
  const read = async (field: string, path: string) =>
    await readKeyFile(readFile, field, isAbsolute(path) ? path : resolve(baseDir, path));
  if (config.secretEnv !== undefined && config.secretFile !== undefined) {
    throw new ConfigError(`Invalid "auth.jwt": set "secretEnv" or "secretFile", not both`);
  }
  const sources: JwtKeySource[] = [];
  let secret: Uint8Array | undefined;
  if (config.secretEnv !== undefined) {
    const value = readEnv(config.secretEnv, options.env);
    if (value === undefined || value === "") {
      throw new ConfigError(
        `Invalid "auth.jwt.secretEnv": the environment variable ${
          formatValue(config.secretEnv)
        } is not set`,
      );
    }
    secret = new TextEncoder().encode(value);
  }
  if (config.secretFile !== undefined) {
    secret = trimTrailingNewline((await read("secretFile", config.secretFile)).bytes);
  }
  if (secret !== undefined) sources.push("jwt-secret");

  let pem: string | undefined;
  const jwks: JWK[] = [];
  // A key set may hold keys of several algorithms: the settings must name them.
  let keySet = false;
  if (config.publicKey !== undefined) {
    const file = await read("publicKey", config.publicKey);
    const text = new TextDecoder().decode(file.bytes);
    if (text.trimStart().startsWith("{")) {
      const parsed = parseJsonKey("publicKey", file.path, text);
      keySet = Array.isArray(parsed.keys);
      const keys = keySet ? parsed.keys as unknown[] : [parsed];
      jwks.push(...keys.map((key) => checkPublicJwk(key, "publicKey")));
    } else {
      pem = text;
    }
    sources.push(keySet ? "jwks" : "jwt-public-key");
  }
  let remoteUrl: URL | undefined;
  if (config.jwks !== undefined) {
    if (URL_VALUE_REGEXP.test(config.jwks)) {
      remoteUrl = parseJwksUrl(config.jwks);
    } else {
      const file = await read("jwks", config.jwks);
      const parsed = parseJsonKey("jwks", file.path, new TextDecoder().decode(file.bytes));
      if (!Array.isArray(parsed.keys)) {
        throw new ConfigError(
          `Invalid "auth.jwt.jwks": ${
            formatValue(file.path)
          } is not a JWKS (an object with "keys")`,
        );
      }
      jwks.push(...parsed.keys.map((key: unknown) => checkPublicJwk(key, "jwks")));
    }
    if (!keySet) sources.push("jwks");
    keySet = true;
  }

  const configured = config.algorithms;
  if (configured === undefined && keySet) {
    throw new ConfigError(
      `Invalid "auth.jwt": "algorithms" is required with "jwks" (e.g. ["RS256"])`,
    );
  }
  const algorithms: JwtAlgorithm[] = configured !== undefined
    ? [...new Set(configured)]
    : secret === undefined
    ? []
    : ["HS256"];
  const publicAlgorithms: JwtAlgorithm[] = algorithms.filter((algorithm) =>
    !isHmacAlgorithm(algorithm)
  );
  if (pem !== undefined) {
    const { jwk, algorithm } = await importPem(pem, publicAlgorithms);
    jwks.push(jwk);
    if (configured === undefined) publicAlgorithms.push(algorithm);
  } else if (jwks.length > 0 && configured === undefined) {
    const algorithm = await firstFitting(jwks, DEFAULT_PUBLIC_KEY_ALGORITHMS);
    if (algorithm !== undefined) publicAlgorithms.push(algorithm);
  }
  if (configured === undefined) algorithms.push(...publicAlgorithms);
  if (algorithms.length === 0) {
    throw new ConfigError(
      `Invalid "auth.jwt": set a key ("secretEnv", "secretFile", "publicKey" or "jwks")`,
    );
  }

  const hmac = algorithms.filter(isHmacAlgorithm);
  if (hmac.length > 0 && secret === undefined) {
    throw new ConfigError(
      `Invalid "auth.jwt": ${hmac.join(", ")} needs a secret ("secretEnv" or "secretFile")`,
    );
  }
  // One rule for verifier and signer: each HS algorithm needs a key as long as its hash.
  for (const algorithm of hmac) {
    const problem = checkHmacKeyLength(algorithm, secret);
    if (problem !== null) throw new ConfigError(`Invalid "auth.jwt": ${problem}`);
  }
  if (publicAlgorithms.length > 0 && jwks.length === 0 && remoteUrl === undefined) {
    throw new ConfigError(
      `Invalid "auth.jwt": ${
        publicAlgorithms.join(", ")
      } needs a public key ("publicKey" or "jwks")`,
    );
  }
  if (
    publicAlgorithms.length > 0 && jwks.length > 0 &&
    await firstFitting(jwks, publicAlgorithms) === undefined
  ) {
    throw new ConfigError(
      `Invalid "auth.jwt": no configured public key can verify ${publicAlgorithms.join(", ")}`,
    );
  }

  const local = jwks.length > 0 ? createLocalJWKSet({ keys: jwks }) : undefined;
  const remote = remoteUrl === undefined ? undefined : createRemoteJWKSet(remoteUrl, {
    cooldownDuration: options.remoteJwks?.cooldownMs ?? 30_000,
    cacheMaxAge: options.remoteJwks?.maxAgeMs ?? 600_000,
    timeoutDuration: options.remoteJwks?.timeoutMs ?? 5000,
  });
  let publicKeys: PublicKeyResolver | undefined = local ?? remote;
  if (local !== undefined && remote !== undefined) {
    // Keys in files first; a kid they lack may be the provider's newest.
    publicKeys = (header, token) => local(header, token).catch(() => remote(header, token));
  }
  return { algorithms, secret, publicKeys, sources };
}

/**
 * Imports an SPKI PEM (a PKCS#1 RSA one is converted first) for the first of
 * `algorithms`, then of the defaults, that jose accepts it for, and hands it
 * on as a JWK for the local key set; `algorithm` is the one that fitted.
 */
async function importPem(
  pem: string,
  algorithms: readonly JwtAlgorithm[],
): Promise<{ jwk: JWK; algorithm: JwtAlgorithm }> {
  if (/PRIVATE KEY-----/.test(pem)) {
    throw new ConfigError(
      `Invalid "auth.jwt.publicKey": the PEM holds a private key; give berth only the public key`,
    );
  }
  let spki = pem.trim();
  if (spki.startsWith("-----BEGIN RSA PUBLIC KEY-----")) {
    try {
      spki = createPublicKey(spki).export({ type: "spki", format: "pem" }).toString();
    } catch {
      // Refused below as not a PEM public key.
    }
  }
  for (const algorithm of [...algorithms, ...DEFAULT_PUBLIC_KEY_ALGORITHMS]) {
    const key = await importSPKI(spki, algorithm, { extractable: true }).catch(() => null);
    if (key !== null) return { jwk: await exportJWK(key), algorithm };
  }
  throw new ConfigError(
    `Invalid "auth.jwt.publicKey": it is not a PEM public key (RSA, EC P-256/384/521 or Ed25519)`,
  );
}

/**
 * The first of `algorithms` some key of `keys` can verify, as jose's local
 * key set selects keys (by `kty`, `crv`, `alg`, `use` and `key_ops`), or undefined.
 */
async function firstFitting(
  keys: JWK[],
  algorithms: readonly JwtAlgorithm[],
): Promise<JwtAlgorithm | undefined> {
  const keySet = createLocalJWKSet({ keys });
  for (const algorithm of algorithms) {
    const fits = await keySet({ alg: algorithm }).then(
      () => true,
      (error) => error instanceof joseErrors.JWKSMultipleMatchingKeys,
    );
    if (fits) return algorithm;
  }
  return undefined;
}

/**
 * Accepts only RSA, EC and OKP public keys.
 * SECURITY: a key with private members is refused, so a private key pasted
 * where the public one belongs is noticed rather than kept on the server.
 */
function checkPublicJwk(key: unknown, field: string): JWK {
  if (key === null || typeof key !== "object" || Array.isArray(key)) {
    throw new ConfigError(`Invalid "auth.jwt.${field}": a key is not a JSON object`);
  }
  const jwk = key as JWK;
  if (!PUBLIC_KEY_TYPES.includes(jwk.kty ?? "")) {
    throw new ConfigError(
      `Invalid "auth.jwt.${field}": key type ${
        formatValue(jwk.kty)
      } is not RSA, EC or OKP (HMAC secrets go in "secretEnv" or "secretFile")`,
    );
  }
  for (const member of PRIVATE_JWK_MEMBERS) {
    if (Object.hasOwn(jwk, member)) {
      throw new ConfigError(
        `Invalid "auth.jwt.${field}": the key has the private member ${
          formatValue(member)
        }; give berth only public keys`,
      );
    }
  }
  return jwk;
}

/**
 * SECURITY: key sets are fetched over https only; plain http is allowed for
 * loopback addresses (tests and a local IdP), where nobody can sit in between.
 * The settings schema applies the same rule; this is the one place that turns
 * the text into the URL fetched, so the rule holds for unvalidated callers too.
 */
function parseJwksUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    throw new ConfigError(`Invalid "auth.jwt.jwks": ${formatValue(text)} is not a URL`, {
      cause: error,
    });
  }
  if (url.protocol === "https:" || isLoopbackHttpUrl(url.href)) return url;
  throw new ConfigError(
    `Invalid "auth.jwt.jwks": ${
      formatValue(text)
    } is not an https:// URL (http:// is allowed only for loopback hosts such as 127.0.0.1 and localhost)`,
  );
}

function parseJsonKey(field: string, path: string, text: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(text);
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error();
    return parsed;
  } catch (error) {
    throw new ConfigError(
      `Invalid "auth.jwt.${field}": ${formatValue(path)} is not a JSON object`,
      { cause: error },
    );
  }
}

async function readKeyFile(
  readFile: (path: string) => Promise<Uint8Array>,
  field: string,
  path: string,
): Promise<{ path: string; bytes: Uint8Array }> {
  try {
    return { path, bytes: await readFile(path) };
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound
      ? "it does not exist"
      : error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied
      ? `berth has no read access (run with --allow-read=${path})`
      : "it cannot be read";
    throw new ConfigError(`Cannot read "auth.jwt.${field}" ${formatValue(path)}: ${why}`, {
      cause: error,
    });
  }
}

function readEnv(name: string, env: Record<string, string> | undefined): string | undefined {
  if (env !== undefined) return env[name];
  try {
    return Deno.env.get(name);
  } catch (error) {
    throw new ConfigError(
      `Cannot read the environment variable ${
        formatValue(name)
      } for "auth.jwt.secretEnv": run with --allow-env=${name}`,
      { cause: error },
    );
  }
}

function trimTrailingNewline(bytes: Uint8Array): Uint8Array {
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === 0x0a || bytes[end - 1] === 0x0d)) end--;
  return bytes.subarray(0, end);
}
