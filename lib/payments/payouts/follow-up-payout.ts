import type { DbClient } from "../../db-types";
import type { PaymentsDeps } from "../deps";
import { queryPayoutStatus } from "./query-payout-status";
import { awaitsResult, NO_ANSWER_CODE } from "./record-payout-outcome";

/** A submitted payout without a Result after this long is looked up with Transaction Status. */
export const PAYOUT_RESULT_WINDOW_MS = 2 * 60_000;

/** Seconds to wait before the 1st, 2nd, … status query after the previous one. */
export const STATUS_QUERY_BACK_OFF_SECONDS = [0, 30, 60, 120, 300];

/** After this many answered queries without a resolution the payout goes to a person. */
export const MAX_STATUS_QUERIES = STATUS_QUERY_BACK_OFF_SECONDS.length;

/** How long the last query's answer is awaited before giving up. */
export const LAST_ANSWER_WAIT_MS = 60_000;

/**
 * When the background follows a payout up after submission (seconds after the previous step):
 * about 35 minutes in all, past the last query and its answer. Inngest's follow-up-payout
 * function and the in-process fallback both use it; reconciliation covers the rest.
 */
export const FOLLOW_UP_PAYOUT_SCHEDULE_SECONDS = [30, 30, 60, 60, 120, 300, 600, 900];

export type PayoutFollowUp = "settled" | "waiting" | "queried" | "gave_up";

/**
 * One step of resolving a payout's outcome without ever sending it again: a submitted payout gets
 * its Result window; after that (or at once for unknown ones, e.g. after a queue timeout)
 * Transaction Status is asked with back-off; when MAX_STATUS_QUERIES answers brought no
 * resolution, the payout goes to needs_review for a person to check on the M-Pesa portal.
 */
export async function followUpPayout(
  db: DbClient,
  deps: PaymentsDeps,
  options: { payoutId: string },
): Promise<PayoutFollowUp> {
  const now = deps.now?.() ?? new Date();
  const payout = await db.payout.findUnique({ where: { id: options.payoutId } });
  if (!payout || !awaitsResult(payout) || payout.status === "needs_review") return "settled";
  const sinceSubmitted = now.getTime() - (payout.submittedAt ?? payout.updatedAt).getTime();
  if (payout.status === "submitted" && sinceSubmitted < PAYOUT_RESULT_WINDOW_MS) return "waiting";
  const sinceQueried = payout.lastQueriedAt ? now.getTime() - payout.lastQueriedAt.getTime() : null;
  if (payout.statusQueryCount >= MAX_STATUS_QUERIES) {
    if (sinceQueried !== null && sinceQueried < LAST_ANSWER_WAIT_MS) return "waiting";
    const gaveUp = await db.payout.updateMany({
      where: { id: payout.id, status: { in: ["submitted", "unknown"] } },
      data: {
        status: "needs_review",
        resultCode: NO_ANSWER_CODE,
        resultDesc: `M-Pesa did not confirm this payout after ${MAX_STATUS_QUERIES} status checks. Check it on the M-Pesa portal before paying again; a late answer still settles it.`,
        settledAt: now,
      },
    });
    return gaveUp.count === 1 ? "gave_up" : "settled";
  }
  const backOff = (STATUS_QUERY_BACK_OFF_SECONDS[payout.statusQueryCount] ?? 300) * 1000;
  if (sinceQueried !== null && sinceQueried < backOff) return "waiting";
  const asked = await queryPayoutStatus(db, deps, { payoutId: payout.id });
  return asked === "not_in_flight" ? "settled" : asked === "queried" ? "queried" : "waiting";
}
