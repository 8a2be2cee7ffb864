import type { MpesaEnvironment, Role } from "../../prisma/generated/prisma/enums";
import { appendAuditLog, type UserActor } from "../audit/append-audit-log";
import { type DbClient, inTransaction } from "../db-types";
import { AppError } from "../errors";

/**
 * Moves the merchant's money to another M-Pesa (simulator, sandbox, production). Refused until
 * that environment has credentials; going live is for owners only; audited, because it decides
 * whether money is real.
 */
export async function setMerchantEnvironment(
  db: DbClient,
  options: {
    merchantId: string;
    environment: MpesaEnvironment;
    actor: UserActor & { role: Role };
  },
) {
  if (options.environment === "production" && options.actor.role !== "owner")
    throw new AppError("forbidden", "Only an owner can switch to production: it moves real money.");
  return inTransaction(db, async (tx) => {
    const merchant = await tx.merchant.findUniqueOrThrow({
      where: { id: options.merchantId },
      select: { environment: true },
    });
    if (merchant.environment === options.environment) return merchant;
    const credential = await tx.mpesaCredential.findUnique({
      where: {
        merchantId_environment: { merchantId: options.merchantId, environment: options.environment },
      },
      select: { id: true },
    });
    if (!credential)
      throw new AppError("conflict", `Save the ${options.environment} credentials before switching to it.`);
    const updated = await tx.merchant.update({
      where: { id: options.merchantId },
      data: { environment: options.environment },
      select: { environment: true },
    });
    await appendAuditLog(tx, {
      merchantId: options.merchantId,
      actor: { type: "user", ...options.actor },
      action: "merchant.environment_changed",
      target: { type: "merchant", id: options.merchantId },
      metadata: { from: merchant.environment, to: options.environment },
    });
    return updated;
  });
}
