import type { Payout } from "../../../prisma/generated/prisma/client";
import type { DbClient } from "../../db-types";
import { isUuid } from "../../validation/id";

/**
 * Reads one of the merchant's payouts with its row locked until the transaction ends (call it
 * inside one): every change of status goes through this lock, so an approval, a rejection, a
 * cancellation and a submission of the same payout happen one after another, each seeing the
 * last one's result. Null when the merchant has no such payout.
 */
export async function lockPayout(
  tx: DbClient,
  options: { merchantId: string; payoutId: string },
): Promise<Payout | null> {
  if (!isUuid(options.payoutId)) return null;
  const [row] = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM payouts
    WHERE id = ${options.payoutId}::uuid AND merchant_id = ${options.merchantId}::uuid
    FOR UPDATE`;
  return row ? tx.payout.findUnique({ where: { id: row.id } }) : null;
}
