import type { Role } from "../../prisma/generated/prisma/enums";
import { appendAuditLog, type UserActor } from "../audit/append-audit-log";
import { type DbClient, inTransaction } from "../db-types";
import { AppError } from "../errors";
import { assertMayGrant } from "./rules";

/** Withdraws a pending invitation: its link stops working at once. */
export function revokeInvitation(
  db: DbClient,
  options: { merchantId: string; invitationId: string; actor: UserActor & { role: Role } },
) {
  return inTransaction(db, async (tx) => {
    const invitation = await tx.invitation.findFirst({
      where: { id: options.invitationId, merchantId: options.merchantId, acceptedAt: null, revokedAt: null },
    });
    if (!invitation) throw new AppError("not_found", "No pending invitation with this id.");
    assertMayGrant(options.actor.role, invitation.role);
    await tx.invitation.update({ where: { id: invitation.id }, data: { revokedAt: new Date() } });
    await appendAuditLog(tx, {
      merchantId: options.merchantId,
      actor: { type: "user", id: options.actor.id, label: options.actor.label, ip: options.actor.ip },
      action: "team.invitation_revoked",
      target: { type: "invitation", id: invitation.id },
      metadata: { email: invitation.email, role: invitation.role },
    });
  });
}
