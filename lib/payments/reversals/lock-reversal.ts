import type { Reversal } from "../../../prisma/generated/prisma/client";
import type { DbClient } from "../../db-types";
import { isUuid } from "../../validation/id";

/**
 * Reads one of the merchant's reversals with its row locked until the transaction ends (call it
 * inside one): approvals, rejections, cancellations, submission and results of one reversal happen
 * one after another. Null when the merchant has no such reversal.
 */
export async function lockReversal(
  tx: DbClient,
  options: { merchantId: string; reversalId: string },
): Promise<Reversal | null> {
  if (!isUuid(options.reversalId)) return null;
  const [row] = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM reversals
    WHERE id = ${options.reversalId}::uuid AND merchant_id = ${options.merchantId}::uuid
    FOR UPDATE`;
  return row ? tx.reversal.findUnique({ where: { id: row.id } }) : null;
}
