import type { DbClient } from "../../db-types";
import { DarajaError } from "../daraja/errors";
import type { PaymentsDeps } from "../deps";
import { getDarajaClient } from "../get-daraja-client";
import { payoutResultUrls } from "./payout-result-urls";
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
  try {
    const client = await getDarajaClient(db, deps, { merchantId: payout.merchantId });
    const merchant = await db.merchant.findUniqueOrThrow({
      where: { id: payout.merchantId },
      select: { id: true, callbackSecret: true },
    });
    await client.transactionStatus({
      transactionId: payout.receipt ?? undefined,
      originalConversationId: payout.receipt
        ? undefined
        : ((byConversation ? payout.conversationId : payout.originatorConversationId) ?? undefined),
      remarks: "Payout status",
      occasion: payout.id,
      ...payoutResultUrls(deps.appUrl, "status", merchant),
    });
  } catch (error) {
    if (!(error instanceof DarajaError)) throw error;
    // Not counted: the next follow-up asks again. A query moves no money, so nothing is at risk.
    deps.log?.warn({ err: error, payoutId: payout.id }, "transaction status query failed");
    return "query_failed";
  }
  await db.payout.update({ where: { id: payout.id }, data: { statusQueryCount: { increment: 1 } } });
  return "queried";
}
