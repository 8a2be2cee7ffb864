import type { Payout } from "../../../prisma/generated/prisma/client";
import type { DbClient } from "../../db-types";
import { isUuid } from "../../validation/id";
import { type QueueViewer, queueTabWhere } from "./find-payout-queue";

/** Rows a batch page shows at once; the totals by status always cover the whole batch. */
export const BATCH_PAGE_ROWS = 500;

/**
 * A batch's payouts in the file's row order (first `limit` rows from `fromRow`), and how many of
 * them wait for this viewer's approval (what "Approve batch" would decide).
 */
export async function findBatchPayouts(
  db: DbClient,
  options: { merchantId: string; batchId: string; viewer: QueueViewer; fromRow?: number; limit?: number },
): Promise<{ data: Payout[]; waitingForViewer: number }> {
  if (!isUuid(options.batchId)) return { data: [], waitingForViewer: 0 };
  const where = { merchantId: options.merchantId, batchId: options.batchId };
  const [data, waitingForViewer] = await Promise.all([
    db.payout.findMany({
      where: { ...where, ...(options.fromRow ? { batchRow: { gte: options.fromRow } } : {}) },
      orderBy: [{ batchRow: "asc" }, { id: "asc" }],
      take: options.limit ?? BATCH_PAGE_ROWS,
    }),
    db.payout.count({ where: { ...where, AND: [queueTabWhere("waiting_for_me", options.viewer)] } }),
  ]);
  return { data, waitingForViewer };
}
