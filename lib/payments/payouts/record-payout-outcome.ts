import type { Payout, PayoutStatus, Prisma } from "../../../prisma/generated/prisma/client";
import { afterCommit, type DbClient } from "../../db-types";
import { payoutEventType } from "../../events/event-types";
import { recordEvent } from "../../events/record-event";
import type { PayoutResultDetails } from "../daraja/payout-result";
import { reportSettled } from "../observer";
import { openReviewItem } from "../review/open-review-item";
import { payoutOutcomeMessage } from "./payout-outcomes";
import { toPayoutResource } from "./payout-resource";

/** Set by follow-up-payout.ts when Transaction Status never found the payout. */
export const NO_ANSWER_CODE = "malipo.no_answer";

/**
 * Whether a result may still change this payout (or reversal): it is in flight (submitted,
 * unknown), or it was put in review only because no answer came (a late answer then settles it).
 * Anything else is final and a result for it is ignored.
 */
export function awaitsResult(payout: { status: string; resultCode: string | null }): boolean {
  return (
    payout.status === "submitted" ||
    payout.status === "unknown" ||
    (payout.status === "needs_review" && payout.resultCode === NO_ANSWER_CODE)
  );
}

/**
 * Writes a final answer onto a payout locked by the caller (lock-payout.ts). A success that does
 * not add up, a different amount or a receipt already used by another payout, is recorded and put
 * in review rather than called paid.
 */
export async function recordPayoutOutcome(
  tx: DbClient,
  options: {
    payout: Payout;
    resultCode: string;
    resultDesc: string;
    details: PayoutResultDetails;
    source: "result" | "status";
    inboxId?: string | null;
    now: Date;
  },
): Promise<PayoutStatus> {
  const { payout, details } = options;
  const success = options.resultCode === "0";
  const base = { merchantId: payout.merchantId, inboxId: options.inboxId ?? null, payoutId: payout.id };
  let status: PayoutStatus = success ? "paid" : "failed";
  let resultDesc = payoutOutcomeMessage(payout.kind, options.resultCode, options.resultDesc);
  let receipt = success ? details.receipt : null;
  if (success) {
    if (details.amount !== null && details.amount !== payout.amount) {
      status = "needs_review";
      resultDesc = `M-Pesa reports KES ${details.amount} paid, not the KES ${payout.amount} approved.`;
      await openReviewItem(tx, {
        ...base,
        kind: "amount_mismatch",
        expected: { payoutId: payout.id, amount: payout.amount },
        actual: { amount: details.amount, receipt },
      });
    }
    const taken =
      receipt &&
      (await tx.payout.findFirst({ where: { receipt, id: { not: payout.id } }, select: { id: true } }));
    if (taken) {
      status = "needs_review";
      resultDesc = "M-Pesa reported a receipt that already settled another payout.";
      await openReviewItem(tx, {
        ...base,
        kind: "unknown_callback",
        expected: { payoutId: payout.id, receipt: null },
        actual: { receipt, otherPayoutId: taken.id },
      });
      receipt = null;
    }
  }
  const settled = await tx.payout.update({
    where: { id: payout.id },
    data: {
      status,
      resultCode: options.resultCode,
      resultDesc,
      receipt,
      recipientName: details.recipientName ?? payout.recipientName,
      resultParameters: { source: options.source, ...details.parameters } as Prisma.InputJsonObject,
      completedAt: details.completedAt ?? (success ? options.now : null),
      settledAt: options.now,
    },
  });
  const startedAt = settled.submittedAt ?? settled.createdAt;
  afterCommit(tx, () =>
    reportSettled({ kind: "payout", id: settled.id, status, startedAt, settledAt: options.now }),
  );
  const type = payoutEventType(status);
  if (type) {
    await recordEvent(tx, {
      merchantId: settled.merchantId,
      type,
      objectId: settled.id,
      data: toPayoutResource(settled),
      now: options.now,
    });
  }
  return status;
}
