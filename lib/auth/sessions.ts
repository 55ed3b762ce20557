/**
 * @module
 * What a verified token means today: an identity provider's token stands as
 * signed, while a berth session (one carrying the session-version claim) is
 * checked against the current users file and the revocation list on every
 * request, so sign-out, `berth user remove` and `berth user passwd` end it
 * at once and its roles follow the file.
 */

import type { AuthenticatedUser } from "../compose.ts";
import type { TokenVerification } from "./jwt.ts";
import type { RevocationList } from "./revocations.ts";
import type { UserStore } from "./users.ts";

/** Why a verified berth session is refused; safe to log. */
export type SessionRejection = "revoked" | "user-removed" | "credentials-changed";

/** The outcome of {@linkcode resolveSession}. */
export type SessionCheck =
  | { ok: true; user: AuthenticatedUser; berthSession: boolean }
  | { ok: false; reason: SessionRejection };

/** What {@linkcode resolveSession} consults. */
export interface SessionState {
  /** The current users; null without a users file. */
  users: UserStore | null;
  /** Signed-out sessions. */
  revocations: RevocationList;
}

/**
 * Checks a verified token against the current state: cheap map lookups, so
 * it runs on every request, after the signature cache.
 */
export function resolveSession(
  state: SessionState,
  verified: Extract<TokenVerification, { ok: true }>,
): SessionCheck {
  // Not berth's own (or no users to hold it against): the token's claims stand.
  if (verified.sessionVersion === null || state.users === null) {
    return { ok: true, user: verified.user, berthSession: false };
  }
  if (state.revocations.isRevoked(verified.tokenId, verified.issuedAt)) {
    return { ok: false, reason: "revoked" };
  }
  const record = state.users.get(verified.user.name);
  if (record === undefined) return { ok: false, reason: "user-removed" };
  if (state.users.sessionVersion(record.name) !== verified.sessionVersion) {
    return { ok: false, reason: "credentials-changed" };
  }
  return { ok: true, user: { name: record.name, roles: [...record.roles] }, berthSession: true };
}
