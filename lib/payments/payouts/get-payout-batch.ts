import type { PayoutBatch } from "../../../prisma/generated/prisma/client";
import type { PayoutStatus } from "../../../prisma/generated/prisma/enums";
import type { DbClient } from "../../db-types";
import { isUuid } from "../../validation/id";

export interface PayoutBatchSummary {
  batch: PayoutBatch;
  /** Payouts and their whole-KES total per status, for the statuses present. */
  byStatus: { status: PayoutStatus; count: number; total: number }[];
}

/** One of the merchant's payout batches with its counts and totals by status; null if none. */
export async function getPayoutBatch(
  db: DbClient,
  options: { merchantId: string; batchId: string },
): Promise<PayoutBatchSummary | null> {
  if (!isUuid(options.batchId)) return null;
  const batch = await db.payoutBatch.findFirst({
    where: { id: options.batchId, merchantId: options.merchantId },
  });
  if (!batch) return null;
  const groups = await db.payout.groupBy({
    by: ["status"],
    where: { batchId: batch.id, merchantId: options.merchantId },
    _count: { _all: true },
    _sum: { amount: true },
    orderBy: { status: "asc" },
  });
  return {
    batch,
    byStatus: groups.map((g) => ({ status: g.status, count: g._count._all, total: g._sum.amount ?? 0 })),
  };
}
