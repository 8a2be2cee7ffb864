import type { Payout } from "../../../prisma/generated/prisma/client";
import { appendAuditLog } from "../../audit/append-audit-log";
import { type DbClient, inTransaction } from "../../db-types";
import { AppError } from "../../errors";
import { text } from "../../validation/text";
import { lockPayoutForDecision, type PayoutApprover } from "./payout-approval-rules";
import { payoutAuditFields } from "./payout-resource";

const noteSchema = text({ multiline: true, error: "Say why the payout is rejected (3-500 characters)." })
  .trim()
  .min(3, "Say why the payout is rejected (3-500 characters).")
  .max(500, "The note can be at most 500 characters.");

/**
 * An approver refuses a payout, with a note saying why (the requester reads it). One rejection
 * ends it, even if another person already approved. The same people who may approve may reject;
 * the requester cancels instead. Audited with the note and the approver's IP.
 */
export async function rejectPayout(
  db: DbClient,
  options: { merchantId: string; payoutId: string; approver: PayoutApprover; note: unknown; now?: Date },
): Promise<Payout> {
  const { merchantId, approver } = options;
  const note = noteSchema.safeParse(options.note);
  if (!note.success)
    throw new AppError("validation_failed", note.error.issues[0]?.message ?? "Add a note.", {
      field: "note",
    });
  const now = options.now ?? new Date();
  return inTransaction(db, async (tx) => {
    const { payout } = await lockPayoutForDecision(tx, {
      merchantId,
      payoutId: options.payoutId,
      approver,
      decision: "reject",
    });
    await tx.payoutApproval.create({
      data: {
        merchantId,
        payoutId: payout.id,
        userId: approver.id,
        userLabel: approver.label,
        decision: "rejected",
        note: note.data,
        ip: approver.ip ?? null,
        createdAt: now,
      },
    });
    const rejected = await tx.payout.update({
      where: { id: payout.id },
      data: { status: "rejected", note: note.data },
    });
    await appendAuditLog(tx, {
      merchantId,
      actor: { type: "user", id: approver.id, label: approver.label, ip: approver.ip },
      action: "payout.rejected",
      target: { type: "payout", id: payout.id },
      metadata: {
        ...payoutAuditFields(payout),
        note: note.data,
      },
    });
    return rejected;
  });
}
