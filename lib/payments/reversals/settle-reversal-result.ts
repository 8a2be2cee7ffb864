import type { ReversalStatus } from "../../../prisma/generated/prisma/enums";
import { type DbClient, inTransaction } from "../../db-types";
import type { DarajaResult } from "../daraja/inbound";
import { readReversalResult } from "../daraja/payout-result";
import { awaitsResult } from "../payouts/record-payout-outcome";
import { lockReversalForResult } from "./lock-reversal-for-result";
import { recordReversalOutcome } from "./record-reversal-outcome";

export type ReversalSettleOutcome =
  | { outcome: "applied"; reversalId: string; status: ReversalStatus }
  | { outcome: "already_final"; reversalId: string; status: ReversalStatus }
  | { outcome: "unknown_reversal" };

/**
 * Applies a Reversal Result exactly once: the reversal is found by its conversation ids within
 * the callback's merchant and locked, a result for one that no longer awaits a result is ignored
 * (duplicate deliveries change nothing), and the answer is recorded: 0 reverses the payment,
 * anything else fails the reversal in plain words (reversal-outcomes.ts). A result that beats the
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
    if (!awaitsResult(reversal))
      return { outcome: "already_final", reversalId: reversal.id, status: reversal.status } as const;
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
