import type { Role } from "../../prisma/generated/prisma/enums";
import { appendAuditLog, type UserActor } from "../audit/append-audit-log";
import { type DbClient, inTransaction } from "../db-types";
import { revokeUserSessions } from "../users/revoke-user-sessions";
import { lockMember } from "./lock-member";
import { assertMayGrant, assertMayManage } from "./rules";

type Actor = UserActor & { role: Role };

/** Changes a teammate's role; audited with the old and new role. */
export function updateMemberRole(
  db: DbClient,
  options: { merchantId: string; membershipId: string; role: Role; actor: Actor },
) {
  return inTransaction(db, async (tx) => {
    const member = await lockMember(tx, options.merchantId, options.membershipId);
    assertMayManage({ userId: options.actor.id, role: options.actor.role }, member);
    assertMayGrant(options.actor.role, options.role);
    if (member.role === options.role) return member;
    const updated = await tx.membership.update({ where: { id: member.id }, data: { role: options.role } });
    // Their open sessions end too, so the change is felt at once on every device (they sign in again).
    const sessionsEnded = await revokeUserSessions(tx, { userId: member.userId, reason: "role_changed" });
    await appendAuditLog(tx, {
      merchantId: options.merchantId,
      actor: { type: "user", id: options.actor.id, label: options.actor.label, ip: options.actor.ip },
      action: "team.role_changed",
      target: { type: "user", id: member.userId },
      metadata: { email: member.user.email, from: member.role, to: options.role, sessionsEnded },
    });
    return updated;
  });
}
