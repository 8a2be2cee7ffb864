import type { Role } from "../../prisma/generated/prisma/enums";
import { appendAuditLog, type UserActor } from "../audit/append-audit-log";
import { type DbClient, inTransaction } from "../db-types";
import { revokeUserSessions } from "../users/revoke-user-sessions";
import { lockMember } from "./lock-member";
import { assertMayManage } from "./rules";

type Actor = UserActor & { role: Role };

/** Removes a teammate from this merchant (their account and other merchants are untouched). */
export function removeMember(
  db: DbClient,
  options: { merchantId: string; membershipId: string; actor: Actor },
) {
  return inTransaction(db, async (tx) => {
    const member = await lockMember(tx, options.merchantId, options.membershipId);
    assertMayManage({ userId: options.actor.id, role: options.actor.role }, member);
    await tx.membership.delete({ where: { id: member.id } });
    // Their open sessions end too, so the change is felt at once on every device (they sign in again).
    const sessionsEnded = await revokeUserSessions(tx, { userId: member.userId, reason: "removed" });
    await appendAuditLog(tx, {
      merchantId: options.merchantId,
      actor: { type: "user", id: options.actor.id, label: options.actor.label, ip: options.actor.ip },
      action: "team.member_removed",
      target: { type: "user", id: member.userId },
      metadata: { email: member.user.email, role: member.role, sessionsEnded },
    });
  });
}
