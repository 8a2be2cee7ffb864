import type { Role } from "../../prisma/generated/prisma/enums";
import type { AuditEntry } from "../audit/append-audit-log";
import { appendAuditLog } from "../audit/append-audit-log";
import type { DbClient } from "../db-types";
import { AppError } from "../errors";
import type { PaymentsDeps } from "../payments/deps";
import { getDarajaClient } from "../payments/get-daraja-client";

/**
 * Tells M-Pesa where to ask before (validation) and report after (confirmation) paybill and till
 * payments. These URLs use /api/hooks/: Safaricom refuses C2B URLs containing "mpesa".
 * For a merchant in production only an owner (or the operator's CLI) may do it, as for the
 * production credentials it uses.
 */
export async function registerC2bUrls(
  db: DbClient,
  deps: PaymentsDeps,
  options: {
    merchantId: string;
    responseType?: "Completed" | "Cancelled";
    /** Who asked; the registration is audited (defaults to the system, for the CLI). */
    actor?: AuditEntry["actor"] & { role?: Role };
  },
) {
  const merchant = await db.merchant.findUniqueOrThrow({
    where: { id: options.merchantId },
    select: { callbackSecret: true, environment: true },
  });
  if (
    merchant.environment === "production" &&
    options.actor?.type === "user" &&
    options.actor.role !== "owner"
  )
    throw new AppError("forbidden", "Only an owner can register production C2B URLs.");
  const base = `${deps.appUrl}/api/hooks`;
  const client = await getDarajaClient(db, deps, { merchantId: options.merchantId });
  const responseType = options.responseType ?? "Completed";
  const result = await client.registerC2bUrls({
    responseType,
    validationUrl: `${base}/c2b-validation/${options.merchantId}/${merchant.callbackSecret}`,
    confirmationUrl: `${base}/c2b-confirmation/${options.merchantId}/${merchant.callbackSecret}`,
  });
  await appendAuditLog(db, {
    merchantId: options.merchantId,
    actor: options.actor ?? { type: "system", label: "c2b:register" },
    action: "mpesa.c2b_urls_registered",
    target: { type: "merchant", id: options.merchantId },
    metadata: { responseType, description: result.description },
  });
  return result;
}
