import type { DbClient } from "../db-types";

export type SessionRevokedReason =
  | "sign_out"
  | "sign_out_others"
  | "sign_out_everywhere"
  | "password_changed"
  | "role_changed"
  | "removed"
  | "disabled";

/**
 * Ends a user's sessions at once: every request checks its session row (lib/tenancy), so a
 * revoked cookie stops working on the next request instead of when it expires. `sessionId`
 * ends only that one (sign-out); `exceptSessionId` keeps the caller's own (password change).
 * Returns how many sessions were ended.
 */
export async function revokeUserSessions(
  db: DbClient,
  options: {
    userId: string;
    reason: SessionRevokedReason;
    sessionId?: string;
    exceptSessionId?: string;
    now?: Date;
  },
): Promise<number> {
  const { count } = await db.userSession.updateMany({
    where: {
      userId: options.userId,
      revokedAt: null,
      ...(options.sessionId ? { id: options.sessionId } : {}),
      ...(options.exceptSessionId ? { id: { not: options.exceptSessionId } } : {}),
    },
    data: { revokedAt: options.now ?? new Date(), revokedReason: options.reason },
  });
  return count;
}
