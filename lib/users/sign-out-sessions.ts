import { appendAuditLog } from "../audit/append-audit-log";
import { type DbClient, inTransaction } from "../db-types";
import { revokeUserSessions } from "./revoke-user-sessions";

/**
 * "Sign out other sessions" (`others`: every session of the user but the current one) and "Sign
 * out everywhere" (`everywhere`: the current one too). Audited with how many were ended, so a
 * user who finds a device they do not know can cut it off and the log shows they did.
 */
export function signOutSessions(
  db: DbClient,
  options: {
    userId: string;
    currentSessionId: string;
    scope: "others" | "everywhere";
    actor: { id: string; label: string };
    ip: string | null;
  },
): Promise<number> {
  return inTransaction(db, async (tx) => {
    const count = await revokeUserSessions(
      tx,
      options.scope === "others"
        ? { userId: options.userId, reason: "sign_out_others", exceptSessionId: options.currentSessionId }
        : { userId: options.userId, reason: "sign_out_everywhere" },
    );
    await appendAuditLog(tx, {
      actor: { type: "user", id: options.actor.id, label: options.actor.label },
      action: "auth.sessions_revoked",
      target: { type: "user", id: options.userId },
      metadata: { count, scope: options.scope },
      ip: options.ip,
    });
    return count;
  });
}
