import type { DbClient } from "../../db-types";
import type { PaymentsDeps } from "../deps";
import { askTransactionStatus } from "../payouts/ask-transaction-status";
import type { StatusQuery } from "../payouts/query-payout-status";
import { awaitsResult } from "../payouts/record-payout-outcome";

/**
 * Asks Transaction Status about a reversal whose outcome is not known, never sending it again.
 * It asks about the payment being reversed (by its receipt: M-Pesa reports it as Reversed once
 * the money went back) and, when Daraja answered the request, alternately about the reversal
 * itself (by the OriginatorConversationID Daraja gave it, which also tells its own receipt). Occasion carries the reversal's id; settle-reversal-status.ts applies the answer.
 */
export async function queryReversalStatus(
  db: DbClient,
  deps: PaymentsDeps,
  options: { reversalId: string },
): Promise<StatusQuery> {
  const now = deps.now?.() ?? new Date();
  const reversal = await db.reversal.findUnique({ where: { id: options.reversalId } });
  if (!reversal || !awaitsResult(reversal) || !reversal.originatorConversationId) return "not_in_flight";
  await db.reversal.update({ where: { id: reversal.id }, data: { lastQueriedAt: now } });
  const answered = reversal.conversationId !== null;
  const asked = await askTransactionStatus(db, deps, {
    merchantId: reversal.merchantId,
    receipt:
      reversal.receipt ?? (answered && reversal.statusQueryCount % 2 === 1 ? null : reversal.originalReceipt),
    originalConversationId: reversal.originatorConversationId,
    remarks: "Reversal status",
    occasion: reversal.id,
  });
  // A failed query is not counted: the next follow-up asks again.
  if (asked === "query_failed") return asked;
  await db.reversal.update({ where: { id: reversal.id }, data: { statusQueryCount: { increment: 1 } } });
  return "queried";
}
