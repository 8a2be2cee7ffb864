import type { Reversal } from "../../../prisma/generated/prisma/client";
import type { ReversalStatus } from "../../../prisma/generated/prisma/enums";
import { type DbClient, inTransaction } from "../../db-types";
import type { DarajaResult } from "../daraja/inbound";
import { type ReversalResultDetails, readReversalResult } from "../daraja/payout-result";
import { awaitsResult } from "../payouts/record-payout-outcome";
import { openReviewItem } from "../review/open-review-item";
import { lockReversalForResult } from "./lock-reversal-for-result";
import { recordReversalOutcome } from "./record-reversal-outcome";

export type ReversalSettleOutcome =
  | { outcome: "applied"; reversalId: string; status: ReversalStatus }
  | { outcome: "already_final"; reversalId: string; status: ReversalStatus }
  | { outcome: "unknown_reversal" };

/**
 * Applies a Reversal Result exactly once: the reversal is found by its conversation ids within
 * the callback's merchant and locked, a result for one that no longer awaits a result is ignored
 * (duplicate deliveries change nothing; only the receipt Transaction Status could not tell is
 * filled in), and the answer is recorded: 0 reverses the payment, anything else fails the
 * reversal in plain words (reversal-outcomes.ts). A result that beats the
 * recording of Daraja's synchronous answer finds no reversal yet and is retried by the inbox.
 */
export function settleReversalResult(
  db: DbClient,
  options: { merchantId: string | null; result: DarajaResult; inboxId?: string | null; now?: Date },
): Promise<ReversalSettleOutcome> {
  const { result, merchantId } = options;
  if (!merchantId) return Promise.resolve({ outcome: "unknown_reversal" } as const);
  return inTransaction(db, async (tx) => {
    const reversal = await lockReversalForResult(tx, {
      merchantId,
      originatorConversationId: result.originatorConversationId,
      conversationId: result.conversationId,
    });
    if (!reversal) return { outcome: "unknown_reversal" } as const;
    if (!awaitsResult(reversal)) {
      if (reversal.status === "reversed" && !reversal.receipt && result.resultCode === "0")
        await completeFromLateResult(tx, reversal, readReversalResult(result), options.inboxId ?? null);
      return { outcome: "already_final", reversalId: reversal.id, status: reversal.status } as const;
    }
    const status = await recordReversalOutcome(tx, {
      reversal,
      resultCode: result.resultCode,
      resultDesc: result.resultDesc,
      details: readReversalResult(result),
      source: "result",
      inboxId: options.inboxId,
      now: options.now ?? new Date(),
    });
    return { outcome: "applied", reversalId: reversal.id, status } as const;
  });
}

/**
 * Transaction Status can settle a reversal from the payment's side (M-Pesa reports it Reversed)
 * before the Result arrives, without the reversal's own receipt and amount: the late Result fills
 * in the receipt and completion time once (so M-Pesa's record line of the reversal matches it),
 * and an amount other than the one approved goes to review, as recordReversalOutcome would.
 */
async function completeFromLateResult(
  tx: DbClient,
  reversal: Reversal,
  details: ReversalResultDetails,
  inboxId: string | null,
): Promise<void> {
  if (!details.receipt) return;
  const taken = await tx.reversal.findUnique({ where: { receipt: details.receipt }, select: { id: true } });
  if (taken) return;
  await tx.reversal.update({
    where: { id: reversal.id },
    data: { receipt: details.receipt, completedAt: details.completedAt ?? reversal.completedAt },
  });
  if (details.amount !== null && details.amount !== reversal.amount)
    await openReviewItem(tx, {
      merchantId: reversal.merchantId,
      kind: "amount_mismatch",
      reversalId: reversal.id,
      inboxId,
      expected: { reversalId: reversal.id, paymentId: reversal.paymentId, amount: reversal.amount },
      actual: { amount: details.amount, receipt: details.receipt },
    });
}
