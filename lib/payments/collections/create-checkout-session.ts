import { z } from "zod";
import type { CheckoutSession } from "../../../prisma/generated/prisma/client";
import type { DbClient } from "../../db-types";
import { text } from "../../validation/text";
import { DEFAULT_MAX_AMOUNT_KES } from "../money";

export const createCheckoutSessionSchema = z.object({
  amount: z.number().int("Amount must be whole shillings.").min(1).max(DEFAULT_MAX_AMOUNT_KES),
  reference: text().trim().min(1).max(12, "The reference must be at most 12 characters (M-Pesa shows it)."),
  description: text().trim().max(100).optional(),
  expiresInMinutes: z
    .number()
    .int()
    .min(5)
    .max(7 * 24 * 60)
    .default(60),
});

/** What a customer will be asked to pay on the hosted checkout page. */
export function createCheckoutSession(
  db: DbClient,
  options: { merchantId: string; now?: Date } & z.infer<typeof createCheckoutSessionSchema>,
): Promise<CheckoutSession> {
  const now = options.now ?? new Date();
  return db.checkoutSession.create({
    data: {
      merchantId: options.merchantId,
      amount: options.amount,
      reference: options.reference,
      description: options.description ?? null,
      expiresAt: new Date(now.getTime() + options.expiresInMinutes * 60_000),
    },
  });
}
