import type { DbClient } from "../../db-types";
import type { PaymentsDeps } from "../deps";
import { askTransactionStatus } from "./ask-transaction-status";
import { awaitsResult } from "./record-payout-outcome";

export type StatusQuery = "queried" | "query_failed" | "not_in_flight";

/**
 * Asks M-Pesa's Transaction Status API about a payout whose outcome is not known, never sending
 * the payout again. It asks by receipt when one is known, else by the conversation ids of the
 * original request, alternating between ours (OriginatorConversationID) and Daraja's
 * (ConversationID): the docs leave open which one OriginalConversationID means. Occasion carries
 * the payout's id so that an answer can be matched even without the original ids. The answer
 * arrives at /api/mpesa/status-result/… and settle-payout-status.ts applies it.
 */
export async function queryPayoutStatus(
  db: DbClient,
  deps: PaymentsDeps,
  options: { payoutId: string },
): Promise<StatusQuery> {
  const now = deps.now?.() ?? new Date();
  const payout = await db.payout.findUnique({ where: { id: options.payoutId } });
  if (!payout || !awaitsResult(payout) || !payout.originatorConversationId) return "not_in_flight";
  await db.payout.update({ where: { id: payout.id }, data: { lastQueriedAt: now } });
  const byConversation = payout.conversationId && payout.statusQueryCount % 2 === 1;
  const asked = await askTransactionStatus(db, deps, {
    merchantId: payout.merchantId,
    receipt: payout.receipt,
    originalConversationId: byConversation ? payout.conversationId : payout.originatorConversationId,
    remarks: "Payout status",
    occasion: payout.id,
  });
  // A failed query is not counted: the next follow-up asks again.
  if (asked === "query_failed") return asked;
  await db.payout.update({ where: { id: payout.id }, data: { statusQueryCount: { increment: 1 } } });
  return "queried";
}
