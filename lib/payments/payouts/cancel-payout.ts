import type { Payout } from "../../../prisma/generated/prisma/client";
import type { Role } from "../../../prisma/generated/prisma/enums";
import { appendAuditLog } from "../../audit/append-audit-log";
import { type DbClient, inTransaction } from "../../db-types";
import { AppError } from "../../errors";
import { text } from "../../validation/text";
import { lockPayout } from "./lock-payout";
import { payoutAuditFields } from "./payout-resource";

const noteSchema = text({ multiline: true, error: "The note must be text." })
  .trim()
  .max(500, "The note can be at most 500 characters.")
  .optional();

/**
 * The requester or an owner withdraws a payout before it is sent: while it waits for approval,
 * or approved but not yet handed to M-Pesa (no OriginatorConversationID stored). Submission
 * stores that id under the same row lock, so a cancellation and a submission never both win.
 * Audited with the actor's IP.
 */
export async function cancelPayout(
  db: DbClient,
  options: {
    merchantId: string;
    payoutId: string;
    actor: { id: string; label: string; role: Role; ip?: string | null };
    note?: unknown;
  },
): Promise<Payout> {
  const { merchantId, actor } = options;
  const note = noteSchema.safeParse(options.note ?? undefined);
  if (!note.success)
    throw new AppError("validation_failed", note.error.issues[0]?.message ?? "Check the note.", {
      field: "note",
    });
  return inTransaction(db, async (tx) => {
    const payout = await lockPayout(tx, { merchantId, payoutId: options.payoutId });
    if (!payout) throw new AppError("not_found", "No payout with this id.");
    if (payout.requestedById !== actor.id && actor.role !== "owner")
      throw new AppError(
        "forbidden",
        "Only the person who requested this payout, or an owner, can cancel it.",
      );
    const beforeSubmission =
      payout.status === "pending_approval" ||
      (payout.status === "approved" && payout.originatorConversationId === null);
    if (!beforeSubmission)
      throw new AppError(
        "conflict",
        payout.status === "approved" || payout.status === "submitted"
          ? "This payout was already sent to M-Pesa: it can no longer be cancelled."
          : `This payout can no longer be cancelled (it is ${payout.status}).`,
      );
    const cancelled = await tx.payout.update({
      where: { id: payout.id },
      data: { status: "cancelled", note: note.data || null },
    });
    await appendAuditLog(tx, {
      merchantId,
      actor: { type: "user", id: actor.id, label: actor.label, ip: actor.ip },
      action: "payout.cancelled",
      target: { type: "payout", id: payout.id },
      metadata: {
        ...payoutAuditFields(payout),
        statusBefore: payout.status,
        note: note.data || null,
      },
    });
    return cancelled;
  });
}
