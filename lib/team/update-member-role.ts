import type { Role } from "../../prisma/generated/prisma/enums";
import { appendAuditLog } from "../audit/append-audit-log";
import { type DbClient, inTransaction } from "../db-types";
import { lockMember } from "./lock-member";
import { assertMayGrant, assertMayManage } from "./rules";

type Actor = { id: string; label: string; role: Role };

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
    await appendAuditLog(tx, {
      merchantId: options.merchantId,
      actor: { type: "user", id: options.actor.id, label: options.actor.label },
      action: "team.role_changed",
      target: { type: "user", id: member.userId },
      metadata: { email: member.user.email, from: member.role, to: options.role },
    });
    return updated;
  });
}
