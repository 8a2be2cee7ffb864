import type { Reversal } from "../../../prisma/generated/prisma/client";
import type { DbClient } from "../../db-types";
import { isUuid } from "../../validation/id";

/**
 * Finds and row-locks the merchant's reversal that a Result points at, inside the caller's
 * transaction: by Daraja's conversation ids, its own receipt, our id (a status query's Occasion),
 * or, for a status answer about the payment being reversed, that payment's receipt while the
 * reversal still awaits its result. A result only ever settles a reversal of the merchant whose
 * callback URL it came to.
 */
export async function lockReversalForResult(
  tx: DbClient,
  options: {
    merchantId: string;
    reversalId?: string | null;
    originatorConversationId?: string | null;
    conversationId?: string | null;
    receipt?: string | null;
  },
): Promise<Reversal | null> {
  const reversalId = options.reversalId && isUuid(options.reversalId) ? options.reversalId : null;
  const receipt = options.receipt ?? null;
  const [row] = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM reversals
    WHERE merchant_id = ${options.merchantId}::uuid
      AND (id = ${reversalId}::uuid
        OR originator_conversation_id = ${options.originatorConversationId ?? null}
        OR conversation_id = ${options.conversationId ?? null}
        OR receipt = ${receipt}
        OR (original_receipt = ${receipt} AND status IN ('submitted', 'unknown', 'needs_review')))
    ORDER BY id = ${reversalId}::uuid DESC NULLS LAST, created_at DESC
    LIMIT 1
    FOR UPDATE`;
  return row ? tx.reversal.findUniqueOrThrow({ where: { id: row.id } }) : null;
}
