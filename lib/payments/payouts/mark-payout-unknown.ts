import { type DbClient, inTransaction } from "../../db-types";
import type { DarajaResult } from "../daraja/inbound";
import { lockPayoutForResult } from "./lock-payout-for-result";
import type { PayoutSettleOutcome } from "./settle-payout-result";

/**
 * A queue-timeout notice for a B2C or B2B payout: M-Pesa may or may not have paid, so the payout
 * becomes unknown (never re-sent) and is due for Transaction Status at once: its follow-up and
 * reconciliation query unknown payouts whose last query is older than their back-off, and
 * clearing lastQueriedAt puts this one first.
 */
export function markPayoutUnknown(
  db: DbClient,
  options: { merchantId: string | null; notice: DarajaResult },
): Promise<PayoutSettleOutcome> {
  const { notice, merchantId } = options;
  if (!merchantId) return Promise.resolve({ outcome: "unknown_payout" } as const);
  return inTransaction(db, async (tx) => {
    const payout = await lockPayoutForResult(tx, {
      merchantId,
      originatorConversationId: notice.originatorConversationId,
      conversationId: notice.conversationId,
    });
    if (!payout) return { outcome: "unknown_payout" } as const;
    if (payout.status !== "submitted")
      return { outcome: "already_final", payoutId: payout.id, status: payout.status } as const;
    await tx.payout.update({
      where: { id: payout.id },
      data: {
        status: "unknown",
        resultCode: notice.resultCode,
        resultDesc: "M-Pesa's queue timed out: Malipo is asking M-Pesa whether it was paid.",
        lastQueriedAt: null,
      },
    });
    return { outcome: "applied", payoutId: payout.id, status: "unknown" } as const;
  });
}
