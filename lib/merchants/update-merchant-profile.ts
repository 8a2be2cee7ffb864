import { z } from "zod";
import { appendAuditLog, type UserActor } from "../audit/append-audit-log";
import { type DbClient, inTransaction } from "../db-types";
import { AppError } from "../errors";
import { text } from "../validation/text";

export const merchantProfileSchema = z.object({
  name: text()
    .trim()
    .min(2, "Name the business (2-80 characters).")
    .max(80, "Name the business (2-80 characters)."),
});

/** Renames the merchant (its slug, part of no URL customers see, stays); audited with old and new. */
export async function updateMerchantProfile(
  db: DbClient,
  options: { merchantId: string; name: string; actor: UserActor },
) {
  const parsed = merchantProfileSchema.safeParse({ name: options.name });
  if (!parsed.success)
    throw new AppError("validation_failed", parsed.error.issues[0]?.message ?? "Check the name.", {
      field: "name",
    });
  return inTransaction(db, async (tx) => {
    const before = await tx.merchant.findUniqueOrThrow({
      where: { id: options.merchantId },
      select: { name: true },
    });
    if (before.name === parsed.data.name) return before;
    const updated = await tx.merchant.update({
      where: { id: options.merchantId },
      data: { name: parsed.data.name },
      select: { name: true },
    });
    await appendAuditLog(tx, {
      merchantId: options.merchantId,
      actor: { type: "user", ...options.actor },
      action: "merchant.profile_updated",
      target: { type: "merchant", id: options.merchantId },
      metadata: { from: before.name, to: updated.name },
    });
    return updated;
  });
}
