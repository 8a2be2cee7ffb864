import type { DbClient } from "../../db-types";
import { AppError } from "../../errors";
import { computeReconciliationDay } from "./compute-reconciliation-day";
import { type ReconciliationDayView, viewOfLiveDay, viewOfStoredDay } from "./reconciliation-day-view";
import { earlierDay, kenyanDaysBetween, todayInKenya } from "./reconciliation-figures";
import { MAX_REFRESH_DAYS, refreshReconciliationDays } from "./refresh-reconciliation-days";

/**
 * The merchant's reconciliation days from `from` to `to` (inclusive), newest first: past days from
 * their stored rows, refreshed first where stale; today computed live; future days left out.
 */
export async function findReconciliationDays(
  db: DbClient,
  options: { merchantId: string; from: string; to: string; now?: Date },
): Promise<ReconciliationDayView[]> {
  const now = options.now ?? new Date();
  const today = todayInKenya(now);
  const to = earlierDay(options.to, today);
  if (options.from > to) return [];
  if (kenyanDaysBetween(options.from, to).length > MAX_REFRESH_DAYS)
    throw new AppError("bad_request", `Choose at most ${MAX_REFRESH_DAYS} days.`);
  const past = await refreshReconciliationDays(db, { ...options, to, now });
  const views = past.map(viewOfStoredDay);
  if (to === today)
    views.push(
      viewOfLiveDay(await computeReconciliationDay(db, { merchantId: options.merchantId, day: today })),
    );
  return views.reverse();
}
