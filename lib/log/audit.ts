/**
 * @module
 * The audit log: security events (startup summary, logins, rejected tokens,
 * denied access, rate limiting, shutdown) as their own JSON-lines stream,
 * category `berth.audit`, separate from the access log. Records carry facts
 * about the event and never secrets: no tokens, passwords, TOTP codes,
 * cookies or key material.
 */

import { getLogger } from "@logtape/logtape";

/** Category of the audit log (a child of `berth`, routed to its own sink). */
export const AUDIT_LOG_CATEGORY = ["berth", "audit"] as const;

/** Longest user name or path written to the audit log, in characters. */
const MAX_FIELD_LENGTH = 200;
/** C0 controls and DEL, replaced so a hostile value cannot forge lines in pretty viewers. */
// deno-lint-ignore no-control-regex -- matching control characters is the point
const CONTROL_CHAR_REGEXP = /[\u0000-\u001f\u007f]/g;

/** Why a login attempt failed. */
export type LoginFailureReason =
  | "bad-credentials"
  | "totp-required"
  | "totp-invalid"
  | "totp-replayed"
  /** HTTP Basic for a user with a TOTP secret: Basic cannot carry the code. */
  | "basic-refused-totp-user";

/** Every event berth writes to the audit log. */
export type AuditEvent =
  | {
    event: "startup";
    /** Credential sources in use, e.g. `["jwt-secret", "login", "basic"]`. */
    authMethods: string[];
    /** Number of access rules. */
    accessRules: number;
    /** Whether the login endpoints are on. */
    login: boolean;
    /** Requests per second per client, 0 when the general limit is off. */
    rateLimit: number;
  }
  | { event: "login-success"; user: string; address: string; method: "login" | "basic" }
  | {
    event: "login-failure";
    user: string;
    address: string;
    reason: LoginFailureReason;
    method: "login" | "basic";
  }
  | { event: "logout"; user: string | null; address: string }
  | { event: "token-rejected"; reason: string; address: string; path: string; source: string }
  | {
    event: "access-denied";
    rule: string;
    path: string;
    user: string | null;
    address: string;
    status: number;
  }
  | { event: "rate-limited"; scope: "request" | "login"; address: string; user?: string }
  | { event: "shutdown" };

/**
 * Writes one audit record. User names and paths are clipped and stripped of
 * control characters, as they come from the client.
 * SECURITY: the event types have no field for a secret; callers pass facts only.
 */
export function writeAuditEvent(event: AuditEvent): void {
  const record: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    record[key] = typeof value === "string" ? cleanField(value) : value;
  }
  getLogger([...AUDIT_LOG_CATEGORY]).info("audit {event}", record);
}

/** Clips and neutralizes a client-supplied string. */
function cleanField(value: string): string {
  const clean = value.replace(CONTROL_CHAR_REGEXP, "\uFFFD");
  return clean.length > MAX_FIELD_LENGTH ? `${clean.slice(0, MAX_FIELD_LENGTH)}…` : clean;
}
