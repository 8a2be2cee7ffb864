import { type DbClient, inTransaction } from "../../db-types";
import type { DarajaResult } from "../daraja/inbound";
import { lockReversalForResult } from "./lock-reversal-for-result";
import type { ReversalSettleOutcome } from "./settle-reversal-result";

/**
 * A queue-timeout notice for a reversal: M-Pesa may or may not have reversed the payment, so the
 * reversal becomes unknown (never re-sent) and is due for Transaction Status at once (clearing
 * lastQueriedAt puts it first).
 */
export function markReversalUnknown(
  db: DbClient,
  options: { merchantId: string | null; notice: DarajaResult },
): Promise<ReversalSettleOutcome> {
  const { notice, merchantId } = options;
  if (!merchantId) return Promise.resolve({ outcome: "unknown_reversal" } as const);
  return inTransaction(db, async (tx) => {
    const reversal = await lockReversalForResult(tx, {
      merchantId,
      originatorConversationId: notice.originatorConversationId,
      conversationId: notice.conversationId,
    });
    if (!reversal) return { outcome: "unknown_reversal" } as const;
    if (reversal.status !== "submitted")
      return { outcome: "already_final", reversalId: reversal.id, status: reversal.status } as const;
    await tx.reversal.update({
      where: { id: reversal.id },
      data: {
        status: "unknown",
        resultCode: notice.resultCode,
        resultDesc: "M-Pesa's queue timed out: Malipo is asking M-Pesa whether the payment was reversed.",
        lastQueriedAt: null,
      },
    });
    return { outcome: "applied", reversalId: reversal.id, status: "unknown" } as const;
  });
}
