import type { Prisma, Reversal, ReversalStatus } from "../../../prisma/generated/prisma/client";
import type { DbClient } from "../../db-types";
import { recordEvent } from "../../events/record-event";
import { formatKes } from "../../format";
import { toPaymentResource } from "../collections/payment-resource";
import type { PayoutResultDetails } from "../daraja/payout-result";
import { openReviewItem } from "../review/open-review-item";
import { reversalOutcomeMessage } from "./reversal-outcomes";

/**
 * Writes a final answer onto a reversal locked by the caller, and on success marks its payment
 * `reversed` (with reversedAt) in the same transaction: the caller's lock and its awaitsResult
 * check make that happen once however often the answer is delivered. A success for a different
 * amount than approved is recorded and put in review rather than called reversed.
 */
export async function recordReversalOutcome(
  tx: DbClient,
  options: {
    reversal: Reversal;
    resultCode: string;
    resultDesc: string;
    details: Omit<PayoutResultDetails, "recipientName">;
    source: "result" | "status";
    inboxId?: string | null;
    /** Replaces the plain words of the code (a status answer explains itself). */
    message?: string;
    now: Date;
  },
): Promise<ReversalStatus> {
  const { reversal, details, now } = options;
  const success = options.resultCode === "0";
  let status: ReversalStatus = success ? "reversed" : "failed";
  let resultDesc = options.message ?? reversalOutcomeMessage(options.resultCode, options.resultDesc);
  if (success && details.amount !== null && details.amount !== reversal.amount) {
    status = "needs_review";
    resultDesc = `M-Pesa reports ${formatKes(details.amount)} reversed, not the ${formatKes(reversal.amount)} approved.`;
    await openReviewItem(tx, {
      merchantId: reversal.merchantId,
      kind: "amount_mismatch",
      reversalId: reversal.id,
      inboxId: options.inboxId ?? null,
      expected: { reversalId: reversal.id, paymentId: reversal.paymentId, amount: reversal.amount },
      actual: { amount: details.amount, receipt: details.receipt },
    });
  }
  await tx.reversal.update({
    where: { id: reversal.id },
    data: {
      status,
      resultCode: options.resultCode,
      resultDesc,
      receipt: success ? details.receipt : null,
      resultParameters: { source: options.source, ...details.parameters } as Prisma.InputJsonObject,
      completedAt: details.completedAt ?? (success ? now : null),
      settledAt: now,
    },
  });
  if (success) {
    // Whatever the amount M-Pesa names, money went back: the payment no longer stands as paid.
    const reversed = await tx.payment.updateManyAndReturn({
      where: { id: reversal.paymentId, merchantId: reversal.merchantId, status: { not: "reversed" } },
      data: { status: "reversed", reversedAt: details.completedAt ?? now },
    });
    for (const payment of reversed) {
      await recordEvent(tx, {
        merchantId: payment.merchantId,
        type: "payment.reversed",
        objectId: payment.id,
        data: { ...toPaymentResource(payment), reversalId: reversal.id },
        now,
      });
    }
  }
  return status;
}
