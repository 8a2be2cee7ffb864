import type { DbClient } from "../db-types";
import { activeSessionWhere, isSessionId } from "./session-rules";

/**
 * The user's session when the server still honours it: not signed out or revoked, not expired,
 * and the user not disabled. Null otherwise, including for a missing or malformed id (a cookie
 * issued before sessions were recorded). lib/tenancy/resolve-tenant.ts applies the same rules
 * inside its membership query.
 */
export async function getActiveUserSession(
  db: DbClient,
  options: { userId: string; sessionId: string | null | undefined; now?: Date },
) {
  if (!isSessionId(options.sessionId)) return null;
  return db.userSession.findFirst({
    where: {
      id: options.sessionId,
      userId: options.userId,
      ...activeSessionWhere(options.now ?? new Date()),
      user: { disabledAt: null },
    },
    select: { id: true, userId: true, createdAt: true, expiresAt: true, user: { select: { email: true } } },
  });
}
