import type { Reversal } from "../../../prisma/generated/prisma/client";
import { appendAuditLog } from "../../audit/append-audit-log";
import { type DbClient, inTransaction } from "../../db-types";
import type { PayoutApprover } from "../payouts/payout-approval-rules";
import { decisionNote } from "./decision-note";
import { lockReversalForDecision } from "./lock-reversal-for-decision";
import { reversalAuditFields } from "./reversal-resource";

/**
 * An approver refuses a reversal, with a note saying why (the requester reads it). One rejection
 * ends it, even after another person approved. The same people who may approve may reject; the
 * requester cancels instead. Audited with the note and the approver's IP.
 */
export async function rejectReversal(
  db: DbClient,
  options: { merchantId: string; reversalId: string; actor: PayoutApprover; note: unknown; now?: Date },
): Promise<Reversal> {
  const { merchantId, actor } = options;
  const note = decisionNote(options.note, { required: true });
  const now = options.now ?? new Date();
  return inTransaction(db, async (tx) => {
    const reversal = await lockReversalForDecision(tx, {
      merchantId,
      reversalId: options.reversalId,
      approver: actor,
      decision: "reject",
    });
    await tx.reversalApproval.create({
      data: {
        merchantId,
        reversalId: reversal.id,
        userId: actor.id,
        userLabel: actor.label,
        decision: "rejected",
        note,
        ip: actor.ip ?? null,
        createdAt: now,
      },
    });
    const rejected = await tx.reversal.update({
      where: { id: reversal.id },
      data: { status: "rejected", note },
    });
    await appendAuditLog(tx, {
      merchantId,
      actor: { type: "user", id: actor.id, label: actor.label, ip: actor.ip },
      action: "reversal.rejected",
      target: { type: "reversal", id: reversal.id },
      metadata: { ...reversalAuditFields(reversal), note },
    });
    return rejected;
  });
}
