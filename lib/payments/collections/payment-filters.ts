// Filters for finding payments in the dashboard and exports. Phone numbers are matched through
// their keyed hash (the stored number is encrypted); amounts are whole KES; dates are inclusive
// days in Kenyan time.
import { z } from "zod";
import type { Prisma } from "../../../prisma/generated/prisma/client";
import type { Keyring } from "../../crypto/keyring";
import { lookupHash } from "../../crypto/seal";
import { blankToUndefined, kenyanDayRange, kenyanDaySchema } from "../../kenyan-days";
import { text } from "../../validation/text";
import { normalizeKenyanPhone } from "../phone";

export const paymentFilterSchema = z.object({
  status: z.preprocess(
    blankToUndefined,
    z.enum(["pending", "paid", "failed", "cancelled", "timed_out", "needs_review", "reversed"]).optional(),
  ),
  from: z.preprocess(blankToUndefined, kenyanDaySchema.optional()),
  to: z.preprocess(blankToUndefined, kenyanDaySchema.optional()),
  minAmount: z.preprocess(blankToUndefined, z.coerce.number().int().min(0).optional()),
  maxAmount: z.preprocess(blankToUndefined, z.coerce.number().int().min(0).optional()),
  reference: z.preprocess(blankToUndefined, text().trim().max(12).optional()),
  receipt: z.preprocess(blankToUndefined, text().trim().toUpperCase().max(20).optional()),
  phone: z.preprocess(blankToUndefined, text().max(20).optional()),
});

export type PaymentFilters = z.infer<typeof paymentFilterSchema>;

/** The Prisma `where` for a merchant's payments under these filters (an unusable phone matches nothing). */
export function paymentWhere(
  merchantId: string,
  filters: PaymentFilters,
  keyring: Keyring,
): Prisma.PaymentWhereInput {
  const phone = filters.phone ? normalizeKenyanPhone(filters.phone) : null;
  return {
    merchantId,
    ...(filters.status ? { status: filters.status } : {}),
    createdAt: kenyanDayRange(filters.from, filters.to),
    ...(filters.minAmount !== undefined || filters.maxAmount !== undefined
      ? {
          amount: {
            ...(filters.minAmount !== undefined ? { gte: filters.minAmount } : {}),
            ...(filters.maxAmount !== undefined ? { lte: filters.maxAmount } : {}),
          },
        }
      : {}),
    ...(filters.reference ? { reference: filters.reference } : {}),
    ...(filters.receipt ? { receipt: filters.receipt } : {}),
    ...(phone ? { phoneHash: phone.ok ? lookupHash(keyring, phone.msisdn, "phone") : "no-such-phone" } : {}),
  };
}
