import { type DbClient, inTransaction } from "../../db-types";
import type { DarajaResult } from "../daraja/inbound";
import { readStatusResult } from "../daraja/payout-result";
import { awaitsResult } from "../payouts/record-payout-outcome";
import { lockReversalForResult } from "./lock-reversal-for-result";
import { recordReversalOutcome } from "./record-reversal-outcome";
import type { ReversalSettleOutcome } from "./settle-reversal-result";

export type ReversalStatusOutcome = ReversalSettleOutcome | { outcome: "unresolved"; reversalId: string };

/**
 * Applies a Transaction Status answer to the reversal it is about, exactly once (locked; one that
 * no longer awaits a result is left alone). The reversal is found by the Occasion we sent (its
 * id), the original ids among the parameters, its receipt, or the payment's receipt. An answer
 * about the reversal itself settles it when Completed; an answer about the payment settles it
 * when M-Pesa reports the payment Reversed (the reversal's own receipt then stays unknown).
 * Anything else (not found, still Completed, a refused query) settles nothing: the follow-up asks
 * again and, after its last query, hands the reversal to a person. Never "send again".
 */
export function settleReversalStatus(
  db: DbClient,
  options: { merchantId: string | null; result: DarajaResult; inboxId?: string | null; now?: Date },
): Promise<ReversalStatusOutcome> {
  const { result, merchantId } = options;
  if (!merchantId) return Promise.resolve({ outcome: "unknown_reversal" } as const);
  const details = readStatusResult(result);
  return inTransaction(db, async (tx) => {
    const reversal = await lockReversalForResult(tx, {
      merchantId,
      reversalId: details.occasion,
      originatorConversationId: details.originalOriginatorConversationId,
      conversationId: details.originalConversationId,
      receipt: details.receipt,
    });
    if (!reversal) return { outcome: "unknown_reversal" } as const;
    if (!awaitsResult(reversal))
      return { outcome: "already_final", reversalId: reversal.id, status: reversal.status } as const;
    const unresolved = { outcome: "unresolved", reversalId: reversal.id } as const;
    if (result.resultCode !== "0" || !details.receipt) return unresolved;
    const state = details.transactionStatus?.toLowerCase() ?? null;
    const aboutPayment = details.receipt === reversal.originalReceipt;
    if (aboutPayment ? state !== "reversed" : state !== null && state !== "completed") return unresolved;
    const status = await recordReversalOutcome(tx, {
      reversal,
      resultCode: "0",
      resultDesc: result.resultDesc,
      details: aboutPayment
        ? { receipt: null, amount: null, completedAt: null, parameters: details.parameters }
        : details,
      message: aboutPayment
        ? "Reversed: M-Pesa's Transaction Status reports the payment as reversed (the reversal's own receipt was not reported)."
        : undefined,
      source: "status",
      inboxId: options.inboxId,
      now: options.now ?? new Date(),
    });
    return { outcome: "applied", reversalId: reversal.id, status } as const;
  });
}
