import type { DbClient } from "../../db-types";
import { STRANDED_AFTER_SECONDS } from "../payouts/find-stranded-payouts";

/**
 * Approved reversals never handed to Daraja a while after their approval (the process that was to
 * send them died, or every retry of a throttled send ran out), oldest first, bounded per run. The
 * sweep hands them back to the same submission path, which sends each at most once.
 */
export async function findStrandedReversals(
  db: DbClient,
  options: { now?: Date; limit?: number } = {},
): Promise<{ reversalId: string; merchantId: string }[]> {
  const before = new Date((options.now ?? new Date()).getTime() - STRANDED_AFTER_SECONDS * 1000);
  const rows = await db.reversal.findMany({
    where: { status: "approved", originatorConversationId: null, approvedAt: { lt: before } },
    select: { id: true, merchantId: true },
    orderBy: { approvedAt: "asc" },
    take: options.limit ?? 100,
  });
  return rows.map((r) => ({ reversalId: r.id, merchantId: r.merchantId }));
}
