/**
 * @module
 * The access-control settings: the `access` rules and the `auth` group (users
 * file, JWT keys and claims, HTTP Basic, the session cookie). Declarations
 * only; `schema.ts` puts them into the settings.
 */

import * as v from "valibot";
import { isLoopbackHost } from "../http/ip_address.ts";
import {
  HEADER_NAME_REGEXP,
  integerBetween,
  NON_EMPTY_STRING,
  URL_VALUE_REGEXP,
} from "./value_schemas.ts";

/** JWT algorithms berth can verify (`none` is deliberately absent). */
export const JWT_ALGORITHMS = [
  "HS256",
  "HS384",
  "HS512",
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
] as const;

/** An environment variable name. */
const ENV_VAR_NAME_REGEXP = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Whether `url` is plain http to a loopback host (`localhost`, 127.0.0.0/8 or
 * ::1 in any spelling), which a JWKS may use besides https: nobody can sit in
 * between. The host is read as `fetch` will read it (`new URL`), so
 * `http://127.0.0.1@evil.example/` is not loopback.
 */
export function isLoopbackHttpUrl(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const parsed = new URL(url);
  return parsed.protocol === "http:" && isLoopbackHost(parsed.hostname);
}

/** One access rule: a path pattern and who may read what it matches. */
const ACCESS_RULE_SCHEMA = v.pipe(
  v.strictObject({
    path: v.pipe(
      v.string(),
      v.regex(/^\/[^\0\\?#(){}]*$/),
      v.maxLength(1024),
      v.metadata({
        allowed: 'a path pattern starting with "/" using "*" and ":name", e.g. "/admin/*"',
      }),
    ),
    roles: v.optional(v.pipe(v.array(NON_EMPTY_STRING), v.nonEmpty())),
    authenticated: v.optional(v.literal(true)),
    public: v.optional(v.literal(true)),
    // SECURITY: off by default; protected answers stay private whatever header rules say.
    shareable: v.optional(v.boolean()),
  }),
  v.check(
    (rule) =>
      [rule.roles !== undefined, rule.authenticated === true, rule.public === true]
        .filter(Boolean).length === 1,
    'Each access rule needs exactly one of "roles", "authenticated": true or "public": true',
  ),
  v.metadata({
    allowed:
      'an object { "path": "/admin/*" } with exactly one of "roles": [...], "authenticated": true or "public": true',
  }),
);

/** How JWTs are verified (and, with an HS secret, signed by the login endpoint). */
const JWT_SETTINGS_SCHEMA = v.strictObject({
  secretEnv: v.pipe(
    v.optional(v.pipe(v.string(), v.regex(ENV_VAR_NAME_REGEXP))),
    v.description(
      "Environment variable holding the HS256/384/512 secret (needs --allow-env=NAME)",
    ),
    v.metadata({ allowed: "an environment variable name" }),
  ),
  secretFile: v.pipe(
    v.optional(NON_EMPTY_STRING),
    v.description("File holding the HS256/384/512 secret"),
    v.metadata({ path: true, allowed: "a file path" }),
  ),
  publicKey: v.pipe(
    v.optional(NON_EMPTY_STRING),
    v.description("PEM (SPKI) or JWK file with the public key for RS/PS/ES/EdDSA tokens"),
    v.metadata({ path: true, allowed: "a file path" }),
  ),
  jwks: v.pipe(
    v.optional(
      v.pipe(
        NON_EMPTY_STRING,
        v.check(
          (value) =>
            !URL_VALUE_REGEXP.test(value) || value.startsWith("https://") ||
            isLoopbackHttpUrl(value),
        ),
      ),
    ),
    v.description("JWKS file or https URL (e.g. an OIDC provider's jwks_uri)"),
    v.metadata({ path: true, url: true, allowed: "a file path or an https URL" }),
  ),
  algorithms: v.pipe(
    v.optional(v.pipe(v.array(v.picklist(JWT_ALGORITHMS)), v.nonEmpty())),
    v.description("Allowed JWT algorithms; default HS256 with a secret, else the key's"),
    v.metadata({ allowed: `a non-empty list of ${JWT_ALGORITHMS.join(", ")}` }),
  ),
  issuer: v.pipe(
    v.optional(NON_EMPTY_STRING),
    v.description("Required iss claim"),
  ),
  audience: v.pipe(
    v.optional(NON_EMPTY_STRING),
    v.description("Required aud claim"),
  ),
  rolesClaim: v.pipe(
    v.optional(NON_EMPTY_STRING, "roles"),
    v.description("Claim holding the user's roles (a space-separated scope is also read)"),
  ),
  clockToleranceSeconds: v.pipe(
    v.optional(integerBetween(0, 600), 30),
    v.description("Seconds of clock skew tolerated for exp and nbf"),
  ),
});

/** The `access` setting: ordered rules, the first match decides. */
export const ACCESS_SCHEMA = v.pipe(
  v.optional(v.array(ACCESS_RULE_SCHEMA), []),
  v.description(
    'Ordered access rules; the first whose "path" matches decides; unmatched paths are public',
  ),
  v.metadata({
    allowed:
      'a list of rules like { "path": "/admin/*", "roles": ["admin"] }, { "path": "/team/*", "authenticated": true } or { "path": "/pub/*", "public": true }',
  }),
);

/** The `auth` group: who the users are and how they prove it. */
export const AUTH_SCHEMA = v.pipe(
  v.optional(
    v.strictObject({
      users: v.pipe(
        v.optional(NON_EMPTY_STRING),
        v.description("Users file (JSON) for the login page and HTTP Basic"),
        v.metadata({ path: true, allowed: "a file path" }),
      ),
      jwt: v.pipe(
        v.optional(JWT_SETTINGS_SCHEMA, {}),
        v.description("JWT verification keys and claims"),
      ),
      basic: v.pipe(
        v.optional(v.boolean(), false),
        v.description("Accept HTTP Basic credentials checked against the users file"),
      ),
      cookieName: v.pipe(
        v.optional(
          // A cookie name is a token too (RFC 6265 §4.1.1).
          v.pipe(v.string(), v.regex(HEADER_NAME_REGEXP), v.maxLength(64)),
          "berth_session",
        ),
        v.description("Name of the HttpOnly session cookie set by the login endpoint"),
        v.metadata({ allowed: "a cookie name (letters, digits and !#$%&'*+-.^_`|~)" }),
      ),
      sessionTtlSeconds: v.pipe(
        v.optional(integerBetween(60, 2_592_000), 3600),
        v.description("Lifetime of tokens issued by the login endpoint, in seconds"),
      ),
    }),
    {},
  ),
  v.description("Authentication"),
);
