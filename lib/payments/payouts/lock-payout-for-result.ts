import type { Payout } from "../../../prisma/generated/prisma/client";
import type { DbClient } from "../../db-types";
import { isUuid } from "../../validation/id";

/**
 * Finds and row-locks the merchant's payout that a Result points at, inside the caller's
 * transaction: by Daraja's conversation ids, the receipt, or our payout id (sent as a status
 * query's Occasion). Null when none does. A result only ever settles a payout of the merchant
 * whose callback URL it came to.
 */
export async function lockPayoutForResult(
  tx: DbClient,
  options: {
    merchantId: string;
    payoutId?: string | null;
    originatorConversationId?: string | null;
    conversationId?: string | null;
    receipt?: string | null;
  },
): Promise<Payout | null> {
  const payoutId = options.payoutId && isUuid(options.payoutId) ? options.payoutId : null;
  const [row] = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM payouts
    WHERE merchant_id = ${options.merchantId}::uuid
      AND (id = ${payoutId}::uuid
        OR originator_conversation_id = ${options.originatorConversationId ?? null}
        OR conversation_id = ${options.conversationId ?? null}
        OR receipt = ${options.receipt ?? null})
    ORDER BY created_at
    LIMIT 1
    FOR UPDATE`;
  return row ? tx.payout.findUniqueOrThrow({ where: { id: row.id } }) : null;
}
