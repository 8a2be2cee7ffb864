import type { DbClient } from "../db-types";
import type { PaymentsDeps } from "./deps";
import { getDarajaClient } from "./get-daraja-client";

/**
 * Tells M-Pesa where to ask before (validation) and report after (confirmation) paybill and till
 * payments. These URLs use /api/hooks/: Safaricom refuses C2B URLs containing "mpesa".
 */
export async function registerC2bUrls(
  db: DbClient,
  deps: PaymentsDeps,
  options: { merchantId: string; responseType?: "Completed" | "Cancelled" },
) {
  const merchant = await db.merchant.findUniqueOrThrow({
    where: { id: options.merchantId },
    select: { callbackSecret: true },
  });
  const base = `${deps.appUrl}/api/hooks`;
  const client = await getDarajaClient(db, deps, { merchantId: options.merchantId });
  return client.registerC2bUrls({
    responseType: options.responseType ?? "Completed",
    validationUrl: `${base}/c2b-validation/${options.merchantId}/${merchant.callbackSecret}`,
    confirmationUrl: `${base}/c2b-confirmation/${options.merchantId}/${merchant.callbackSecret}`,
  });
}
