import { type DbClient, inTransaction } from "../../db-types";
import { recordEvent } from "../../events/record-event";
import type { DarajaResult } from "../daraja/inbound";
import { readStatusResult } from "../daraja/payout-result";
import { openReviewItem } from "../review/open-review-item";
import { lockPayoutForResult } from "./lock-payout-for-result";
import { toPayoutResource } from "./payout-resource";
import { awaitsResult, recordPayoutOutcome } from "./record-payout-outcome";
import type { PayoutSettleOutcome } from "./settle-payout-result";

export type StatusSettleOutcome = PayoutSettleOutcome | { outcome: "unresolved"; payoutId: string };

/**
 * Applies a Transaction Status Result to the payout it is about, exactly once (the payout is
 * locked; one that no longer awaits a result is left alone). The result's own conversation ids
 * belong to the query, so the payout is found by the original ids among its parameters, the
 * receipt, or the payout id we sent as Occasion. Completed → paid with the receipt from
 * `ReceiptNo`; Reversed → needs_review; anything else (not found, failed, pending, a refused
 * query) settles nothing: the follow-up asks again and, after its last query, hands the payout
 * to a person. A failed lookup never means "send again".
 */
export function settlePayoutStatus(
  db: DbClient,
  options: { merchantId: string | null; result: DarajaResult; inboxId?: string | null; now?: Date },
): Promise<StatusSettleOutcome> {
  const { result, merchantId } = options;
  if (!merchantId) return Promise.resolve({ outcome: "unknown_payout" } as const);
  const details = readStatusResult(result);
  if (
    !details.originalOriginatorConversationId &&
    !details.originalConversationId &&
    !details.receipt &&
    !details.occasion
  )
    return Promise.resolve({ outcome: "unknown_payout" } as const);
  const now = options.now ?? new Date();
  return inTransaction(db, async (tx) => {
    const payout = await lockPayoutForResult(tx, {
      merchantId,
      payoutId: details.occasion,
      originatorConversationId: details.originalOriginatorConversationId,
      conversationId: details.originalConversationId,
      receipt: details.receipt,
    });
    if (!payout) return { outcome: "unknown_payout" } as const;
    if (!awaitsResult(payout))
      return { outcome: "already_final", payoutId: payout.id, status: payout.status } as const;
    const state = details.transactionStatus?.toLowerCase() ?? null;
    if (result.resultCode === "0" && state === "reversed") {
      const resultDesc =
        "M-Pesa reports this payout as paid and then reversed: check it on the M-Pesa portal.";
      const held = await tx.payout.update({
        where: { id: payout.id },
        data: {
          status: "needs_review",
          resultCode: result.resultCode,
          resultDesc,
          receipt: details.receipt,
          resultParameters: { source: "status", ...details.parameters },
          settledAt: now,
        },
      });
      await recordEvent(tx, {
        merchantId,
        type: "payout.needs_review",
        objectId: held.id,
        data: toPayoutResource(held),
        now,
      });
      await openReviewItem(tx, {
        merchantId,
        kind: "payout_unresolved",
        payoutId: payout.id,
        inboxId: options.inboxId ?? null,
        expected: { payoutId: payout.id, amount: payout.amount },
        actual: { receipt: details.receipt, transactionStatus: details.transactionStatus, resultDesc },
      });
      return { outcome: "applied", payoutId: payout.id, status: "needs_review" } as const;
    }
    const completed = result.resultCode === "0" && (state === "completed" || (!state && details.receipt));
    if (!completed) return { outcome: "unresolved", payoutId: payout.id } as const;
    const status = await recordPayoutOutcome(tx, {
      payout,
      resultCode: "0",
      resultDesc: result.resultDesc,
      details,
      source: "status",
      inboxId: options.inboxId,
      now,
    });
    return { outcome: "applied", payoutId: payout.id, status } as const;
  });
}
