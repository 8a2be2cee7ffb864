import type { DbClient } from "../../db-types";
import type { PaymentsDeps } from "../deps";
import { PAYOUT_RESULT_WINDOW_MS } from "../payouts/follow-up-payout";
import { followUpReversal } from "./follow-up-reversal";

/**
 * The sweep's share of reversals: those sent without an outcome (unknown, or submitted past the
 * Result window) get one follow-up step each, least recently queried first, a bounded batch a run.
 */
export async function followUpOverdueReversals(
  db: DbClient,
  deps: PaymentsDeps,
  options: { now: Date; limit?: number },
): Promise<{ queried: number; toReview: number }> {
  const overdue = await db.reversal.findMany({
    where: {
      OR: [
        { status: "unknown" },
        {
          status: "submitted",
          submittedAt: { lt: new Date(options.now.getTime() - PAYOUT_RESULT_WINDOW_MS) },
        },
      ],
    },
    select: { id: true },
    orderBy: [{ lastQueriedAt: { sort: "asc", nulls: "first" } }, { submittedAt: "asc" }],
    take: options.limit ?? 50,
  });
  const counts = { queried: 0, toReview: 0 };
  for (const { id } of overdue) {
    const result = await followUpReversal(db, deps, { reversalId: id });
    if (result === "queried") counts.queried += 1;
    if (result === "gave_up") counts.toReview += 1;
  }
  return counts;
}
