// What makes a signed-in session usable, in one place: the session cookie (lib/auth.ts) names a
// UserSession row, and a request is served only while that row is active (lib/tenancy,
// lib/session.ts). The cookie alone is never enough, so ending a row ends the cookie at once.
import type { Prisma } from "../../prisma/generated/prisma/client";

/** How long a session lasts from sign-in, whatever the activity (the cookie's max age too). */
export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

/** Enough of a user agent to tell devices apart on the Account page, and no more. */
export const USER_AGENT_MAX_LENGTH = 200;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A session id as the cookie carries it; anything else is treated as no session (not a 500). */
export function isSessionId(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}

/** The filter for sessions still in use: not revoked and not expired at `now`. */
export function activeSessionWhere(now: Date): Prisma.UserSessionWhereInput {
  return { revokedAt: null, expiresAt: { gt: now } };
}
