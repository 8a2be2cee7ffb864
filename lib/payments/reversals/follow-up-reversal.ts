import { type DbClient, inTransaction } from "../../db-types";
import { findWaitingCallbacks, settleWaitingCallbacks } from "../callbacks/settle-waiting-callbacks";
import type { PaymentsDeps } from "../deps";
import { MAX_STATUS_QUERIES, nextFollowUpStep, type PayoutFollowUp } from "../payouts/follow-up-payout";
import { NO_ANSWER_CODE } from "../payouts/record-payout-outcome";
import { openReviewItem } from "../review/open-review-item";
import { queryReversalStatus } from "./query-reversal-status";

/**
 * One step of resolving a reversal's outcome without ever sending it again, on the payouts'
 * schedule (nextFollowUpStep): Result window, then Transaction Status with back-off. When M-Pesa
 * never confirmed it, the reversal goes to needs_review with a `reversal_unresolved` review item
 * for a person to check on the M-Pesa portal; a late answer still settles it.
 */
export async function followUpReversal(
  db: DbClient,
  deps: PaymentsDeps,
  options: { reversalId: string },
): Promise<PayoutFollowUp> {
  const now = deps.now?.() ?? new Date();
  const reversal = await db.reversal.findUnique({ where: { id: options.reversalId } });
  if (!reversal) return "settled";
  const step = nextFollowUpStep(reversal, now);
  if (step === "settled" || step === "waiting") return step;
  // A stored Result (or status answer) for this reversal comes before any query or giving up.
  const waiting = {
    merchantId: reversal.merchantId,
    externalIds: [reversal.originatorConversationId, reversal.conversationId].filter((id) => id !== null),
    statusAnswers: true,
  };
  if (await settleWaitingCallbacks(db, { keyring: deps.keyring, ...waiting, now: deps.now })) {
    const after = await db.reversal.findUnique({ where: { id: reversal.id } });
    if (!after || nextFollowUpStep(after, now) === "settled") return "settled";
  }
  if (step === "query") {
    const asked = await queryReversalStatus(db, deps, { reversalId: reversal.id });
    return asked === "not_in_flight" ? "settled" : asked === "queried" ? "queried" : "waiting";
  }
  const resultDesc = `M-Pesa did not confirm this reversal after ${MAX_STATUS_QUERIES} status checks. Check the payment on the M-Pesa portal before reversing it again; a late answer still settles it.`;
  return inTransaction(db, async (tx) => {
    // Under the reversal's row lock (settlement takes it too): a callback stored by now is seen.
    await tx.$queryRaw`SELECT id FROM reversals WHERE id = ${reversal.id}::uuid FOR UPDATE`;
    if ((await findWaitingCallbacks(tx, waiting)).length > 0) return "waiting";
    const moved = await tx.reversal.updateMany({
      where: { id: reversal.id, status: { in: ["submitted", "unknown"] } },
      data: { status: "needs_review", resultCode: NO_ANSWER_CODE, resultDesc, settledAt: now },
    });
    if (moved.count === 0) return "settled";
    await openReviewItem(tx, {
      merchantId: reversal.merchantId,
      kind: "reversal_unresolved",
      reversalId: reversal.id,
      expected: { reversalId: reversal.id, paymentId: reversal.paymentId, amount: reversal.amount },
      actual: { statusQueries: reversal.statusQueryCount, resultDesc },
    });
    return "gave_up";
  });
}
