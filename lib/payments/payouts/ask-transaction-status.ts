import type { DbClient } from "../../db-types";
import { DarajaError } from "../daraja/errors";
import type { PaymentsDeps } from "../deps";
import { getDarajaClient } from "../get-daraja-client";
import { payoutResultUrls } from "./payout-result-urls";

/**
 * Sends one Transaction Status query for a merchant, by receipt or by the conversation id of an
 * original request, with `occasion` (our row's id) so that the answer can be matched even without
 * those ids. The answer arrives at /api/mpesa/status-result/…. A refused or unreachable query is
 * only logged ("query_failed"): a query moves no money, so the caller's next follow-up asks again.
 */
export async function askTransactionStatus(
  db: DbClient,
  deps: PaymentsDeps,
  options: {
    merchantId: string;
    receipt?: string | null;
    originalConversationId?: string | null;
    remarks: string;
    occasion: string;
  },
): Promise<"queried" | "query_failed"> {
  try {
    const client = await getDarajaClient(db, deps, { merchantId: options.merchantId });
    const merchant = await db.merchant.findUniqueOrThrow({
      where: { id: options.merchantId },
      select: { id: true, callbackSecret: true },
    });
    await client.transactionStatus({
      transactionId: options.receipt ?? undefined,
      originalConversationId: options.receipt ? undefined : (options.originalConversationId ?? undefined),
      remarks: options.remarks,
      occasion: options.occasion,
      ...payoutResultUrls(deps.appUrl, "status", merchant),
    });
    return "queried";
  } catch (error) {
    if (!(error instanceof DarajaError)) throw error;
    deps.log?.warn({ err: error, occasion: options.occasion }, "transaction status query failed");
    return "query_failed";
  }
}
