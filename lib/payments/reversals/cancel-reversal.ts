import type { Reversal } from "../../../prisma/generated/prisma/client";
import type { Role } from "../../../prisma/generated/prisma/enums";
import { appendAuditLog } from "../../audit/append-audit-log";
import { type DbClient, inTransaction } from "../../db-types";
import { AppError } from "../../errors";
import { isRequester } from "../payouts/payout-approval-rules";
import { decisionNote } from "./decision-note";
import { lockReversal } from "./lock-reversal";
import { reversalAuditFields } from "./reversal-resource";

/**
 * The requester (or the creator of the API key that asked), an admin or an owner withdraws a
 * reversal before it is sent: while it waits for approval, or approved but not yet handed to
 * M-Pesa. Submission claims the reversal under the same row lock, so a cancellation and a
 * submission never both win. Audited with the actor's IP.
 */
export async function cancelReversal(
  db: DbClient,
  options: {
    merchantId: string;
    reversalId: string;
    actor: { id: string; label: string; role: Role; ip?: string | null };
    note?: unknown;
  },
): Promise<Reversal> {
  const { merchantId, actor } = options;
  const note = decisionNote(options.note, { required: false });
  return inTransaction(db, async (tx) => {
    const reversal = await lockReversal(tx, { merchantId, reversalId: options.reversalId });
    if (!reversal) throw new AppError("not_found", "No reversal with this id.");
    const mayCancel =
      actor.role === "owner" || actor.role === "admin" || (await isRequester(tx, reversal, actor.id));
    if (!mayCancel)
      throw new AppError(
        "forbidden",
        "Only the person who requested this reversal, an admin or an owner can cancel it.",
      );
    const beforeSubmission =
      reversal.status === "pending_approval" ||
      (reversal.status === "approved" && reversal.originatorConversationId === null);
    if (!beforeSubmission)
      throw new AppError(
        "conflict",
        reversal.status === "approved" || reversal.status === "submitted"
          ? "This reversal was already sent to M-Pesa: it can no longer be cancelled."
          : `This reversal can no longer be cancelled (it is ${reversal.status.replace("_", " ")}).`,
      );
    const cancelled = await tx.reversal.update({
      where: { id: reversal.id },
      data: { status: "cancelled", note },
    });
    await appendAuditLog(tx, {
      merchantId,
      actor: { type: "user", id: actor.id, label: actor.label, ip: actor.ip },
      action: "reversal.cancelled",
      target: { type: "reversal", id: reversal.id },
      metadata: { ...reversalAuditFields(reversal), statusBefore: reversal.status, note },
    });
    return cancelled;
  });
}
