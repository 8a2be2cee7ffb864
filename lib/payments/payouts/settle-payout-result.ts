import type { PayoutStatus } from "../../../prisma/generated/prisma/enums";
import { type DbClient, inTransaction } from "../../db-types";
import type { DarajaResult } from "../daraja/inbound";
import { readPayoutResult } from "../daraja/payout-result";
import { lockPayoutForResult } from "./lock-payout-for-result";
import { awaitsResult, recordPayoutOutcome } from "./record-payout-outcome";

export type PayoutSettleOutcome =
  | { outcome: "applied"; payoutId: string; status: PayoutStatus }
  | { outcome: "already_final"; payoutId: string; status: PayoutStatus }
  | { outcome: "unknown_payout" };

/**
 * Applies a B2C or B2B Result exactly once: the payout is found by its ids within the callback's
 * merchant and locked, a result for a payout that no longer awaits one is ignored (so duplicate
 * deliveries settle once), and the answer is recorded with receipt, recipient name, completion
 * time and parameters. A result that beats the recording of B2B's synchronous answer finds no
 * payout yet and is retried by the inbox.
 */
export function settlePayoutResult(
  db: DbClient,
  options: { merchantId: string | null; result: DarajaResult; inboxId?: string | null; now?: Date },
): Promise<PayoutSettleOutcome> {
  const { result, merchantId } = options;
  if (!merchantId) return Promise.resolve({ outcome: "unknown_payout" } as const);
  return inTransaction(db, async (tx) => {
    const payout = await lockPayoutForResult(tx, {
      merchantId,
      originatorConversationId: result.originatorConversationId,
      conversationId: result.conversationId,
    });
    if (!payout) return { outcome: "unknown_payout" } as const;
    if (!awaitsResult(payout))
      return { outcome: "already_final", payoutId: payout.id, status: payout.status } as const;
    const status = await recordPayoutOutcome(tx, {
      payout,
      resultCode: result.resultCode,
      resultDesc: result.resultDesc,
      details: readPayoutResult(result),
      source: "result",
      inboxId: options.inboxId,
      now: options.now ?? new Date(),
    });
    return { outcome: "applied", payoutId: payout.id, status } as const;
  });
}
