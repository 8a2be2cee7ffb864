import type { AccountBalance } from "../../../prisma/generated/prisma/client";
import type { DbClient } from "../../db-types";
import { AppError } from "../../errors";
import { DarajaError } from "../daraja/errors";
import type { PaymentsDeps } from "../deps";
import { getDarajaClient } from "../get-daraja-client";

/** Where Daraja reports the balance: the merchant's id and callback secret in the path. */
export function balanceResultUrls(appUrl: string, merchant: { id: string; callbackSecret: string }) {
  const at = (kind: string) =>
    `${appUrl}/api/mpesa/balance-${kind}/${merchant.id}/${merchant.callbackSecret}`;
  return { resultUrl: at("result"), timeoutUrl: at("timeout") };
}

/**
 * Asks M-Pesa for the balances of the merchant's organisation shortcode in its current
 * environment (Account Balance, docs/daraja.md §12). The answer comes later to
 * /api/mpesa/balance-result/…; the row recorded here, with the ids Daraja gave the request, is
 * what settle-balance-result.ts fills. A request Daraja refuses is recorded as answered with its
 * error, so the failure is visible and the schedule does not ask again at once.
 */
export async function requestAccountBalance(
  db: DbClient,
  deps: PaymentsDeps,
  options: { merchantId: string },
): Promise<AccountBalance> {
  const now = deps.now?.() ?? new Date();
  const merchant = await db.merchant.findUnique({
    where: { id: options.merchantId },
    select: { id: true, callbackSecret: true, environment: true },
  });
  if (!merchant) throw new AppError("not_found", "Merchant not found.");
  const client = await getDarajaClient(db, deps, { merchantId: merchant.id });
  if (!client.config.initiator || !client.config.shortcode) {
    throw new AppError(
      "bad_request",
      "Add the initiator name and password in Settings → M-Pesa to read balances.",
    );
  }
  const row = {
    merchantId: merchant.id,
    environment: merchant.environment,
    shortcode: client.config.shortcode,
  };
  try {
    const accepted = await client.accountBalance({
      remarks: "Balance check",
      ...balanceResultUrls(deps.appUrl, merchant),
    });
    return await db.accountBalance.create({
      data: {
        ...row,
        originatorConversationId: accepted.originatorConversationId,
        conversationId: accepted.conversationId,
        requestedAt: now,
      },
    });
  } catch (error) {
    if (!(error instanceof DarajaError)) throw error;
    deps.log?.warn({ err: error, merchantId: merchant.id }, "account balance request refused");
    return db.accountBalance.create({
      data: {
        ...row,
        resultCode: error.errorCode,
        resultDesc: error.message.slice(0, 500),
        requestedAt: now,
        answeredAt: now,
      },
    });
  }
}
