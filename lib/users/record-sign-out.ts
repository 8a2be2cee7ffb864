import { appendAuditLog } from "../audit/append-audit-log";
import { type DbClient, inTransaction } from "../db-types";
import { revokeUserSessions } from "./revoke-user-sessions";
import { isSessionId } from "./session-rules";

/**
 * The server's half of signing out (next-auth clears the cookie, lib/auth.ts): ends this
 * session's row, so a copy of the cookie saved elsewhere stops working too, and audits it. Only
 * this session ends; the user's other devices stay signed in.
 */
export function recordSignOut(
  db: DbClient,
  options: { userId: string; sessionId: unknown; label: string | null; ip: string | null },
): Promise<void> {
  return inTransaction(db, async (tx) => {
    if (isSessionId(options.sessionId)) {
      await revokeUserSessions(tx, {
        userId: options.userId,
        sessionId: options.sessionId,
        reason: "sign_out",
      });
    }
    await appendAuditLog(tx, {
      actor: { type: "user", id: options.userId, label: options.label },
      action: "auth.sign_out",
      target: { type: "user", id: options.userId },
      ip: options.ip,
    });
  });
}
